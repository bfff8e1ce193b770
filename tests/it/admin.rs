//! The admin JSON API: who may call it, users, sessions.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tagline::model::Role;

use crate::helpers::*;

async fn call(
    app: &TestApp,
    c: &reqwest::Client,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut req = c.request(method, app.url(path));
    if let Some(body) = body {
        req = req.json(&body);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn admin_endpoints_answer_401_to_nobody_and_403_to_a_member() {
    let app = spawn_app().await;
    app.create_user("gil", "gil-password-1", Role::Member).await;
    let member = app.signed_in_client("gil", "gil-password-1").await;
    let nobody = client();
    let admin_id = user_id(&app, ADMIN).await;
    let endpoints: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, "/api/admin/users".into(), None),
        (
            Method::POST,
            "/api/admin/users".into(),
            Some(
                json!({"username": "x1", "display_name": "X", "role": "admin", "password": "password-123"}),
            ),
        ),
        (
            Method::PATCH,
            format!("/api/admin/users/{admin_id}"),
            Some(json!({"disabled": true})),
        ),
        (Method::GET, "/api/admin/sessions".into(), None),
        (
            Method::DELETE,
            "/api/admin/sessions/browser:abc".into(),
            None,
        ),
        (
            Method::DELETE,
            format!("/api/admin/users/{admin_id}/sessions"),
            None,
        ),
    ];
    for (method, path, body) in endpoints {
        let res = call(&app, &nobody, method.clone(), &path, body.clone()).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{method} {path}");
        let res = call(&app, &member, method.clone(), &path, body).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{method} {path}");
        assert!(res.json::<Value>().await.unwrap()["detail"].is_string());
    }
    // Nothing changed: no user x1, the admin still signs in.
    assert!(
        tagline::server::db::users::find_by_username(&app.state.db, "x1")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        app.login(&client(), ADMIN, ADMIN_PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn admins_create_users_and_bad_input_is_refused() {
    let app = spawn_app().await;
    let admin = app.signed_in_client(ADMIN, ADMIN_PASSWORD).await;
    let new = json!({"username": "Hana", "display_name": "Hana H.", "role": "member", "password": "hana-password"});
    let res = call(
        &app,
        &admin,
        Method::POST,
        "/api/admin/users",
        Some(new.clone()),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["username"], "hana");
    assert_eq!(body["role"], "member");
    let again = call(&app, &admin, Method::POST, "/api/admin/users", Some(new)).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    for bad in [
        json!({"username": "ok", "display_name": "X", "role": "owner", "password": "password-123"}),
        json!({"username": "bad name", "display_name": "X", "role": "member", "password": "password-123"}),
        json!({"username": "short", "display_name": "X", "role": "member", "password": "short"}),
        json!({"username": 5}),
    ] {
        let res = call(
            &app,
            &admin,
            Method::POST,
            "/api/admin/users",
            Some(bad.clone()),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    let list: Value = call(&app, &admin, Method::GET, "/api/admin/users", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    assert_eq!(
        app.login(&client(), "hana", "hana-password").await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn the_last_admin_cannot_be_demoted_or_disabled() {
    let app = spawn_app().await;
    let admin = app.signed_in_client(ADMIN, ADMIN_PASSWORD).await;
    let id = user_id(&app, ADMIN).await;
    for change in [json!({"role": "member"}), json!({"disabled": true})] {
        let res = call(
            &app,
            &admin,
            Method::PATCH,
            &format!("/api/admin/users/{id}"),
            Some(change.clone()),
        )
        .await;
        assert_eq!(res.status(), StatusCode::CONFLICT, "{change}");
    }
    assert_eq!(app.get(&admin, "/").await.status(), StatusCode::OK);
    // With a second admin, the first may step down.
    app.create_user("ivy", "ivy-password-1", Role::Admin).await;
    let res = call(
        &app,
        &admin,
        Method::PATCH,
        &format!("/api/admin/users/{id}"),
        Some(json!({"role": "member"})),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    // Bad ids and unknown ids.
    let res = call(
        &app,
        &admin,
        Method::PATCH,
        "/api/admin/users/not-a-uuid",
        Some(json!({"disabled": true})),
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "no longer an admin");
    let ivy = app.signed_in_client("ivy", "ivy-password-1").await;
    let res = call(
        &app,
        &ivy,
        Method::PATCH,
        "/api/admin/users/not-a-uuid",
        Some(json!({"disabled": true})),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let unknown = uuid::Uuid::new_v4();
    let res = call(
        &app,
        &ivy,
        Method::PATCH,
        &format!("/api/admin/users/{unknown}"),
        Some(json!({"disabled": true})),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn admin_revocations_take_effect_on_the_next_request() {
    let app = spawn_app().await;
    let admin = app.signed_in_client(ADMIN, ADMIN_PASSWORD).await;
    app.create_user("jo", "jo-password-1", Role::Member).await;
    let jo_id = user_id(&app, "jo").await;
    let phone = app.signed_in_client("jo", "jo-password-1").await;
    let laptop = app.signed_in_client("jo", "jo-password-1").await;

    let res = call(
        &app,
        &admin,
        Method::GET,
        "/api/admin/sessions?user=jo",
        None,
    )
    .await;
    let items = res.json::<Value>().await.unwrap()["items"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(items.len(), 2);
    for field in [
        "id",
        "user_id",
        "username",
        "kind",
        "device",
        "ip",
        "created_at",
        "last_active_at",
        "expires_at",
    ] {
        assert!(items[0].get(field).is_some(), "{field}");
    }
    assert_eq!(items[0]["username"], "jo");

    // Revoke one.
    let one = items[0]["id"].as_str().unwrap();
    let res = call(
        &app,
        &admin,
        Method::DELETE,
        &format!("/api/admin/sessions/{one}"),
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let statuses = [
        app.get(&phone, "/").await.status(),
        app.get(&laptop, "/").await.status(),
    ];
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::SEE_OTHER)
            .count(),
        1,
        "{statuses:?}"
    );
    let res = call(
        &app,
        &admin,
        Method::DELETE,
        &format!("/api/admin/sessions/{one}"),
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // Revoke all of the user, API tokens included.
    let tokens: Value = bare_client()
        .post(app.url("/api/login"))
        .json(&json!({"username": "jo", "password": "jo-password-1"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access = tokens["access_token"].as_str().unwrap();
    let res = call(
        &app,
        &admin,
        Method::DELETE,
        &format!("/api/admin/users/{jo_id}/sessions"),
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get(&phone, "/").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.get(&laptop, "/").await.status(), StatusCode::SEE_OTHER);
    let me = bare_client()
        .get(app.url("/api/me"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.get(&admin, "/").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn disabling_a_user_or_resetting_a_password_ends_their_sessions() {
    let app = spawn_app().await;
    let admin = app.signed_in_client(ADMIN, ADMIN_PASSWORD).await;
    app.create_user("kit", "kit-password-1", Role::Member).await;
    let kit_id = user_id(&app, "kit").await;
    let kit = app.signed_in_client("kit", "kit-password-1").await;
    let path = format!("/api/admin/users/{kit_id}");

    let res = call(
        &app,
        &admin,
        Method::PATCH,
        &path,
        Some(json!({"password": "kit-password-2"})),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.get(&kit, "/").await.status(), StatusCode::SEE_OTHER);
    let kit = app.signed_in_client("kit", "kit-password-2").await;

    let res = call(
        &app,
        &admin,
        Method::PATCH,
        &path,
        Some(json!({"disabled": true})),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["disabled"], true);
    assert_eq!(app.get(&kit, "/").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.login(&client(), "kit", "kit-password-2").await.status(),
        StatusCode::UNAUTHORIZED
    );

    let res = call(
        &app,
        &admin,
        Method::PATCH,
        &path,
        Some(json!({"disabled": false})),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        app.login(&client(), "kit", "kit-password-2").await.status(),
        StatusCode::SEE_OTHER
    );

    let events = tagline::server::db::audit::for_user(&app.state.db, kit_id.parse().unwrap())
        .await
        .unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.event.as_str()).collect();
    for expected in ["password.reset", "user.disabled", "user.enabled"] {
        assert!(kinds.contains(&expected), "{expected} in {kinds:?}");
    }
    assert!(events
        .iter()
        .filter(|e| e.event == "user.disabled")
        .all(|e| e.actor_id.is_some()));
    let bad = call(
        &app,
        &admin,
        Method::PATCH,
        &path,
        Some(json!({"disabled": "yes"})),
    )
    .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
