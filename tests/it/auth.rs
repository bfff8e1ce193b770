//! Signing in and out.

use reqwest::{header, StatusCode};
use tagline::model::Role;

use crate::helpers::*;

#[tokio::test]
async fn sign_in_lands_on_the_next_page_and_shows_the_user() {
    let app = spawn_app().await;
    let c = client();
    let res = app.login_next(&c, ADMIN, ADMIN_PASSWORD, "/settings").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[header::LOCATION], "/settings");

    let home = app.get(&c, "/").await;
    assert_eq!(home.status(), StatusCode::OK);
    assert_eq!(home.headers()[header::CACHE_CONTROL], "no-store");
    let body = home.text().await.unwrap();
    assert!(body.contains("<h1>Photos</h1>"), "{body}");
    assert!(body.contains("Sign out"));
}

#[tokio::test]
async fn usernames_match_regardless_of_case() {
    let app = spawn_app().await;
    let res = app.login(&client(), "ADMIN", ADMIN_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn anonymous_pages_redirect_to_login_with_next() {
    let app = spawn_app().await;
    let c = client();
    for (path, location) in [
        ("/", "/login?next=%2F"),
        ("/settings", "/login?next=%2Fsettings"),
        ("/settings?tab=1", "/login?next=%2Fsettings%3Ftab%3D1"),
    ] {
        let res = app.get(&c, path).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(res.headers()[header::LOCATION], location, "{path}");
    }
    let login = app.get(&c, "/login?next=%2Fsettings").await;
    assert_eq!(login.status(), StatusCode::OK);
    let body = login.text().await.unwrap();
    assert!(body.contains(r#"name="next" value="/settings""#), "{body}");
}

#[tokio::test]
async fn next_cannot_leave_the_site() {
    let app = spawn_app().await;
    for next in [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
    ] {
        let res = app.login_next(&client(), ADMIN, ADMIN_PASSWORD, next).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(res.headers()[header::LOCATION], "/", "{next}");
    }
}

/// Wrong password and unknown user get the same status and page (apart from
/// the username echoed back into the form).
#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_answer() {
    let app = spawn_app().await;
    app.create_user("bob", "bob-password-1", Role::Member).await;
    let wrong = app.login(&client(), "bob", "not-his-password").await;
    let unknown = app.login(&client(), "nobody", "not-his-password").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.cookies().next().is_none());
    assert!(unknown.cookies().next().is_none());
    let wrong = without_nonce(&wrong.text().await.unwrap()).replace("bob", "USER");
    let unknown = without_nonce(&unknown.text().await.unwrap()).replace("nobody", "USER");
    assert!(wrong.contains("Incorrect username or password."));
    assert!(wrong.contains(r#"role="alert""#));
    assert_eq!(wrong, unknown);
}

#[tokio::test]
async fn a_disabled_user_cannot_sign_in() {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    let app = spawn_app().await;
    app.create_user("carol", "carol-password", Role::Member)
        .await;
    let carol = tagline::server::db::users::find_by_username(&app.state.db, "carol")
        .await
        .unwrap()
        .unwrap();
    let mut active: tagline::server::db::users::ActiveModel = carol.into();
    active.disabled = Set(true);
    active.update(&app.state.db).await.unwrap();
    let res = app.login(&client(), "carol", "carol-password").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn bad_sign_in_input_is_an_inline_error_not_a_500() {
    let app = spawn_app().await;
    let c = client();
    // Missing fields, empty fields, a huge password, garbage body.
    let huge = "x".repeat(5000);
    let cases: Vec<(Vec<(&str, &str)>, StatusCode)> = vec![
        (vec![], StatusCode::UNPROCESSABLE_ENTITY),
        (
            vec![("username", ""), ("password", "")],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            vec![("username", ADMIN), ("password", &huge)],
            StatusCode::UNAUTHORIZED,
        ),
        (
            vec![("username", "bad name;"), ("password", "whatever1")],
            StatusCode::UNAUTHORIZED,
        ),
    ];
    for (form, status) in cases {
        let res = c.post(app.url("/login")).form(&form).send().await.unwrap();
        assert_eq!(res.status(), status, "{form:?}");
        let body = res.text().await.unwrap();
        assert!(body.contains(r#"role="alert""#), "{body}");
    }
    let res = c
        .post(app.url("/login"))
        .header(header::CONTENT_TYPE, "application/json")
        .body("{not a form")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn session_cookie_is_httponly_lax_and_changes_at_sign_in() {
    let app = spawn_app().await;
    let c = client();
    let first = app.login(&c, ADMIN, ADMIN_PASSWORD).await;
    let cookie = session_cookie(&first, app.cookie_name).expect("session cookie set");
    assert!(cookie.http_only());
    assert!(cookie.same_site_lax() || cookie.same_site_strict());
    assert_eq!(cookie.path(), Some("/"));
    assert!(!cookie.secure(), "development cookies work over http");
    let v1 = cookie.value().to_owned();

    // Signing in again (as anybody) gives a new id and ends the old one.
    let second = app.login(&c, ADMIN, ADMIN_PASSWORD).await;
    let v2 = session_cookie(&second, app.cookie_name)
        .expect("new cookie")
        .value()
        .to_owned();
    assert_ne!(v1, v2);
    assert!(!app.redis_exists(&app.session_key(&v1)).await);
    let replay = bare_client()
        .get(app.url("/"))
        .header(header::COOKIE, format!("{}={v1}", app.cookie_name))
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn production_cookie_is_secure_and_host_prefixed() {
    let app = spawn_app_with(Options {
        production: true,
        ..Options::default()
    })
    .await;
    let res = app.login(&bare_client(), ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let cookie = session_cookie(&res, "__Host-tagline_session").expect("__Host- cookie");
    assert!(cookie.secure());
    assert!(cookie.http_only());
    assert_eq!(cookie.path(), Some("/"));
    assert!(cookie.domain().is_none(), "__Host- cookies are host-only");
}

#[tokio::test]
async fn logout_deletes_the_session_and_the_cookie() {
    let app = spawn_app().await;
    let c = client();
    let res = app.login(&c, ADMIN, ADMIN_PASSWORD).await;
    let value = session_cookie(&res, app.cookie_name)
        .unwrap()
        .value()
        .to_owned();
    let key = app.session_key(&value);
    assert!(
        app.redis_exists(&key).await,
        "session stored under the prefix"
    );

    let out = c.post(app.url("/logout")).send().await.unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert_eq!(out.headers()[header::LOCATION], "/login");
    assert!(out.headers().contains_key("clear-site-data"));
    let removal = session_cookie(&out, app.cookie_name).expect("cookie cleared");
    assert!(removal.value().is_empty() || removal.max_age() == Some(std::time::Duration::ZERO));
    assert!(!app.redis_exists(&key).await, "Redis key gone");

    // Replaying the old cookie is anonymous.
    let replay = bare_client()
        .get(app.url("/settings"))
        .header(header::COOKIE, format!("{}={value}", app.cookie_name))
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        replay.headers()[header::LOCATION],
        "/login?next=%2Fsettings"
    );
}

#[tokio::test]
async fn malformed_or_forged_cookies_are_anonymous() {
    let app = spawn_app().await;
    let forged_id = tower_sessions::session::Id::default().to_string();
    let long = "A".repeat(4000);
    for value in [
        "garbage",
        "",
        "%%%",
        &forged_id,
        &long,
        "AAAAAAAAAAAAAAAAAAAAAA==",
    ] {
        let res = bare_client()
            .get(app.url("/"))
            .header(header::COOKIE, format!("{}={value}", app.cookie_name))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "cookie {value:?}");
    }
}

#[tokio::test]
async fn health_and_readiness() {
    let app = spawn_app().await;
    let c = client();
    assert_eq!(app.get(&c, "/healthz").await.status(), StatusCode::OK);
    let ready = app.get(&c, "/readyz").await;
    assert_eq!(ready.status(), StatusCode::OK);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["redis"], "ok");
    assert_eq!(body["database"], "ok");
}

#[tokio::test]
async fn responses_carry_a_request_id() {
    let app = spawn_app().await;
    let res = app.get(&client(), "/healthz").await;
    assert!(res.headers().contains_key("x-request-id"));
}

#[tokio::test]
async fn audit_log_records_sign_ins_without_secrets() {
    let app = spawn_app().await;
    let c = client();
    let ok = app.login(&c, ADMIN, ADMIN_PASSWORD).await;
    let cookie = session_cookie(&ok, app.cookie_name)
        .unwrap()
        .value()
        .to_owned();
    app.login(&client(), ADMIN, "wrong-password").await;
    c.post(app.url("/logout")).send().await.unwrap();

    let admin = tagline::server::db::users::find_by_username(&app.state.db, ADMIN)
        .await
        .unwrap()
        .unwrap();
    let events = tagline::server::db::audit::for_user(&app.state.db, admin.id)
        .await
        .unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.event.as_str()).collect();
    for expected in [
        "sign_in.succeeded",
        "sign_in.failed",
        "signed_out",
        "user.created",
    ] {
        assert!(
            kinds.contains(&expected),
            "{expected} missing from {kinds:?}"
        );
    }
    let handle = app.session_key(&cookie);
    for e in &events {
        let text = format!("{e:?}");
        assert!(!text.contains(&cookie), "raw session id in audit: {text}");
        assert!(!text.contains(handle.rsplit(':').next().unwrap()));
        assert!(!text.contains(ADMIN_PASSWORD));
        if e.event.starts_with("sign") {
            assert!(e.ip.is_some(), "{text}");
        }
    }
}

/// The page with its per-response nonce blanked out.
fn without_nonce(page: &str) -> String {
    let nonce = page
        .split("nonce=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or("");
    if nonce.is_empty() {
        page.to_owned()
    } else {
        page.replace(nonce, "NONCE")
    }
}

#[tokio::test]
async fn signed_in_pages_render_and_unknown_paths_are_404() {
    let app = spawn_app().await;
    let c = app.signed_in_client(ADMIN, ADMIN_PASSWORD).await;
    let settings = app.get(&c, "/settings").await;
    assert_eq!(settings.status(), StatusCode::OK);
    let body = settings.text().await.unwrap();
    assert!(
        body.contains("Change password") && body.contains("Confirm new password"),
        "{body}"
    );
    let logout = app.get(&c, "/logout").await;
    assert_eq!(logout.status(), StatusCode::OK, "GET /logout only asks");
    assert_eq!(
        app.get(&c, "/").await.status(),
        StatusCode::OK,
        "still signed in"
    );
    let missing = app.get(&c, "/no-such-page").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(missing.text().await.unwrap().contains("Page not found"));
}
