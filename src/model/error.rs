use serde::{Deserialize, Serialize};

/// The error of every server function: a short sentence a person can read.
/// The server logs the cause; the browser only ever sees this.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Please sign in.")]
    Unauthorized,
    #[error("You are not allowed to do that.")]
    Forbidden,
    #[error("Not found.")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Validation(String),
    #[error("Too many attempts. Try again in {retry_after_secs} seconds.")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("The sign-in service is unavailable. Please try again in a moment.")]
    Unavailable,
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// Transport failures (network, encoding) seen by the browser.
    #[error("The request could not be completed: {0}")]
    Transport(String),
}

impl AppError {
    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthorized => 401,
            AppError::Forbidden => 403,
            AppError::NotFound => 404,
            AppError::Conflict(_) => 409,
            AppError::Validation(_) => 422,
            AppError::TooManyRequests { .. } => 429,
            AppError::Unavailable => 503,
            AppError::Internal | AppError::Transport(_) => 500,
        }
    }
}

impl leptos::server_fn::error::FromServerFnError for AppError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        let err = match value {
            // A malformed request body (missing or wrongly typed field) is bad input.
            E::Args(msg) | E::Deserialization(msg) => {
                AppError::Validation(format!("The request was malformed: {msg}"))
            }
            E::Request(msg) | E::Response(msg) => AppError::Transport(msg),
            _ => AppError::Internal,
        };
        // On the server this runs while answering a call whose arguments did
        // not decode: answer with the error's status, not a blanket 500.
        err.set_response_status();
        err
    }
}

impl AppError {
    /// Sets the status of the server function answer being built (a no-op
    /// in the browser).
    pub fn set_response_status(&self) {
        #[cfg(feature = "ssr")]
        if let Some(res) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            if let Ok(status) = axum::http::StatusCode::from_u16(self.status()) {
                res.set_status(status);
            }
        }
    }
}
