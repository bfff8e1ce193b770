//! The photo library's metadata: one photo and its views, editing under
//! optimistic concurrency, tags, and the edit history; finding photos is in
//! [`search`], recording imported files in [`import`]. Blobs are not touched
//! here (see `server::library`).

mod import;
mod search;

pub use import::*;
pub use search::*;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDateTime, SecondsFormat, TimeDelta, Utc};
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait,
    DatabaseConnection, DbErr, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect,
    Statement, TransactionTrait,
};
use uuid::Uuid;

use crate::{
    model::photos::{self as rules, PhotoMetadata, PhotoView, TagCount},
    server::{
        db::{photo_edits, photo_tags, photo_terms, photos, search_terms, tags, users},
        error::{ServerError, ServerResult},
    },
};

/// The time `last_modified` and friends are stored with: microseconds, the
/// precision both databases keep, so what a client echoes back compares equal.
pub fn now_micros() -> DateTime<Utc> {
    truncate_micros(Utc::now())
}

fn truncate_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    let nanos = t.timestamp_subsec_nanos();
    t - TimeDelta::nanoseconds(i64::from(nanos % 1_000))
}

pub fn format_version(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Parses a `last_modified` a client sent back.
pub fn parse_version(s: &str) -> Option<DateTime<Utc>> {
    let t = DateTime::parse_from_rfc3339(s.trim())
        .ok()?
        .with_timezone(&Utc);
    (t.timestamp_subsec_nanos() % 1_000 == 0).then_some(t)
}

pub fn format_taken_at(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// Tags of each photo, in their order.
pub async fn tags_of(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<String>>, DbErr> {
    let mut out: HashMap<Uuid, Vec<String>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let rows: Vec<(Uuid, String)> = photo_tags::Entity::find()
        .select_only()
        .column(photo_tags::Column::PhotoId)
        .column(tags::Column::Name)
        .join(
            JoinType::InnerJoin,
            photo_tags::Entity::belongs_to(tags::Entity)
                .from(photo_tags::Column::TagId)
                .to(tags::Column::Id)
                .into(),
        )
        .filter(photo_tags::Column::PhotoId.is_in(ids.iter().copied()))
        .order_by_asc(photo_tags::Column::Position)
        .into_tuple()
        .all(db)
        .await?;
    for (photo, name) in rows {
        out.entry(photo).or_default().push(name);
    }
    Ok(out)
}

/// The JSON view of photos, tags included.
pub async fn views(
    db: &impl ConnectionTrait,
    items: &[photos::Model],
) -> Result<Vec<PhotoView>, DbErr> {
    let ids: Vec<Uuid> = items.iter().map(|p| p.id).collect();
    let mut tags = tags_of(db, &ids).await?;
    Ok(items
        .iter()
        .map(|p| view_with(p, tags.remove(&p.id).unwrap_or_default()))
        .collect())
}

pub fn view_with(p: &photos::Model, tags: Vec<String>) -> PhotoView {
    PhotoView {
        id: p.id.to_string(),
        object_key: p.object_key.clone(),
        metadata: PhotoMetadata {
            description: p.description.clone(),
            tags,
            taken_at: p.taken_at.map(format_taken_at),
            camera: p.camera(),
            width: p.width as u32,
            height: p.height as u32,
        },
        last_modified: format_version(p.last_modified),
    }
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<photos::Model>, DbErr> {
    photos::Entity::find_by_id(id).one(db).await
}

/// Why an edit was not applied.
#[derive(Debug)]
pub enum EditError {
    NotFound,
    /// The photo changed since the version the client loaded.
    Stale,
    Invalid(String),
    Db(DbErr),
}

impl From<DbErr> for EditError {
    fn from(e: DbErr) -> Self {
        EditError::Db(e)
    }
}

impl From<EditError> for ServerError {
    fn from(e: EditError) -> Self {
        match e {
            EditError::NotFound => ServerError::NotFound,
            EditError::Stale => ServerError::Conflict(rules::STALE_EDIT.into()),
            EditError::Invalid(m) => ServerError::Validation(m),
            EditError::Db(e) => e.into(),
        }
    }
}

/// Sets a photo's description and tags if it is still at version
/// `expected`. The version check and the write are one conditional UPDATE:
/// of many writers holding the same version exactly one wins. Every applied
/// edit leaves a history row.
pub async fn edit_metadata(
    db: &DatabaseConnection,
    id: Uuid,
    user_id: Option<Uuid>,
    description: &str,
    tag_names: &[String],
    expected: &str,
) -> Result<photos::Model, EditError> {
    let description = rules::parse_description(description).map_err(EditError::Invalid)?;
    let tag_names = rules::parse_tags(tag_names).map_err(EditError::Invalid)?;
    let Some(expected) = parse_version(expected) else {
        // A version this server never wrote cannot be current.
        return match find(db, id).await? {
            Some(_) => Err(EditError::Stale),
            None => Err(EditError::NotFound),
        };
    };
    // Strictly increasing, so two edits can never produce the same version.
    let new_version = now_micros().max(expected + TimeDelta::microseconds(1));

    let txn = db.begin().await?;
    // The write comes first: it takes the row (PostgreSQL) or the database
    // (SQLite) lock before anything is read, so the old values read next are
    // the ones this edit replaces, and SQLite never has to upgrade a read
    // snapshot (which fails under concurrent writers instead of waiting).
    let claimed = photos::Entity::update_many()
        .col_expr(photos::Column::LastModified, Expr::value(new_version))
        .filter(photos::Column::Id.eq(id))
        .filter(photos::Column::LastModified.eq(expected))
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 {
        txn.rollback().await?;
        return match find(db, id).await? {
            Some(_) => Err(EditError::Stale),
            None => Err(EditError::NotFound),
        };
    }
    let old = find(&txn, id).await?.ok_or(EditError::NotFound)?;
    let old_tags = tags_of(&txn, &[id]).await?.remove(&id).unwrap_or_default();

    photos::Entity::update_many()
        .col_expr(
            photos::Column::Description,
            Expr::value(description.clone()),
        )
        .filter(photos::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    set_tags(&txn, &old, &tag_names).await?;
    reindex(&txn, &old, &description, &tag_names).await?;
    photo_edits::ActiveModel {
        id: Set(Uuid::new_v4()),
        photo_id: Set(id),
        user_id: Set(user_id),
        old_description: Set(old.description.clone()),
        new_description: Set(description.clone()),
        old_tags: Set(serde_json::to_string(&old_tags).unwrap_or_default()),
        new_tags: Set(serde_json::to_string(&tag_names).unwrap_or_default()),
        edited_at: Set(new_version),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(photos::Model {
        description,
        last_modified: new_version,
        ..old
    })
}

/// Finds or creates the tags of these names (matched on their lower-cased
/// key; a new tag keeps the spelling given) and returns their ids in order.
async fn ensure_tags(db: &impl ConnectionTrait, names: &[String]) -> Result<Vec<Uuid>, DbErr> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<String> = names.iter().map(|n| rules::tag_key(n)).collect();
    let now = now_micros();
    let new_rows: Vec<tags::ActiveModel> = names
        .iter()
        .zip(&keys)
        .map(|(name, key)| tags::ActiveModel {
            id: Set(Uuid::new_v4()),
            name: Set(name.clone()),
            name_key: Set(key.clone()),
            created_at: Set(now),
        })
        .collect();
    tags::Entity::insert_many(new_rows)
        .on_conflict_do_nothing_on([tags::Column::NameKey])
        .exec(db)
        .await?;
    let found: HashMap<String, Uuid> = tags::Entity::find()
        .filter(tags::Column::NameKey.is_in(keys.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.name_key, t.id))
        .collect();
    Ok(keys.iter().filter_map(|k| found.get(k).copied()).collect())
}

async fn set_tags(
    db: &impl ConnectionTrait,
    photo: &photos::Model,
    names: &[String],
) -> Result<(), DbErr> {
    photo_tags::Entity::delete_many()
        .filter(photo_tags::Column::PhotoId.eq(photo.id))
        .exec(db)
        .await?;
    let ids = ensure_tags(db, names).await?;
    if ids.is_empty() {
        return Ok(());
    }
    let rows = ids
        .into_iter()
        .enumerate()
        .map(|(i, tag_id)| photo_tags::ActiveModel {
            photo_id: Set(photo.id),
            tag_id: Set(tag_id),
            position: Set(i as i32),
            missing: Set(photo.missing),
            sort_at: Set(photo.sort_at),
        });
    photo_tags::Entity::insert_many(rows).exec(db).await?;
    Ok(())
}

/// Rewrites the search terms of a photo from its description and tags, and
/// adds new words to the word list.
async fn reindex(
    db: &impl ConnectionTrait,
    photo: &photos::Model,
    description: &str,
    tag_names: &[String],
) -> Result<(), DbErr> {
    photo_terms::Entity::delete_many()
        .filter(photo_terms::Column::PhotoId.eq(photo.id))
        .exec(db)
        .await?;
    let mut terms: HashSet<String> = rules::words(description).into_iter().collect();
    for tag in tag_names {
        terms.extend(rules::words(tag));
    }
    if terms.is_empty() {
        return Ok(());
    }
    let words = terms.iter().map(|term| search_terms::ActiveModel {
        term: Set(term.clone()),
    });
    search_terms::Entity::insert_many(words)
        .on_conflict_do_nothing_on([search_terms::Column::Term])
        .exec(db)
        .await?;
    let rows = terms.into_iter().map(|term| photo_terms::ActiveModel {
        term: Set(term),
        photo_id: Set(photo.id),
        missing: Set(photo.missing),
        sort_at: Set(photo.sort_at),
    });
    photo_terms::Entity::insert_many(rows).exec(db).await?;
    Ok(())
}

/// Every tag with the number of (present) photos carrying it, by name.
pub async fn tag_counts(db: &DatabaseConnection) -> Result<Vec<TagCount>, DbErr> {
    // Each count is a range of the tag's gallery index: no photo row is read.
    let sql = "SELECT t.name, (SELECT COUNT(*) FROM photo_tags pt \
               WHERE pt.tag_id = t.id AND pt.missing = false) \
               FROM tags t ORDER BY t.name_key";
    let rows = db
        .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?;
    rows.into_iter()
        .map(|row| {
            let name: String = row.try_get_by_index(0)?;
            let count: i64 = row.try_get_by_index(1)?;
            Ok(TagCount {
                name,
                count: count.max(0) as u64,
            })
        })
        .collect()
}

/// Up to `limit` tag names starting with `prefix` (case-insensitive).
pub async fn suggest_tags(
    db: &DatabaseConnection,
    prefix: &str,
    limit: u64,
) -> Result<Vec<String>, DbErr> {
    let key = rules::tag_key(prefix);
    let mut query = tags::Entity::find()
        .select_only()
        .column(tags::Column::Name);
    if !key.is_empty() {
        query = query.filter(tags::Column::NameKey.starts_with(&key));
    }
    query
        .order_by_asc(tags::Column::NameKey)
        .limit(limit)
        .into_tuple::<String>()
        .all(db)
        .await
}

/// Renames a tag; when the new name is another existing tag, merges into it.
/// Photos that carried it get a new version (their tags changed).
pub async fn rename_tag(db: &DatabaseConnection, from: &str, to: &str) -> ServerResult<()> {
    let to = rules::parse_tag(to).map_err(ServerError::Validation)?;
    let txn = db.begin().await?;
    let Some(source) = tags::Entity::find()
        .filter(tags::Column::NameKey.eq(rules::tag_key(from)))
        .one(&txn)
        .await?
    else {
        return Err(ServerError::NotFound);
    };
    let affected = photos_with_tag(&txn, source.id).await?;
    let target = tags::Entity::find()
        .filter(tags::Column::NameKey.eq(rules::tag_key(&to)))
        .one(&txn)
        .await?;
    match target {
        Some(target) if target.id != source.id => {
            // Merge: photos that already carry the target just lose the source.
            let has_target: HashSet<Uuid> = photos_with_tag(&txn, target.id)
                .await?
                .into_iter()
                .collect();
            for photo in &affected {
                if has_target.contains(photo) {
                    photo_tags::Entity::delete_many()
                        .filter(photo_tags::Column::PhotoId.eq(*photo))
                        .filter(photo_tags::Column::TagId.eq(source.id))
                        .exec(&txn)
                        .await?;
                } else {
                    photo_tags::Entity::update_many()
                        .col_expr(photo_tags::Column::TagId, Expr::value(target.id))
                        .filter(photo_tags::Column::PhotoId.eq(*photo))
                        .filter(photo_tags::Column::TagId.eq(source.id))
                        .exec(&txn)
                        .await?;
                }
            }
            tags::Entity::delete_by_id(source.id).exec(&txn).await?;
        }
        _ => {
            tags::Entity::update_many()
                .col_expr(tags::Column::Name, Expr::value(to.clone()))
                .col_expr(tags::Column::NameKey, Expr::value(rules::tag_key(&to)))
                .filter(tags::Column::Id.eq(source.id))
                .exec(&txn)
                .await?;
        }
    }
    refresh_photos(&txn, &affected).await?;
    txn.commit().await?;
    Ok(())
}

/// Deletes a tag from every photo.
pub async fn delete_tag(db: &DatabaseConnection, name: &str) -> ServerResult<()> {
    let txn = db.begin().await?;
    let Some(tag) = tags::Entity::find()
        .filter(tags::Column::NameKey.eq(rules::tag_key(name)))
        .one(&txn)
        .await?
    else {
        return Err(ServerError::NotFound);
    };
    let affected = photos_with_tag(&txn, tag.id).await?;
    photo_tags::Entity::delete_many()
        .filter(photo_tags::Column::TagId.eq(tag.id))
        .exec(&txn)
        .await?;
    tags::Entity::delete_by_id(tag.id).exec(&txn).await?;
    refresh_photos(&txn, &affected).await?;
    txn.commit().await?;
    Ok(())
}

async fn photos_with_tag(db: &impl ConnectionTrait, tag: Uuid) -> Result<Vec<Uuid>, DbErr> {
    photo_tags::Entity::find()
        .select_only()
        .column(photo_tags::Column::PhotoId)
        .filter(photo_tags::Column::TagId.eq(tag))
        .into_tuple::<Uuid>()
        .all(db)
        .await
}

/// After a tag changed under them: new versions and search terms.
async fn refresh_photos(db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<(), DbErr> {
    let mut tags = tags_of(db, ids).await?;
    for chunk in ids.chunks(500) {
        let rows = photos::Entity::find()
            .filter(photos::Column::Id.is_in(chunk.iter().copied()))
            .all(db)
            .await?;
        for p in rows {
            let names = tags.remove(&p.id).unwrap_or_default();
            let version = now_micros().max(p.last_modified + TimeDelta::microseconds(1));
            photos::Entity::update_many()
                .col_expr(photos::Column::LastModified, Expr::value(version))
                .filter(photos::Column::Id.eq(p.id))
                .exec(db)
                .await?;
            reindex(db, &p, &p.description, &names).await?;
        }
    }
    Ok(())
}

/// A user's most recent edits, newest first, with the photo's id.
pub async fn edits_by(
    db: &DatabaseConnection,
    user: Uuid,
    limit: u64,
) -> Result<Vec<photo_edits::Model>, DbErr> {
    photo_edits::Entity::find()
        .filter(photo_edits::Column::UserId.eq(user))
        .order_by_desc(photo_edits::Column::EditedAt)
        .limit(limit)
        .all(db)
        .await
}

pub async fn uploader_name(
    db: &DatabaseConnection,
    photo: &photos::Model,
) -> Result<Option<String>, DbErr> {
    match photo.uploaded_by {
        Some(id) => Ok(users::find_by_id(db, id).await?.map(|u| u.username)),
        None => Ok(None),
    }
}
