//! The sign-in form's POST and sign-out. Both are plain form posts, so they
//! work with JavaScript off; a failed sign-in re-renders the Leptos login page
//! with the message inline and the right status.

use std::net::SocketAddr;

use axum::{
    body::Body,
    extract::{rejection::FormRejection, ConnectInfo, FromRequestParts, Request, State},
    http::request::Parts,
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    response::{IntoResponse, Redirect, Response},
    Extension, Form,
};
use leptos::prelude::provide_context;
use serde::Deserialize;
use tower_sessions::Session;

use crate::{
    app::shell,
    model::{safe_next, AppError, LoginFlash},
    server::{
        accounts::{self, ClientInfo, INVALID_CREDENTIALS},
        auth::{
            current_user::{client_ip, user_agent},
            CurrentUser,
        },
        error::ServerError,
        http::pages::{no_store, unavailable_page},
        state::AppState,
    },
};

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

pub fn client_info(
    state: &AppState,
    headers: &HeaderMap,
    peer: Option<&ConnectInfo<SocketAddr>>,
) -> ClientInfo {
    ClientInfo {
        ip: client_ip(headers, peer, state.config.trust_forwarded_for),
        user_agent: user_agent(headers),
    }
}

impl FromRequestParts<AppState> for ClientInfo {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(client_info(state, &parts.headers, parts.extensions.get()))
    }
}

pub async fn submit(
    State(state): State<AppState>,
    session: Session,
    client: ClientInfo,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return render_login(
            &state,
            &headers,
            StatusCode::BAD_REQUEST,
            "/",
            LoginFlash {
                message: "Enter your username and password.".into(),
                username: String::new(),
            },
        )
        .await;
    };
    let next = safe_next(&form.next).unwrap_or_else(|| "/".into());
    if form.username.trim().is_empty() || form.password.is_empty() {
        return render_login(
            &state,
            &headers,
            StatusCode::UNPROCESSABLE_ENTITY,
            &next,
            LoginFlash {
                message: "Enter your username and password.".into(),
                username: form.username,
            },
        )
        .await;
    }
    let outcome = async {
        let user = accounts::check_credentials(
            &state.db,
            &state.auth,
            &form.username,
            &form.password,
            &client,
        )
        .await?;
        accounts::start_session(&state.db, &session, &user, &client).await
    }
    .await;
    match outcome {
        Ok(()) => no_store(Redirect::to(&next).into_response()),
        Err(ServerError::Unavailable(cause)) => {
            ServerError::Unavailable(cause).to_app_error();
            unavailable_page()
        }
        Err(err) => {
            let app = err.to_app_error();
            let (status, message) = match err {
                ServerError::Unauthorized => {
                    (StatusCode::UNAUTHORIZED, INVALID_CREDENTIALS.to_owned())
                }
                _ => (
                    StatusCode::from_u16(app.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                    app.to_string(),
                ),
            };
            let mut res = render_login(
                &state,
                &headers,
                status,
                &next,
                LoginFlash {
                    message,
                    username: form.username.trim().chars().take(64).collect(),
                },
            )
            .await;
            if let AppError::TooManyRequests { retry_after_secs } = app {
                if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                    res.headers_mut().insert(header::RETRY_AFTER, v);
                }
            }
            res
        }
    }
}

/// Renders the login page (as for `GET /login?next=...`) with `flash` shown
/// inline, answered with `status`.
async fn render_login(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    next: &str,
    flash: LoginFlash,
) -> Response {
    let uri = format!(
        "/login?next={}",
        url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
    );
    let mut req = Request::new(Body::empty());
    *req.method_mut() = Method::GET;
    *req.uri_mut() = uri
        .parse()
        .unwrap_or_else(|_| "/login".parse().expect("static uri"));
    for name in [header::ACCEPT_LANGUAGE, header::USER_AGENT, header::HOST] {
        if let Some(v) = headers.get(&name) {
            req.headers_mut().insert(name, v.clone());
        }
    }
    let options = state.leptos_options.clone();
    let ctx_state = state.clone();
    let handler = leptos_axum::render_app_to_stream_with_context(
        move || {
            provide_context(ctx_state.clone());
            provide_context(flash.clone());
            super::headers::page_csp();
        },
        move || shell(options.clone()),
    );
    let mut res = handler(req).await;
    *res.status_mut() = status;
    no_store(res)
}

/// `POST /logout`: deletes the session in Redis, clears the cookie and asks
/// the browser to drop what it stored for this site.
pub async fn logout(
    State(state): State<AppState>,
    session: Session,
    user: Option<Extension<CurrentUser>>,
    client: ClientInfo,
) -> Response {
    let me = user.map(|Extension(u)| u);
    if let Err(err) = accounts::end_session(&state.db, &session, me.as_ref(), &client).await {
        err.to_app_error();
        return unavailable_page();
    }
    let mut res = Redirect::to("/login").into_response();
    res.headers_mut().insert(
        "clear-site-data",
        HeaderValue::from_static("\"cookies\", \"storage\""),
    );
    no_store(res)
}
