//! The JSON API under `/api`: sign-in with tokens, refresh, sign-out, who am
//! I. Errors are always `{"detail": "..."}` with the right status.

use axum::{
    extract::{rejection::JsonRejection, FromRequest, Request, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Extension, Json,
};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use serde_json::json;
use tower_sessions::Session;

use crate::{
    model::UserView,
    server::{
        accounts::{self, ClientInfo},
        auth::{tokens::Refresh, CurrentUser},
        db::audit::{self, Event},
        error::ServerError,
        state::AppState,
    },
};

/// A JSON body whose rejections are `{"detail"}` answers: malformed JSON is
/// 400, the wrong shape or types 422, a missing content type 415, too big 413.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => {
                let (status, detail) = match &rejection {
                    JsonRejection::JsonSyntaxError(_) => (
                        StatusCode::BAD_REQUEST,
                        "The body is not valid JSON.".to_owned(),
                    ),
                    JsonRejection::JsonDataError(e) => (
                        StatusCode::UNPROCESSABLE_ENTITY,
                        format!("The body has the wrong shape: {}", e.body_text()),
                    ),
                    JsonRejection::MissingJsonContentType(_) => (
                        StatusCode::UNSUPPORTED_MEDIA_TYPE,
                        "Send the body as application/json.".to_owned(),
                    ),
                    other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => (
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "The body is too large.".to_owned(),
                    ),
                    _ => (
                        StatusCode::BAD_REQUEST,
                        "The body could not be read.".to_owned(),
                    ),
                };
                Err(detail_response(status, &detail))
            }
        }
    }
}

pub fn detail_response(status: StatusCode, detail: &str) -> Response {
    let mut res = (status, Json(json!({ "detail": detail }))).into_response();
    if status == StatusCode::UNAUTHORIZED {
        res.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    res
}

fn invalid_credentials() -> Response {
    detail_response(StatusCode::UNAUTHORIZED, "Invalid credentials")
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    pub refresh_token: String,
    pub token_type: String,
    pub expires_in: u64,
}

#[utoipa::path(post, path = "/api/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, description = "A new token family", body = TokenResponse),
        (status = 400, description = "Malformed JSON", body = crate::server::http::openapi::Detail),
        (status = 401, description = "Invalid credentials", body = crate::server::http::openapi::Detail),
        (status = 422, description = "Wrong shape or types", body = crate::server::http::openapi::Detail),
        (status = 429, description = "Too many failed sign-ins; see Retry-After", body = crate::server::http::openapi::Detail),
        (status = 503, description = "Redis is unreachable", body = crate::server::http::openapi::Detail),
    ))]
/// `POST /api/login`: a new token family for a script or app.
pub async fn login(
    State(state): State<AppState>,
    client: ClientInfo,
    ApiJson(body): ApiJson<LoginRequest>,
) -> Response {
    let user = match accounts::check_credentials(
        &state.db,
        &state.auth,
        &body.username,
        &body.password,
        &client,
    )
    .await
    {
        Ok(user) => user,
        Err(ServerError::Unauthorized) => return invalid_credentials(),
        Err(err) => return err.into_response(),
    };
    let pair = match state
        .auth
        .tokens()
        .issue(user.id, client.ip.as_deref(), client.user_agent.as_deref())
        .await
    {
        Ok(pair) => pair,
        Err(err) => return err.into_response(),
    };
    let audit = audit::write(
        &state.db,
        Event::SignInSucceeded,
        audit::Record {
            user_id: Some(user.id),
            username: Some(user.username.clone()),
            ip: client.ip,
            user_agent: client.user_agent,
            detail: Some("api".into()),
            ..Default::default()
        },
    )
    .await;
    if let Err(err) = audit {
        return ServerError::from(err).into_response();
    }
    no_store(Json(TokenResponse {
        access_token: pair.access_token,
        refresh_token: pair.refresh_token,
        token_type: "bearer".into(),
        expires_in: pair.expires_in,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[utoipa::path(post, path = "/api/refresh", tag = "auth", request_body = RefreshRequest,
    responses(
        (status = 200, description = "The rotated pair; the presented token is dead", body = TokenResponse),
        (status = 400, description = "Malformed JSON", body = crate::server::http::openapi::Detail),
        (status = 401, description = "Unknown, expired, revoked or reused (the family is revoked)", body = crate::server::http::openapi::Detail),
        (status = 422, description = "Wrong shape or types", body = crate::server::http::openapi::Detail),
        (status = 503, description = "Redis is unreachable", body = crate::server::http::openapi::Detail),
    ))]
/// `POST /api/refresh`: rotates the refresh token. A token that was already
/// used ends its whole family.
pub async fn refresh(
    State(state): State<AppState>,
    client: ClientInfo,
    ApiJson(body): ApiJson<RefreshRequest>,
) -> Response {
    match state.auth.tokens().refresh(&body.refresh_token).await {
        Ok(Refresh::Rotated(pair)) => no_store(Json(TokenResponse {
            access_token: pair.access_token,
            refresh_token: pair.refresh_token,
            token_type: "bearer".into(),
            expires_in: pair.expires_in,
        })),
        Ok(Refresh::Reused { user_id, .. }) => {
            tracing::warn!(%user_id, "refresh token reused: family revoked");
            let written = audit::write(
                &state.db,
                Event::RefreshTokenReused,
                audit::Record {
                    user_id: Some(user_id),
                    ip: client.ip,
                    user_agent: client.user_agent,
                    detail: Some("token family revoked".into()),
                    ..Default::default()
                },
            )
            .await;
            if let Err(err) = written {
                return ServerError::from(err).into_response();
            }
            detail_response(StatusCode::UNAUTHORIZED, "Invalid refresh token")
        }
        Ok(Refresh::Invalid | Refresh::Expired) => {
            detail_response(StatusCode::UNAUTHORIZED, "Invalid refresh token")
        }
        Err(err) => err.into_response(),
    }
}

#[utoipa::path(post, path = "/api/logout", tag = "auth", security(("bearer" = []), ("session" = [])),
    responses(
        (status = 204, description = "The token family (or the browser session) is revoked"),
        (status = 401, description = "Not authenticated", body = crate::server::http::openapi::Detail),
        (status = 403, description = "Cross-site request with a cookie", body = crate::server::http::openapi::Detail),
    ))]
/// `POST /api/logout`: ends the caller's token family (or, for a browser
/// session, the session).
pub async fn logout(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
    session: Session,
    client: ClientInfo,
) -> Response {
    let Some(Extension(me)) = user else {
        return detail_response(StatusCode::UNAUTHORIZED, "Not authenticated");
    };
    let result = match &me.api_family {
        Some(family) => state.auth.tokens().revoke_family(family).await,
        None => accounts::end_session(&state.db, &session, Some(&me), &client).await,
    };
    match result {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(err) => err.into_response(),
    }
}

#[utoipa::path(get, path = "/api/me", tag = "auth", security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "Who the token or session belongs to", body = crate::model::UserView),
        (status = 401, description = "Not authenticated", body = crate::server::http::openapi::Detail),
    ))]
/// `GET /api/me`: who the token (or session) belongs to.
pub async fn me(user: Option<Extension<CurrentUser>>) -> Response {
    match user {
        Some(Extension(me)) => no_store(Json::<UserView>(me.view())),
        None => detail_response(StatusCode::UNAUTHORIZED, "Not authenticated"),
    }
}

fn no_store(body: impl IntoResponse) -> Response {
    let mut res = body.into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// Any other `/api` path.
pub async fn not_found() -> Response {
    detail_response(StatusCode::NOT_FOUND, "No such API endpoint.")
}
