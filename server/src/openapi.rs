//! `GET /api/openapi.json`: the OpenAPI 3 description of the whole API, generated from the code
//! (the `#[utoipa::path]` of each handler, the schemas derived on the shared types), so it cannot
//! drift from what the server answers.
//!
//! Only the document goes here: each route is described next to its handler, each message next
//! to its type in `dvk-shared`. No handler logic, no hand-written copy of a schema.

use std::sync::OnceLock;

use axum::{Json, Router, routing::get};
use utoipa::{
    Modify, OpenApi,
    openapi::security::{ApiKey, ApiKeyValue, SecurityScheme},
};

use crate::{AppState, auth::SESSION_COOKIE};

/// The name the routes' `security(...)` refer to. It must be a literal in those attributes, so it
/// is the cookie's own name: one word to look for.
pub const SESSION_SCHEME: &str = "dvk_session";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "DVK API",
        version = env!("CARGO_PKG_VERSION"),
        description = "API của Dân vận khéo: đăng nhập, đơn vị, mô hình, số liệu tổng hợp, đồng bộ và ảnh; mọi câu trả lời (trừ ảnh) là JSON, lỗi có `code` ổn định và lời nhắn tiếng Việt (`message`) lẫn tiếng Anh (`message_en`). \
                       The API of Dân vận khéo (DVK): sign-in, units, models, statistics, sync and photos; every answer but a photo is JSON, and errors carry a stable `code` with a Vietnamese and an English message."
    ),
    paths(
        crate::health::health,
        crate::auth::login,
        crate::auth::logout,
        crate::auth::me,
        crate::auth::change_password,
        crate::auth::end_other_sessions,
        crate::accounts::list,
        crate::accounts::create,
        crate::accounts::change,
        crate::accounts::one_time_code,
        crate::accounts::deactivate,
        crate::accounts::reactivate,
        crate::invitations::list,
        crate::invitations::create,
        crate::invitations::revoke,
        crate::invitations::lookup,
        crate::invitations::join,
        crate::units::list,
        crate::units::create,
        crate::units::rename,
        crate::units::merge,
        crate::units::close,
        crate::users::surveyors,
        crate::models::list,
        crate::models::detail,
        crate::stats::stats,
        crate::awards::list,
        crate::exports::models,
        crate::exports::awards,
        crate::exports::surveys,
        crate::exports::units,
        crate::exports::accounts,
        crate::reports::report_figures,
        crate::reports::list,
        crate::reports::create,
        crate::reports::one,
        crate::reports::edit,
        crate::reports::finalise,
        crate::reports::reopen,
        crate::reports::docx,
        crate::reports::xlsx,
        crate::supervision::list,
        crate::sync::sync_handler,
        crate::photos::upload_state,
        crate::photos::put_chunk,
        crate::photos::photo,
        openapi_json,
    ),
    modifiers(&SessionCookie),
    tags(
        (name = "health", description = "Whether the server is up."),
        (name = "auth", description = "Signing in and out; the session is the `dvk_session` cookie."),
        (name = "accounts", description = "Accounts, run by administrators; the Board reads those of its units."),
        (name = "invitations", description = "Invitations: the Board's links for people to join a unit; joining needs no account."),
        (name = "units", description = "Units (đơn vị) the user sees."),
        (name = "models", description = "Models (mô hình)."),
        (name = "stats", description = "The leadership overview."),
        (name = "awards", description = "Awards (khen thưởng) decided for units and people."),
        (name = "reports", description = "Period reports (sơ kết, tổng kết): their figures."),
        (name = "supervision", description = "The Board's supervision list: which units fall behind, and in what."),
        (name = "sync", description = "The offline-first sync of SYNC.md: push a device's changes, pull what changed."),
        (name = "surveys", description = "The yearly survey: who may be assigned to survey."),
        (name = "photos", description = "Photos of surveys, named by the SHA-256 of their bytes; uploaded in chunks that resume where they stopped."),
        (name = "openapi", description = "This document."),
    )
)]
pub struct ApiDoc;

/// Declares the session cookie as the API's one security scheme; the derive has no attribute for
/// schemes, only for requirements.
struct SessionCookie;

impl Modify for SessionCookie {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            SESSION_SCHEME,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                SESSION_COOKIE,
                "Set by `POST /api/auth/login` (HttpOnly, SameSite=Strict); a browser sends it by itself.",
            ))),
        );
    }
}

pub fn router() -> Router<AppState> {
    Router::new().route("/openapi.json", get(openapi_json))
}

/// This document.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    operation_id = "openapi",
    tag = "openapi",
    responses(
        (status = 200, description = "The OpenAPI document of this server's API.", content_type = "application/json", body = Object),
    )
)]
pub(crate) async fn openapi_json() -> Json<&'static utoipa::openapi::OpenApi> {
    // The document is fixed at build time; build it once, not on every request.
    static DOCUMENT: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    Json(DOCUMENT.get_or_init(ApiDoc::openapi))
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use axum::{
        body::Body,
        extract::ConnectInfo,
        http::{Request, StatusCode, header},
    };
    use serde_json::Value;
    use tower::ServiceExt;

    use super::*;

    fn document() -> Value {
        serde_json::to_value(ApiDoc::openapi()).unwrap()
    }

    /// Every documented operation reaches a handler: none answers the API's "no such address"
    /// (404 `not_found`) or "no such method" (405). Without a session no handler answers 404 by
    /// itself (a model is looked up only after the session), so a 404 here is the fallback.
    #[tokio::test]
    async fn every_documented_operation_is_routed() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("dvk.sqlite").display());
        let store = crate::store::connect(&url).await.unwrap();
        let app = crate::router(AppState::direct(store), dir.path());

        let document = document();
        let paths = document["paths"].as_object().unwrap();
        assert!(paths.len() >= 9, "{:?}", paths.keys());
        for (path, item) in paths {
            // Path parameters are ids, photo hashes and export formats: any well-formed one
            // reaches the handler.
            let concrete = path
                .replace("{id}", &dvk_shared::ids::ModelId::new().to_string())
                .replace("{hash}", &"0".repeat(64))
                .replace("{format}", "csv");
            assert!(!concrete.contains('{'), "an unknown parameter in {path}");
            for method in item.as_object().unwrap().keys() {
                let mut request = Request::builder()
                    .method(method.to_uppercase().as_str())
                    .uri(&concrete)
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from("{}"))
                    .unwrap();
                // What `axum::serve` adds for the sign-in throttle.
                request
                    .extensions_mut()
                    .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
                let response = app.clone().oneshot(request).await.unwrap();
                let status = response.status();
                assert!(
                    status != StatusCode::NOT_FOUND && status != StatusCode::METHOD_NOT_ALLOWED,
                    "{method} {path} is documented but answers {status}"
                );
            }
        }
    }

    #[test]
    fn the_routes_that_need_a_session_say_so_and_the_scheme_exists() {
        let document = document();
        let scheme = &document["components"]["securitySchemes"][SESSION_SCHEME];
        assert_eq!(scheme["type"], "apiKey");
        assert_eq!(scheme["in"], "cookie");
        assert_eq!(scheme["name"], SESSION_COOKIE);
        for (path, method, needs_session) in [
            ("/api/health", "get", false),
            ("/api/auth/login", "post", false),
            ("/api/auth/logout", "post", false),
            ("/api/auth/me", "get", true),
            ("/api/units", "get", true),
            ("/api/surveyors", "get", true),
            ("/api/models", "get", true),
            ("/api/models/{id}", "get", true),
            ("/api/stats", "get", true),
            ("/api/awards", "get", true),
            ("/api/reports/figures", "get", true),
            ("/api/sync", "post", true),
            ("/api/photos/{hash}/upload", "get", true),
            ("/api/photos/{hash}/upload", "put", true),
            ("/api/photos/{hash}", "get", true),
            ("/api/openapi.json", "get", false),
        ] {
            let operation = &document["paths"][path][method];
            assert!(operation.is_object(), "{method} {path} is not documented");
            let security = operation.get("security");
            if needs_session {
                assert_eq!(
                    security,
                    Some(&serde_json::json!([{ SESSION_SCHEME: [] }])),
                    "{method} {path}"
                );
                assert!(operation["responses"]["401"].is_object(), "{method} {path}");
            } else {
                assert_eq!(security, None, "{method} {path}");
            }
        }
    }

    /// Client generators name their functions after these; two alike would collide.
    /// Every `$ref` leads to a schema the document holds: a type only a query parameter names is
    /// not collected by itself.
    #[test]
    fn every_reference_resolves() {
        fn walk(document: &Value, value: &Value, at: &str) {
            match value {
                Value::Object(map) => {
                    if let Some(target) = map.get("$ref").and_then(Value::as_str) {
                        let pointer = target.strip_prefix('#').unwrap_or(target);
                        assert!(
                            document.pointer(pointer).is_some(),
                            "{at}: {target} is not in the document"
                        );
                    }
                    for (key, inner) in map {
                        walk(document, inner, &format!("{at}/{key}"));
                    }
                }
                Value::Array(items) => {
                    for (i, inner) in items.iter().enumerate() {
                        walk(document, inner, &format!("{at}/{i}"));
                    }
                }
                _ => {}
            }
        }
        let document = document();
        walk(&document, &document, "");
    }

    #[test]
    fn operation_ids_are_unique() {
        let document = document();
        let mut seen = std::collections::BTreeSet::new();
        for (path, item) in document["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                let id = operation["operationId"].as_str().unwrap();
                assert!(seen.insert(id.to_owned()), "{method} {path}: {id} again");
            }
        }
    }

    #[test]
    fn wire_shapes_match_serde() {
        let document = document();
        let schemas = &document["components"]["schemas"];
        for id in ["UnitId", "ModelId", "UserId"] {
            assert_eq!(schemas[id]["type"], "string", "{id}");
            assert_eq!(schemas[id]["format"], "uuid", "{id}");
        }
        assert_eq!(schemas["Date"]["type"], "string");
        assert_eq!(schemas["Date"]["format"], "date");
        assert_eq!(schemas["Timestamp"]["type"], "integer");
        assert_eq!(schemas["Timestamp"]["format"], "int64");
        assert_eq!(
            schemas["Status"]["enum"],
            serde_json::to_value(dvk_shared::model::Status::ALL).unwrap()
        );
        assert_eq!(
            schemas["Field"]["enum"],
            serde_json::to_value(dvk_shared::model::Field::ALL).unwrap()
        );
        // The list's order, as the query reads it.
        let sort = document["paths"]["/api/models"]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "sort")
            .expect("the models list documents `sort`");
        assert_eq!(
            resolve(&document, &sort["schema"])["enum"],
            serde_json::json!(["name", "recent"]),
            "{sort}"
        );
        // `FieldErrors` is transparent: the map itself.
        assert_eq!(schemas["FieldErrors"]["type"], "object");
        assert_eq!(
            schemas["FieldErrors"]["additionalProperties"]["$ref"],
            "#/components/schemas/Problem"
        );
    }

    /// Checks `value` against `schema`, for the parts of JSON Schema the document uses. An object
    /// whose schema lists properties may only carry those (through `$ref` and `allOf` too), so a
    /// field serde writes but the document lacks is caught, not only the other way round; a
    /// free-form object (no properties listed) takes anything.
    fn check(document: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
        check_part(document, schema, value, at, true)
    }

    fn check_part(
        document: &Value,
        schema: &Value,
        value: &Value,
        at: &str,
        closed: bool,
    ) -> Result<(), String> {
        let schema = resolve(document, schema);
        if let Some(parts) = schema["allOf"].as_array() {
            for part in parts {
                check_part(document, part, value, at, false)?;
            }
        }
        if let Some(choices) = schema["oneOf"].as_array() {
            let matching = choices
                .iter()
                .filter(|choice| check_part(document, choice, value, at, closed).is_ok())
                .count();
            if matching != 1 {
                return Err(format!("{at}: {value} matches {matching} of {choices:?}"));
            }
        }
        if let Some(types) = match &schema["type"] {
            Value::String(one) => Some(vec![one.as_str()]),
            Value::Array(many) => Some(many.iter().filter_map(Value::as_str).collect()),
            _ => None,
        } {
            let actual = match value {
                Value::Null => "null",
                Value::Bool(_) => "boolean",
                Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
                Value::Number(_) => "number",
                Value::String(_) => "string",
                Value::Array(_) => "array",
                Value::Object(_) => "object",
            };
            let fits =
                types.contains(&actual) || (actual == "integer" && types.contains(&"number"));
            if !fits {
                return Err(format!(
                    "{at}: {value} is {actual}, the schema says {types:?}"
                ));
            }
        }
        if let Some(allowed) = schema["enum"].as_array()
            && !allowed.contains(value)
        {
            return Err(format!("{at}: {value} is not one of {allowed:?}"));
        }
        if let (Some(minimum), Some(number)) = (schema["minimum"].as_f64(), value.as_f64())
            && number < minimum
        {
            return Err(format!("{at}: {value} is below {minimum}"));
        }
        if let Some(text) = value.as_str() {
            match schema["format"].as_str() {
                Some("uuid") if uuid::Uuid::parse_str(text).is_err() => {
                    return Err(format!("{at}: {text:?} is not a uuid"));
                }
                Some("date") if text.parse::<dvk_shared::date::Date>().is_err() => {
                    return Err(format!("{at}: {text:?} is not a date"));
                }
                _ => {}
            }
        }
        if let Value::Object(fields) = value {
            for required in schema["required"].as_array().into_iter().flatten() {
                let name = required.as_str().unwrap_or_default();
                if !fields.contains_key(name) {
                    return Err(format!("{at}: {name} is required but missing"));
                }
            }
            let properties = schema["properties"].as_object();
            for (name, field) in fields {
                let at = format!("{at}.{name}");
                if let Some(property) = properties.and_then(|p| p.get(name)) {
                    check_part(document, property, field, &at, true)?;
                } else if schema["additionalProperties"].is_object() {
                    check_part(document, &schema["additionalProperties"], field, &at, true)?;
                    let key = Value::String(name.clone());
                    check_part(document, &schema["propertyNames"], &key, &at, true)?;
                } else if closed
                    && (schema.get("properties").is_some() || schema.get("allOf").is_some())
                    && !declared(document, schema).contains(name)
                {
                    return Err(format!(
                        "{at}: serde writes it, the schema does not declare it"
                    ));
                }
            }
        }
        if let (Value::Array(items), Some(item_schema)) = (value, schema.get("items")) {
            for (i, item) in items.iter().enumerate() {
                check_part(document, item_schema, item, &format!("{at}[{i}]"), true)?;
            }
        }
        Ok(())
    }

    fn resolve<'a>(document: &'a Value, schema: &'a Value) -> &'a Value {
        match schema["$ref"].as_str().and_then(|r| r.strip_prefix('#')) {
            Some(pointer) => resolve(document, document.pointer(pointer).unwrap_or(&Value::Null)),
            None => schema,
        }
    }

    /// The property names a schema declares, its `allOf` parts included.
    fn declared(document: &Value, schema: &Value) -> std::collections::BTreeSet<String> {
        let schema = resolve(document, schema);
        let mut names: std::collections::BTreeSet<String> = schema["properties"]
            .as_object()
            .into_iter()
            .flat_map(|p| p.keys().cloned())
            .collect();
        for part in schema["allOf"].as_array().into_iter().flatten() {
            names.extend(declared(document, part));
        }
        names
    }

    fn json<T: serde::Serialize>(value: &T) -> Value {
        serde_json::to_value(value).unwrap()
    }

    fn answer_schema<'a>(document: &'a Value, path: &str, status: &str) -> &'a Value {
        let method = if path.starts_with("/api/auth/login") {
            "post"
        } else {
            "get"
        };
        &document["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
    }

    /// Real values (the demo town) serialised by serde fit the schemas the routes declare.
    #[test]
    fn what_serde_writes_fits_the_documented_schemas() {
        use dvk_shared::{
            api::*,
            award::{AwardKind, RecipientType},
            date::Timestamp,
            model::{Field, Status},
            validation::{FieldErrors, Problem},
        };

        let document = document();
        let seed = crate::demo::build("not a real hash").unwrap();
        let fits = |path: &str, status: &str, value: Value| {
            let schema = answer_schema(&document, path, status);
            assert!(schema.is_object(), "no schema for {status} of {path}");
            if let Err(e) = check(&document, schema, &value, path) {
                panic!("{e}");
            }
        };

        fits(
            "/api/health",
            "200",
            json(&Health {
                status: "ok".into(),
                version: "0.1.0".into(),
                database: DatabaseKind::Sqlite,
            }),
        );
        let (user, _) = &seed.users[0];
        fits("/api/auth/login", "200", json(user));
        fits("/api/auth/me", "200", json(user));

        let mut errors = FieldErrors::default();
        errors.add("results.people_reached", Problem::OutOfRange);
        for fields in [None, Some(errors)] {
            let body = ErrorBody {
                code: "validation_failed".into(),
                message: "…".into(),
                message_en: "…".into(),
                fields,
            };
            fits("/api/auth/me", "401", json(&body));
        }

        // Every optional part of a unit filled in once: renamed, then merged.
        let mut merged = seed.units[1].clone();
        merged.former_names.push(dvk_shared::unit::FormerName {
            name: "Xã Điện Ngọc".into(),
            until: dvk_shared::date::Date::new(2016, 1, 1).unwrap(),
        });
        merged.merged_into = Some(seed.units[2].id);
        merged.merged_on = dvk_shared::date::Date::new(2025, 7, 1);
        let root = UnitNode {
            unit: seed.units[0].clone(),
            children: seed.units[1..]
                .iter()
                .chain([&merged])
                .map(|unit| UnitNode {
                    unit: unit.clone(),
                    children: Vec::new(),
                })
                .collect(),
        };
        fits("/api/units", "200", json(&vec![root]));

        let summaries: Vec<ModelSummary> = seed
            .models
            .iter()
            .map(|(model, at)| ModelSummary {
                id: model.id,
                name: model.name.clone(),
                field: model.field,
                year: model.year,
                status: model.status,
                unit_id: model.unit_id,
                unit_name: "Điện Hòa".into(),
                updated_at: *at,
            })
            .collect();
        let total = summaries.len() as u64;
        let summaries_next = summaries.last().map(|m| m.id.to_string());
        fits(
            "/api/models",
            "200",
            json(&Page {
                items: summaries,
                page: 1,
                per_page: 50,
                total,
                total_is_partial: false,
                next: summaries_next,
            }),
        );
        for (model, at) in &seed.models {
            let detail = ModelDetail {
                model: model.clone(),
                unit_name: "Điện Hòa".into(),
                version: 7,
                updated_at: *at,
                history: vec![AuditEntry {
                    at: Timestamp(at.0),
                    actor: "demo".into(),
                    action: "model.create".into(),
                    before: None,
                    after: Some(serde_json::to_value(model).unwrap()),
                    device_id: Some("0190f3c4-1b2a-7000-8000-000000000000".into()),
                    seq: Some(3),
                    overwritten: vec![dvk_shared::api::Overwritten {
                        field: "objectives".into(),
                        value: serde_json::json!("Mục tiêu trước đó"),
                        by: "Cán bộ xã Điện Hòa".into(),
                    }],
                }],
            };
            fits("/api/models/{id}", "200", json(&detail));
        }

        let by_field: FieldCounts = Field::ALL.into_iter().map(|f| (f, 2)).collect();
        fits(
            "/api/stats",
            "200",
            json(&Stats {
                total: 8,
                by_field: by_field.clone(),
                by_status: [(Status::Approved, 8)].into_iter().collect(),
                by_year: [("2020".to_owned(), 8)].into_iter().collect(),
                by_unit: vec![UnitStats {
                    unit_id: seed.units[0].id,
                    name: seed.units[0].name.clone(),
                    total: 8,
                    by_field,
                }],
                awards: vec![AwardStats {
                    kind: AwardKind::CertificateOfMerit,
                    recipient_type: RecipientType::Collective,
                    count: 3,
                }],
                typical: vec![dvk_shared::api::TypicalModel {
                    id: seed.models[0].0.id,
                    name: seed.models[0].0.name.clone(),
                    unit_name: seed.units[0].name.clone(),
                }],
                typical_total: 1,
                replication: Default::default(),
            }),
        );
        // Every demo award, individual and collective, with and without a decision number.
        let items: Vec<dvk_shared::api::AwardItem> = seed
            .awards
            .iter()
            .map(|award| dvk_shared::api::AwardItem {
                award: award.clone(),
                unit_name: seed.units[0].name.clone(),
            })
            .collect();
        fits("/api/awards", "200", json(&items));

        let upload = dvk_shared::photo::UploadState {
            received: 262_144,
            complete: false,
        };
        fits("/api/photos/{hash}/upload", "200", json(&upload));
        let chunk = &document["paths"]["/api/photos/{hash}/upload"]["put"]["responses"];
        for (status, value) in [
            ("200", json(&upload)),
            (
                "409",
                json(&dvk_shared::photo::UploadRefused {
                    error: ErrorBody {
                        code: "wrong_offset".into(),
                        message: "…".into(),
                        message_en: "…".into(),
                        fields: None,
                    },
                    upload,
                }),
            ),
        ] {
            let schema = &chunk[status]["content"]["application/json"]["schema"];
            assert!(schema.is_object(), "no schema for {status} of the chunk");
            if let Err(e) = check(&document, schema, &value, "chunk") {
                panic!("{e}");
            }
        }
    }
}
