//! Admin operations on other users and their sessions. Every function takes
//! the acting admin, so callers cannot forget who is asking.

use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::{
    model::{
        admin::{
            AdminSessionRow, AdminUserRow, AuditEntry, AuditPage, SessionsOverview, AUDIT_EVENTS,
            SESSIONS_PAGE_SIZE,
        },
        DisplayName, Password, Role, SessionInfo, SessionKind, Username,
    },
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
    admin: &AdminUser,
    new: NewUser,
    client: &ClientInfo,
) -> ServerResult<users::Model> {
    let invalid = |e: crate::model::InputError| ServerError::Validation(e.0);
    let username = Username::parse(&new.username).map_err(invalid)?;
    let display = DisplayName::parse(&new.display_name).map_err(invalid)?;
    let password = Password::parse(&new.password).map_err(invalid)?;
    accounts::create_user_by(
        db,
        auth,
        &username,
        display,
        &password,
        new.role,
        Some((admin.0.id(), client)),
    )
    .await
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
    // Every instance drops its copy of the user before anyone is told.
    auth.users().changed(id).await?;
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

/// Every live session of every user (or of one), newest first. Users are
/// read a few at a time in parallel: each costs a couple of Redis round
/// trips, and a household has tens of users, a club hundreds.
pub async fn all_sessions(
    db: &DatabaseConnection,
    auth: &Auth,
    _admin: &AdminUser,
    only: Option<&users::Model>,
) -> ServerResult<Vec<(users::Model, SessionInfo)>> {
    use futures_util::{stream, StreamExt, TryStreamExt};
    let people = match only {
        Some(user) => vec![user.clone()],
        None => users::all(db).await?,
    };
    let per_user: Vec<(users::Model, Vec<SessionInfo>)> = stream::iter(people)
        .map(|user| async move {
            let sessions = registry::list(auth, user.id, "").await?;
            Ok::<_, ServerError>((user, sessions))
        })
        .buffered(8)
        .try_collect()
        .await?;
    let mut out: Vec<(users::Model, SessionInfo)> = per_user
        .into_iter()
        .flat_map(|(user, sessions)| sessions.into_iter().map(move |s| (user.clone(), s)))
        .collect();
    out.sort_by_key(|(_, s)| std::cmp::Reverse(s.created_at));
    Ok(out)
}

/// Counts over everyone (whatever the filter) and one page (1-based) of
/// the filtered list, newest first.
pub async fn sessions_overview(
    db: &DatabaseConnection,
    auth: &Auth,
    admin: &AdminUser,
    only: Option<&users::Model>,
    page: u64,
) -> ServerResult<SessionsOverview> {
    let everyone = all_sessions(db, auth, admin, None).await?;
    let mut signed_in = std::collections::HashSet::new();
    let (mut browser, mut api) = (0, 0);
    for (user, session) in &everyone {
        signed_in.insert(user.id);
        match session.kind {
            SessionKind::Browser => browser += 1,
            SessionKind::Api => api += 1,
        }
    }
    let matching: Vec<_> = everyone
        .into_iter()
        .filter(|(user, _)| only.is_none_or(|o| o.id == user.id))
        .collect();
    let total = matching.len();
    let pages = total.div_ceil(SESSIONS_PAGE_SIZE).max(1) as u64;
    let page = page.clamp(1, pages);
    let items = matching
        .into_iter()
        .skip((page as usize - 1) * SESSIONS_PAGE_SIZE)
        .take(SESSIONS_PAGE_SIZE)
        .map(|(user, session)| AdminSessionRow {
            user_id: user.id.to_string(),
            username: user.username,
            session,
        })
        .collect();
    Ok(SessionsOverview {
        users_signed_in: signed_in.len(),
        browser_sessions: browser,
        api_families: api,
        total,
        page,
        pages,
        items,
    })
}

/// Every user with how many live sessions and API families they have.
pub async fn users_with_sessions(
    db: &DatabaseConnection,
    auth: &Auth,
    admin: &AdminUser,
) -> ServerResult<Vec<AdminUserRow>> {
    let people = users::all(db).await?;
    let mut counts = std::collections::HashMap::new();
    for (user, _) in all_sessions(db, auth, admin, None).await? {
        *counts.entry(user.id).or_insert(0usize) += 1;
    }
    Ok(people
        .into_iter()
        .map(|u| AdminUserRow {
            id: u.id.to_string(),
            sessions: counts.get(&u.id).copied().unwrap_or(0),
            role: u.role(),
            username: u.username,
            display_name: u.display_name,
            disabled: u.disabled,
            created_at: u.created_at.to_rfc3339(),
        })
        .collect())
}

/// The largest audit page one request may ask for.
pub const AUDIT_MAX_LIMIT: u64 = 200;

/// One page of the audit log, filtered by username and event. An unknown
/// event name is bad input rather than an empty page.
pub async fn audit_page(
    db: &DatabaseConnection,
    _admin: &AdminUser,
    username: Option<&str>,
    event: Option<&str>,
    limit: u64,
    offset: u64,
) -> ServerResult<AuditPage> {
    let event = event.map(str::trim).filter(|e| !e.is_empty());
    if let Some(event) = event {
        if !AUDIT_EVENTS.iter().any(|(key, _)| *key == event) {
            return Err(ServerError::Validation(format!(
                "Unknown event {event:?}; known events: {}.",
                AUDIT_EVENTS
                    .iter()
                    .map(|(k, _)| *k)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    if !(1..=AUDIT_MAX_LIMIT).contains(&limit) {
        return Err(ServerError::Validation(format!(
            "limit must be between 1 and {AUDIT_MAX_LIMIT}."
        )));
    }
    let filter = audit::Filter {
        username: username
            .map(|u| u.trim().to_lowercase())
            .filter(|u| !u.is_empty()),
        event: event.map(str::to_owned),
    };
    let (rows, total) = audit::page(db, &filter, limit, offset).await?;
    // The names of the actors on this page only.
    let actors: Vec<Uuid> = rows.iter().filter_map(|r| r.actor_id).collect();
    let names: std::collections::HashMap<Uuid, String> = users::find_by_ids(db, &actors)
        .await?
        .into_iter()
        .map(|u| (u.id, u.username))
        .collect();
    let items = rows
        .into_iter()
        .map(|r| AuditEntry {
            id: r.id.to_string(),
            created_at: r.created_at.to_rfc3339(),
            event: r.event,
            actor: r
                .actor_id
                .filter(|a| Some(*a) != r.user_id)
                .map(|a| names.get(&a).cloned().unwrap_or_else(|| a.to_string())),
            username: r.username,
            ip: r.ip,
            user_agent: r.user_agent,
            detail: r.detail,
        })
        .collect();
    Ok(AuditPage {
        items,
        total,
        limit,
        offset,
    })
}

/// Ends one session of any user, found by its public id: its owner is read
/// from the session itself (one Redis read), not by listing everyone's.
pub async fn revoke_session(
    db: &DatabaseConnection,
    auth: &Auth,
    admin: &AdminUser,
    id: &str,
    client: &ClientInfo,
) -> ServerResult<()> {
    let owner = registry::owner_of(auth, id)
        .await?
        .ok_or(ServerError::NotFound)?;
    let user = users::find_by_id(db, owner)
        .await?
        .ok_or(ServerError::NotFound)?;
    if !registry::revoke(auth, user.id, id).await? {
        return Err(ServerError::NotFound);
    }
    audit::write(
        db,
        Event::SessionRevoked,
        by_admin(admin, &user, client, Some("by an admin".into())),
    )
    .await?;
    Ok(())
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
