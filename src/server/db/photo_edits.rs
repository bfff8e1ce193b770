//! The `photo_edits` table: who changed a photo's description or tags,
//! when, from what to what.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "photo_edits")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub photo_id: Uuid,
    pub user_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub old_description: String,
    #[sea_orm(column_type = "Text")]
    pub new_description: String,
    /// JSON array of tag names.
    #[sea_orm(column_type = "Text")]
    pub old_tags: String,
    #[sea_orm(column_type = "Text")]
    pub new_tags: String,
    pub edited_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
