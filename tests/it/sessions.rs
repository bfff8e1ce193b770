//! Session lifetime: password change, idle timeout, absolute lifetime.

use std::time::Duration;

use reqwest::{header, StatusCode};
use tagline::model::Role;

use crate::helpers::*;

async fn change_password(
    app: &TestApp,
    c: &reqwest::Client,
    current: &str,
    new: &str,
    confirm: &str,
) -> reqwest::Response {
    rpc(
        app,
        c,
        "change_password",
        &[
            ("current_password", current),
            ("new_password", new),
            ("confirm_password", confirm),
        ],
    )
    .await
}

#[tokio::test]
async fn password_change_signs_out_every_other_session() {
    let app = spawn_app().await;
    app.create_user("dora", "dora-password-1", Role::Member)
        .await;
    let a = app.signed_in_client("dora", "dora-password-1").await;
    let b = app.signed_in_client("dora", "dora-password-1").await;
    let admin = app.signed_in_client(ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(app.get(&b, "/").await.status(), StatusCode::OK);

    let res = change_password(
        &app,
        &a,
        "dora-password-1",
        "dora-password-2",
        "dora-password-2",
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    // The current session got a new id.
    assert!(
        session_cookie(&res, app.cookie_name).is_some(),
        "session id rotated"
    );
    let ended: usize = res.json().await.unwrap();
    assert_eq!(ended, 1);

    // B is signed out on its very next request; A and other users are not.
    let b_next = app.get(&b, "/").await;
    assert_eq!(b_next.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.get(&a, "/").await.status(), StatusCode::OK);
    assert_eq!(app.get(&admin, "/").await.status(), StatusCode::OK);

    // Old password no longer works; the new one does.
    assert_eq!(
        app.login(&client(), "dora", "dora-password-1")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login(&client(), "dora", "dora-password-2")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn password_change_refuses_bad_input_and_changes_nothing() {
    let app = spawn_app().await;
    let c = app.signed_in_client(ADMIN, ADMIN_PASSWORD).await;
    let long = "p".repeat(1025);
    for (current, new, confirm, needle) in [
        (
            "wrong-password",
            "new-password-1",
            "new-password-1",
            "current password is incorrect",
        ),
        (ADMIN_PASSWORD, "short", "short", "at least 8"),
        (ADMIN_PASSWORD, long.as_str(), long.as_str(), "at most 1024"),
        (
            ADMIN_PASSWORD,
            "new-password-1",
            "new-password-2",
            "do not match",
        ),
    ] {
        let res = change_password(&app, &c, current, new, confirm).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{needle}");
        let body = res.text().await.unwrap();
        assert!(body.contains(needle), "{body}");
    }
    // A malformed call (missing fields) is a 4xx, never a 500.
    let res = c
        .post(app.url("/rpc/change_password"))
        .header(header::ACCEPT, "application/json")
        .form(&[("current_password", "x")])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error(), "{}", res.status());
    assert_eq!(
        app.login(&client(), ADMIN, ADMIN_PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn password_change_needs_a_session() {
    let app = spawn_app().await;
    let res = change_password(
        &app,
        &client(),
        ADMIN_PASSWORD,
        "new-password-1",
        "new-password-1",
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.login(&client(), ADMIN, ADMIN_PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn the_session_index_lists_live_sessions() {
    let app = spawn_app().await;
    let _a = app.signed_in_client(ADMIN, ADMIN_PASSWORD).await;
    let b = app.signed_in_client(ADMIN, ADMIN_PASSWORD).await;
    let admin = tagline::server::db::users::find_by_username(&app.state.db, ADMIN)
        .await
        .unwrap()
        .unwrap();
    let sessions = app
        .state
        .auth
        .sessions()
        .list_for_user(admin.id)
        .await
        .unwrap();
    assert_eq!(sessions.len(), 2);
    assert!(sessions
        .iter()
        .all(|s| s.auth.user_id == admin.id && s.auth.ip.is_some()));

    b.post(app.url("/logout")).send().await.unwrap();
    let sessions = app
        .state
        .auth
        .sessions()
        .list_for_user(admin.id)
        .await
        .unwrap();
    assert_eq!(sessions.len(), 1);
}

#[tokio::test]
async fn an_idle_session_ends() {
    let app = spawn_app_with(Options {
        idle: "2s",
        absolute: "1h",
        ..Options::default()
    })
    .await;
    let c = app.signed_in_client(ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(app.get(&c, "/").await.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(3200)).await;
    let res = app.get(&c, "/").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[header::LOCATION], "/login?next=%2F");
}

#[tokio::test]
async fn activity_keeps_a_session_alive_until_its_absolute_lifetime() {
    let app = spawn_app_with(Options {
        idle: "2s",
        absolute: "5s",
        ..Options::default()
    })
    .await;
    let c = app.signed_in_client(ADMIN, ADMIN_PASSWORD).await;
    let started = std::time::Instant::now();
    // Active every second: the idle timeout never strikes...
    while started.elapsed() < Duration::from_millis(3500) {
        assert_eq!(
            app.get(&c, "/").await.status(),
            StatusCode::OK,
            "at {:?}",
            started.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(1000)).await;
    }
    // ...but the absolute lifetime does.
    tokio::time::sleep(Duration::from_millis(6000).saturating_sub(started.elapsed())).await;
    assert_eq!(app.get(&c, "/").await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_redis_dump_holds_no_usable_session_cookie() {
    let app = spawn_app().await;
    let res = app.login(&client(), ADMIN, ADMIN_PASSWORD).await;
    let cookie = session_cookie(&res, app.cookie_name)
        .unwrap()
        .value()
        .to_owned();
    let dump = app.redis_dump().await;
    assert!(
        !dump.is_empty(),
        "the session is stored under the test prefix"
    );
    for (key, value) in &dump {
        assert!(key.starts_with(&app.prefix));
        assert!(!key.contains(&cookie), "cookie value in key {key}");
        if let Some(value) = value {
            assert!(!value.contains(&cookie), "cookie value in {key}");
            assert!(!value.contains(ADMIN_PASSWORD));
        }
    }
}

async fn list(app: &TestApp, c: &reqwest::Client) -> Vec<serde_json::Value> {
    let res = rpc(app, c, "my_sessions", &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

#[tokio::test]
async fn settings_lists_and_ends_the_users_own_sessions() {
    let app = spawn_app().await;
    app.create_user("fay", "fay-password-1", Role::Member).await;
    let here = app.signed_in_client("fay", "fay-password-1").await;
    let laptop = app.signed_in_client("fay", "fay-password-1").await;
    let api = bare_client()
        .post(app.url("/api/login"))
        .header(header::USER_AGENT, "curl/8.5.0")
        .json(&serde_json::json!({ "username": "fay", "password": "fay-password-1" }))
        .send()
        .await
        .unwrap();
    let access = api.json::<serde_json::Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let other_user = app.signed_in_client(ADMIN, ADMIN_PASSWORD).await;

    let sessions = list(&app, &here).await;
    assert_eq!(sessions.len(), 3, "{sessions:?}");
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
    assert_eq!(sessions.iter().filter(|s| s["kind"] == "api").count(), 1);
    let api_entry = sessions.iter().find(|s| s["kind"] == "api").unwrap();
    assert_eq!(api_entry["device"], "curl");
    let current = sessions.iter().find(|s| s["current"] == true).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let laptop_id = sessions
        .iter()
        .find(|s| s["kind"] == "browser" && s["current"] == false)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // This device is signed out with the Sign out button, not from the list.
    let res = rpc(&app, &here, "sign_out_session", &[("id", &current)]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Another user's session, or no session at all, is not found.
    let admin_sessions = list(&app, &other_user).await;
    let admin_id = admin_sessions[0]["id"].as_str().unwrap().to_owned();
    for id in [admin_id.as_str(), "browser:nope", "api:nope", "garbage"] {
        let res = rpc(&app, &here, "sign_out_session", &[("id", id)]).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{id}");
    }
    assert_eq!(app.get(&other_user, "/").await.status(), StatusCode::OK);

    let res = rpc(&app, &here, "sign_out_session", &[("id", &laptop_id)]).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.get(&laptop, "/").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.get(&here, "/").await.status(), StatusCode::OK);

    // Everything else, after the password again.
    let res = rpc(
        &app,
        &here,
        "sign_out_others",
        &[("password", "wrong-password")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let still = bare_client()
        .get(app.url("/api/me"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(still.status(), StatusCode::OK);
    let res = rpc(
        &app,
        &here,
        "sign_out_others",
        &[("password", "fay-password-1")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<usize>().await.unwrap(), 1);
    let gone = bare_client()
        .get(app.url("/api/me"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.get(&here, "/").await.status(), StatusCode::OK);
    assert_eq!(list(&app, &here).await.len(), 1);
}
