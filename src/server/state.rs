//! The state every handler, page and server function shares.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sea_orm::DatabaseConnection;

use super::{auth::Auth, config::Config, rescan::Scanner};

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: DatabaseConnection,
    pub auth: Auth,
    pub config: Arc<Config>,
    pub scanner: Scanner,
}
