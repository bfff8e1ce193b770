//! What a server function needs from its request: the app state, the
//! request parts, and who is asking.

use axum::http::request::Parts;
use leptos::prelude::{expect_context, use_context};

use crate::{
    model::AppError,
    server::{auth::CurrentUser, error::ServerError, state::AppState},
};

pub fn state() -> AppState {
    expect_context::<AppState>()
}

pub fn parts() -> Result<Parts, AppError> {
    use_context::<Parts>().ok_or(AppError::Internal)
}

/// Sets the HTTP status of the server function's answer and returns the
/// client-safe error.
pub fn fail(err: ServerError) -> AppError {
    let app = err.to_app_error();
    app.set_response_status();
    app
}

/// The signed-in user, or 401.
pub fn current_user(parts: &Parts) -> Result<CurrentUser, AppError> {
    parts
        .extensions
        .get::<CurrentUser>()
        .cloned()
        .ok_or_else(|| {
            let err = AppError::Unauthorized;
            err.set_response_status();
            err
        })
}

/// Where the request came from, for the audit log.
pub fn client(state: &AppState, parts: &Parts) -> crate::server::accounts::ClientInfo {
    crate::server::http::login::client_info(state, &parts.headers, parts.extensions.get())
}
