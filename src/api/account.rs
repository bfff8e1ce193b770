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
    use super::context::{client, current_user, fail, parts, state};
    use crate::server::accounts;

    let parts = parts()?;
    let me = current_user(&parts)?;
    let state = state();
    let session = parts
        .extensions
        .get::<tower_sessions::Session>()
        .cloned()
        .ok_or(AppError::Internal)?;
    let client = client(&state, &parts);
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

/// The signed-in user's live sessions (browser and API).
#[server(prefix = "/rpc", endpoint = "my_sessions")]
pub async fn my_sessions() -> Result<Vec<crate::model::SessionInfo>, AppError> {
    use super::context::{current_user, fail, parts, state};
    let me = current_user(&parts()?)?;
    crate::server::auth::registry::list(&state().auth, me.id(), &me.session_handle)
        .await
        .map_err(fail)
}

/// Signs out one of the user's other sessions.
#[server(prefix = "/rpc", endpoint = "sign_out_session")]
pub async fn sign_out_session(id: String) -> Result<(), AppError> {
    use super::context::{client, current_user, fail, parts, state};
    let parts = parts()?;
    let me = current_user(&parts)?;
    let state = state();
    crate::server::accounts::sign_out_one(&state.db, &state.auth, &me, &id, &client(&state, &parts))
        .await
        .map_err(fail)
}

/// Signs out every other session after checking the password again.
#[server(prefix = "/rpc", endpoint = "sign_out_others")]
pub async fn sign_out_others(password: String) -> Result<usize, AppError> {
    use super::context::{client, current_user, fail, parts, state};
    let parts = parts()?;
    let me = current_user(&parts)?;
    let state = state();
    crate::server::accounts::sign_out_others(
        &state.db,
        &state.auth,
        &me,
        &password,
        &client(&state, &parts),
    )
    .await
    .map_err(fail)
}
