//! Recording files found by a rescan or received as uploads: new content is
//! a new photo, known content at a new path is a move (everything people
//! wrote stays), known content still present elsewhere is a duplicate.

use std::collections::HashSet;

use chrono::{NaiveDateTime, TimeDelta};
use sea_orm::{
    sea_query::Expr, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use super::{find, now_micros};
use crate::server::db::photos;

/// A file as an import records it: where it is and what the probe read.
#[derive(Debug, Clone)]
pub struct FileFacts {
    pub object_key: String,
    pub content_hash: String,
    pub byte_size: u64,
    pub file_mtime: i64,
    pub width: u32,
    pub height: u32,
    pub media_type: String,
    pub taken_at: Option<NaiveDateTime>,
    pub camera_make: Option<String>,
    pub camera_model: Option<String>,
    pub orientation: u16,
    pub uploaded_by: Option<Uuid>,
}

/// Where a file is and what it holds, when only its hash is known (its
/// content is already in the library).
#[derive(Debug, Clone)]
pub struct KnownFile<'a> {
    pub object_key: &'a str,
    pub content_hash: &'a str,
    pub byte_size: u64,
    pub file_mtime: i64,
    pub uploaded_by: Option<Uuid>,
}

/// How recording a file ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// New content: a new photo.
    New(Uuid),
    /// Known content at its known path (only size or mtime changed).
    Unchanged(Uuid),
    /// Known content whose old path has gone: the photo moved here, with
    /// everything people wrote about it.
    Moved { id: Uuid, from: String },
    /// Known content still present at another path: not imported twice.
    Duplicate { id: Uuid },
    /// New content at a known path (the file was edited): the photo keeps
    /// what people wrote, its facts are the new file's.
    Replaced(Uuid),
}

/// Records a file whose content is already in the library (by hash): an
/// unchanged file, a move, or a duplicate. `None` when the hash is new.
/// `vanished` holds the keys of photos whose files this rescan did not find.
pub async fn record_known(
    db: &DatabaseConnection,
    file: &KnownFile<'_>,
    vanished: &HashSet<String>,
) -> Result<Option<Recorded>, DbErr> {
    let Some(existing) = find_by_hash(db, file.content_hash).await? else {
        return Ok(None);
    };
    if existing.object_key == file.object_key {
        seen_at(db, &existing, file).await?;
        return Ok(Some(Recorded::Unchanged(existing.id)));
    }
    // Whatever photo this path held before, its content is not here any more.
    vacate(db, file.object_key, existing.id).await?;
    if existing.missing || vanished.contains(&existing.object_key) {
        seen_at(db, &existing, file).await?;
        return Ok(Some(Recorded::Moved {
            id: existing.id,
            from: existing.object_key,
        }));
    }
    Ok(Some(Recorded::Duplicate { id: existing.id }))
}

/// Records that a known photo's file is at `file`'s path, present.
async fn seen_at(
    db: &DatabaseConnection,
    existing: &photos::Model,
    file: &KnownFile<'_>,
) -> Result<(), DbErr> {
    let mut update = photos::Entity::update_many()
        .col_expr(
            photos::Column::ObjectKey,
            Expr::value(file.object_key.to_owned()),
        )
        .col_expr(photos::Column::ByteSize, Expr::value(file.byte_size as i64))
        .col_expr(photos::Column::FileMtime, Expr::value(file.file_mtime))
        .col_expr(photos::Column::Missing, Expr::value(false));
    if existing.uploaded_by.is_none() && file.uploaded_by.is_some() {
        update = update.col_expr(photos::Column::UploadedBy, Expr::value(file.uploaded_by));
    }
    update
        .filter(photos::Column::Id.eq(existing.id))
        .exec(db)
        .await?;
    Ok(())
}

/// Records a probed file: known content as [`record_known`] does, new
/// content as a new photo, or as the new content of the photo at its path.
pub async fn record_file(
    db: &DatabaseConnection,
    file: FileFacts,
    vanished: &HashSet<String>,
) -> Result<Recorded, DbErr> {
    let known = KnownFile {
        object_key: &file.object_key,
        content_hash: &file.content_hash,
        byte_size: file.byte_size,
        file_mtime: file.file_mtime,
        uploaded_by: file.uploaded_by,
    };
    if let Some(recorded) = record_known(db, &known, vanished).await? {
        return Ok(recorded);
    }
    let at_key = photos::Entity::find()
        .filter(photos::Column::ObjectKey.eq(&file.object_key))
        .one(db)
        .await?;
    let result = match at_key {
        Some(photo) => replace_content(db, photo.id, &file)
            .await
            .map(|()| Recorded::Replaced(photo.id)),
        None => insert_photo(db, &file).await.map(Recorded::New),
    };
    match result {
        // Raced with another import of the same content (an upload during
        // a rescan): it is known content now.
        Err(e) if is_unique_violation(&e) => record_known(db, &known, vanished).await?.ok_or(e),
        other => other,
    }
}

pub async fn find_by_hash(
    db: &impl ConnectionTrait,
    hash: &str,
) -> Result<Option<photos::Model>, DbErr> {
    photos::Entity::find()
        .filter(photos::Column::ContentHash.eq(hash))
        .one(db)
        .await
}

/// Frees `object_key` for the photo `keep`: another photo holding it has
/// lost its content there, so it is marked missing under a placeholder key
/// no file can have (it comes back when its content shows up again).
async fn vacate(db: &DatabaseConnection, object_key: &str, keep: Uuid) -> Result<(), DbErr> {
    let Some(holder) = photos::Entity::find()
        .filter(photos::Column::ObjectKey.eq(object_key))
        .filter(photos::Column::Id.ne(keep))
        .one(db)
        .await?
    else {
        return Ok(());
    };
    let placeholder: String = format!(".missing/{}/{}", holder.id, object_key)
        .chars()
        .take(1000)
        .collect();
    photos::Entity::update_many()
        .col_expr(photos::Column::ObjectKey, Expr::value(placeholder))
        .col_expr(photos::Column::Missing, Expr::value(true))
        .filter(photos::Column::Id.eq(holder.id))
        .exec(db)
        .await?;
    Ok(())
}

async fn insert_photo(db: &DatabaseConnection, file: &FileFacts) -> Result<Uuid, DbErr> {
    let now = now_micros();
    let id = Uuid::new_v4();
    let sort_at = file.taken_at.map(|t| t.and_utc()).unwrap_or(now);
    let row = photos::ActiveModel {
        id: Set(id),
        object_key: Set(file.object_key.clone()),
        content_hash: Set(file.content_hash.clone()),
        byte_size: Set(file.byte_size as i64),
        file_mtime: Set(file.file_mtime),
        width: Set(file.width as i32),
        height: Set(file.height as i32),
        media_type: Set(file.media_type.clone()),
        taken_at: Set(file.taken_at),
        camera_make: Set(file.camera_make.clone()),
        camera_model: Set(file.camera_model.clone()),
        orientation: Set(file.orientation as i16),
        description: Set(String::new()),
        last_modified: Set(now),
        sort_at: Set(sort_at),
        created_at: Set(now),
        uploaded_by: Set(file.uploaded_by),
        missing: Set(false),
    };
    photos::Entity::insert(row)
        .exec_without_returning(db)
        .await?;
    Ok(id)
}

/// A file whose content changed in place: new facts, same photo (what
/// people wrote stays), a new version.
async fn replace_content(db: &DatabaseConnection, id: Uuid, file: &FileFacts) -> Result<(), DbErr> {
    let current = find(db, id)
        .await?
        .ok_or(DbErr::RecordNotFound("photo".into()))?;
    let version = now_micros().max(current.last_modified + TimeDelta::microseconds(1));
    let sort_at = file
        .taken_at
        .map(|t| t.and_utc())
        .unwrap_or(current.created_at);
    photos::Entity::update_many()
        .col_expr(
            photos::Column::ContentHash,
            Expr::value(file.content_hash.clone()),
        )
        .col_expr(photos::Column::ByteSize, Expr::value(file.byte_size as i64))
        .col_expr(photos::Column::FileMtime, Expr::value(file.file_mtime))
        .col_expr(photos::Column::Width, Expr::value(file.width as i32))
        .col_expr(photos::Column::Height, Expr::value(file.height as i32))
        .col_expr(
            photos::Column::MediaType,
            Expr::value(file.media_type.clone()),
        )
        .col_expr(photos::Column::TakenAt, Expr::value(file.taken_at))
        .col_expr(
            photos::Column::CameraMake,
            Expr::value(file.camera_make.clone()),
        )
        .col_expr(
            photos::Column::CameraModel,
            Expr::value(file.camera_model.clone()),
        )
        .col_expr(
            photos::Column::Orientation,
            Expr::value(file.orientation as i16),
        )
        .col_expr(photos::Column::SortAt, Expr::value(sort_at))
        .col_expr(photos::Column::Missing, Expr::value(false))
        .col_expr(photos::Column::LastModified, Expr::value(version))
        .filter(photos::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Marks photos present again (their file is back at its known path).
pub async fn mark_present(db: &DatabaseConnection, ids: &[Uuid]) -> Result<(), DbErr> {
    for chunk in ids.chunks(500) {
        photos::Entity::update_many()
            .col_expr(photos::Column::Missing, Expr::value(false))
            .filter(photos::Column::Id.is_in(chunk.iter().copied()))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Marks the photos at these keys missing (their file has gone); what
/// people wrote about them stays.
pub async fn mark_missing(db: &DatabaseConnection, keys: &[String]) -> Result<u64, DbErr> {
    let mut marked = 0;
    for chunk in keys.chunks(500) {
        marked += photos::Entity::update_many()
            .col_expr(photos::Column::Missing, Expr::value(true))
            .filter(photos::Column::ObjectKey.is_in(chunk.iter().cloned()))
            .filter(photos::Column::Missing.eq(false))
            .exec(db)
            .await?
            .rows_affected;
    }
    Ok(marked)
}

/// What a rescan compares files against: every photo's key, hash, size,
/// mtime and missing flag.
pub async fn scan_index(
    db: &DatabaseConnection,
) -> Result<Vec<(Uuid, String, String, i64, i64, bool)>, DbErr> {
    photos::Entity::find()
        .select_only()
        .columns([
            photos::Column::Id,
            photos::Column::ObjectKey,
            photos::Column::ContentHash,
            photos::Column::ByteSize,
            photos::Column::FileMtime,
            photos::Column::Missing,
        ])
        .into_tuple()
        .all(db)
        .await
}

fn is_unique_violation(e: &DbErr) -> bool {
    matches!(
        e.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}
