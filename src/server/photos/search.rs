//! Finding photos: the gallery order, search words and tag filters, counts
//! and pages, and a photo's neighbours within a filter.
//!
//! Every filter is answered by walking one index that is already in gallery
//! order (newest first): with no filter, `photos` itself; with a tag,
//! `photo_tags`; with a search word, `photo_terms`. Those two carry copies
//! of each photo's `missing` flag and sort time (kept in step by triggers),
//! so a page is a walk of 60 index entries and a count never reads a photo
//! row. The other tags and words of the same filter narrow that walk with
//! `photo_id IN (...)`. A search word matches the whole words it is a prefix
//! of; the word list (`search_terms`) says which those are, so that a
//! typical word is one index range rather than a scan of every term.

use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::{Alias, Cond, Expr, ExprTrait, Order, Query, SelectStatement},
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use crate::{
    model::photos::{self as rules, fit, GalleryPage, Thumb},
    server::{
        db::{photos, tags},
        error::ServerResult,
    },
};

/// Thumbnails fit in this square (see `library::Rendition`).
pub const THUMB_SIDE: u32 = 400;
pub const DISPLAY_SIDE: u32 = 1600;

/// A search word standing for more whole words than this is matched as a
/// range of words instead (slower, but it only happens for a letter or two).
const MAX_EXPANSION: u64 = 100;

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

/// The words one search word matches.
#[derive(Debug, Clone)]
enum Words {
    /// These whole words (one, usually).
    Exactly(Vec<String>),
    /// Every word in `[from, to)`.
    Range { from: String, to: String },
}

/// What a filter is answered from.
#[derive(Debug, Clone)]
enum Walk {
    Photos,
    Tag(Uuid),
    Word(Words),
}

#[derive(Debug, Clone)]
enum Narrow {
    Tag(Uuid),
    Word(Words),
}

/// A filter resolved against the tags and words the library has.
#[derive(Debug, Clone)]
struct Plan {
    walk: Walk,
    narrow: Vec<Narrow>,
    uploaded_by: Option<Uuid>,
}

fn table(walk: &Walk) -> &'static str {
    match walk {
        Walk::Photos => "photos",
        Walk::Tag(_) => "photo_tags",
        Walk::Word(_) => "photo_terms",
    }
}

fn id_column(walk: &Walk) -> &'static str {
    match walk {
        Walk::Photos => "id",
        _ => "photo_id",
    }
}

fn col(name: &'static str) -> Expr {
    Expr::col((Alias::new("d"), Alias::new(name)))
}

fn words_condition(column: Expr, words: &Words) -> Cond {
    match words {
        Words::Exactly(list) if list.len() == 1 => Cond::all().add(column.eq(list[0].clone())),
        Words::Exactly(list) => Cond::all().add(column.is_in(list.iter().cloned())),
        Words::Range { from, to } => Cond::all()
            .add(column.clone().gte(from.clone()))
            .add(column.lt(to.clone())),
    }
}

impl Plan {
    /// True when one photo can appear more than once in the walk (a word
    /// standing for several whole words it has more than one of).
    fn may_repeat(&self) -> bool {
        match &self.walk {
            Walk::Word(Words::Exactly(list)) => list.len() > 1,
            Walk::Word(Words::Range { .. }) => true,
            _ => false,
        }
    }

    fn is_everything(&self) -> bool {
        matches!(self.walk, Walk::Photos) && self.narrow.is_empty() && self.uploaded_by.is_none()
    }

    fn id(&self) -> Expr {
        col(id_column(&self.walk))
    }

    fn sort_at(&self) -> Expr {
        col("sort_at")
    }

    /// `FROM <index table> d WHERE <walk> AND <narrowing>`.
    fn base(&self) -> SelectStatement {
        let mut q = Query::select();
        q.from_as(Alias::new(table(&self.walk)), Alias::new("d"));
        q.and_where(col("missing").eq(false));
        match &self.walk {
            Walk::Photos => {}
            Walk::Tag(tag) => {
                q.and_where(col("tag_id").eq(*tag));
            }
            Walk::Word(words) => {
                q.cond_where(words_condition(col("term"), words));
            }
        }
        for narrow in &self.narrow {
            let mut sub = Query::select();
            match narrow {
                Narrow::Tag(tag) => {
                    sub.column(Alias::new("photo_id"))
                        .from(Alias::new("photo_tags"))
                        .and_where(Expr::col(Alias::new("tag_id")).eq(*tag));
                }
                Narrow::Word(words) => {
                    sub.column(Alias::new("photo_id"))
                        .from(Alias::new("photo_terms"))
                        .cond_where(words_condition(Expr::col(Alias::new("term")), words));
                }
            }
            q.and_where(self.id().in_subquery(sub));
        }
        if let Some(user) = self.uploaded_by {
            match self.walk {
                Walk::Photos => {
                    q.and_where(col("uploaded_by").eq(user));
                }
                _ => {
                    let mut sub = Query::select();
                    sub.column(Alias::new("id"))
                        .from(Alias::new("photos"))
                        .and_where(Expr::col(Alias::new("uploaded_by")).eq(user));
                    q.and_where(self.id().in_subquery(sub));
                }
            }
        }
        q
    }
}

/// Resolves a filter, or `None` when nothing can match (a tag or a word the
/// library does not have).
async fn plan(db: &impl ConnectionTrait, filter: &Filter) -> Result<Option<Plan>, DbErr> {
    let mut tag_ids = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for name in &filter.tags {
        let key = rules::tag_key(name);
        if !seen.insert(key.clone()) {
            continue;
        }
        let found: Option<Uuid> = tags::Entity::find()
            .select_only()
            .column(tags::Column::Id)
            .filter(tags::Column::NameKey.eq(key))
            .into_tuple()
            .one(db)
            .await?;
        match found {
            Some(id) => tag_ids.push(id),
            None => return Ok(None),
        }
    }
    let mut words = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for word in filter.q.as_deref().map(rules::words).unwrap_or_default() {
        if !seen.insert(word.clone()) {
            continue;
        }
        match expand(db, &word).await? {
            Some(w) => words.push(w),
            None => return Ok(None),
        }
    }
    let mut narrow: Vec<Narrow> = Vec::new();
    let mut tag_ids = tag_ids.into_iter();
    let mut words = words.into_iter();
    let walk = if let Some(first) = tag_ids.next() {
        Walk::Tag(first)
    } else if let Some(first) = words.next() {
        Walk::Word(first)
    } else {
        Walk::Photos
    };
    narrow.extend(tag_ids.map(Narrow::Tag));
    narrow.extend(words.map(Narrow::Word));
    Ok(Some(Plan {
        walk,
        narrow,
        uploaded_by: filter.uploaded_by,
    }))
}

/// The whole words a search word is a prefix of, or `None` when there is
/// none.
async fn expand(db: &impl ConnectionTrait, word: &str) -> Result<Option<Words>, DbErr> {
    let from = word.to_owned();
    let to = format!("{word}\u{10FFFF}");
    let q = Query::select()
        .column(Alias::new("term"))
        .from(Alias::new("search_terms"))
        .and_where(Expr::col(Alias::new("term")).gte(from.clone()))
        .and_where(Expr::col(Alias::new("term")).lt(to.clone()))
        .order_by(Alias::new("term"), Order::Asc)
        .limit(MAX_EXPANSION + 1)
        .to_owned();
    let rows = db
        .query_all_raw(db.get_database_backend().build(&q))
        .await?;
    if rows.is_empty() {
        return Ok(None);
    }
    if rows.len() as u64 > MAX_EXPANSION {
        return Ok(Some(Words::Range { from, to }));
    }
    let list = rows
        .iter()
        .map(|r| r.try_get_by_index::<String>(0))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(Words::Exactly(list)))
}

/// How many present photos match.
async fn count(db: &impl ConnectionTrait, plan: &Plan) -> Result<u64, DbErr> {
    if plan.is_everything() {
        let q = Query::select()
            .column(Alias::new("present"))
            .from(Alias::new("photo_stats"))
            .and_where(Expr::col(Alias::new("id")).eq(1))
            .to_owned();
        let row = db
            .query_one_raw(db.get_database_backend().build(&q))
            .await?;
        let present: i64 = match row {
            Some(r) => r.try_get_by_index(0)?,
            None => 0,
        };
        return Ok(u64::try_from(present).unwrap_or(0));
    }
    let mut q = plan.base();
    let counted = if plan.may_repeat() {
        plan.id().count_distinct()
    } else {
        Expr::cust("COUNT(*)")
    };
    q.expr(counted);
    let row = db
        .query_one_raw(db.get_database_backend().build(&q))
        .await?;
    let n: i64 = match row {
        Some(r) => r.try_get_by_index(0)?,
        None => 0,
    };
    Ok(u64::try_from(n).unwrap_or(0))
}

/// The ids of one page, in gallery order.
async fn page_ids(
    db: &impl ConnectionTrait,
    plan: &Plan,
    limit: u64,
    offset: u64,
) -> Result<Vec<Uuid>, DbErr> {
    let mut q = plan.base();
    q.expr(plan.id()).expr(plan.sort_at());
    if plan.may_repeat() {
        q.distinct();
    }
    q.order_by_expr(plan.sort_at(), Order::Desc)
        .order_by_expr(plan.id(), Order::Desc)
        .limit(limit)
        .offset(offset);
    let rows = db
        .query_all_raw(db.get_database_backend().build(&q))
        .await?;
    rows.iter().map(|r| r.try_get_by_index::<Uuid>(0)).collect()
}

/// The photos with these ids, in the order of the ids.
async fn rows_in_order(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<Vec<photos::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut rows = photos::Entity::find()
        .filter(photos::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    let position: std::collections::HashMap<Uuid, usize> =
        ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    rows.sort_by_key(|p| position.get(&p.id).copied().unwrap_or(usize::MAX));
    Ok(rows)
}

/// One page of photos in gallery order (newest first), and how many match.
pub async fn list(
    db: &DatabaseConnection,
    filter: &Filter,
    limit: u64,
    offset: u64,
) -> Result<(u64, Vec<photos::Model>), DbErr> {
    let Some(plan) = plan(db, filter).await? else {
        return Ok((0, Vec::new()));
    };
    let total = count(db, &plan).await?;
    if offset >= total {
        return Ok((total, Vec::new()));
    }
    let items = if matches!(plan.walk, Walk::Photos)
        && plan.uploaded_by.is_none()
        && plan.narrow.is_empty()
    {
        // The gallery itself: the rows come straight out of its index.
        photos::Entity::find()
            .filter(photos::Column::Missing.eq(false))
            .order_by_desc(photos::Column::SortAt)
            .order_by_desc(photos::Column::Id)
            .limit(limit)
            .offset(offset)
            .all(db)
            .await?
    } else {
        let ids = page_ids(db, &plan, limit, offset).await?;
        rows_in_order(db, &ids).await?
    };
    Ok((total, items))
}

/// The gallery page `page` (1-based) of 60 thumbnails.
pub async fn gallery(
    db: &DatabaseConnection,
    filter: &Filter,
    page: u64,
) -> ServerResult<GalleryPage> {
    let size = rules::PAGE_SIZE;
    let page = Ord::max(page, 1);
    let offset = (page - 1).saturating_mul(size);
    let (total, items) = list(db, filter, size, offset).await?;
    Ok(GalleryPage {
        total,
        page,
        pages: Ord::max(total.div_ceil(size), 1),
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

/// The photos before (newer) and after (older) this one in gallery order,
/// within the same filter.
pub async fn neighbours(
    db: &DatabaseConnection,
    photo: &photos::Model,
    filter: &Filter,
) -> Result<(Option<Uuid>, Option<Uuid>), DbErr> {
    let Some(plan) = plan(db, filter).await? else {
        return Ok((None, None));
    };
    let prev = neighbour(db, &plan, photo.sort_at, photo.id, true).await?;
    let next = neighbour(db, &plan, photo.sort_at, photo.id, false).await?;
    Ok((prev, next))
}

async fn neighbour(
    db: &DatabaseConnection,
    plan: &Plan,
    sort_at: DateTime<Utc>,
    id: Uuid,
    newer: bool,
) -> Result<Option<Uuid>, DbErr> {
    let mut q = plan.base();
    let beyond = if newer {
        Cond::any().add(plan.sort_at().gt(sort_at)).add(
            Cond::all()
                .add(plan.sort_at().eq(sort_at))
                .add(plan.id().gt(id)),
        )
    } else {
        Cond::any().add(plan.sort_at().lt(sort_at)).add(
            Cond::all()
                .add(plan.sort_at().eq(sort_at))
                .add(plan.id().lt(id)),
        )
    };
    let order = if newer { Order::Asc } else { Order::Desc };
    q.expr(plan.id())
        .cond_where(beyond)
        .order_by_expr(plan.sort_at(), order.clone())
        .order_by_expr(plan.id(), order)
        .limit(1);
    let row = db
        .query_one_raw(db.get_database_backend().build(&q))
        .await?;
    row.map(|r| r.try_get_by_index::<Uuid>(0)).transpose()
}
