//! `/healthz` says the process is up; `/readyz` that it can serve (database
//! and Redis reachable), for load balancers and orchestrators.

use axum::{extract::State, http::StatusCode, Json};
use serde_json::{json, Value};

use crate::server::state::AppState;

pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let (db, redis) = tokio::join!(state.db.ping(), state.auth.ping());
    let db_ok = db.is_ok();
    let redis_ok = redis.is_ok();
    let status = if db_ok && redis_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let word = |ok: bool| if ok { "ok" } else { "unavailable" };
    (
        status,
        Json(json!({
            "status": word(db_ok && redis_ok),
            "database": word(db_ok),
            "redis": word(redis_ok),
        })),
    )
}
