//! The photo JSON API: list and search, one photo, metadata edits (409 on a
//! stale version), tags, rescan (admins) and uploads. Every error is
//! `{"detail": "..."}`; who is asking is the same check as for pages
//! (session cookie or bearer token).

use axum::{
    extract::{multipart::MultipartError, Multipart, Path, RawQuery, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Extension, Json,
};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::{
    model::photos::PhotoView,
    server::{
        admin::AdminUser,
        auth::CurrentUser,
        error::{ServerError, ServerResult},
        http::api::{detail_response, ApiJson},
        library::UploadError,
        photos::{self, Filter},
        rescan::UploadOutcome,
        state::AppState,
    },
};

fn no_store(body: impl IntoResponse) -> Response {
    let mut res = body.into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

fn respond<T: IntoResponse>(result: ServerResult<T>) -> Response {
    match result {
        Ok(body) => no_store(body),
        Err(err) => err.into_response(),
    }
}

fn signed_in(user: Option<Extension<CurrentUser>>) -> ServerResult<CurrentUser> {
    user.map(|Extension(u)| u).ok_or(ServerError::Unauthorized)
}

/// A photo id from the path: anything but a UUID is 422.
pub fn parse_photo_id(raw: &str) -> ServerResult<Uuid> {
    Uuid::parse_str(raw.trim())
        .map_err(|_| ServerError::Validation("The photo id is not a valid UUID.".into()))
}

/// The query of `GET /api/photos`: `limit` (1..500, default 100), `offset`
/// (>= 0), `q`, and `tag` (repeatable: all of them).
#[derive(Debug, PartialEq)]
pub struct ListQuery {
    pub limit: u64,
    pub offset: u64,
    pub filter: Filter,
}

pub fn parse_list_query(raw: Option<&str>) -> ServerResult<ListQuery> {
    let mut limit = 100u64;
    let mut offset = 0u64;
    let mut filter = Filter::default();
    for (name, value) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        match name.as_ref() {
            "limit" => {
                limit = value
                    .trim()
                    .parse::<u64>()
                    .ok()
                    .filter(|n| (1..=500).contains(n))
                    .ok_or_else(|| {
                        ServerError::Validation(
                            "limit must be a whole number from 1 to 500.".into(),
                        )
                    })?
            }
            "offset" => {
                offset = value.trim().parse::<u64>().map_err(|_| {
                    ServerError::Validation("offset must be a whole number, 0 or more.".into())
                })?
            }
            "q" => {
                let q = value.trim();
                if q.chars().count() > 200 {
                    return Err(ServerError::Validation(
                        "q is too long: at most 200 characters.".into(),
                    ));
                }
                if !q.is_empty() {
                    filter.q = Some(q.to_owned());
                }
            }
            "tag" => {
                let tag =
                    crate::model::photos::parse_tag(&value).map_err(ServerError::Validation)?;
                if filter.tags.len() >= 20 {
                    return Err(ServerError::Validation("At most 20 tags at once.".into()));
                }
                filter.tags.push(tag);
            }
            _ => {}
        }
    }
    Ok(ListQuery {
        limit,
        offset,
        filter,
    })
}

#[utoipa::path(get, path = "/api/photos", tag = "photos", security(("bearer" = []), ("session" = [])),
    params(
        ("limit" = Option<u64>, Query, description = "1 to 500, default 100"),
        ("offset" = Option<u64>, Query, description = "0 or more, default 0"),
        ("q" = Option<String>, Query, description = "Words to find in descriptions and tags (at most 200 characters)"),
        ("tag" = Option<Vec<String>>, Query, description = "Only photos with this tag (repeatable: all of them)"),
    ),
    responses(
        (status = 200, description = "One page of photos, newest first", body = crate::server::http::openapi::PhotoList),
        (status = 401, description = "Not authenticated", body = crate::server::http::openapi::Detail),
        (status = 422, description = "A bad limit, offset, q or tag", body = crate::server::http::openapi::Detail),
    ))]
/// `GET /api/photos`
pub async fn list(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
    RawQuery(raw): RawQuery,
) -> Response {
    respond(
        async {
            signed_in(user)?;
            let query = parse_list_query(raw.as_deref())?;
            let (total, items) =
                photos::list(&state.db, &query.filter, query.limit, query.offset).await?;
            let items = photos::views(&state.db, &items).await?;
            Ok(Json(json!({
                "total": total,
                "limit": query.limit,
                "offset": query.offset,
                "items": items,
            })))
        }
        .await,
    )
}

#[utoipa::path(get, path = "/api/photos/{id}", tag = "photos", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "The photo id (a UUID)")),
    responses(
        (status = 200, description = "The photo", body = crate::model::photos::PhotoView),
        (status = 401, description = "Not authenticated", body = crate::server::http::openapi::Detail),
        (status = 404, description = "No such photo", body = crate::server::http::openapi::Detail),
        (status = 422, description = "The id is not a UUID", body = crate::server::http::openapi::Detail),
    ))]
/// `GET /api/photos/{id}`
pub async fn get_one(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
    Path(id): Path<String>,
) -> Response {
    respond(
        async {
            signed_in(user)?;
            one_photo(&state, &id).await
        }
        .await,
    )
}

async fn one_photo(state: &AppState, id: &str) -> ServerResult<Json<PhotoView>> {
    let id = parse_photo_id(id)?;
    let photo = photos::find(&state.db, id)
        .await?
        .ok_or(ServerError::NotFound)?;
    let mut views = photos::views(&state.db, std::slice::from_ref(&photo)).await?;
    Ok(Json(views.remove(0)))
}

/// `GET /bench/photos/{id}`: `GET /api/photos/{id}` without asking who is
/// asking (no session, no token, no Redis), so the benchmark can tell what
/// the check costs. Only in builds with the `bench` feature, never in a
/// release anyone runs.
#[cfg(feature = "bench")]
pub async fn get_one_unchecked(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    respond(one_photo(&state, &id).await)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MetadataPatch {
    pub description: Option<String>,
    pub tags: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PatchBody {
    pub metadata: MetadataPatch,
    pub last_modified: String,
}

#[utoipa::path(patch, path = "/api/photos/{id}/metadata", tag = "photos", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "The photo id (a UUID)")),
    request_body = PatchBody,
    responses(
        (status = 200, description = "The edited photo with its new last_modified", body = crate::model::photos::PhotoView),
        (status = 400, description = "Malformed JSON", body = crate::server::http::openapi::Detail),
        (status = 401, description = "Not authenticated", body = crate::server::http::openapi::Detail),
        (status = 404, description = "No such photo", body = crate::server::http::openapi::Detail),
        (status = 409, description = "Photo has been modified since last retrieval; nothing applied", body = crate::server::http::openapi::Detail),
        (status = 413, description = "The body is too large", body = crate::server::http::openapi::Detail),
        (status = 422, description = "Wrong types, a bad id, description or tag", body = crate::server::http::openapi::Detail),
    ))]
/// `PATCH /api/photos/{id}/metadata`: applied only when `last_modified` is
/// still the photo's version, else 409 and nothing changes. A field left out
/// keeps its value.
pub async fn patch_metadata(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
    Path(id): Path<String>,
    body: Result<ApiJson<PatchBody>, Response>,
) -> Response {
    let user = match signed_in(user) {
        Ok(u) => u,
        Err(e) => return e.into_response(),
    };
    let id = match parse_photo_id(&id) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    let ApiJson(body) = match body {
        Ok(b) => b,
        Err(res) => return res,
    };
    respond(
        async {
            let current = photos::find(&state.db, id)
                .await?
                .ok_or(ServerError::NotFound)?;
            let description = match body.metadata.description {
                Some(d) => d,
                None => current.description.clone(),
            };
            let tags = match body.metadata.tags {
                Some(t) => t,
                None => photos::tags_of(&state.db, &[id])
                    .await?
                    .remove(&id)
                    .unwrap_or_default(),
            };
            let updated = photos::edit_metadata(
                &state.db,
                id,
                Some(user.id()),
                &description,
                &tags,
                &body.last_modified,
            )
            .await?;
            let mut views = photos::views(&state.db, std::slice::from_ref(&updated)).await?;
            Ok(Json::<PhotoView>(views.remove(0)))
        }
        .await,
    )
}

#[utoipa::path(get, path = "/api/tags", tag = "photos", security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "Every tag with its number of photos", body = crate::server::http::openapi::TagList),
        (status = 401, description = "Not authenticated", body = crate::server::http::openapi::Detail),
    ))]
/// `GET /api/tags`: every tag with its number of photos.
pub async fn tags(State(state): State<AppState>, user: Option<Extension<CurrentUser>>) -> Response {
    respond(
        async {
            signed_in(user)?;
            let items = photos::tag_counts(&state.db).await?;
            Ok(Json(json!({ "items": items })))
        }
        .await,
    )
}

#[utoipa::path(post, path = "/api/rescan", tag = "photos", security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "The rescan's report", body = crate::server::rescan::Report),
        (status = 401, description = "Not authenticated", body = crate::server::http::openapi::Detail),
        (status = 403, description = "Not an admin", body = crate::server::http::openapi::Detail),
        (status = 409, description = "A rescan is already running (on some instance)", body = crate::server::http::openapi::Detail),
    ))]
/// `POST /api/rescan` (admins): runs a rescan to the end and answers its
/// report; 409 while another one runs (on any instance).
pub async fn rescan(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
) -> Response {
    respond(
        async {
            AdminUser::check(user.map(|Extension(u)| u))?;
            let report = state.scanner.run().await.map_err(ServerError::from)?;
            Ok(Json(report))
        }
        .await,
    )
}

#[utoipa::path(post, path = "/api/uploads", tag = "photos", security(("bearer" = []), ("session" = [])),
    request_body(content = crate::server::http::openapi::UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "At least one file imported", body = crate::server::http::openapi::UploadAnswer),
        (status = 200, description = "Nothing new (duplicates)", body = crate::server::http::openapi::UploadAnswer),
        (status = 400, description = "No file, an empty file or an unreadable upload", body = crate::server::http::openapi::Detail),
        (status = 401, description = "Not authenticated", body = crate::server::http::openapi::Detail),
        (status = 413, description = "A file is larger than MAX_UPLOAD_MB", body = crate::server::http::openapi::Detail),
        (status = 415, description = "Not a JPEG, PNG, WebP or GIF (by content)", body = crate::server::http::openapi::Detail),
    ))]
/// `POST /api/uploads` (multipart, one or more `file` parts): each file is
/// written under `uploads/YYYY/MM/` and imported like a rescan would. The
/// answer lists each file's outcome; a single refused file answers with its
/// own status (413 too large, 415 not an image, 400 empty).
pub async fn upload(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let user = match signed_in(user) {
        Ok(u) => u,
        Err(e) => return e.into_response(),
    };
    let mut multipart = match multipart {
        Ok(m) => m,
        Err(_) => {
            return detail_response(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Send the files as multipart/form-data in fields named \"file\".",
            )
        }
    };
    let limit = state.config.max_upload_bytes;
    let mut items = Vec::new();
    let mut first_refusal: Option<StatusCode> = None;
    let mut accepted = 0usize;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return multipart_error(&e, limit),
        };
        if field.name() != Some("file") {
            continue;
        }
        let filename = field
            .file_name()
            .map(str::to_owned)
            .unwrap_or_else(|| "upload".into());
        let received = state
            .scanner
            .library
            .receive_upload(std::pin::pin!(field), limit)
            .await;
        let (status, item) = match received {
            Ok(incoming) => match state
                .scanner
                .import_upload(incoming, &filename, user.id())
                .await
            {
                Ok(outcome) => upload_item(&filename, outcome),
                Err(e) => return e.into_response(),
            },
            Err(e) => {
                let status = match &e {
                    UploadError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                    UploadError::Empty => StatusCode::BAD_REQUEST,
                    UploadError::NotAnImage => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    UploadError::Io(cause) => {
                        // A body cut short or a disk error: the client sees a sentence.
                        tracing::warn!(%cause, "upload failed");
                        StatusCode::BAD_REQUEST
                    }
                };
                (
                    status,
                    json!({ "filename": filename, "status": "refused", "detail": e.to_string() }),
                )
            }
        };
        if status.is_success() {
            accepted += 1;
        } else if first_refusal.is_none() {
            first_refusal = Some(status);
        }
        items.push(item);
    }
    if items.is_empty() {
        return detail_response(
            StatusCode::BAD_REQUEST,
            "No file was sent (use fields named \"file\").",
        );
    }
    let status = match (accepted, first_refusal) {
        (0, Some(refusal)) => refusal,
        _ if items
            .iter()
            .any(|i| i["status"] == "imported" || i["status"] == "restored") =>
        {
            StatusCode::CREATED
        }
        _ => StatusCode::OK,
    };
    let detail = if accepted == 0 {
        items[0]["detail"]
            .as_str()
            .unwrap_or("The upload was refused.")
            .to_owned()
    } else {
        format!("{accepted} of {} files accepted.", items.len())
    };
    no_store((status, Json(json!({ "detail": detail, "items": items }))))
}

/// One file's line in the answer of `POST /api/uploads`, and its status.
fn upload_item(filename: &str, outcome: UploadOutcome) -> (StatusCode, serde_json::Value) {
    match outcome {
        UploadOutcome::Imported { id } => (
            StatusCode::CREATED,
            json!({ "filename": filename, "status": "imported", "id": id, "url": format!("/photos/{id}") }),
        ),
        UploadOutcome::Restored { id } => (
            StatusCode::CREATED,
            json!({ "filename": filename, "status": "restored", "id": id, "url": format!("/photos/{id}"),
                    "detail": "This photo was missing from the storage folder; the upload brought it back." }),
        ),
        UploadOutcome::Duplicate { id } => (
            StatusCode::OK,
            json!({ "filename": filename, "status": "duplicate", "id": id, "url": format!("/photos/{id}"),
                    "detail": "This photo is already in the library." }),
        ),
        UploadOutcome::Refused(detail) => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            json!({ "filename": filename, "status": "refused", "detail": detail }),
        ),
    }
}

fn multipart_error(e: &MultipartError, limit: u64) -> Response {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return detail_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!(
                "The upload is too large: at most {} MB a file.",
                limit / (1024 * 1024)
            ),
        );
    }
    detail_response(StatusCode::BAD_REQUEST, "The upload could not be read.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_query_defaults_and_bounds() {
        let q = parse_list_query(None).unwrap();
        assert_eq!((q.limit, q.offset), (100, 0));
        let q = parse_list_query(Some("limit=500&offset=3&q=sun&tag=A&tag=b")).unwrap();
        assert_eq!((q.limit, q.offset), (500, 3));
        assert_eq!(q.filter.tags, vec!["A", "b"]);
        assert_eq!(q.filter.q.as_deref(), Some("sun"));
        for bad in [
            "limit=0",
            "limit=501",
            "limit=x",
            "offset=-1",
            "offset=1.5",
            "tag=",
        ] {
            assert!(parse_list_query(Some(bad)).is_err(), "{bad}");
        }
    }
}
