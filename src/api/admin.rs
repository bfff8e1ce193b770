//! The admin dashboard's server functions. Each checks on the server that
//! the asker is an admin (401 for nobody, 403 for a member) before anything
//! else, whatever page it was called from.

use leptos::prelude::*;

use crate::model::{
    admin::{AdminUserRow, AuditPage, SessionsOverview},
    AppError,
};

#[cfg(feature = "ssr")]
mod guard {
    use axum::http::request::Parts;

    use crate::{
        api::context::{fail, parts},
        model::AppError,
        server::{admin::AdminUser, auth::CurrentUser},
    };

    /// The request and proof that an admin asks, or the refusal.
    pub fn admin() -> Result<(Parts, AdminUser), AppError> {
        let parts = parts()?;
        let user = parts.extensions.get::<CurrentUser>().cloned();
        let admin = AdminUser::check(user).map_err(fail)?;
        Ok((parts, admin))
    }
}

/// Every user with their number of live sessions.
#[server(prefix = "/rpc", endpoint = "admin_users")]
pub async fn admin_users() -> Result<Vec<AdminUserRow>, AppError> {
    use super::context::{fail, state};
    let (_, admin) = guard::admin()?;
    let state = state();
    crate::server::admin::users_with_sessions(&state.db, &state.auth, &admin)
        .await
        .map_err(fail)
}

/// Creates a user with an initial password.
#[server(prefix = "/rpc", endpoint = "admin_create_user")]
pub async fn create_user(
    username: String,
    display_name: String,
    role: String,
    password: String,
) -> Result<String, AppError> {
    use super::context::{client, fail, state};
    use crate::{model::Role, server::admin};
    let (parts, admin) = guard::admin()?;
    let state = state();
    let role = Role::parse(&role).ok_or_else(|| {
        fail(crate::server::error::ServerError::Validation(
            "The role must be admin or member.".into(),
        ))
    })?;
    let new = admin::NewUser {
        username,
        display_name,
        role,
        password,
    };
    admin::create_user(&state.db, &state.auth, &admin, new, &client(&state, &parts))
        .await
        .map(|u| u.username)
        .map_err(fail)
}

/// One change to a user: `action` is `disable`, `enable`, `make_admin`,
/// `make_member` or `reset_password` (with `password`).
#[server(prefix = "/rpc", endpoint = "admin_change_user")]
pub async fn change_user(
    id: String,
    action: String,
    #[server(default)] password: String,
) -> Result<String, AppError> {
    use super::context::{client, fail, state};
    use crate::{
        model::Role,
        server::{
            admin::{self, UserChange},
            error::ServerError,
        },
    };
    let (parts, admin) = guard::admin()?;
    let state = state();
    let id: uuid::Uuid = id.parse().map_err(|_| {
        fail(ServerError::Validation(
            "The id is not a valid UUID.".into(),
        ))
    })?;
    let (change, done) = match action.as_str() {
        "disable" => (
            UserChange {
                disabled: Some(true),
                ..Default::default()
            },
            "disabled; all their sessions were ended",
        ),
        "enable" => (
            UserChange {
                disabled: Some(false),
                ..Default::default()
            },
            "enabled",
        ),
        "make_admin" => (
            UserChange {
                role: Some(Role::Admin),
                ..Default::default()
            },
            "is now an admin",
        ),
        "make_member" => (
            UserChange {
                role: Some(Role::Member),
                ..Default::default()
            },
            "is now a member",
        ),
        "reset_password" => (
            UserChange {
                password: Some(password),
                ..Default::default()
            },
            "has a new password; all their sessions were ended",
        ),
        other => {
            return Err(fail(ServerError::Validation(format!(
                "Unknown action {other:?}."
            ))))
        }
    };
    let user = admin::change_user(
        &state.db,
        &state.auth,
        &admin,
        id,
        change,
        &client(&state, &parts),
    )
    .await
    .map_err(fail)?;
    Ok(format!("{} {done}.", user.username))
}

/// One page (1-based) of everyone's live sessions (or one user's), with
/// counts over everyone.
#[server(prefix = "/rpc", endpoint = "admin_sessions")]
pub async fn admin_sessions(
    user: Option<String>,
    page: Option<u64>,
) -> Result<SessionsOverview, AppError> {
    use super::context::{fail, state};
    use crate::server::{db::users, error::ServerError};
    let (_, admin) = guard::admin()?;
    let state = state();
    let only = match user.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        Some(name) => Some(
            users::find_by_username(&state.db, &name.to_lowercase())
                .await
                .map_err(|e| fail(e.into()))?
                .ok_or_else(|| {
                    fail(ServerError::Validation(format!(
                        "No user is called {name:?}."
                    )))
                })?,
        ),
        None => None,
    };
    crate::server::admin::sessions_overview(
        &state.db,
        &state.auth,
        &admin,
        only.as_ref(),
        page.unwrap_or(1),
    )
    .await
    .map_err(fail)
}

/// Ends one session (browser or API family) of any user.
#[server(prefix = "/rpc", endpoint = "admin_revoke_session")]
pub async fn revoke_session(id: String) -> Result<(), AppError> {
    use super::context::{client, fail, state};
    let (parts, admin) = guard::admin()?;
    let state = state();
    crate::server::admin::revoke_session(
        &state.db,
        &state.auth,
        &admin,
        &id,
        &client(&state, &parts),
    )
    .await
    .map_err(fail)
}

/// Ends every session and API family of a user. Returns how many.
#[server(prefix = "/rpc", endpoint = "admin_revoke_user_sessions")]
pub async fn revoke_user_sessions(user_id: String) -> Result<usize, AppError> {
    use super::context::{client, fail, state};
    use crate::server::error::ServerError;
    let (parts, admin) = guard::admin()?;
    let state = state();
    let id: uuid::Uuid = user_id.parse().map_err(|_| {
        fail(ServerError::Validation(
            "The id is not a valid UUID.".into(),
        ))
    })?;
    crate::server::admin::revoke_user_sessions(
        &state.db,
        &state.auth,
        &admin,
        id,
        &client(&state, &parts),
    )
    .await
    .map_err(fail)
}

/// How many audit records one page of `/admin/audit` shows.
pub const AUDIT_PAGE_SIZE: u64 = 50;

/// One page (1-based) of the audit log, filtered by username and event.
#[server(prefix = "/rpc", endpoint = "admin_audit")]
pub async fn admin_audit(
    user: Option<String>,
    event: Option<String>,
    page: u64,
) -> Result<AuditPage, AppError> {
    use super::context::{fail, state};
    let (_, admin) = guard::admin()?;
    let state = state();
    let offset = page.saturating_sub(1).saturating_mul(AUDIT_PAGE_SIZE);
    crate::server::admin::audit_page(
        &state.db,
        &admin,
        user.as_deref(),
        event.as_deref(),
        AUDIT_PAGE_SIZE,
        offset,
    )
    .await
    .map_err(fail)
}
