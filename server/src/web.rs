//! Serves the app built by Trunk: files from the dist directory, `index.html` for client routes,
//! and cache headers that let hashed assets live long while the shell always revalidates.

use std::path::Path;

use axum::{
    Router,
    extract::Request,
    http::{HeaderValue, header},
    middleware::{self, Next},
    response::Response,
};
use tower_http::services::{ServeDir, ServeFile};

/// Hashed assets never change under their name; everything else (`index.html`, the service
/// worker, the manifest, icons) must be revalidated so a new release reaches the tablets.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

/// The app, with `index.html` for any path that is not a file (client-side routes answer 200,
/// so the service worker and the browser may cache them like the shell itself).
pub fn app_service(dist_dir: &Path) -> Router {
    if !dist_dir.join("index.html").is_file() {
        tracing::warn!(
            dist = %dist_dir.display(),
            "the app is not built here; the api works but pages will answer 404 (run scripts/run)"
        );
    }
    // Release builds ship `.br` and `.gz` next to each asset, compressed once at the highest
    // levels; the compression layer leaves responses that are already encoded alone.
    let files = ServeDir::new(dist_dir)
        .append_index_html_on_directories(true)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(
            ServeFile::new(dist_dir.join("index.html"))
                .precompressed_br()
                .precompressed_gzip(),
        );
    Router::new()
        .fallback_service(files)
        .layer(middleware::from_fn(cache_headers))
}

async fn cache_headers(request: Request, next: Next) -> Response {
    let hashed = is_hashed_asset(request.uri().path());
    let mut response = next.run(request).await;
    if response.status().is_success() || response.status().is_redirection() {
        let value = if hashed { IMMUTABLE } else { REVALIDATE };
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    }
    response
}

/// Trunk names hashed assets `<name>-<hash>[_bg].<ext>`, the hash a 64-bit number in hex
/// without leading zeros (so 13 to 16 digits in practice).
fn is_hashed_asset(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or_default();
    // Assets have an extension; client routes (which may end in an id) never do.
    let Some((stem, _extension)) = file.split_once('.') else {
        return false;
    };
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    match stem.rsplit_once('-') {
        Some((_, hash)) => {
            (12..=16).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_hexdigit())
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::is_hashed_asset;

    #[test]
    fn trunk_hashed_names_are_recognised() {
        assert!(is_hashed_asset("/dvk-app-3f2a9c0d1e4b5a6f.js"));
        assert!(is_hashed_asset("/dvk-app-3f2a9c0d1e4b5a6f_bg.wasm"));
        assert!(is_hashed_asset("/main-0123456789abcdef.css"));
        // A hash with a leading zero is printed one digit shorter.
        assert!(is_hashed_asset("/forms-8814d02c49f8392.css"));
    }

    #[test]
    fn the_shell_and_client_routes_are_not_hashed() {
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/sw.js"));
        assert!(!is_hashed_asset("/"));
        assert!(!is_hashed_asset("/mo-hinh/dang-ky"));
        assert!(!is_hashed_asset("/icons/icon-192.png"));
        assert!(!is_hashed_asset("/dvk-app-notahash12345.js"));
        assert!(!is_hashed_asset(
            "/mo-hinh/0190f3c4-1b2a-7000-8000-000000000000"
        ));
    }
}
