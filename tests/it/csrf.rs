//! Cross-site posts are refused and change nothing; headers are set.

use reqwest::{header, StatusCode};

use crate::helpers::*;

#[tokio::test]
async fn cross_site_posts_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    app.create_user("uma", "uma-password-1", tagline::model::Role::Member)
        .await;
    let uma = app.signed_in_client("uma", "uma-password-1").await;
    let uma_id = tagline::server::db::users::find_by_username(&app.state.db, "uma")
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string();
    let c = app.signed_in_client(ADMIN, ADMIN_PASSWORD).await;
    let cross: [(&str, &str); 2] = [
        ("sec-fetch-site", "cross-site"),
        ("origin", "https://evil.example"),
    ];
    for (name, value) in cross {
        // Sign-out from another site.
        let res = c
            .post(app.url("/logout"))
            .header(name, value)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{name}");
        assert!(res.text().await.unwrap().contains("detail"));
        // A server function (change password) from another site.
        let res = c
            .post(app.url("/rpc/change_password"))
            .header(name, value)
            .form(&[
                ("current_password", ADMIN_PASSWORD),
                ("new_password", "hijacked-password"),
                ("confirm_password", "hijacked-password"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{name}");
        // Admin actions: a dashboard server function and the JSON API
        // called with the admin's cookie.
        let res = c
            .post(app.url("/rpc/admin_change_user"))
            .header(name, value)
            .form(&[("id", uma_id.as_str()), ("action", "disable")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{name}");
        let res = c
            .delete(app.url(&format!("/api/admin/users/{uma_id}/sessions")))
            .header(name, value)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{name}");
    }
    // The member is neither disabled nor signed out.
    assert_eq!(app.get(&uma, "/").await.status(), StatusCode::OK);
    assert!(
        !tagline::server::db::users::find_by_username(&app.state.db, "uma")
            .await
            .unwrap()
            .unwrap()
            .disabled
    );
    // Still signed in, password unchanged.
    assert_eq!(app.get(&c, "/").await.status(), StatusCode::OK);
    assert_eq!(
        app.login(&client(), ADMIN, ADMIN_PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );

    // The same requests from this origin work.
    let res = c
        .post(app.url("/logout"))
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_cross_site_login_post_is_refused() {
    let app = spawn_app().await;
    // Login CSRF: an attacker signing the victim into the attacker's account.
    let res = client()
        .post(app.url("/login"))
        .header("sec-fetch-site", "cross-site")
        .form(&[("username", ADMIN), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn security_headers_are_set() {
    let app = spawn_app().await;
    let c = app.signed_in_client(ADMIN, ADMIN_PASSWORD).await;
    for path in ["/", "/login", "/healthz"] {
        let res = app.get(&c, path).await;
        let h = res.headers();
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
        assert!(h.contains_key(header::REFERRER_POLICY), "{path}");
        let csp = h[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
    }
}
