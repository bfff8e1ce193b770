//! Admin operations on other users and their sessions. Every function takes
//! the acting admin, so callers cannot forget who is asking.

use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::{
    model::{DisplayName, Password, Role, SessionInfo, Username},
    server::{
        accounts::{self, ClientInfo},
        auth::{registry, Auth, CurrentUser},
        db::{
            audit::{self, Event},
            users,
        },
        error::{ServerError, ServerResult},
    },
};

/// Proof that the asker is an admin: only [`AdminUser::check`] makes one.
pub struct AdminUser(pub CurrentUser);

impl AdminUser {
    /// 401 for nobody, 403 for a member.
    pub fn check(user: Option<CurrentUser>) -> ServerResult<AdminUser> {
        match user {
            None => Err(ServerError::Unauthorized),
            Some(u) if u.user.role() == Role::Admin => Ok(AdminUser(u)),
            Some(_) => Err(ServerError::Forbidden),
        }
    }
}

fn by_admin(
    admin: &AdminUser,
    target: &users::Model,
    client: &ClientInfo,
    detail: Option<String>,
) -> audit::Record {
    audit::Record {
        user_id: Some(target.id),
        username: Some(target.username.clone()),
        actor_id: Some(admin.0.id()),
        ip: client.ip.clone(),
        user_agent: client.user_agent.clone(),
        detail,
    }
}

pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub password: String,
}

pub async fn create_user(
    db: &DatabaseConnection,
    auth: &Auth,
    _admin: &AdminUser,
    new: NewUser,
) -> ServerResult<users::Model> {
    let invalid = |e: crate::model::InputError| ServerError::Validation(e.0);
    let username = Username::parse(&new.username).map_err(invalid)?;
    let display = DisplayName::parse(&new.display_name).map_err(invalid)?;
    let password = Password::parse(&new.password).map_err(invalid)?;
    accounts::create_user(db, auth, &username, display, &password, new.role).await
}

#[derive(Debug, Default)]
pub struct UserChange {
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    pub password: Option<String>,
}

/// Changes role, disabled flag or password. The last active admin can be
/// neither demoted nor disabled. Disabling or resetting the password ends
/// every session and API family of the user at once.
pub async fn change_user(
    db: &DatabaseConnection,
    auth: &Auth,
    admin: &AdminUser,
    id: Uuid,
    change: UserChange,
    client: &ClientInfo,
) -> ServerResult<users::Model> {
    let target = users::find_by_id(db, id)
        .await?
        .ok_or(ServerError::NotFound)?;
    let password_hash = match &change.password {
        Some(raw) => {
            let password = Password::parse(raw).map_err(|e| ServerError::Validation(e.0))?;
            Some(auth.passwords.hash(&password).await?)
        }
        None => None,
    };
    let demoting = change.role == Some(Role::Member) && target.role() == Role::Admin;
    let disabling = change.disabled == Some(true) && !target.disabled;
    if (demoting || disabling)
        && target.role() == Role::Admin
        && !target.disabled
        && users::count_active_admins(db).await? <= 1
    {
        return Err(ServerError::Conflict(
            "The last admin cannot be demoted or disabled.".into(),
        ));
    }
    let updated =
        users::update(db, id, change.role, change.disabled, password_hash.clone()).await?;
    if disabling || password_hash.is_some() {
        registry::revoke_all_but(auth, id, None).await?;
    }
    let mut events = Vec::new();
    if change.role.is_some_and(|r| r != target.role()) {
        events.push((Event::RoleChanged, Some(format!("role={}", updated.role))));
    }
    match change.disabled {
        Some(true) if !target.disabled => events.push((Event::UserDisabled, None)),
        Some(false) if target.disabled => events.push((Event::UserEnabled, None)),
        _ => {}
    }
    if password_hash.is_some() {
        events.push((Event::PasswordReset, None));
    }
    for (event, detail) in events {
        audit::write(db, event, by_admin(admin, &updated, client, detail)).await?;
    }
    Ok(updated)
}

/// Every live session of every user (or of one), newest first.
pub async fn all_sessions(
    db: &DatabaseConnection,
    auth: &Auth,
    _admin: &AdminUser,
    only: Option<&users::Model>,
) -> ServerResult<Vec<(users::Model, SessionInfo)>> {
    let people = match only {
        Some(user) => vec![user.clone()],
        None => users::all(db).await?,
    };
    let mut out = Vec::new();
    for user in people {
        for session in registry::list(auth, user.id, "").await? {
            out.push((user.clone(), session));
        }
    }
    out.sort_by_key(|(_, s)| std::cmp::Reverse(s.created_at));
    Ok(out)
}

/// Ends one session of any user, found by its public id.
pub async fn revoke_session(
    db: &DatabaseConnection,
    auth: &Auth,
    admin: &AdminUser,
    id: &str,
    client: &ClientInfo,
) -> ServerResult<()> {
    for (user, session) in all_sessions(db, auth, admin, None).await? {
        if session.id == id {
            registry::revoke(auth, user.id, id).await?;
            audit::write(
                db,
                Event::SessionRevoked,
                by_admin(admin, &user, client, Some("by an admin".into())),
            )
            .await?;
            return Ok(());
        }
    }
    Err(ServerError::NotFound)
}

/// Ends every session and API family of a user.
pub async fn revoke_user_sessions(
    db: &DatabaseConnection,
    auth: &Auth,
    admin: &AdminUser,
    id: Uuid,
    client: &ClientInfo,
) -> ServerResult<usize> {
    let user = users::find_by_id(db, id)
        .await?
        .ok_or(ServerError::NotFound)?;
    let ended = registry::revoke_all_but(auth, id, None).await?;
    audit::write(
        db,
        Event::SessionRevoked,
        by_admin(
            admin,
            &user,
            client,
            Some(format!("all sessions, by an admin: {ended}")),
        ),
    )
    .await?;
    Ok(ended)
}
