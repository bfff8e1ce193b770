//! API tokens: issue, rotate, reuse detection, revocation, lifetimes.

use std::time::Duration;

use reqwest::{header, StatusCode};
use serde_json::{json, Value};
use tagline::model::Role;

use crate::helpers::*;

async fn api_login(app: &TestApp, username: &str, password: &str) -> reqwest::Response {
    bare_client()
        .post(app.url("/api/login"))
        .json(&json!({ "username": username, "password": password }))
        .send()
        .await
        .unwrap()
}

async fn tokens(app: &TestApp, username: &str, password: &str) -> (String, String) {
    let res = api_login(app, username, password).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CACHE_CONTROL], "no-store");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 900);
    (
        body["access_token"].as_str().unwrap().to_owned(),
        body["refresh_token"].as_str().unwrap().to_owned(),
    )
}

async fn refresh(app: &TestApp, token: &str) -> reqwest::Response {
    bare_client()
        .post(app.url("/api/refresh"))
        .json(&json!({ "refresh_token": token }))
        .send()
        .await
        .unwrap()
}

async fn me(app: &TestApp, access: &str) -> StatusCode {
    bare_client()
        .get(app.url("/api/me"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn login_gives_a_working_pair_and_bad_credentials_a_401() {
    let app = spawn_app().await;
    let (access, _) = tokens(&app, ADMIN, ADMIN_PASSWORD).await;
    let res = bare_client()
        .get(app.url("/api/me"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let who: Value = res.json().await.unwrap();
    assert_eq!(who["username"], ADMIN);
    assert_eq!(who["role"], "admin");

    for (user, pass) in [(ADMIN, "wrong-password"), ("nobody", "whatever-123")] {
        let res = api_login(&app, user, pass).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body, json!({ "detail": "Invalid credentials" }));
    }
    assert_eq!(me(&app, "tgl_at_forged").await, StatusCode::UNAUTHORIZED);
    assert_eq!(me(&app, "").await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn bad_api_input_gets_a_detail_and_the_right_status() {
    let app = spawn_app().await;
    let c = bare_client();
    let post = |body: &'static str, ctype: &'static str| {
        c.post(app.url("/api/login"))
            .header(header::CONTENT_TYPE, ctype)
            .body(body)
            .send()
    };
    for (body, ctype, status) in [
        ("{not json", "application/json", StatusCode::BAD_REQUEST),
        (
            r#"{"username": 1, "password": true}"#,
            "application/json",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            r#"{"username": "admin"}"#,
            "application/json",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            r#"{"username": "admin", "password": "x"}"#,
            "text/plain",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
    ] {
        let res = post(body, ctype).await.unwrap();
        assert_eq!(res.status(), status, "{body}");
        let detail: Value = res.json().await.unwrap();
        assert!(detail["detail"].is_string(), "{body}");
    }
    let res = c.get(app.url("/api/nothing-here")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(res.json::<Value>().await.unwrap()["detail"].is_string());
}

/// Rotation: R1 gives R2; R1 again is refused and kills R2 (reuse detection).
#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    let app = spawn_app().await;
    let (a1, r1) = tokens(&app, ADMIN, ADMIN_PASSWORD).await;
    let res = refresh(&app, &r1).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    let r2 = body["refresh_token"].as_str().unwrap().to_owned();
    let a2 = body["access_token"].as_str().unwrap().to_owned();
    assert_ne!(r1, r2);
    assert_eq!(me(&app, &a2).await, StatusCode::OK);

    let reuse = refresh(&app, &r1).await;
    assert_eq!(reuse.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        refresh(&app, &r2).await.status(),
        StatusCode::UNAUTHORIZED,
        "R2 died with its family"
    );
    assert_eq!(me(&app, &a1).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me(&app, &a2).await, StatusCode::UNAUTHORIZED);

    let admin = tagline::server::db::users::find_by_username(&app.state.db, ADMIN)
        .await
        .unwrap()
        .unwrap();
    let events = tagline::server::db::audit::for_user(&app.state.db, admin.id)
        .await
        .unwrap();
    let reused: Vec<_> = events
        .iter()
        .filter(|e| e.event == "refresh_token.reused")
        .collect();
    assert_eq!(reused.len(), 1);
    let text = format!("{events:?}");
    for secret in [&r1, &r2, &a1, &a2] {
        assert!(!text.contains(secret.as_str()), "token in the audit log");
    }
}

#[tokio::test]
async fn of_twenty_parallel_refreshes_exactly_one_succeeds() {
    let app = spawn_app().await;
    let (_, r1) = tokens(&app, ADMIN, ADMIN_PASSWORD).await;
    let attempts = (0..20).map(|_| {
        let url = app.url("/api/refresh");
        let token = r1.clone();
        tokio::spawn(async move {
            bare_client()
                .post(url)
                .json(&json!({ "refresh_token": token }))
                .send()
                .await
                .unwrap()
                .status()
        })
    });
    let mut ok = 0;
    for attempt in attempts.collect::<Vec<_>>() {
        match attempt.await.unwrap() {
            StatusCode::OK => ok += 1,
            StatusCode::UNAUTHORIZED => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(ok, 1);
}

#[tokio::test]
async fn a_family_past_its_absolute_lifetime_is_refused() {
    let app = spawn_app_with(Options {
        refresh_idle: "2s",
        refresh_absolute: "2s",
        ..Options::default()
    })
    .await;
    let (_, r1) = tokens(&app, ADMIN, ADMIN_PASSWORD).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(refresh(&app, &r1).await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn logout_and_password_change_end_token_families_at_once() {
    let app = spawn_app().await;
    app.create_user("erin", "erin-password-1", Role::Member)
        .await;
    let (access, refresh_token) = tokens(&app, "erin", "erin-password-1").await;
    let out = bare_client()
        .post(app.url("/api/logout"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    assert_eq!(me(&app, &access).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        refresh(&app, &refresh_token).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // A password change in the browser ends the API families too.
    let (access, refresh_token) = tokens(&app, "erin", "erin-password-1").await;
    let browser = app.signed_in_client("erin", "erin-password-1").await;
    let res = browser
        .post(app.url("/rpc/change_password"))
        .header(header::ACCEPT, "application/json")
        .form(&[
            ("current_password", "erin-password-1"),
            ("new_password", "erin-password-2"),
            ("confirm_password", "erin-password-2"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(me(&app, &access).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        refresh(&app, &refresh_token).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_redis_dump_holds_no_api_token_in_clear() {
    let app = spawn_app().await;
    let (access, r1) = tokens(&app, ADMIN, ADMIN_PASSWORD).await;
    let rotated: Value = refresh(&app, &r1).await.json().await.unwrap();
    let secrets = [
        access,
        r1,
        rotated["access_token"].as_str().unwrap().to_owned(),
        rotated["refresh_token"].as_str().unwrap().to_owned(),
    ];
    let dump = app.redis_dump().await;
    assert!(dump.iter().any(|(k, _)| k.contains("api:family:")));
    for (key, value) in dump {
        for secret in &secrets {
            let random_part = secret.split_at(7).1;
            assert!(!key.contains(random_part), "token in key {key}");
            assert!(
                !value.as_deref().unwrap_or("").contains(random_part),
                "token in {key}"
            );
        }
    }
}

#[tokio::test]
async fn bearer_calls_are_not_subject_to_csrf_checks() {
    let app = spawn_app().await;
    let (access, _) = tokens(&app, ADMIN, ADMIN_PASSWORD).await;
    let res = bare_client()
        .post(app.url("/api/logout"))
        .bearer_auth(&access)
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
}
