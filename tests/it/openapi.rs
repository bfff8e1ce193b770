//! `/api/openapi.json` describes every `/api` route the router has: the
//! routes are read from the router's source, so a route added without its
//! documentation fails here.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::*;

/// `(method, path)` of every `.route("/api/...", ...)` in the router.
fn routed() -> BTreeSet<(String, String)> {
    let source = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/server/startup.rs"
    ))
    .expect("read the router source");
    let mut out = BTreeSet::new();
    for call in source.split(".route(").skip(1) {
        // The call's text up to its closing parenthesis.
        let mut depth = 1;
        let end = call
            .char_indices()
            .find_map(|(i, c)| {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                (depth == 0).then_some(i)
            })
            .expect("balanced route call");
        let call = &call[..end];
        let path = call
            .split('"')
            .nth(1)
            .expect("a route path literal")
            .to_owned();
        if !path.starts_with("/api/") || path.contains("{*") {
            continue;
        }
        let mut methods = 0;
        for method in ["get", "post", "put", "patch", "delete"] {
            let needle = format!("{method}(");
            let found = call
                .match_indices(&needle)
                .any(|(i, _)| i == 0 || !call.as_bytes()[i - 1].is_ascii_alphanumeric());
            if found {
                out.insert((method.to_owned(), path.clone()));
                methods += 1;
            }
        }
        assert!(methods > 0, "no method found for {path}");
    }
    out
}

#[tokio::test]
async fn every_api_route_is_documented() {
    let app = spawn_app().await;
    let res = bare_client()
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let doc: Value = res.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().expect("paths");

    let routes = routed();
    assert!(
        routes.len() >= 20,
        "the router parse found too little: {routes:?}"
    );
    let mut missing = Vec::new();
    for (method, path) in &routes {
        let Some(op) = paths.get(path).and_then(|p| p.get(method)) else {
            missing.push(format!("{} {path}", method.to_uppercase()));
            continue;
        };
        // Each operation says what it answers, errors included.
        let responses = op["responses"].as_object().expect("responses");
        assert!(!responses.is_empty(), "{method} {path}");
        if path != "/api/openapi.json" {
            assert!(
                responses.contains_key("401"),
                "{method} {path} does not document 401"
            );
        }
    }
    assert!(
        missing.is_empty(),
        "routes missing from openapi.json: {missing:?}"
    );
    // And nothing is documented that is not routed.
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            assert!(
                routes.contains(&(method.clone(), path.clone())),
                "documented but not routed: {method} {path}"
            );
        }
    }

    // Request and response shapes are there.
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for name in [
        "PhotoView",
        "PhotoMetadata",
        "PatchBody",
        "TokenResponse",
        "Detail",
        "AuditPage",
        "CreateUser",
    ] {
        assert!(schemas.contains_key(name), "schema {name} missing");
    }
    let photo = &schemas["PhotoView"]["properties"];
    for field in ["id", "object_key", "metadata", "last_modified"] {
        assert!(photo.get(field).is_some(), "PhotoView.{field}");
    }
    let security = doc["components"]["securitySchemes"].as_object().unwrap();
    assert!(security.contains_key("bearer") && security.contains_key("session"));
}
