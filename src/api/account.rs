//! The signed-in user's own account.

use leptos::prelude::*;

use crate::model::{AppError, UserView};

/// Who is signed in, or `None`.
#[server(prefix = "/rpc", endpoint = "me")]
pub async fn me() -> Result<Option<UserView>, AppError> {
    use crate::server::auth::CurrentUser;
    let parts = super::context::parts()?;
    Ok(parts.extensions.get::<CurrentUser>().map(CurrentUser::view))
}

/// Changes the password, ends every other session and rotates this one.
/// Returns how many other sessions were ended.
#[server(prefix = "/rpc", endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    confirm_password: String,
) -> Result<usize, AppError> {
    use super::context::{current_user, fail, parts, state};
    use crate::server::{accounts, http::login::client_info};

    let parts = parts()?;
    let me = current_user(&parts)?;
    let state = state();
    let session = parts
        .extensions
        .get::<tower_sessions::Session>()
        .cloned()
        .ok_or(AppError::Internal)?;
    let peer = parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .cloned();
    let client = client_info(&state, &parts.headers, peer.as_ref());
    accounts::change_password(
        &state.db,
        &state.auth,
        &me,
        &session,
        accounts::PasswordChange {
            current: current_password,
            new: new_password,
            confirm: confirm_password,
        },
        &client,
    )
    .await
    .map_err(fail)
}
