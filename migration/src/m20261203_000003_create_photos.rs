//! The photo library: photos, tags, the words search looks in, and the
//! history of every metadata edit.

use sea_orm_migration::{prelude::*, sea_orm::DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Photos::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(Photos::Id).uuid().not_null().primary_key())
                    // Relative to PHOTOS_DIR, '/'-separated.
                    .col(
                        ColumnDef::new(Photos::ObjectKey)
                            .string_len(1024)
                            .not_null(),
                    )
                    // SHA-256 of the file, hex: one photo per content.
                    .col(
                        ColumnDef::new(Photos::ContentHash)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Photos::ByteSize).big_integer().not_null())
                    // Unix seconds; with the size, what rescan compares to skip a file.
                    .col(ColumnDef::new(Photos::FileMtime).big_integer().not_null())
                    .col(ColumnDef::new(Photos::Width).integer().not_null())
                    .col(ColumnDef::new(Photos::Height).integer().not_null())
                    .col(ColumnDef::new(Photos::MediaType).string_len(32).not_null())
                    .col(ColumnDef::new(Photos::TakenAt).date_time().null())
                    .col(ColumnDef::new(Photos::CameraMake).string_len(128).null())
                    .col(ColumnDef::new(Photos::CameraModel).string_len(128).null())
                    .col(
                        ColumnDef::new(Photos::Orientation)
                            .small_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Photos::Description).text().not_null())
                    // The version optimistic concurrency compares.
                    .col(
                        ColumnDef::new(Photos::LastModified)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    // Gallery order: taken-at when known, else import time.
                    .col(
                        ColumnDef::new(Photos::SortAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Photos::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Photos::UploadedBy).uuid().null())
                    .col(
                        ColumnDef::new(Photos::Missing)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_photos_uploaded_by")
                            .from(Photos::Table, Photos::UploadedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_photos_object_key")
                    .table(Photos::Table)
                    .col(Photos::ObjectKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_photos_content_hash")
                    .table(Photos::Table)
                    .col(Photos::ContentHash)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_photos_gallery")
                    .table(Photos::Table)
                    .col(Photos::Missing)
                    .col((Photos::SortAt, IndexOrder::Desc))
                    .col((Photos::Id, IndexOrder::Desc))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_photos_uploaded_by")
                    .table(Photos::Table)
                    .col(Photos::UploadedBy)
                    .col(Photos::Missing)
                    .col((Photos::SortAt, IndexOrder::Desc))
                    .col((Photos::Id, IndexOrder::Desc))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Tags::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(Tags::Id).uuid().not_null().primary_key())
                    // As first written, for display.
                    .col(ColumnDef::new(Tags::Name).string_len(64).not_null())
                    // Lower-cased: what matching and uniqueness use.
                    .col(ColumnDef::new(Tags::NameKey).string_len(64).not_null())
                    .col(
                        ColumnDef::new(Tags::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_tags_name_key")
                    .table(Tags::Table)
                    .col(Tags::NameKey)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PhotoTags::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(PhotoTags::PhotoId).uuid().not_null())
                    .col(ColumnDef::new(PhotoTags::TagId).uuid().not_null())
                    // Position in the photo's list, so tags keep the order given.
                    .col(ColumnDef::new(PhotoTags::Position).integer().not_null())
                    // Copies of the photo's `missing` and `sort_at` (kept in
                    // step by triggers), so a tag's photos come out of one
                    // index in gallery order and are counted without
                    // touching the photos table.
                    .col(
                        ColumnDef::new(PhotoTags::Missing)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(
                        ColumnDef::new(PhotoTags::SortAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(PhotoTags::PhotoId)
                            .col(PhotoTags::TagId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_photo_tags_photo")
                            .from(PhotoTags::Table, PhotoTags::PhotoId)
                            .to(Photos::Table, Photos::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_photo_tags_tag")
                            .from(PhotoTags::Table, PhotoTags::TagId)
                            .to(Tags::Table, Tags::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_photo_tags_gallery")
                    .table(PhotoTags::Table)
                    .col(PhotoTags::TagId)
                    .col(PhotoTags::Missing)
                    .col((PhotoTags::SortAt, IndexOrder::Desc))
                    .col((PhotoTags::PhotoId, IndexOrder::Desc))
                    .to_owned(),
            )
            .await?;

        // Search: the lower-cased words of each photo's description and tags.
        manager
            .create_table(
                Table::create()
                    .table(PhotoTerms::Table)
                    .if_not_exists()
                    .col(term_column(manager, PhotoTerms::Term))
                    .col(ColumnDef::new(PhotoTerms::PhotoId).uuid().not_null())
                    // Copies of the photo's, as in photo_tags.
                    .col(
                        ColumnDef::new(PhotoTerms::Missing)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(
                        ColumnDef::new(PhotoTerms::SortAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(PhotoTerms::Term)
                            .col(PhotoTerms::PhotoId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_photo_terms_photo")
                            .from(PhotoTerms::Table, PhotoTerms::PhotoId)
                            .to(Photos::Table, Photos::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_photo_terms_gallery")
                    .table(PhotoTerms::Table)
                    .col(PhotoTerms::Term)
                    .col(PhotoTerms::Missing)
                    .col((PhotoTerms::SortAt, IndexOrder::Desc))
                    .col((PhotoTerms::PhotoId, IndexOrder::Desc))
                    .to_owned(),
            )
            .await?;
        // Every word ever indexed, so a search word's prefix expands to the
        // few whole words it stands for (each then an index range in order).
        manager
            .create_table(
                Table::create()
                    .table(SearchTerms::Table)
                    .if_not_exists()
                    .col(term_column(manager, SearchTerms::Term).primary_key())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_photo_terms_photo")
                    .table(PhotoTerms::Table)
                    .col(PhotoTerms::PhotoId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PhotoEdits::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(PhotoEdits::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(PhotoEdits::PhotoId).uuid().not_null())
                    .col(ColumnDef::new(PhotoEdits::UserId).uuid().null())
                    .col(ColumnDef::new(PhotoEdits::OldDescription).text().not_null())
                    .col(ColumnDef::new(PhotoEdits::NewDescription).text().not_null())
                    // JSON arrays of tag names.
                    .col(ColumnDef::new(PhotoEdits::OldTags).text().not_null())
                    .col(ColumnDef::new(PhotoEdits::NewTags).text().not_null())
                    .col(
                        ColumnDef::new(PhotoEdits::EditedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_photo_edits_photo")
                            .from(PhotoEdits::Table, PhotoEdits::PhotoId)
                            .to(Photos::Table, Photos::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_photo_edits_user")
                            .from(PhotoEdits::Table, PhotoEdits::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("ix_photo_edits_photo", PhotoEdits::PhotoId),
            ("ix_photo_edits_user", PhotoEdits::UserId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(PhotoEdits::Table)
                        .col(col)
                        .col((PhotoEdits::EditedAt, IndexOrder::Desc))
                        .to_owned(),
                )
                .await?;
        }

        // How many photos are present, kept by triggers: the gallery shows
        // it on every page, and counting 100,000 rows each time would not do.
        manager
            .create_table(
                Table::create()
                    .table(PhotoStats::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(PhotoStats::Id)
                            .integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(PhotoStats::Present).big_integer().not_null())
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared("INSERT INTO photo_stats (id, present) VALUES (1, 0)")
            .await?;
        let triggers = match manager.get_database_backend() {
            DatabaseBackend::Postgres => POSTGRES_TRIGGERS,
            _ => SQLITE_TRIGGERS,
        };
        db.execute_unprepared(triggers).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(
                    "DROP TRIGGER IF EXISTS photos_kept_in_step ON photos; \
                     DROP FUNCTION IF EXISTS tagline_photo_changed();",
                )
                .await?;
        }
        for table in [
            PhotoStats::Table.into_iden(),
            SearchTerms::Table.into_iden(),
            PhotoEdits::Table.into_iden(),
            PhotoTerms::Table.into_iden(),
            PhotoTags::Table.into_iden(),
            Tags::Table.into_iden(),
            Photos::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// A search word: compared as bytes (prefix ranges), so on PostgreSQL it
/// has the C collation whatever the database's is.
fn term_column<T: IntoIden>(manager: &SchemaManager, name: T) -> ColumnDef {
    let mut term = ColumnDef::new(name);
    term.string_len(64).not_null();
    if manager.get_database_backend() == DatabaseBackend::Postgres {
        term.extra("COLLATE \"C\"");
    }
    term
}

/// Keeps `photo_stats.present` and the copies of `missing`/`sort_at` in
/// photo_tags and photo_terms in step with `photos`, whatever code changes it.
const SQLITE_TRIGGERS: &str = r#"
CREATE TRIGGER photos_counted_in AFTER INSERT ON photos WHEN NEW.missing = 0
BEGIN UPDATE photo_stats SET present = present + 1 WHERE id = 1; END;
CREATE TRIGGER photos_counted_out AFTER DELETE ON photos WHEN OLD.missing = 0
BEGIN UPDATE photo_stats SET present = present - 1 WHERE id = 1; END;
CREATE TRIGGER photos_presence AFTER UPDATE OF missing ON photos WHEN OLD.missing <> NEW.missing
BEGIN UPDATE photo_stats SET present = present + (CASE WHEN NEW.missing THEN -1 ELSE 1 END) WHERE id = 1; END;
CREATE TRIGGER photos_kept_in_step AFTER UPDATE OF missing, sort_at ON photos
WHEN OLD.missing <> NEW.missing OR OLD.sort_at <> NEW.sort_at
BEGIN
  UPDATE photo_tags SET missing = NEW.missing, sort_at = NEW.sort_at WHERE photo_id = NEW.id;
  UPDATE photo_terms SET missing = NEW.missing, sort_at = NEW.sort_at WHERE photo_id = NEW.id;
END;
"#;

const POSTGRES_TRIGGERS: &str = r#"
CREATE FUNCTION tagline_photo_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NOT NEW.missing THEN UPDATE photo_stats SET present = present + 1 WHERE id = 1; END IF;
    RETURN NEW;
  ELSIF TG_OP = 'DELETE' THEN
    IF NOT OLD.missing THEN UPDATE photo_stats SET present = present - 1 WHERE id = 1; END IF;
    RETURN OLD;
  END IF;
  IF OLD.missing IS DISTINCT FROM NEW.missing THEN
    UPDATE photo_stats SET present = present + (CASE WHEN NEW.missing THEN -1 ELSE 1 END) WHERE id = 1;
  END IF;
  IF OLD.missing IS DISTINCT FROM NEW.missing OR OLD.sort_at IS DISTINCT FROM NEW.sort_at THEN
    UPDATE photo_tags SET missing = NEW.missing, sort_at = NEW.sort_at WHERE photo_id = NEW.id;
    UPDATE photo_terms SET missing = NEW.missing, sort_at = NEW.sort_at WHERE photo_id = NEW.id;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER photos_kept_in_step AFTER INSERT OR DELETE OR UPDATE OF missing, sort_at ON photos
FOR EACH ROW EXECUTE FUNCTION tagline_photo_changed();
"#;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Photos {
    Table,
    Id,
    ObjectKey,
    ContentHash,
    ByteSize,
    FileMtime,
    Width,
    Height,
    MediaType,
    TakenAt,
    CameraMake,
    CameraModel,
    Orientation,
    Description,
    LastModified,
    SortAt,
    CreatedAt,
    UploadedBy,
    Missing,
}

#[derive(DeriveIden)]
enum Tags {
    Table,
    Id,
    Name,
    NameKey,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PhotoTags {
    Table,
    PhotoId,
    TagId,
    Position,
    Missing,
    SortAt,
}

#[derive(DeriveIden)]
enum PhotoTerms {
    Table,
    Term,
    PhotoId,
    Missing,
    SortAt,
}

#[derive(DeriveIden)]
enum SearchTerms {
    Table,
    Term,
}

#[derive(DeriveIden)]
enum PhotoStats {
    Table,
    Id,
    Present,
}

#[derive(DeriveIden)]
enum PhotoEdits {
    Table,
    Id,
    PhotoId,
    UserId,
    OldDescription,
    NewDescription,
    OldTags,
    NewTags,
    EditedAt,
}
