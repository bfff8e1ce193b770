//! Schema migrations, run at start-up and by `tagline migrate`.

pub use sea_orm_migration::prelude::*;

mod m20261203_000001_create_users;
mod m20261203_000002_create_audit_events;
mod m20261203_000003_create_photos;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261203_000001_create_users::Migration),
            Box::new(m20261203_000002_create_audit_events::Migration),
            Box::new(m20261203_000003_create_photos::Migration),
        ]
    }
}
