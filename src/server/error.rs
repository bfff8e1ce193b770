//! One error type for the server. The cause is logged once, here; the client
//! sees a short sentence and the right status, never internals.

use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};

use crate::model::AppError;

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("not signed in")]
    Unauthorized,
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("invalid input: {0}")]
    Validation(String),
    #[error("throttled for {retry_after_secs}s")]
    TooManyRequests { retry_after_secs: u64 },
    /// Redis or the database cannot be reached: fail closed.
    #[error("backing service unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for ServerError {
    fn from(err: sea_orm::DbErr) -> Self {
        use sea_orm::DbErr;
        match err {
            DbErr::Conn(_) | DbErr::ConnectionAcquire(_) => {
                ServerError::Unavailable(err.to_string())
            }
            other => ServerError::Internal(anyhow::Error::new(other)),
        }
    }
}

impl From<fred::error::Error> for ServerError {
    fn from(err: fred::error::Error) -> Self {
        ServerError::Unavailable(format!("redis: {err}"))
    }
}

impl From<tower_sessions::session::Error> for ServerError {
    fn from(err: tower_sessions::session::Error) -> Self {
        ServerError::Unavailable(format!("session store: {err}"))
    }
}

impl ServerError {
    /// Logs the cause (at a level fitting its kind) and returns what the
    /// client may see.
    pub fn to_app_error(&self) -> AppError {
        match self {
            ServerError::Unavailable(cause) => tracing::warn!(%cause, "failing closed"),
            ServerError::Internal(cause) => {
                tracing::error!(cause = format!("{cause:#}"), "internal error")
            }
            _ => {}
        }
        match self {
            ServerError::Unauthorized => AppError::Unauthorized,
            ServerError::Forbidden => AppError::Forbidden,
            ServerError::NotFound => AppError::NotFound,
            ServerError::Conflict(m) => AppError::Conflict(m.clone()),
            ServerError::Validation(m) => AppError::Validation(m.clone()),
            ServerError::TooManyRequests { retry_after_secs } => AppError::TooManyRequests {
                retry_after_secs: *retry_after_secs,
            },
            ServerError::Unavailable(_) => AppError::Unavailable,
            ServerError::Internal(_) => AppError::Internal,
        }
    }
}

/// JSON answers (`/api`, plain handlers): `{"detail": "..."}` with the status.
impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        let app = self.to_app_error();
        let status =
            StatusCode::from_u16(app.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut res = (
            status,
            Json(serde_json::json!({ "detail": app.to_string() })),
        )
            .into_response();
        if let AppError::TooManyRequests { retry_after_secs } = app {
            if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        res
    }
}

pub type ServerResult<T> = Result<T, ServerError>;
