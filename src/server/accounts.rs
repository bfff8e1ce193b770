//! Account operations that span the database and the token store: creating
//! users, signing in, changing passwords.

use sea_orm::DatabaseConnection;
use tower_sessions::Session;
use uuid::Uuid;

use crate::{
    model::{DisplayName, Password, Role, Username},
    server::{
        auth::{current_user::unix_now, registry, Auth, CurrentUser, SessionAuth, AUTH_KEY},
        db::{
            audit::{self, Event},
            users,
        },
        error::{ServerError, ServerResult},
    },
};

/// The one sentence every failed sign-in gets, whatever the reason, so the
/// answer does not tell which usernames exist.
pub const INVALID_CREDENTIALS: &str = "Incorrect username or password.";

/// Where a request came from, for the audit log and the session index.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// The audit record of something `user` did from `client`.
fn by_user(user: &users::Model, client: &ClientInfo, detail: Option<String>) -> audit::Record {
    audit::Record {
        user_id: Some(user.id),
        username: Some(user.username.clone()),
        ip: client.ip.clone(),
        user_agent: client.user_agent.clone(),
        detail,
        ..Default::default()
    }
}

pub async fn create_user(
    db: &DatabaseConnection,
    auth: &Auth,
    username: &Username,
    display_name: DisplayName,
    password: &Password,
    role: Role,
) -> ServerResult<users::Model> {
    create_user_by(db, auth, username, display_name, password, role, None).await
}

/// Creates a user; `by` names the admin who did it and from where, for the
/// audit log (`None`: the command line or the first-admin bootstrap).
pub async fn create_user_by(
    db: &DatabaseConnection,
    auth: &Auth,
    username: &Username,
    display_name: DisplayName,
    password: &Password,
    role: Role,
    by: Option<(Uuid, &ClientInfo)>,
) -> ServerResult<users::Model> {
    if users::find_by_username(db, username.as_str())
        .await?
        .is_some()
    {
        return Err(ServerError::Conflict(format!(
            "The username {username} is taken."
        )));
    }
    let password_hash = auth.passwords.hash(password).await?;
    let user = users::insert(
        db,
        users::NewUser {
            username: username.as_str().to_owned(),
            display_name: display_name.into_inner(),
            password_hash,
            role,
        },
    )
    .await?;
    audit::write(
        db,
        Event::UserCreated,
        audit::Record {
            user_id: Some(user.id),
            username: Some(user.username.clone()),
            actor_id: by.map(|(actor, _)| actor),
            ip: by.and_then(|(_, client)| client.ip.clone()),
            user_agent: by.and_then(|(_, client)| client.user_agent.clone()),
            detail: Some(format!("role={}", role.as_str())),
        },
    )
    .await?;
    Ok(user)
}

/// Checks a username and password. Unknown users are verified against a
/// dummy hash and disabled users are refused after the check, so every
/// failure costs the same time and gets the same answer.
pub async fn check_credentials(
    db: &DatabaseConnection,
    auth: &Auth,
    raw_username: &str,
    password: &str,
    client: &ClientInfo,
) -> ServerResult<users::Model> {
    let throttle = auth.throttle();
    let ip = client.ip.as_deref().unwrap_or("unknown");
    let throttle_name = raw_username.trim().to_lowercase();
    if let Err(err) = throttle.check(&throttle_name, ip).await {
        audit::write(
            db,
            Event::Throttled,
            audit::Record {
                username: Some(raw_username.trim().chars().take(64).collect()),
                ip: client.ip.clone(),
                user_agent: client.user_agent.clone(),
                ..Default::default()
            },
        )
        .await?;
        return Err(err);
    }
    let username = Username::parse(raw_username).ok();
    let user = match &username {
        Some(name) => users::find_by_username(db, name.as_str()).await?,
        None => None,
    };
    // Longer than any password we store: refused before hashing.
    let plausible = !password.is_empty() && password.chars().count() <= Password::MAX_LEN;
    let verified = if plausible {
        auth.passwords
            .verify(user.as_ref().map(|u| u.password_hash.as_str()), password)
            .await?
    } else {
        false
    };
    match user {
        Some(user) if verified && !user.disabled => {
            throttle.clear(&throttle_name, ip).await?;
            Ok(user)
        }
        user => {
            throttle.record_failure(&throttle_name, ip).await?;
            audit::write(
                db,
                Event::SignInFailed,
                audit::Record {
                    user_id: user.as_ref().map(|u| u.id),
                    username: Some(raw_username.trim().chars().take(64).collect()),
                    ip: client.ip.clone(),
                    user_agent: client.user_agent.clone(),
                    detail: user
                        .as_ref()
                        .filter(|u| u.disabled)
                        .map(|_| "account disabled".to_owned()),
                    ..Default::default()
                },
            )
            .await?;
            Err(ServerError::Unauthorized)
        }
    }
}

/// Binds the browser session to `user` under a fresh id (no fixation).
pub async fn start_session(
    db: &DatabaseConnection,
    session: &Session,
    user: &users::Model,
    client: &ClientInfo,
) -> ServerResult<()> {
    session.cycle_id().await?;
    let now = unix_now();
    session
        .insert(
            AUTH_KEY,
            SessionAuth {
                user_id: user.id,
                created_at: now,
                last_seen: now,
                ip: client.ip.clone(),
                user_agent: client.user_agent.clone(),
            },
        )
        .await
        .map_err(ServerError::from)?;
    // Written now rather than after the response, so a Redis failure is a
    // clean 503 instead of a sign-in that silently did not stick.
    session.save().await?;
    audit::write(db, Event::SignInSucceeded, by_user(user, client, None)).await?;
    Ok(())
}

/// Ends the browser session: deleted in Redis, cookie cleared.
pub async fn end_session(
    db: &DatabaseConnection,
    session: &Session,
    user: Option<&CurrentUser>,
    client: &ClientInfo,
) -> ServerResult<()> {
    session.flush().await?;
    if let Some(me) = user {
        audit::write(db, Event::SignedOut, by_user(&me.user, client, None)).await?;
    }
    Ok(())
}

pub struct PasswordChange {
    pub current: String,
    pub new: String,
    pub confirm: String,
}

/// Changes the signed-in user's password, ends every other session of
/// theirs and gives this one a new id. Returns how many sessions ended.
pub async fn change_password(
    db: &DatabaseConnection,
    auth: &Auth,
    me: &CurrentUser,
    session: &Session,
    change: PasswordChange,
    client: &ClientInfo,
) -> ServerResult<usize> {
    if change.new != change.confirm {
        return Err(ServerError::Validation(
            "The new passwords do not match.".into(),
        ));
    }
    let new = Password::parse(&change.new).map_err(|e| ServerError::Validation(e.0))?;
    let plausible = change.current.chars().count() <= Password::MAX_LEN;
    let stored = current_hash(db, me).await?;
    if !plausible
        || !auth
            .passwords
            .verify(Some(&stored), &change.current)
            .await?
    {
        return Err(ServerError::Validation(
            "Your current password is incorrect.".into(),
        ));
    }
    let hash = auth.passwords.hash(&new).await?;
    users::set_password_hash(db, me.id(), hash).await?;
    auth.users().changed(me.id()).await?;
    let ended = registry::revoke_all_but(auth, me.id(), Some(&me.session_handle)).await?;
    session.cycle_id().await?;
    session.save().await?;
    audit::write(
        db,
        Event::PasswordChanged,
        by_user(
            &me.user,
            client,
            Some(format!("other sessions ended: {ended}")),
        ),
    )
    .await?;
    Ok(ended)
}

/// The user's password hash as stored now (the signed-in user's row may be
/// a cached copy; a password is always checked against the database).
async fn current_hash(db: &DatabaseConnection, me: &CurrentUser) -> ServerResult<String> {
    users::find_by_id(db, me.id())
        .await?
        .map(|u| u.password_hash)
        .ok_or(ServerError::Unauthorized)
}

/// "Sign out everywhere else": ends every other browser session and every
/// API family of the user, after checking their password again.
pub async fn sign_out_others(
    db: &DatabaseConnection,
    auth: &Auth,
    me: &CurrentUser,
    password: &str,
    client: &ClientInfo,
) -> ServerResult<usize> {
    let plausible = !password.is_empty() && password.chars().count() <= Password::MAX_LEN;
    let stored = current_hash(db, me).await?;
    if !plausible || !auth.passwords.verify(Some(&stored), password).await? {
        return Err(ServerError::Validation(
            "Your password is incorrect.".into(),
        ));
    }
    let ended = registry::revoke_all_but(auth, me.id(), Some(&me.session_handle)).await?;
    audit::write(
        db,
        Event::SessionRevoked,
        audit::Record {
            actor_id: Some(me.id()),
            ..by_user(
                &me.user,
                client,
                Some(format!("signed out all other sessions: {ended}")),
            )
        },
    )
    .await?;
    Ok(ended)
}

/// Ends one of the user's own sessions (not the one asking).
pub async fn sign_out_one(
    db: &DatabaseConnection,
    auth: &Auth,
    me: &CurrentUser,
    id: &str,
    client: &ClientInfo,
) -> ServerResult<()> {
    if !me.session_handle.is_empty() && id == format!("browser:{}", me.session_handle) {
        return Err(ServerError::Validation(
            "That is this device: use Sign out instead.".into(),
        ));
    }
    if !registry::revoke(auth, me.id(), id).await? {
        return Err(ServerError::NotFound);
    }
    audit::write(
        db,
        Event::SessionRevoked,
        audit::Record {
            actor_id: Some(me.id()),
            ..by_user(&me.user, client, Some("signed out one session".into()))
        },
    )
    .await?;
    Ok(())
}
