//! Images over HTTP: thumbnail, display size and original by photo id, to
//! signed-in users only. Answers carry an `ETag` (from the content hash) and
//! `Last-Modified`, revalidate with 304, are `Cache-Control: private`, and
//! originals honour `Range`. The path on disk always comes from the database
//! and the storage module, never from the request.

use axum::{
    body::Body,
    extract::{Path, Request, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Extension,
};
use tower::ServiceExt;
use tower_http::services::ServeFile;

use crate::server::{
    auth::CurrentUser,
    db::photos as photo_rows,
    error::{ServerError, ServerResult},
    http::photos_api::parse_photo_id,
    library::{ObjectKey, Rendition},
    photos,
    state::AppState,
};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Variant {
    Original,
    Rendition(Rendition),
}

#[utoipa::path(get, path = "/api/photos/{id}/image", tag = "photos", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "The photo id (a UUID)")),
    responses(
        (status = 200, description = "The original file, as stored (Range requests supported); ETag, Last-Modified, Cache-Control: private", content_type = "image/*"),
        (status = 206, description = "The requested range"),
        (status = 416, description = "The range is not satisfiable"),
        (status = 304, description = "Not modified (If-None-Match / If-Modified-Since)"),
        (status = 401, description = "Not authenticated", body = crate::server::http::openapi::Detail),
        (status = 404, description = "No such photo, or its file is missing", body = crate::server::http::openapi::Detail),
        (status = 422, description = "The id is not a UUID", body = crate::server::http::openapi::Detail),
    ))]
pub async fn original(
    state: State<AppState>,
    user: Option<Extension<CurrentUser>>,
    id: Path<String>,
    req: Request,
) -> Response {
    serve(state, user, id, req, Variant::Original).await
}

#[utoipa::path(get, path = "/api/photos/{id}/display", tag = "photos", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "The photo id (a UUID)")),
    responses(
        (status = 200, description = "The display size (about 1600 px, JPEG); ETag, Last-Modified, Cache-Control: private", content_type = "image/*"),
        (status = 304, description = "Not modified (If-None-Match / If-Modified-Since)"),
        (status = 401, description = "Not authenticated", body = crate::server::http::openapi::Detail),
        (status = 404, description = "No such photo, or its file is missing", body = crate::server::http::openapi::Detail),
        (status = 422, description = "The id is not a UUID", body = crate::server::http::openapi::Detail),
    ))]
pub async fn display(
    state: State<AppState>,
    user: Option<Extension<CurrentUser>>,
    id: Path<String>,
    req: Request,
) -> Response {
    serve(state, user, id, req, Variant::Rendition(Rendition::Display)).await
}

#[utoipa::path(get, path = "/api/photos/{id}/thumbnail", tag = "photos", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "The photo id (a UUID)")),
    responses(
        (status = 200, description = "The thumbnail (about 400 px, JPEG); ETag, Last-Modified, Cache-Control: private", content_type = "image/*"),
        (status = 304, description = "Not modified (If-None-Match / If-Modified-Since)"),
        (status = 401, description = "Not authenticated", body = crate::server::http::openapi::Detail),
        (status = 404, description = "No such photo, or its file is missing", body = crate::server::http::openapi::Detail),
        (status = 422, description = "The id is not a UUID", body = crate::server::http::openapi::Detail),
    ))]
pub async fn thumbnail(
    state: State<AppState>,
    user: Option<Extension<CurrentUser>>,
    id: Path<String>,
    req: Request,
) -> Response {
    serve(
        state,
        user,
        id,
        req,
        Variant::Rendition(Rendition::Thumbnail),
    )
    .await
}

async fn serve(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
    Path(id): Path<String>,
    req: Request,
    variant: Variant,
) -> Response {
    let photo = match locate(&state, user, &id).await {
        Ok(photo) => photo,
        Err(err) => return err.into_response(),
    };
    let tag = etag(&photo, variant);
    if matches_etag(req.headers(), &tag) {
        return not_modified(&tag);
    }
    let library = &state.scanner.library;
    let Ok(key) = ObjectKey::parse(&photo.object_key) else {
        return ServerError::NotFound.into_response();
    };
    match variant {
        Variant::Original => match library.resolve(&key) {
            Ok(path) => send_original(req, &photo, path, &tag).await,
            Err(_) => ServerError::NotFound.into_response(),
        },
        Variant::Rendition(kind) => {
            let lib = library.clone();
            let hash = photo.content_hash.clone();
            let read =
                tokio::task::spawn_blocking(move || lib.read_rendition(&key, &hash, kind)).await;
            match read {
                Ok(Ok((bytes, modified))) => send_rendition(req.headers(), bytes, modified, &tag),
                Ok(Err(err)) => {
                    tracing::warn!(%err, photo = %photo.id, "rendition unavailable");
                    ServerError::NotFound.into_response()
                }
                Err(err) => {
                    ServerError::Internal(anyhow::anyhow!("rendition task: {err}")).into_response()
                }
            }
        }
    }
}

/// Checks who asks and finds the photo's row.
async fn locate(
    state: &AppState,
    user: Option<Extension<CurrentUser>>,
    id: &str,
) -> ServerResult<photo_rows::Model> {
    if user.is_none() {
        return Err(ServerError::Unauthorized);
    }
    let id = parse_photo_id(id)?;
    photos::find(&state.db, id)
        .await?
        .ok_or(ServerError::NotFound)
}

const CACHE: &str = "private, max-age=3600";

fn not_modified(tag: &str) -> Response {
    let mut res = StatusCode::NOT_MODIFIED.into_response();
    if let Ok(v) = HeaderValue::from_str(tag) {
        res.headers_mut().insert(header::ETAG, v);
    }
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE));
    res
}

/// A rendition, read whole: `If-Modified-Since` is honoured here (the ETag
/// was checked before reading); no `Range` (they are small).
fn send_rendition(
    headers: &HeaderMap,
    bytes: Vec<u8>,
    modified: std::time::SystemTime,
    tag: &str,
) -> Response {
    let last_modified = httpdate::fmt_http_date(modified);
    let unchanged = headers.get(header::IF_NONE_MATCH).is_none()
        && headers
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| httpdate::parse_http_date(v).ok())
            .is_some_and(|since| {
                // HTTP dates have whole seconds.
                let secs = |t: std::time::SystemTime| {
                    t.duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.as_secs())
                };
                secs(modified) <= secs(since)
            });
    let mut res = if unchanged {
        not_modified(tag)
    } else {
        Response::new(Body::from(bytes))
    };
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&last_modified) {
        h.insert(header::LAST_MODIFIED, v);
    }
    if !unchanged {
        if let Ok(v) = HeaderValue::from_str(tag) {
            h.insert(header::ETAG, v);
        }
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(Rendition::MEDIA_TYPE),
        );
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE));
        h.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
    }
    res
}

fn etag(photo: &photo_rows::Model, variant: Variant) -> String {
    let kind = match variant {
        Variant::Original => "o",
        Variant::Rendition(Rendition::Thumbnail) => "t",
        Variant::Rendition(Rendition::Display) => "d",
    };
    format!(
        "\"{}-{kind}\"",
        &photo.content_hash[..photo.content_hash.len().min(32)]
    )
}

fn matches_etag(headers: &HeaderMap, tag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|candidate| candidate == "*" || candidate.trim_start_matches("W/") == tag)
}

/// An original, through ServeFile: `Range`, `If-Modified-Since` and
/// `Last-Modified` (the ETag was checked before).
async fn send_original(
    req: Request,
    photo: &photo_rows::Model,
    path: std::path::PathBuf,
    tag: &str,
) -> Response {
    let (parts, _) = req.into_parts();
    let inner = Request::from_parts(parts, Body::empty());
    let mut res = match ServeFile::new(&path).oneshot(inner).await {
        Ok(res) => res.map(Body::new),
        Err(_) => return ServerError::NotFound.into_response(),
    };
    if res.status() == StatusCode::NOT_FOUND {
        return ServerError::NotFound.into_response();
    }
    let headers = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(tag) {
        headers.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&photo.media_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    {
        let name = photo
            .object_key
            .rsplit('/')
            .next()
            .unwrap_or("photo")
            .replace(['"', '\\', '\r', '\n'], "_");
        let ascii: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_graphic() || c == ' ' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{ascii}\"")) {
            headers.insert(header::CONTENT_DISPOSITION, v);
        }
    }
    res
}
