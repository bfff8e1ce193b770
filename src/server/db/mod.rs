//! The relational database: connection, migrations, and one module of
//! entities and queries per aggregate. No token ever lands here.

pub mod audit;
pub mod photo_edits;
pub mod photo_tags;
pub mod photo_terms;
pub mod photos;
pub mod search_terms;
pub mod tags;
pub mod users;

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

use crate::server::config::Config;

/// Connects to `DATABASE_URL` (SQLite in WAL mode with a busy timeout, or
/// PostgreSQL) and runs pending migrations.
pub async fn connect(config: &Config) -> Result<DatabaseConnection, DbErr> {
    if config.is_sqlite() {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            DbErr::Custom(format!(
                "cannot create DATA_DIR {}: {e}",
                config.data_dir.display()
            ))
        })?;
    }
    let mut options = ConnectOptions::new(config.database_url.clone());
    options
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        .sqlx_logging(false);
    if config.is_sqlite() {
        // One writer at a time is SQLite's nature: WAL lets readers go on
        // while it writes, and the busy timeout queues writers instead of
        // failing them with SQLITE_BUSY.
        options.max_connections(8).map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true)
                .create_if_missing(true)
        });
    } else {
        options.max_connections(16);
    }
    let db = Database::connect(options).await?;
    Migrator::up(&db, None).await?;
    Ok(db)
}

/// Runs pending migrations only (`tagline migrate`).
pub async fn migrate(config: &Config) -> Result<(), DbErr> {
    connect(config).await.map(|_| ())
}
