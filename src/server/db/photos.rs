//! The `photos` table: one row per distinct content in the library.

use chrono::{DateTime, NaiveDateTime, Utc};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "photos")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub object_key: String,
    #[sea_orm(unique)]
    pub content_hash: String,
    pub byte_size: i64,
    pub file_mtime: i64,
    pub width: i32,
    pub height: i32,
    pub media_type: String,
    pub taken_at: Option<NaiveDateTime>,
    pub camera_make: Option<String>,
    pub camera_model: Option<String>,
    pub orientation: i16,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub last_modified: DateTime<Utc>,
    pub sort_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub uploaded_by: Option<Uuid>,
    pub missing: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// "Canon EOS 80D", without the make repeated when the model has it.
    pub fn camera(&self) -> Option<String> {
        let make = self.camera_make.as_deref().unwrap_or("").trim();
        let model = self.camera_model.as_deref().unwrap_or("").trim();
        match (make.is_empty(), model.is_empty()) {
            (true, true) => None,
            (false, true) => Some(make.to_owned()),
            (true, false) => Some(model.to_owned()),
            (false, false) if model.to_lowercase().starts_with(&make.to_lowercase()) => {
                Some(model.to_owned())
            }
            (false, false) => Some(format!("{make} {model}")),
        }
    }
}
