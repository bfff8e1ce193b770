//! Logging: pretty lines in development, JSON in production, filtered by
//! `RUST_LOG`. Request lines are written by the trace layer in `startup`.

use tracing_subscriber::{fmt, prelude::*, EnvFilter};

use super::config::AppEnv;

pub fn init(app_env: AppEnv) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,tower_sessions=warn,sqlx=warn,fred=warn"));
    let registry = tracing_subscriber::registry().with(filter);
    let result = match app_env {
        AppEnv::Production => registry
            .with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    // The request span carries method, path and request id.
                    .with_current_span(true)
                    .with_span_list(false),
            )
            .try_init(),
        AppEnv::Development => registry.with(fmt::layer().compact()).try_init(),
    };
    // A second init (tests start many apps in one process) is harmless.
    let _ = result;
}
