//! Cross-site request forgery defence: a state-changing request that a
//! browser sent from another origin is refused with 403. Browsers label
//! every request with `Sec-Fetch-Site`; older ones at least send `Origin` on
//! cross-origin posts. API calls that carry no cookie (a bearer token, a
//! script) cannot ride on a victim's session and pass.

use axum::{
    extract::Request,
    http::{header, HeaderMap, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
    Json,
};

pub async fn refuse_cross_site(req: Request, next: Next) -> Response {
    // Cookie-less calls to the JSON API (bearer tokens, scripts) cannot
    // ride on a session. Everything else is checked, including the sign-in
    // form, so another site cannot sign a visitor into its own account.
    let exempt = req.uri().path().starts_with("/api/") && !carries_cookie(req.headers());
    if is_state_changing(req.method()) && !exempt && !same_origin(req.headers()) {
        tracing::warn!(path = %req.uri().path(), "cross-site request refused");
        return (
            StatusCode::FORBIDDEN,
            Json(serde_json::json!({ "detail": "Cross-site requests are not allowed." })),
        )
            .into_response();
    }
    next.run(req).await
}

fn is_state_changing(method: &Method) -> bool {
    !matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

fn carries_cookie(headers: &HeaderMap) -> bool {
    headers.contains_key(header::COOKIE)
}

/// True when the browser says the request comes from this origin (or from
/// the user typing the address), or, failing that, when `Origin` names this
/// host. A request with neither header is not from a browser's page.
fn same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    // "null" (sandboxed frames, some redirects) never matches.
    origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .is_some_and(|o| o.eq_ignore_ascii_case(host))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn fetch_metadata_decides_when_present() {
        assert!(same_origin(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(same_origin(&headers(&[("sec-fetch-site", "none")])));
        assert!(!same_origin(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(!same_origin(&headers(&[("sec-fetch-site", "same-site")])));
        // A matching Origin does not override a cross-site label.
        assert!(!same_origin(&headers(&[
            ("sec-fetch-site", "cross-site"),
            ("origin", "http://tagline.test"),
            ("host", "tagline.test"),
        ])));
    }

    #[test]
    fn origin_is_the_fallback() {
        assert!(same_origin(&headers(&[
            ("origin", "http://tagline.test"),
            ("host", "tagline.test")
        ])));
        assert!(same_origin(&headers(&[
            ("origin", "https://tagline.test:8443"),
            ("host", "tagline.test:8443")
        ])));
        assert!(!same_origin(&headers(&[
            ("origin", "https://evil.test"),
            ("host", "tagline.test")
        ])));
        assert!(!same_origin(&headers(&[
            ("origin", "null"),
            ("host", "tagline.test")
        ])));
        assert!(!same_origin(&headers(&[
            ("origin", "http://tagline.test.evil.test"),
            ("host", "tagline.test")
        ])));
        assert!(same_origin(&headers(&[])));
    }

    #[test]
    fn only_unsafe_methods_are_checked() {
        assert!(!is_state_changing(&Method::GET));
        assert!(is_state_changing(&Method::POST));
        assert!(is_state_changing(&Method::DELETE));
        assert!(is_state_changing(&Method::PATCH));
    }
}
