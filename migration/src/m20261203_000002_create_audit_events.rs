use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(AuditEvents::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    // The user the event is about (null for an unknown username).
                    .col(ColumnDef::new(AuditEvents::UserId).uuid().null())
                    // The username as typed, for failed sign-ins of unknown users.
                    .col(ColumnDef::new(AuditEvents::Username).string_len(64).null())
                    // Who did it, when it is not the user themself (an admin).
                    .col(ColumnDef::new(AuditEvents::ActorId).uuid().null())
                    .col(ColumnDef::new(AuditEvents::Event).string_len(64).not_null())
                    .col(ColumnDef::new(AuditEvents::Ip).string_len(64).null())
                    .col(
                        ColumnDef::new(AuditEvents::UserAgent)
                            .string_len(512)
                            .null(),
                    )
                    .col(ColumnDef::new(AuditEvents::Detail).string_len(512).null())
                    .col(
                        ColumnDef::new(AuditEvents::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("ix_audit_events_created_at", AuditEvents::CreatedAt),
            ("ix_audit_events_user_id", AuditEvents::UserId),
            ("ix_audit_events_event", AuditEvents::Event),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(AuditEvents::Table)
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditEvents::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    UserId,
    Username,
    ActorId,
    Event,
    Ip,
    UserAgent,
    Detail,
    CreatedAt,
}
