//! When Redis is unreachable nobody is let in, quickly; when it returns the
//! app serves again by itself.

use std::time::{Duration, Instant};

use reqwest::{header, StatusCode};

use crate::helpers::*;

async fn timed(app: &TestApp, c: &reqwest::Client, path: &str) -> (StatusCode, Duration) {
    let start = Instant::now();
    let res = app.get(c, path).await;
    (res.status(), start.elapsed())
}

#[tokio::test]
async fn a_closed_redis_port_gives_503_quickly() {
    let port = free_port();
    let app = spawn_app_with(Options {
        redis_url: format!("redis://127.0.0.1:{port}"),
        ..Options::default()
    })
    .await;
    let anonymous = client();
    let with_cookie = bare_client();
    for path in ["/", "/settings", "/login"] {
        let (status, took) = timed(&app, &anonymous, path).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert!(took < Duration::from_secs(2), "{path} took {took:?}");
    }
    let start = Instant::now();
    let res = with_cookie
        .get(app.url("/"))
        .header(
            header::COOKIE,
            format!("{}=AAAAAAAAAAAAAAAAAAAAAA", app.cookie_name),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(start.elapsed() < Duration::from_secs(2));
    let body = res.text().await.unwrap();
    assert!(
        body.contains("Temporarily unavailable"),
        "a readable page: {body}"
    );

    let start = Instant::now();
    let res = app.login(&client(), ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(start.elapsed() < Duration::from_secs(2));

    let ready = app.get(&anonymous, "/readyz").await;
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        app.get(&anonymous, "/healthz").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_app_recovers_when_redis_comes_back() {
    let port = free_port();
    let mut redis = RedisServer::start(port);
    let app = spawn_app_with(Options {
        redis_url: redis.url(),
        ..Options::default()
    })
    .await;
    let c = app.signed_in_client(ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(app.get(&c, "/").await.status(), StatusCode::OK);

    redis.stop();
    let (status, took) = timed(&app, &c, "/").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(took < Duration::from_secs(2), "took {took:?}");
    let (status, _) = timed(&app, &client(), "/login").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);

    let _redis = RedisServer::start(port);
    // No restart of the app: it reconnects by itself.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (status, _) = timed(&app, &client(), "/login").await;
        if status == StatusCode::OK {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the app did not recover: {status}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // That Redis kept nothing, so everyone signs in again, and can.
    assert_eq!(app.get(&c, "/").await.status(), StatusCode::SEE_OTHER);
    let again = app.signed_in_client(ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(app.get(&again, "/").await.status(), StatusCode::OK);
}
