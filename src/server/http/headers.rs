//! Security headers on every answer, and the Content-Security-Policy of
//! the pages: scripts only from this origin or carrying the page's nonce
//! (the hydration bootstrap Leptos writes inline), nothing else inline.

use axum::{
    extract::Request,
    http::{header, HeaderValue},
    middleware::Next,
    response::Response,
};

/// The policy of answers that are not pages (JSON, images, the static error
/// pages): no script at all.
const DEFAULT_CSP: &str = "default-src 'self'; script-src 'none'; object-src 'none'; \
     frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/// The policy of a rendered page with script nonce `nonce`.
/// `'wasm-unsafe-eval'` lets the page compile its own WebAssembly (it allows
/// no JavaScript `eval`).
pub fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; \
         object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    )
}

/// Run inside every Leptos render: Leptos has made this answer's nonce (and
/// puts it on the scripts it writes); the policy naming it goes on the same
/// answer.
pub fn page_csp() {
    use leptos::prelude::use_context;
    let (Some(nonce), Some(res)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    if let Ok(value) = HeaderValue::from_str(&page_policy(&nonce)) {
        res.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

pub async fn security_headers(req: Request, next: Next) -> Response {
    // JSON answers hold personal data: never cached, unless the handler
    // chose otherwise (images are `private` with validators).
    let path = req.uri().path();
    let json = path.starts_with("/api/") || path.starts_with("/rpc/");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    if json {
        h.entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static("no-store"));
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(DEFAULT_CSP));
    res
}
