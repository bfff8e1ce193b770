//! The guard in front of every Leptos page: anonymous visitors are sent to
//! `/login?next=...` by an HTTP redirect (so it works without JavaScript),
//! and when Redis is down every page that needs it answers 503.

use axum::{
    extract::{Request, State},
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::{Html, IntoResponse, Redirect, Response},
};

use crate::{
    model::safe_next,
    server::{auth::CurrentUser, state::AppState},
};

/// Pages anyone may see. Everything else rendered by Leptos needs a user.
const PUBLIC_PAGES: &[&str] = &["/login"];

/// Where server functions live (the `prefix` of every `#[server]`). They are
/// registered beside the pages but check who is asking themselves, answering
/// 401/403 rather than redirecting.
pub const SERVER_FN_PREFIX: &str = "/rpc/";

pub async fn guard_pages(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if path.starts_with(SERVER_FN_PREFIX) {
        return no_store(next.run(req).await);
    }
    let signed_in = req.extensions().get::<CurrentUser>().is_some();
    if PUBLIC_PAGES.contains(&path.as_str()) {
        // Signing in needs Redis: say so now rather than after the form.
        if let Err(err) = state.auth.ping().await {
            err.to_app_error();
            return unavailable_page();
        }
        if signed_in {
            let target = next_from_query(req.uri().query()).unwrap_or_else(|| "/".into());
            return Redirect::to(&target).into_response();
        }
        return no_store(next.run(req).await);
    }
    if !signed_in {
        // Without Redis nobody can sign in: say so instead of sending the
        // visitor to a sign-in page that cannot work.
        if let Err(err) = state.auth.ping().await {
            err.to_app_error();
            return unavailable_page();
        }
        let wanted = req
            .uri()
            .path_and_query()
            .map(|pq| pq.as_str().to_owned())
            .unwrap_or_else(|| "/".into());
        return redirect_to_login(&wanted);
    }
    let is_admin = req
        .extensions()
        .get::<CurrentUser>()
        .is_some_and(|u| u.user.role() == crate::model::Role::Admin);
    if is_admin_page(&path) && !is_admin {
        return forbidden_page();
    }
    no_store(next.run(req).await)
}

/// The dashboard and everything under it are for admins only.
fn is_admin_page(path: &str) -> bool {
    path == "/admin" || path.starts_with("/admin/")
}

/// `303 See Other` to the sign-in page, remembering where the user wanted to go.
pub fn redirect_to_login(wanted: &str) -> Response {
    let target = match safe_next(wanted) {
        Some(next) if next != "/" => format!("/login?next={}", urlencode(&next)),
        _ => "/login?next=%2F".to_owned(),
    };
    Redirect::to(&target).into_response()
}

pub fn next_from_query(query: Option<&str>) -> Option<String> {
    url::form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k == "next")
        .and_then(|(_, v)| safe_next(&v))
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Signed-in pages hold personal data: never cached by the browser or a proxy.
pub fn no_store(mut res: Response) -> Response {
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// The readable page a member gets for an admin page (403).
pub fn forbidden_page() -> Response {
    let body = r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark"><title>Admins only · Tagline</title>
<link rel="stylesheet" href="/pkg/tagline.css"></head>
<body><main id="main" class="auth-page"><div class="card">
<h1>Admins only</h1>
<p>This page is for the admins of this Tagline.</p>
<p><a href="/">Back to the photos</a></p>
</div></main></body></html>"#;
    no_store((StatusCode::FORBIDDEN, Html(body)).into_response())
}

/// The readable page shown when Redis (or the database) is unreachable.
pub fn unavailable_page() -> Response {
    let body = r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark"><title>Temporarily unavailable · Tagline</title>
<link rel="stylesheet" href="/pkg/tagline.css"></head>
<body><main id="main" class="auth-page"><div class="card">
<h1>Temporarily unavailable</h1>
<p>Tagline cannot reach its sign-in service right now, so nobody can be signed in.
Your photos and their descriptions are safe.</p>
<p>Please try again in a moment.</p>
<p><a href="/">Try again</a></p>
</div></main></body></html>"#;
    let mut res = (StatusCode::SERVICE_UNAVAILABLE, Html(body)).into_response();
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    no_store(res)
}
