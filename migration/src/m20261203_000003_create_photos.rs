//! The photo library: photos, tags, the words search looks in, and the
//! history of every metadata edit.

use sea_orm_migration::prelude::*;

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
                    .col((Photos::SortAt, IndexOrder::Desc))
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
                    .name("ix_photo_tags_tag")
                    .table(PhotoTags::Table)
                    .col(PhotoTags::TagId)
                    .col(PhotoTags::PhotoId)
                    .to_owned(),
            )
            .await?;

        // Search: the lower-cased words of each photo's description and tags.
        manager
            .create_table(
                Table::create()
                    .table(PhotoTerms::Table)
                    .if_not_exists()
                    .col({
                        let mut term = ColumnDef::new(PhotoTerms::Term);
                        term.string_len(64).not_null();
                        // Prefix search compares terms as bytes; on PostgreSQL
                        // that needs the C collation whatever the database's.
                        if manager.get_database_backend()
                            == sea_orm_migration::sea_orm::DatabaseBackend::Postgres
                        {
                            term.extra("COLLATE \"C\"");
                        }
                        term
                    })
                    .col(ColumnDef::new(PhotoTerms::PhotoId).uuid().not_null())
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
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
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
}

#[derive(DeriveIden)]
enum PhotoTerms {
    Table,
    Term,
    PhotoId,
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
