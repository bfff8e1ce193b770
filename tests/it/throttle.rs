//! Failed sign-ins are throttled per username and address, in Redis.

use reqwest::{header, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

const HOME: &str = "203.0.113.7";
const ELSEWHERE: &str = "198.51.100.9";

async fn attempt(app: &TestApp, ip: &str, password: &str) -> reqwest::Response {
    client()
        .post(app.url("/login"))
        .header("x-forwarded-for", ip)
        .form(&[("username", ADMIN), ("password", password), ("next", "/")])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn repeated_bad_passwords_are_throttled_per_username_and_address() {
    let app = spawn_app_with(Options {
        max_failures_per_user_ip: "3",
        trust_forwarded_for: true,
        ..Options::default()
    })
    .await;
    for _ in 0..3 {
        assert_eq!(
            attempt(&app, ELSEWHERE, "wrong-password").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    // Past the limit, even the right password waits, for the form...
    let res = attempt(&app, ELSEWHERE, ADMIN_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = res.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0 && retry <= 15 * 60);
    let body = res.text().await.unwrap();
    assert!(body.contains("Too many attempts"), "{body}");
    assert!(body.contains(r#"role="alert""#));

    // ...and for the API alike.
    let api = bare_client()
        .post(app.url("/api/login"))
        .header("x-forwarded-for", ELSEWHERE)
        .json(&json!({ "username": ADMIN, "password": ADMIN_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(api.headers().contains_key(header::RETRY_AFTER));
    let detail: Value = api.json().await.unwrap();
    assert!(detail["detail"]
        .as_str()
        .unwrap()
        .contains("Too many attempts"));

    // The attacker elsewhere does not lock the admin out at home.
    assert_eq!(
        attempt(&app, HOME, ADMIN_PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );

    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let throttled = tagline::server::db::audit::Entity::find()
        .filter(tagline::server::db::audit::Column::Event.eq("sign_in.throttled"))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(throttled.len(), 2);
    assert!(throttled.iter().all(|e| e.ip.as_deref() == Some(ELSEWHERE)));
}

#[tokio::test]
async fn the_counters_hold_no_username_or_address_in_clear() {
    let app = spawn_app_with(Options {
        trust_forwarded_for: true,
        ..Options::default()
    })
    .await;
    attempt(&app, ELSEWHERE, "wrong-password").await;
    let dump = app.redis_dump().await;
    assert!(dump.iter().any(|(k, _)| k.contains("throttle:")));
    for (key, _) in dump {
        assert!(!key.contains(ADMIN) && !key.contains(ELSEWHERE), "{key}");
    }
}
