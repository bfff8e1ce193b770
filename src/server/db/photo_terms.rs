//! The `photo_terms` table: the words of a photo's description and tags,
//! lower-cased, which search matches by prefix.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "photo_terms")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub term: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub photo_id: Uuid,
    /// Copy of the photo's (kept in step by a trigger).
    pub missing: bool,
    /// Copy of the photo's (kept in step by a trigger).
    pub sort_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
