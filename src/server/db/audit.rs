//! The audit log of authentication events. It records who, what, when, from
//! which address and browser, and never a token or a session id.

use chrono::{DateTime, Utc};
use sea_orm::{entity::prelude::*, ActiveValue::Set, DatabaseConnection};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Option<Uuid>,
    pub username: Option<String>,
    pub actor_id: Option<Uuid>,
    pub event: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub detail: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// What happened. The string forms are stored and filtered on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    SignInSucceeded,
    SignInFailed,
    SignedOut,
    PasswordChanged,
    UserCreated,
    RefreshTokenReused,
    Throttled,
    SessionRevoked,
    UserDisabled,
    UserEnabled,
    RoleChanged,
    PasswordReset,
}

impl Event {
    pub fn as_str(self) -> &'static str {
        match self {
            Event::SignInSucceeded => "sign_in.succeeded",
            Event::SignInFailed => "sign_in.failed",
            Event::SignedOut => "signed_out",
            Event::PasswordChanged => "password.changed",
            Event::UserCreated => "user.created",
            Event::RefreshTokenReused => "refresh_token.reused",
            Event::Throttled => "sign_in.throttled",
            Event::SessionRevoked => "session.revoked",
            Event::UserDisabled => "user.disabled",
            Event::UserEnabled => "user.enabled",
            Event::RoleChanged => "user.role_changed",
            Event::PasswordReset => "password.reset",
        }
    }
}

/// One audit record to write.
#[derive(Debug, Default, Clone)]
pub struct Record {
    pub user_id: Option<Uuid>,
    pub username: Option<String>,
    pub actor_id: Option<Uuid>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub detail: Option<String>,
}

pub async fn write(db: &DatabaseConnection, event: Event, record: Record) -> Result<(), DbErr> {
    let truncate =
        |s: Option<String>, max: usize| s.map(|s| s.chars().take(max).collect::<String>());
    ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(record.user_id),
        username: Set(truncate(record.username, 64)),
        actor_id: Set(record.actor_id),
        event: Set(event.as_str().to_owned()),
        ip: Set(truncate(record.ip, 64)),
        user_agent: Set(truncate(record.user_agent, 512)),
        detail: Set(truncate(record.detail, 512)),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await
    .map(|_| ())
}

pub async fn for_user(db: &DatabaseConnection, user_id: Uuid) -> Result<Vec<Model>, DbErr> {
    use sea_orm::{QueryFilter, QueryOrder};
    Entity::find()
        .filter(Column::UserId.eq(user_id))
        .order_by_desc(Column::CreatedAt)
        .all(db)
        .await
}

/// What the audit log is filtered by; `None` means any.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    /// Matches the username recorded with the event (also for sign-in
    /// attempts at names that do not exist).
    pub username: Option<String>,
    pub event: Option<String>,
}

/// One page of the log, newest first, and how many records match in all.
pub async fn page(
    db: &DatabaseConnection,
    filter: &Filter,
    limit: u64,
    offset: u64,
) -> Result<(Vec<Model>, u64), DbErr> {
    use sea_orm::{PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
    let mut query = Entity::find();
    if let Some(username) = &filter.username {
        query = query.filter(Column::Username.eq(username.as_str()));
    }
    if let Some(event) = &filter.event {
        query = query.filter(Column::Event.eq(event.as_str()));
    }
    let total = query.clone().count(db).await?;
    let items = query
        .order_by_desc(Column::CreatedAt)
        .order_by_desc(Column::Id)
        .limit(limit)
        .offset(offset)
        .all(db)
        .await?;
    Ok((items, total))
}
