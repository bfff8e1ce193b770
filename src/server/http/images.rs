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

pub async fn original(
    state: State<AppState>,
    user: Option<Extension<CurrentUser>>,
    id: Path<String>,
    req: Request,
) -> Response {
    serve(state, user, id, req, Variant::Original).await
}

pub async fn display(
    state: State<AppState>,
    user: Option<Extension<CurrentUser>>,
    id: Path<String>,
    req: Request,
) -> Response {
    serve(state, user, id, req, Variant::Rendition(Rendition::Display)).await
}

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
    match locate(&state, user, &id, variant).await {
        Ok((photo, path, content_type)) => send(req, &photo, path, content_type, variant).await,
        Err(err) => err.into_response(),
    }
}

/// Finds the file to send: checks who asks, the id, the row, the file.
async fn locate(
    state: &AppState,
    user: Option<Extension<CurrentUser>>,
    id: &str,
    variant: Variant,
) -> ServerResult<(photo_rows::Model, std::path::PathBuf, String)> {
    if user.is_none() {
        return Err(ServerError::Unauthorized);
    }
    let id = parse_photo_id(id)?;
    let photo = photos::find(&state.db, id)
        .await?
        .ok_or(ServerError::NotFound)?;
    let library = &state.scanner.library;
    match variant {
        Variant::Original => {
            let key = ObjectKey::parse(&photo.object_key).map_err(|_| ServerError::NotFound)?;
            let path = library.resolve(&key).map_err(|_| ServerError::NotFound)?;
            let media = photo.media_type.clone();
            Ok((photo, path, media))
        }
        Variant::Rendition(kind) => {
            let path = library
                .rendition_path(&photo.content_hash, kind)
                .ok_or(ServerError::NotFound)?;
            if tokio::fs::metadata(&path).await.is_err() {
                // Renditions are a cache: remake them from the original.
                let key = ObjectKey::parse(&photo.object_key).map_err(|_| ServerError::NotFound)?;
                let lib = library.clone();
                let hash = photo.content_hash.clone();
                tokio::task::spawn_blocking(move || lib.rerender(&key, &hash))
                    .await
                    .map_err(|e| ServerError::Internal(anyhow::anyhow!("rendition: {e}")))?
                    .map_err(|_| ServerError::NotFound)?;
            }
            Ok((photo, path, Rendition::MEDIA_TYPE.to_owned()))
        }
    }
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

async fn send(
    req: Request,
    photo: &photo_rows::Model,
    path: std::path::PathBuf,
    content_type: String,
    variant: Variant,
) -> Response {
    let tag = etag(photo, variant);
    let cache = HeaderValue::from_static("private, max-age=3600");
    if matches_etag(req.headers(), &tag) {
        let mut res = StatusCode::NOT_MODIFIED.into_response();
        if let Ok(v) = HeaderValue::from_str(&tag) {
            res.headers_mut().insert(header::ETAG, v);
        }
        res.headers_mut().insert(header::CACHE_CONTROL, cache);
        return res;
    }
    // ServeFile answers Range, If-Modified-Since and Last-Modified; an ETag
    // check already happened above, so it must not see If-None-Match... it
    // ignores it anyway. Ranges are for originals only.
    let (mut parts, _) = req.into_parts();
    if variant != Variant::Original {
        parts.headers.remove(header::RANGE);
    }
    let inner = Request::from_parts(parts, Body::empty());
    let mut res = match ServeFile::new(&path).oneshot(inner).await {
        Ok(res) => res.map(Body::new),
        Err(_) => return ServerError::NotFound.into_response(),
    };
    if res.status() == StatusCode::NOT_FOUND {
        return ServerError::NotFound.into_response();
    }
    let headers = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&tag) {
        headers.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&content_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    headers.insert(header::CACHE_CONTROL, cache);
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if variant == Variant::Original {
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
