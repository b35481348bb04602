//! Who sent a request, as far as it can be believed: the address sign-in throttling counts, the
//! host the same-origin check compares with, and whether the person's browser reached us over
//! HTTPS (the session cookie is then `Secure`).
//!
//! Behind a reverse proxy the socket's address is the proxy's, and the person's address, host
//! and scheme come in `X-Forwarded-For`, `X-Forwarded-Host` and `X-Forwarded-Proto`. Anyone
//! can send those headers, so they are read only when the connection comes from an address
//! listed in `DVK_TRUSTED_PROXIES`; nothing else in the server reads them.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::{
    extract::{ConnectInfo, Request, State},
    http::{HeaderMap, header},
    middleware::Next,
    response::Response,
};
use ipnet::IpNet;

use crate::AppState;

/// The sender of a request, computed once per request by [`identify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    /// The person's address: the socket's, or the one a trusted proxy forwarded.
    pub ip: IpAddr,
    /// The host the browser asked for (`Host`, or a trusted proxy's `X-Forwarded-Host`).
    pub host: Option<String>,
    /// Whether the browser's connection was HTTPS (only a trusted proxy can say so: the server
    /// itself speaks plain HTTP).
    pub https: bool,
}

/// Reads a list of proxies as the setting gives it: addresses or CIDR ranges, separated by
/// commas or spaces (`127.0.0.1, 10.0.0.0/8, ::1`).
pub fn parse_trusted_proxies(text: &str) -> Result<Vec<IpNet>, String> {
    text.split([',', ' '])
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            item.parse::<IpNet>()
                .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    format!("{item:?} is neither an IP address nor a CIDR range (e.g. 10.0.0.0/8)")
                })
        })
        .collect()
}

/// Works out the request's [`Peer`] and puts it in the request's extensions.
pub async fn identify(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let socket = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip());
    let peer = resolve(socket, request.headers(), &state.trusted_proxies);
    request.extensions_mut().insert(peer);
    next.run(request).await
}

/// The peer of a request that came from `socket` with `headers`.
pub fn resolve(socket: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> Peer {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&socket) {
        return Peer {
            ip: socket,
            host,
            https: false,
        };
    }
    // Each proxy appends the address it received from: walking from the right, the first
    // address that is not one of our proxies is the person's. Anything left of it was written
    // by the person's side and proves nothing.
    let mut ip = socket;
    for hop in all_values(headers, "x-forwarded-for").rev() {
        match hop.parse::<IpAddr>() {
            Ok(hop) if is_trusted(&hop) => ip = hop,
            Ok(hop) => {
                ip = hop;
                break;
            }
            Err(_) => break,
        }
    }
    // The proxy nearest to us sets these last, so its value is the last one.
    let forwarded_host = all_values(headers, "x-forwarded-host").next_back();
    let proto = all_values(headers, "x-forwarded-proto").next_back();
    Peer {
        ip,
        host: forwarded_host.map(str::to_owned).or(host),
        https: proto.is_some_and(|p| p.eq_ignore_ascii_case("https")),
    }
}

/// The comma-separated values of every `name` header, in order.
fn all_values<'a>(
    headers: &'a HeaderMap,
    name: &'static str,
) -> impl DoubleEndedIterator<Item = &'a str> {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect::<Vec<_>>()
        .into_iter()
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn forwarded_headers_from_an_untrusted_address_are_ignored() {
        let sent = headers(&[
            ("host", "dvk.example.vn"),
            ("x-forwarded-for", "1.2.3.4"),
            ("x-forwarded-host", "evil.example"),
            ("x-forwarded-proto", "https"),
        ]);
        let peer = resolve(
            ip("203.0.113.9"),
            &sent,
            &parse_trusted_proxies("127.0.0.1").unwrap(),
        );
        assert_eq!(
            peer,
            Peer {
                ip: ip("203.0.113.9"),
                host: Some("dvk.example.vn".into()),
                https: false
            }
        );
        assert_eq!(
            resolve(ip("127.0.0.1"), &sent, &[]).ip,
            ip("127.0.0.1"),
            "nobody trusted by default"
        );
    }

    #[test]
    fn a_trusted_proxy_says_who_the_person_is_and_a_forged_hop_does_not_help() {
        let trusted = parse_trusted_proxies("127.0.0.1, 10.0.0.0/8").unwrap();
        // The person forged "9.9.9.9"; our proxies (10.0.0.5, then 127.0.0.1) appended the rest.
        let sent = headers(&[
            ("host", "127.0.0.1:8080"),
            ("x-forwarded-for", "9.9.9.9, 198.51.100.7"),
            ("x-forwarded-for", "10.0.0.5"),
            ("x-forwarded-host", "dvk.example.vn"),
            ("x-forwarded-proto", "https"),
        ]);
        let peer = resolve(ip("127.0.0.1"), &sent, &trusted);
        assert_eq!(
            peer,
            Peer {
                ip: ip("198.51.100.7"),
                host: Some("dvk.example.vn".into()),
                https: true
            }
        );
        // A proxy that forwards nothing leaves the socket's address and the Host.
        let plain = resolve(ip("10.1.2.3"), &headers(&[("host", "a")]), &trusted);
        assert_eq!(
            (plain.ip, plain.host.as_deref(), plain.https),
            (ip("10.1.2.3"), Some("a"), false)
        );
    }

    #[test]
    fn the_setting_takes_addresses_and_ranges_and_refuses_anything_else() {
        assert_eq!(parse_trusted_proxies("").unwrap(), vec![]);
        assert_eq!(
            parse_trusted_proxies(" ::1 ,192.168.0.0/16").unwrap().len(),
            2
        );
        let error = parse_trusted_proxies("127.0.0.1, proxy.local").unwrap_err();
        assert!(error.contains("proxy.local"), "{error}");
    }
}
