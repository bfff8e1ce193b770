//! The admin dashboard: its server functions and pages (admins only), the
//! audit log over HTTP, two instances sharing Redis and the database, and
//! the pages' Content-Security-Policy.

use reqwest::{header, StatusCode};
use serde_json::{json, Value};
use tagline::model::Role;

use crate::helpers::*;

async fn api_tokens(app: &TestApp, username: &str, password: &str) -> (String, String) {
    let res = bare_client()
        .post(app.url("/api/login"))
        .json(&json!({ "username": username, "password": password }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    (
        body["access_token"].as_str().unwrap().to_owned(),
        body["refresh_token"].as_str().unwrap().to_owned(),
    )
}

/// Calls the dashboard's `admin_change_user` and answers its status.
async fn change(
    app: &TestApp,
    c: &reqwest::Client,
    id: &str,
    action: &str,
    password: &str,
) -> StatusCode {
    let mut form = vec![("id", id), ("action", action)];
    if !password.is_empty() {
        form.push(("password", password));
    }
    rpc(app, c, "admin_change_user", &form).await.status()
}

async fn audit(app: &TestApp, c: &reqwest::Client, query: &str) -> reqwest::Response {
    c.get(app.url(&format!("/api/admin/audit{query}")))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn admin_server_functions_and_pages_refuse_members_and_nobody() {
    let app = spawn_app().await;
    app.create_user("vic", "vic-password-1", Role::Member).await;
    let member = app.signed_in_client("vic", "vic-password-1").await;
    let nobody = client();
    let admin_id = user_id(&app, ADMIN).await;
    let calls: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("admin_users", vec![]),
        (
            "admin_create_user",
            vec![
                ("username", "mallory"),
                ("display_name", "Mallory"),
                ("role", "admin"),
                ("password", "mallory-password"),
            ],
        ),
        (
            "admin_change_user",
            vec![("id", &admin_id), ("action", "disable")],
        ),
        (
            "admin_change_user",
            vec![
                ("id", &admin_id),
                ("action", "reset_password"),
                ("password", "taken-over-123"),
            ],
        ),
        ("admin_sessions", vec![]),
        ("admin_revoke_session", vec![("id", "browser:abc")]),
        ("admin_revoke_user_sessions", vec![("user_id", &admin_id)]),
        ("admin_audit", vec![("page", "1")]),
        ("start_rescan", vec![]),
    ];
    for (name, form) in &calls {
        let res = rpc(&app, &nobody, name, form).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{name} as nobody");
        let res = rpc(&app, &member, name, form).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{name} as a member");
    }
    for page in ["/admin", "/admin/users", "/admin/sessions", "/admin/audit"] {
        assert_eq!(
            app.get(&member, page).await.status(),
            StatusCode::FORBIDDEN,
            "{page}"
        );
        let res = app.get(&nobody, page).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{page}");
        assert!(res.headers()[header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/login"));
    }
    // Nothing changed: no new user, the admin is active with their password.
    assert!(
        tagline::server::db::users::find_by_username(&app.state.db, "mallory")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        app.login(&client(), ADMIN, ADMIN_PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    // The same calls work for an admin.
    let admin = app.signed_in_client(ADMIN, ADMIN_PASSWORD).await;
    let res = rpc(&app, &admin, "admin_users", &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let users: Value = res.json().await.unwrap();
    assert!(users
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u["username"] == "vic" && u["sessions"] == 1));
}

#[tokio::test]
async fn the_dashboard_manages_users_and_sessions() {
    let app = spawn_app().await;
    let admin = app.signed_in_client(ADMIN, ADMIN_PASSWORD).await;
    let res = rpc(
        &app,
        &admin,
        "admin_create_user",
        &[
            ("username", "Wren"),
            ("display_name", "Wren W."),
            ("role", "member"),
            ("password", "wren-password-1"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<String>().await.unwrap(), "wren");
    // Bad input: a clear message, nothing created.
    for (form, status) in [
        (
            vec![
                ("username", "bad name!"),
                ("display_name", "X"),
                ("role", "member"),
                ("password", "long-enough-1"),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            vec![
                ("username", "xavier"),
                ("display_name", "X"),
                ("role", "owner"),
                ("password", "long-enough-1"),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            vec![
                ("username", "wren"),
                ("display_name", "Again"),
                ("role", "member"),
                ("password", "long-enough-1"),
            ],
            StatusCode::CONFLICT,
        ),
    ] {
        let res = rpc(&app, &admin, "admin_create_user", &form).await;
        assert_eq!(res.status(), status, "{form:?}");
    }
    assert!(
        tagline::server::db::users::find_by_username(&app.state.db, "xavier")
            .await
            .unwrap()
            .is_none()
    );

    let wren = app.signed_in_client("wren", "wren-password-1").await;
    let (wren_access, _) = api_tokens(&app, "wren", "wren-password-1").await;
    let wren_id = user_id(&app, "wren").await;

    // The sessions page and its server function list her two sessions.
    let res = rpc(&app, &admin, "admin_sessions", &[("user", "wren")]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let overview: Value = res.json().await.unwrap();
    let items = overview["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{overview}");
    assert!(items.iter().all(|i| i["username"] == "wren"));
    assert_eq!(overview["users_signed_in"], 2);
    assert_eq!(overview["api_families"], 1);
    assert_eq!(overview["browser_sessions"], 2);
    let page = app.get(&admin, "/admin/sessions?user=wren").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("Revoke all sessions of wren"), "{html}");
    assert!(html.contains("API token"));
    let res = rpc(&app, &admin, "admin_sessions", &[("user", "nobody-here")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Revoke her browser session: her next request is anonymous.
    let browser_id = items
        .iter()
        .find(|i| i["session"]["kind"] == "browser")
        .unwrap()["session"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = rpc(&app, &admin, "admin_revoke_session", &[("id", &browser_id)]).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.get(&wren, "/").await.status(), StatusCode::SEE_OTHER);
    let res = rpc(&app, &admin, "admin_revoke_session", &[("id", &browser_id)]).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // Revoke all of hers: the API token dies too.
    let res = rpc(
        &app,
        &admin,
        "admin_revoke_user_sessions",
        &[("user_id", &wren_id)],
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let me = bare_client()
        .get(app.url("/api/me"))
        .bearer_auth(&wren_access)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);

    // Role and status changes; the last admin stays an admin.
    let admin_id = user_id(&app, ADMIN).await;
    for (id, action, status) in [
        (&admin_id, "make_member", StatusCode::CONFLICT),
        (&admin_id, "disable", StatusCode::CONFLICT),
        (&wren_id, "make_admin", StatusCode::OK),
        (&wren_id, "make_member", StatusCode::OK),
        (&wren_id, "disable", StatusCode::OK),
        (&wren_id, "frobnicate", StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let status_of = change(&app, &admin, id, action, "").await;
        assert_eq!(status_of, status, "{action}");
    }
    assert_eq!(
        change(&app, &admin, "not-a-uuid", "enable", "").await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        app.login(&client(), "wren", "wren-password-1")
            .await
            .status(),
        StatusCode::UNAUTHORIZED,
        "a disabled user gets the sign-in form again, refused"
    );
    assert_eq!(
        change(&app, &admin, &wren_id, "enable", "").await,
        StatusCode::OK
    );
    // A reset password that is too short changes nothing.
    assert_eq!(
        change(&app, &admin, &wren_id, "reset_password", "short").await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    app.signed_in_client("wren", "wren-password-1").await;
    assert_eq!(
        change(
            &app,
            &admin,
            &wren_id,
            "reset_password",
            "wren-new-password"
        )
        .await,
        StatusCode::OK
    );
    app.signed_in_client("wren", "wren-new-password").await;

    let html = app.get(&admin, "/admin/users").await.text().await.unwrap();
    assert!(html.contains("Wren W."), "{html}");
    assert!(html.contains("Make wren an admin"));
}

#[tokio::test]
async fn the_audit_log_holds_every_event_and_no_secret() {
    let app = spawn_app_with(Options {
        max_failures_per_user_ip: "3",
        ..Options::default()
    })
    .await;
    let c = client();
    let signed_in = app.login(&c, ADMIN, ADMIN_PASSWORD).await;
    let admin_cookie = session_cookie(&signed_in, app.cookie_name)
        .unwrap()
        .value()
        .to_owned();
    let res = c
        .post(app.url("/api/admin/users"))
        .json(&json!({"username": "yael", "display_name": "Yael", "role": "member", "password": "yael-password-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let yael_id = user_id(&app, "yael").await;

    // Failed sign-ins until throttled.
    for _ in 0..4 {
        app.login(&client(), "yael", "wrong-password").await;
    }
    let throttled = app.login(&client(), "yael", "wrong-password").await;
    assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);

    // Refresh-token reuse.
    let (access, r1) = api_tokens(&app, ADMIN, ADMIN_PASSWORD).await;
    let refresh = |token: String| {
        let url = app.url("/api/refresh");
        async move {
            bare_client()
                .post(url)
                .json(&json!({ "refresh_token": token }))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(refresh(r1.clone()).await, StatusCode::OK);
    assert_eq!(refresh(r1.clone()).await, StatusCode::UNAUTHORIZED);

    // The admin changes Yael's role, disables, enables her, resets her
    // password and ends her sessions.
    let res = c
        .patch(app.url(&format!("/api/admin/users/{yael_id}")))
        .json(&json!({"role": "admin"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    for body in [
        json!({"role": "member"}),
        json!({"disabled": true}),
        json!({"disabled": false}),
        json!({"password": "yael-password-2"}),
    ] {
        let res = c
            .patch(app.url(&format!("/api/admin/users/{yael_id}")))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{body}");
    }
    let res = c
        .delete(app.url(&format!("/api/admin/users/{yael_id}/sessions")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    // The admin changes their own password (ends the API family) ...
    let res = rpc(
        &app,
        &c,
        "change_password",
        &[
            ("current_password", ADMIN_PASSWORD),
            ("new_password", "admin-password-456"),
            ("confirm_password", "admin-password-456"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    // ... and reads the log before signing out.
    let res = audit(&app, &c, "?limit=200").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CACHE_CONTROL], "no-store");
    let log: Value = res.json().await.unwrap();
    let items = log["items"].as_array().unwrap().clone();
    assert_eq!(log["total"].as_u64().unwrap() as usize, items.len());
    let events: Vec<&str> = items.iter().map(|i| i["event"].as_str().unwrap()).collect();
    for expected in [
        "sign_in.succeeded",
        "sign_in.failed",
        "sign_in.throttled",
        "user.created",
        "refresh_token.reused",
        "user.role_changed",
        "user.disabled",
        "user.enabled",
        "password.reset",
        "session.revoked",
        "password.changed",
    ] {
        assert!(events.contains(&expected), "{expected} missing: {events:?}");
    }
    // Who revoked whose sessions is recorded.
    let revoked = items
        .iter()
        .find(|i| i["event"] == "session.revoked")
        .unwrap();
    assert_eq!(revoked["username"], "yael");
    assert_eq!(revoked["actor"], ADMIN);
    let created = items
        .iter()
        .find(|i| i["event"] == "user.created" && i["username"] == "yael")
        .unwrap();
    assert_eq!(created["actor"], ADMIN);
    // Newest first.
    let times: Vec<&str> = items
        .iter()
        .map(|i| i["created_at"].as_str().unwrap())
        .collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted);

    // Sign out, then sign in again with the new password to read the rest.
    let out = c.post(app.url("/logout")).send().await.unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let c = app.signed_in_client(ADMIN, "admin-password-456").await;
    let text = audit(&app, &c, "?limit=200").await.text().await.unwrap();
    assert!(text.contains("\"signed_out\""), "{text}");
    // No secret of any kind.
    for secret in [
        admin_cookie.as_str(),
        app.session_key(&admin_cookie).rsplit(':').next().unwrap(),
        access.as_str(),
        r1.as_str(),
        ADMIN_PASSWORD,
        "yael-password-2",
        "wrong-password",
    ] {
        assert!(!text.contains(secret), "audit log holds {secret}");
    }

    // Filters and pages.
    let res: Value = audit(&app, &c, "?user=YAEL&event=user.disabled")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(res["total"], 1);
    assert_eq!(res["items"][0]["username"], "yael");
    let first: Value = audit(&app, &c, "?limit=2").await.json().await.unwrap();
    let second: Value = audit(&app, &c, "?limit=2&offset=2")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    assert_eq!(first["total"], second["total"]);
    assert_ne!(first["items"][0]["id"], second["items"][0]["id"]);
    let page = app.get(&c, "/admin/audit?event=sign_in.throttled").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("Sign-in throttled"), "{html}");
    assert!(
        html.contains(" events") || html.contains("1 event"),
        "{html}"
    );
    let res = rpc(&app, &c, "admin_audit", &[("user", "yael"), ("page", "1")]).await;
    assert_eq!(res.status(), StatusCode::OK);

    // Bad input: a detail and the right status.
    for query in [
        "?event=nope",
        "?limit=0",
        "?limit=201",
        "?limit=ten",
        "?offset=-1",
    ] {
        let res = audit(&app, &c, query).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        let body: Value = res.json().await.unwrap();
        assert!(body["detail"].is_string(), "{query}");
    }
}

#[tokio::test]
async fn two_instances_share_sessions_and_revocations() {
    let one = spawn_app().await;
    let two = one.spawn_twin().await;
    assert_ne!(one.address, two.address);
    one.create_user("zed", "zed-password-1", Role::Member).await;

    // A browser session made on one works on the other (the cookie jar
    // sends 127.0.0.1 cookies to both ports).
    let zed = one.signed_in_client("zed", "zed-password-1").await;
    assert_eq!(two.get(&zed, "/").await.status(), StatusCode::OK);
    let (access, refresh) = api_tokens(&two, "zed", "zed-password-1").await;
    let me = bare_client()
        .get(one.url("/api/me"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);

    // An admin on two revokes all of zed's sessions: one sees it on the
    // very next request, for the cookie and the token alike.
    let admin = two.signed_in_client(ADMIN, ADMIN_PASSWORD).await;
    let zed_id = user_id(&one, "zed").await;
    let res = admin
        .delete(two.url(&format!("/api/admin/users/{zed_id}/sessions")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(one.get(&zed, "/").await.status(), StatusCode::SEE_OTHER);
    let me = bare_client()
        .get(one.url("/api/me"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    let res = bare_client()
        .post(one.url("/api/refresh"))
        .json(&json!({ "refresh_token": refresh }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    // A session signed out on one is gone on two.
    let zed = two.signed_in_client("zed", "zed-password-1").await;
    assert_eq!(one.get(&zed, "/").await.status(), StatusCode::OK);
    let out = zed.post(one.url("/logout")).send().await.unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert_eq!(two.get(&zed, "/").await.status(), StatusCode::SEE_OTHER);
    drop(two);
    // The first instance still works once the second is gone.
    assert_eq!(one.get(&admin, "/").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn pages_allow_only_their_own_nonced_scripts() {
    let app = spawn_app().await;
    let c = app.signed_in_client(ADMIN, ADMIN_PASSWORD).await;
    let mut nonces = Vec::new();
    for path in ["/", "/admin/sessions", "/settings", "/login?next=%2F"] {
        let who = if path.starts_with("/login") {
            client()
        } else {
            c.clone()
        };
        let res = app.get(&who, path).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let csp = res.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(!path.starts_with("/admin") || res.headers()[header::CACHE_CONTROL] == "no-store");
        let html = res.text().await.unwrap();
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .unwrap_or_else(|| panic!("{path}: no nonce in {csp}"))
            .to_owned();
        assert!(nonce.len() >= 16, "{nonce}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(csp.contains("object-src 'none'"));
        // Every script on the page carries the nonce.
        let tags: Vec<&str> = html
            .split("<script")
            .skip(1)
            .map(|rest| rest.split('>').next().unwrap_or(""))
            .collect();
        assert!(!tags.is_empty(), "{path}: no script at all");
        for tag in tags {
            assert!(
                tag.contains(&format!("nonce=\"{nonce}\"")),
                "{path}: a script without the nonce: <script{tag}>"
            );
        }
        nonces.push(nonce);
    }
    nonces.dedup();
    assert_eq!(nonces.len(), 4, "a nonce is made per answer");
    // JSON answers carry no script allowance and are never cached.
    let res = app.get(&c, "/api/admin/users").await;
    assert_eq!(res.headers()[header::CACHE_CONTROL], "no-store");
    let csp = res.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(csp.contains("script-src 'none'"), "{csp}");
    assert_eq!(res.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert!(res.headers().contains_key(header::REFERRER_POLICY));
}

#[tokio::test]
async fn a_role_change_on_one_instance_reaches_the_other_at_once() {
    let one = spawn_app().await;
    let two = one.spawn_twin().await;
    one.create_user("rae", "rae-password-1", Role::Admin).await;
    let rae = one.signed_in_client("rae", "rae-password-1").await;
    // Both instances have seen (and may hold a copy of) rae as an admin.
    assert_eq!(one.get(&rae, "/admin/users").await.status(), StatusCode::OK);
    assert_eq!(two.get(&rae, "/admin/users").await.status(), StatusCode::OK);

    let admin = two.signed_in_client(ADMIN, ADMIN_PASSWORD).await;
    let rae_id = user_id(&one, "rae").await;
    let res = admin
        .patch(two.url(&format!("/api/admin/users/{rae_id}")))
        .json(&json!({"role": "member"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // On the instance that made the change: the very next request.
    assert_eq!(
        two.get(&rae, "/admin/users").await.status(),
        StatusCode::FORBIDDEN
    );
    // On the other: as soon as the announcement arrives (milliseconds); the
    // test allows two seconds rather than race the pub/sub delivery.
    let mut status = StatusCode::OK;
    for _ in 0..40 {
        status = one.get(&rae, "/admin/users").await.status();
        if status == StatusCode::FORBIDDEN {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(status, StatusCode::FORBIDDEN);
    let res = rpc(&one, &rae, "admin_users", &[]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}
