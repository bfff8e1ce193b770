//! Users: accounts, roles and password hashes.

use chrono::{DateTime, Utc};
use sea_orm::{
    entity::prelude::*, ActiveValue::Set, DatabaseConnection, PaginatorTrait, QueryFilter,
};

use crate::model::{Role, UserView};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: String,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Member)
    }

    pub fn view(&self) -> UserView {
        UserView {
            id: self.id.to_string(),
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            role: self.role(),
        }
    }
}

pub async fn find_by_id(db: &DatabaseConnection, id: Uuid) -> Result<Option<Model>, DbErr> {
    Entity::find_by_id(id).one(db).await
}

/// Looks a user up by username (already normalised by `Username::parse`).
pub async fn find_by_username(
    db: &DatabaseConnection,
    username: &str,
) -> Result<Option<Model>, DbErr> {
    Entity::find()
        .filter(Column::Username.eq(username))
        .one(db)
        .await
}

pub async fn count(db: &DatabaseConnection) -> Result<u64, DbErr> {
    Entity::find().count(db).await
}

pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
}

pub async fn insert(db: &DatabaseConnection, new: NewUser) -> Result<Model, DbErr> {
    let now = Utc::now();
    ActiveModel {
        id: Set(Uuid::new_v4()),
        username: Set(new.username),
        display_name: Set(new.display_name),
        password_hash: Set(new.password_hash),
        role: Set(new.role.as_str().to_owned()),
        disabled: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
}

pub async fn set_password_hash(
    db: &DatabaseConnection,
    id: Uuid,
    hash: String,
) -> Result<(), DbErr> {
    ActiveModel {
        id: Set(id),
        password_hash: Set(hash),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .update(db)
    .await
    .map(|_| ())
}

/// The users with these ids (unknown ids are left out).
pub async fn find_by_ids(db: &DatabaseConnection, ids: &[Uuid]) -> Result<Vec<Model>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    Entity::find().filter(Column::Id.is_in(ids)).all(db).await
}

pub async fn all(db: &DatabaseConnection) -> Result<Vec<Model>, DbErr> {
    use sea_orm::QueryOrder;
    Entity::find().order_by_asc(Column::Username).all(db).await
}

/// Admins that can still sign in.
pub async fn count_active_admins(db: &DatabaseConnection) -> Result<u64, DbErr> {
    Entity::find()
        .filter(Column::Role.eq(Role::Admin.as_str()))
        .filter(Column::Disabled.eq(false))
        .count(db)
        .await
}

/// Applies the given changes to a user.
pub async fn update(
    db: &DatabaseConnection,
    id: Uuid,
    role: Option<Role>,
    disabled: Option<bool>,
    password_hash: Option<String>,
) -> Result<Model, DbErr> {
    let mut active = ActiveModel {
        id: Set(id),
        updated_at: Set(Utc::now()),
        ..Default::default()
    };
    if let Some(role) = role {
        active.role = Set(role.as_str().to_owned());
    }
    if let Some(disabled) = disabled {
        active.disabled = Set(disabled);
    }
    if let Some(hash) = password_hash {
        active.password_hash = Set(hash);
    }
    active.update(db).await
}
