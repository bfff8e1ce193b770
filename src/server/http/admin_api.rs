//! `/api/admin/...`: the admin operations as JSON (admins only: 401 for
//! nobody, 403 for a member).

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Extension, Json,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::api::ApiJson;
use crate::{
    model::{Role, SessionInfo, SessionKind},
    server::{
        accounts::ClientInfo,
        admin::{self, AdminUser, NewUser, UserChange},
        auth::CurrentUser,
        db::users,
        error::{ServerError, ServerResult},
        state::AppState,
    },
};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserJson {
    id: Uuid,
    username: String,
    display_name: String,
    role: String,
    disabled: bool,
    created_at: String,
}

impl From<&users::Model> for UserJson {
    fn from(u: &users::Model) -> Self {
        UserJson {
            id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role.clone(),
            disabled: u.disabled,
            created_at: u.created_at.to_rfc3339(),
        }
    }
}

fn admin(user: Option<Extension<CurrentUser>>) -> ServerResult<AdminUser> {
    AdminUser::check(user.map(|Extension(u)| u))
}

/// The admin and the request body, or the answer refusing them: who is
/// asking is checked first, so a member learns nothing from a bad body.
fn admin_with_body<T>(
    user: Option<Extension<CurrentUser>>,
    body: Result<ApiJson<T>, Response>,
) -> Result<(AdminUser, T), Box<Response>> {
    let admin = admin(user).map_err(|e| Box::new(e.into_response()))?;
    let ApiJson(body) = body.map_err(Box::new)?;
    Ok((admin, body))
}

fn rfc3339(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .map(|d| d.to_rfc3339())
        .unwrap_or_default()
}

fn parse_id(raw: &str) -> ServerResult<Uuid> {
    raw.parse()
        .map_err(|_| ServerError::Validation("The id is not a valid UUID.".into()))
}

fn respond<T: IntoResponse>(result: ServerResult<T>) -> Response {
    match result {
        Ok(body) => body.into_response(),
        Err(err) => err.into_response(),
    }
}

#[utoipa::path(get, path = "/api/admin/users", tag = "admin", security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "Every user", body = crate::server::http::openapi::UserList),
        (status = 401, description = "Not authenticated", body = crate::server::http::openapi::Detail),
        (status = 403, description = "Not an admin, or a cross-site request with a cookie", body = crate::server::http::openapi::Detail),
    ))]
pub async fn list_users(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
) -> Response {
    respond(
        async {
            admin(user)?;
            let all = users::all(&state.db).await?;
            Ok(Json(
                json!({ "items": all.iter().map(UserJson::from).collect::<Vec<_>>() }),
            ))
        }
        .await,
    )
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CreateUser {
    username: String,
    display_name: String,
    role: Role,
    password: String,
}

#[utoipa::path(post, path = "/api/admin/users", tag = "admin", security(("bearer" = []), ("session" = [])),
    request_body = CreateUser,
    responses(
        (status = 201, description = "The new user", body = UserJson),
        (status = 400, description = "Malformed JSON", body = crate::server::http::openapi::Detail),
        (status = 401, description = "Not authenticated", body = crate::server::http::openapi::Detail),
        (status = 403, description = "Not an admin, or a cross-site request with a cookie", body = crate::server::http::openapi::Detail),
        (status = 409, description = "The username is taken", body = crate::server::http::openapi::Detail),
        (status = 422, description = "A bad username, display name, role or password", body = crate::server::http::openapi::Detail),
    ))]
pub async fn create_user(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
    client: ClientInfo,
    body: Result<ApiJson<CreateUser>, Response>,
) -> Response {
    let (admin, body) = match admin_with_body(user, body) {
        Ok(pair) => pair,
        Err(res) => return *res,
    };
    let new = NewUser {
        username: body.username,
        display_name: body.display_name,
        role: body.role,
        password: body.password,
    };
    respond(
        admin::create_user(&state.db, &state.auth, &admin, new, &client)
            .await
            .map(|u| (StatusCode::CREATED, Json(UserJson::from(&u)))),
    )
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchUser {
    role: Option<Role>,
    disabled: Option<bool>,
    password: Option<String>,
}

#[utoipa::path(patch, path = "/api/admin/users/{id}", tag = "admin", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "The user id (a UUID)")),
    request_body = PatchUser,
    responses(
        (status = 200, description = "The changed user; disabling or a new password ends all their sessions", body = UserJson),
        (status = 400, description = "Malformed JSON", body = crate::server::http::openapi::Detail),
        (status = 401, description = "Not authenticated", body = crate::server::http::openapi::Detail),
        (status = 403, description = "Not an admin, or a cross-site request with a cookie", body = crate::server::http::openapi::Detail),
        (status = 404, description = "No such user", body = crate::server::http::openapi::Detail),
        (status = 409, description = "The last admin cannot be demoted or disabled", body = crate::server::http::openapi::Detail),
        (status = 422, description = "A bad id, role or password, or an unknown field", body = crate::server::http::openapi::Detail),
    ))]
pub async fn patch_user(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
    client: ClientInfo,
    Path(id): Path<String>,
    body: Result<ApiJson<PatchUser>, Response>,
) -> Response {
    let (admin, body) = match admin_with_body(user, body) {
        Ok(pair) => pair,
        Err(res) => return *res,
    };
    let change = UserChange {
        role: body.role,
        disabled: body.disabled,
        password: body.password,
    };
    respond(
        async {
            let id = parse_id(&id)?;
            admin::change_user(&state.db, &state.auth, &admin, id, change, &client).await
        }
        .await
        .map(|u| Json(UserJson::from(&u))),
    )
}

#[derive(Debug, Deserialize)]
pub struct SessionsQuery {
    user: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionJson {
    id: String,
    user_id: Uuid,
    username: String,
    kind: SessionKind,
    device: String,
    ip: Option<String>,
    created_at: String,
    last_active_at: String,
    expires_at: String,
}

fn session_json(user: &users::Model, s: SessionInfo) -> SessionJson {
    SessionJson {
        id: s.id,
        user_id: user.id,
        username: user.username.clone(),
        kind: s.kind,
        device: s.device,
        ip: s.ip,
        created_at: rfc3339(s.created_at),
        last_active_at: rfc3339(s.last_active_at),
        expires_at: rfc3339(s.expires_at),
    }
}

#[utoipa::path(get, path = "/api/admin/sessions", tag = "admin", security(("bearer" = []), ("session" = [])),
    params(("user" = Option<String>, Query, description = "Only this user's sessions (a username)")),
    responses(
        (status = 200, description = "Every live browser session and API token family", body = crate::server::http::openapi::SessionList),
        (status = 401, description = "Not authenticated", body = crate::server::http::openapi::Detail),
        (status = 403, description = "Not an admin, or a cross-site request with a cookie", body = crate::server::http::openapi::Detail),
        (status = 404, description = "No such user", body = crate::server::http::openapi::Detail),
    ))]
pub async fn list_sessions(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
    Query(query): Query<SessionsQuery>,
) -> Response {
    respond(
        async {
            let admin = admin(user)?;
            let only = match query.user.as_deref().filter(|u| !u.is_empty()) {
                Some(name) => Some(
                    users::find_by_username(&state.db, &name.trim().to_lowercase())
                        .await?
                        .ok_or(ServerError::NotFound)?,
                ),
                None => None,
            };
            let items: Vec<SessionJson> =
                admin::all_sessions(&state.db, &state.auth, &admin, only.as_ref())
                    .await?
                    .into_iter()
                    .map(|(u, s)| session_json(&u, s))
                    .collect();
            Ok(Json(json!({ "items": items })))
        }
        .await,
    )
}

#[utoipa::path(delete, path = "/api/admin/sessions/{id}", tag = "admin", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "A session id as listed (`browser:...` or `api:...`)")),
    responses(
        (status = 204, description = "Revoked: its next request fails"),
        (status = 401, description = "Not authenticated", body = crate::server::http::openapi::Detail),
        (status = 403, description = "Not an admin, or a cross-site request with a cookie", body = crate::server::http::openapi::Detail),
        (status = 404, description = "No such live session", body = crate::server::http::openapi::Detail),
    ))]
pub async fn revoke_session(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
    client: ClientInfo,
    Path(id): Path<String>,
) -> Response {
    respond(
        async {
            let admin = admin(user)?;
            admin::revoke_session(&state.db, &state.auth, &admin, &id, &client).await?;
            Ok(StatusCode::NO_CONTENT)
        }
        .await,
    )
}

#[utoipa::path(delete, path = "/api/admin/users/{id}/sessions", tag = "admin", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "The user id (a UUID)")),
    responses(
        (status = 204, description = "Every session and API family of the user revoked"),
        (status = 401, description = "Not authenticated", body = crate::server::http::openapi::Detail),
        (status = 403, description = "Not an admin, or a cross-site request with a cookie", body = crate::server::http::openapi::Detail),
        (status = 404, description = "No such user", body = crate::server::http::openapi::Detail),
        (status = 422, description = "The id is not a UUID", body = crate::server::http::openapi::Detail),
    ))]
pub async fn revoke_user_sessions(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
    client: ClientInfo,
    Path(id): Path<String>,
) -> Response {
    respond(
        async {
            let admin = admin(user)?;
            let id = parse_id(&id)?;
            admin::revoke_user_sessions(&state.db, &state.auth, &admin, id, &client).await?;
            Ok(StatusCode::NO_CONTENT)
        }
        .await,
    )
}

#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    user: Option<String>,
    event: Option<String>,
    limit: Option<u64>,
    offset: Option<u64>,
}

#[utoipa::path(get, path = "/api/admin/audit", tag = "admin", security(("bearer" = []), ("session" = [])),
    params(
        ("user" = Option<String>, Query, description = "Only events recorded for this username"),
        ("event" = Option<String>, Query, description = "Only this event, e.g. `sign_in.failed`"),
        ("limit" = Option<u64>, Query, description = "1 to 200, default 50"),
        ("offset" = Option<u64>, Query, description = "0 or more, default 0"),
    ),
    responses(
        (status = 200, description = "One page of the audit log, newest first", body = crate::model::admin::AuditPage),
        (status = 401, description = "Not authenticated", body = crate::server::http::openapi::Detail),
        (status = 403, description = "Not an admin, or a cross-site request with a cookie", body = crate::server::http::openapi::Detail),
        (status = 422, description = "An unknown event or a bad limit or offset", body = crate::server::http::openapi::Detail),
    ))]
/// `GET /api/admin/audit`: the audit log, newest first, filtered by
/// `user` (a username) and `event`, paginated by `limit` and `offset`.
pub async fn audit(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
    query: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    respond(
        async {
            let admin = admin(user)?;
            let Query(query) = query.map_err(|e| ServerError::Validation(e.body_text()))?;
            let page = admin::audit_page(
                &state.db,
                &admin,
                query.user.as_deref(),
                query.event.as_deref(),
                query.limit.unwrap_or(50),
                query.offset.unwrap_or(0),
            )
            .await?;
            Ok(Json(page))
        }
        .await,
    )
}
