//! The photo library's metadata: listing and searching, one photo with its
//! neighbours, editing under optimistic concurrency, tags, and the import of
//! a probed file. Blobs are not touched here (see `server::library`).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDateTime, SecondsFormat, TimeDelta, Utc};
use sea_orm::{
    sea_query::{Expr, Query},
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, JoinType,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Statement, TransactionTrait,
};
use uuid::Uuid;

use crate::{
    model::photos::{self as rules, fit, GalleryPage, PhotoMetadata, PhotoView, TagCount, Thumb},
    server::{
        db::{photo_edits, photo_tags, photo_terms, photos, tags, users},
        error::{ServerError, ServerResult},
    },
};

/// Thumbnails fit in this square (see `library::Rendition`).
pub const THUMB_SIDE: u32 = 400;
pub const DISPLAY_SIDE: u32 = 1600;

/// What the gallery and `GET /api/photos` filter on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Free text: every word must start a word of the description or a tag.
    pub q: Option<String>,
    /// Tag names: a photo must carry all of them (matched case-insensitively).
    pub tags: Vec<String>,
    /// Only photos this user uploaded.
    pub uploaded_by: Option<Uuid>,
}

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

/// The condition "not missing and matching the filter", or `None` when the
/// filter names a tag that does not exist (nothing can match).
async fn condition(db: &impl ConnectionTrait, filter: &Filter) -> Result<Option<Condition>, DbErr> {
    let mut cond = Condition::all().add(photos::Column::Missing.eq(false));
    if let Some(user) = filter.uploaded_by {
        cond = cond.add(photos::Column::UploadedBy.eq(user));
    }
    if !filter.tags.is_empty() {
        let keys: HashSet<String> = filter.tags.iter().map(|t| rules::tag_key(t)).collect();
        let found = tags::Entity::find()
            .filter(tags::Column::NameKey.is_in(keys.iter().cloned()))
            .all(db)
            .await?;
        if found.len() != keys.len() {
            return Ok(None);
        }
        for tag in found {
            cond = cond.add(
                photos::Column::Id.in_subquery(
                    Query::select()
                        .column(photo_tags::Column::PhotoId)
                        .from(photo_tags::Entity)
                        .and_where(photo_tags::Column::TagId.eq(tag.id))
                        .to_owned(),
                ),
            );
        }
    }
    if let Some(q) = &filter.q {
        let words: HashSet<String> = rules::words(q).into_iter().collect();
        for word in words {
            let upper = format!("{word}\u{10FFFF}");
            cond = cond.add(
                photos::Column::Id.in_subquery(
                    Query::select()
                        .column(photo_terms::Column::PhotoId)
                        .from(photo_terms::Entity)
                        .and_where(photo_terms::Column::Term.gte(word))
                        .and_where(photo_terms::Column::Term.lt(upper))
                        .to_owned(),
                ),
            );
        }
    }
    Ok(Some(cond))
}

/// One page of photos in gallery order (newest first), and how many match.
pub async fn list(
    db: &DatabaseConnection,
    filter: &Filter,
    limit: u64,
    offset: u64,
) -> Result<(u64, Vec<photos::Model>), DbErr> {
    let Some(cond) = condition(db, filter).await? else {
        return Ok((0, Vec::new()));
    };
    let query = photos::Entity::find().filter(cond);
    let total = query.clone().count(db).await?;
    if offset >= total {
        return Ok((total, Vec::new()));
    }
    let items = query
        .order_by_desc(photos::Column::SortAt)
        .order_by_desc(photos::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(db)
        .await?;
    Ok((total, items))
}

/// The gallery page `page` (1-based) of 60 thumbnails.
pub async fn gallery(
    db: &DatabaseConnection,
    filter: &Filter,
    page: u64,
) -> ServerResult<GalleryPage> {
    let size = rules::PAGE_SIZE;
    let page = page.max(1);
    let offset = (page - 1).saturating_mul(size);
    let (total, items) = list(db, filter, size, offset).await?;
    Ok(GalleryPage {
        total,
        page,
        pages: total.div_ceil(size).max(1),
        items: items.iter().map(thumb).collect(),
    })
}

pub fn thumb(p: &photos::Model) -> Thumb {
    let (width, height) = fit(p.width as u32, p.height as u32, THUMB_SIDE);
    Thumb {
        id: p.id.to_string(),
        width,
        height,
        alt: alt_text(&p.description),
    }
}

/// The alt text of a photo: its description, or "Photo".
pub fn alt_text(description: &str) -> String {
    let d = description.trim();
    if d.is_empty() {
        "Photo".into()
    } else {
        d.chars().take(300).collect()
    }
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

/// The photos before (newer) and after (older) this one in gallery order,
/// within the same filter.
pub async fn neighbours(
    db: &DatabaseConnection,
    photo: &photos::Model,
    filter: &Filter,
) -> Result<(Option<Uuid>, Option<Uuid>), DbErr> {
    let Some(cond) = condition(db, filter).await? else {
        return Ok((None, None));
    };
    let newer = Condition::any()
        .add(photos::Column::SortAt.gt(photo.sort_at))
        .add(
            Condition::all()
                .add(photos::Column::SortAt.eq(photo.sort_at))
                .add(photos::Column::Id.gt(photo.id)),
        );
    let older = Condition::any()
        .add(photos::Column::SortAt.lt(photo.sort_at))
        .add(
            Condition::all()
                .add(photos::Column::SortAt.eq(photo.sort_at))
                .add(photos::Column::Id.lt(photo.id)),
        );
    let prev = photos::Entity::find()
        .select_only()
        .column(photos::Column::Id)
        .filter(cond.clone())
        .filter(newer)
        .order_by_asc(photos::Column::SortAt)
        .order_by_asc(photos::Column::Id)
        .into_tuple::<Uuid>()
        .one(db)
        .await?;
    let next = photos::Entity::find()
        .select_only()
        .column(photos::Column::Id)
        .filter(cond)
        .filter(older)
        .order_by_desc(photos::Column::SortAt)
        .order_by_desc(photos::Column::Id)
        .into_tuple::<Uuid>()
        .one(db)
        .await?;
    Ok((prev, next))
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
    set_tags(&txn, id, &tag_names).await?;
    reindex(&txn, id, &description, &tag_names).await?;
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

async fn set_tags(db: &impl ConnectionTrait, photo: Uuid, names: &[String]) -> Result<(), DbErr> {
    photo_tags::Entity::delete_many()
        .filter(photo_tags::Column::PhotoId.eq(photo))
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
            photo_id: Set(photo),
            tag_id: Set(tag_id),
            position: Set(i as i32),
        });
    photo_tags::Entity::insert_many(rows).exec(db).await?;
    Ok(())
}

/// Rewrites the search terms of a photo from its description and tags.
async fn reindex(
    db: &impl ConnectionTrait,
    photo: Uuid,
    description: &str,
    tag_names: &[String],
) -> Result<(), DbErr> {
    photo_terms::Entity::delete_many()
        .filter(photo_terms::Column::PhotoId.eq(photo))
        .exec(db)
        .await?;
    let mut terms: HashSet<String> = rules::words(description).into_iter().collect();
    for tag in tag_names {
        terms.extend(rules::words(tag));
    }
    if terms.is_empty() {
        return Ok(());
    }
    let rows = terms.into_iter().map(|term| photo_terms::ActiveModel {
        term: Set(term),
        photo_id: Set(photo),
    });
    photo_terms::Entity::insert_many(rows).exec(db).await?;
    Ok(())
}

/// Every tag with the number of (present) photos carrying it, by name.
pub async fn tag_counts(db: &DatabaseConnection) -> Result<Vec<TagCount>, DbErr> {
    let sql = "SELECT t.name, COUNT(p.id) FROM tags t \
               LEFT JOIN photo_tags pt ON pt.tag_id = t.id \
               LEFT JOIN photos p ON p.id = pt.photo_id AND p.missing = false \
               GROUP BY t.id, t.name, t.name_key ORDER BY t.name_key";
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
            reindex(db, p.id, &p.description, &names).await?;
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
