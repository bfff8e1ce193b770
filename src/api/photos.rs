//! Server functions of the photo pages: gallery, photo, editor, tags, user
//! pages and the admin's rescan panel.

use leptos::prelude::*;

use crate::model::{
    photos::{GalleryPage, PhotoDetail, PhotoView, RescanStatus, TagCount, UserProfile},
    AppError,
};

/// Splits the `tags` argument (tags joined by commas; a tag has none).
#[cfg(feature = "ssr")]
fn tag_list(tags: &str) -> Vec<String> {
    crate::model::photos::split_tag_field(tags)
}

#[cfg(feature = "ssr")]
fn filter(q: &str, tags: &str) -> Result<crate::server::photos::Filter, AppError> {
    let q = q.trim();
    if q.chars().count() > 200 {
        return Err(AppError::Validation(
            "The search is too long: at most 200 characters.".into(),
        ));
    }
    let tags = tag_list(tags);
    if tags.len() > 20 {
        return Err(AppError::Validation("At most 20 tags at once.".into()));
    }
    Ok(crate::server::photos::Filter {
        q: (!q.is_empty()).then(|| q.to_owned()),
        tags,
        uploaded_by: None,
    })
}

/// One page of the gallery: `q` searches, `tags` (comma-joined) must all match.
#[server(prefix = "/rpc", endpoint = "gallery")]
pub async fn gallery(page: u64, q: String, tags: String) -> Result<GalleryPage, AppError> {
    use super::context::{current_user, fail, parts, state};
    current_user(&parts()?)?;
    let filter = filter(&q, &tags)?;
    crate::server::photos::gallery(&state().db, &filter, page)
        .await
        .map_err(fail)
}

/// A photo with its facts and its neighbours within the gallery's filter.
#[server(prefix = "/rpc", endpoint = "photo")]
pub async fn load_photo(id: String, q: String, tags: String) -> Result<PhotoDetail, AppError> {
    use super::context::{current_user, fail, parts, state};
    use crate::server::{error::ServerError, photos};
    current_user(&parts()?)?;
    let state = state();
    let id = uuid::Uuid::parse_str(id.trim()).map_err(|_| fail(ServerError::NotFound))?;
    let filter = filter(&q, &tags)?;
    let photo = photos::find(&state.db, id)
        .await
        .map_err(|e| fail(e.into()))?
        .ok_or_else(|| fail(ServerError::NotFound))?;
    let view = photos::views(&state.db, std::slice::from_ref(&photo))
        .await
        .map_err(|e| fail(e.into()))?
        .remove(0);
    let (prev, next) = photos::neighbours(&state.db, &photo, &filter)
        .await
        .map_err(|e| fail(e.into()))?;
    let uploaded_by = photos::uploader_name(&state.db, &photo)
        .await
        .map_err(|e| fail(e.into()))?;
    let (display_width, display_height) = crate::model::photos::fit(
        photo.width as u32,
        photo.height as u32,
        photos::DISPLAY_SIDE,
    );
    Ok(PhotoDetail {
        photo: view,
        media_type: photo.media_type.clone(),
        byte_size: photo.byte_size.max(0) as u64,
        display_width,
        display_height,
        uploaded_by,
        missing: photo.missing,
        prev: prev.map(|u| u.to_string()),
        next: next.map(|u| u.to_string()),
    })
}

/// Saves a photo's description and tags if it is still at `last_modified`;
/// otherwise answers the 409 conflict and changes nothing.
#[server(prefix = "/rpc", endpoint = "save_photo")]
pub async fn save_photo(
    id: String,
    description: String,
    tags: String,
    last_modified: String,
) -> Result<PhotoView, AppError> {
    use super::context::{current_user, fail, parts, state};
    use crate::server::{error::ServerError, photos};
    let me = current_user(&parts()?)?;
    let state = state();
    let id = uuid::Uuid::parse_str(id.trim()).map_err(|_| fail(ServerError::NotFound))?;
    let updated = photos::edit_metadata(
        &state.db,
        id,
        Some(me.id()),
        &description,
        &tag_list(&tags),
        &last_modified,
    )
    .await
    .map_err(|e| fail(e.into()))?;
    let mut views = photos::views(&state.db, std::slice::from_ref(&updated))
        .await
        .map_err(|e| fail(e.into()))?;
    Ok(views.remove(0))
}

/// Tag names starting with `prefix`, for the editor's autocomplete.
#[server(prefix = "/rpc", endpoint = "suggest_tags")]
pub async fn suggest_tags(prefix: String) -> Result<Vec<String>, AppError> {
    use super::context::{current_user, fail, parts, state};
    current_user(&parts()?)?;
    let prefix: String = prefix.trim().chars().take(64).collect();
    crate::server::photos::suggest_tags(&state().db, &prefix, 10)
        .await
        .map_err(|e| fail(e.into()))
}

/// Every tag with its count.
#[server(prefix = "/rpc", endpoint = "tags")]
pub async fn tag_counts() -> Result<Vec<TagCount>, AppError> {
    use super::context::{current_user, fail, parts, state};
    current_user(&parts()?)?;
    crate::server::photos::tag_counts(&state().db)
        .await
        .map_err(|e| fail(e.into()))
}

#[cfg(feature = "ssr")]
fn require_admin() -> Result<crate::server::auth::CurrentUser, AppError> {
    use super::context::{current_user, fail, parts};
    let me = current_user(&parts()?)?;
    crate::server::admin::AdminUser::check(Some(me))
        .map(|a| a.0)
        .map_err(fail)
}

/// Renames a tag (admins); onto an existing tag's name, merges the two.
#[server(prefix = "/rpc", endpoint = "rename_tag")]
pub async fn rename_tag(from: String, to: String) -> Result<(), AppError> {
    use super::context::{fail, state};
    require_admin()?;
    crate::server::photos::rename_tag(&state().db, &from, &to)
        .await
        .map_err(fail)
}

/// Deletes a tag from every photo (admins).
#[server(prefix = "/rpc", endpoint = "delete_tag")]
pub async fn delete_tag(name: String) -> Result<(), AppError> {
    use super::context::{fail, state};
    require_admin()?;
    crate::server::photos::delete_tag(&state().db, &name)
        .await
        .map_err(fail)
}

/// A user's page: who they are, the photos they uploaded, their recent edits.
#[server(prefix = "/rpc", endpoint = "user_profile")]
pub async fn load_profile(username: String, page: u64) -> Result<UserProfile, AppError> {
    use super::context::{current_user, fail, parts, state};
    use crate::{
        model::photos::EditView,
        server::{db::users, error::ServerError, photos},
    };
    current_user(&parts()?)?;
    let state = state();
    let user = users::find_by_username(&state.db, &username.trim().to_lowercase())
        .await
        .map_err(|e| fail(e.into()))?
        .ok_or_else(|| fail(ServerError::NotFound))?;
    let filter = photos::Filter {
        uploaded_by: Some(user.id),
        ..Default::default()
    };
    let gallery = photos::gallery(&state.db, &filter, page)
        .await
        .map_err(fail)?;
    let edits = photos::edits_by(&state.db, user.id, 20)
        .await
        .map_err(|e| fail(e.into()))?
        .into_iter()
        .map(|e| EditView {
            photo_id: e.photo_id.to_string(),
            edited_at: photos::format_version(e.edited_at),
            old_description: e.old_description,
            new_description: e.new_description,
            old_tags: serde_json::from_str(&e.old_tags).unwrap_or_default(),
            new_tags: serde_json::from_str(&e.new_tags).unwrap_or_default(),
        })
        .collect();
    Ok(UserProfile {
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        role: user.role(),
        photos: gallery,
        edits,
    })
}

/// Starts a rescan in the background (admins); a second one is refused
/// while one runs on any instance.
#[server(prefix = "/rpc", endpoint = "start_rescan")]
pub async fn start_rescan() -> Result<(), AppError> {
    use super::context::{fail, state};
    require_admin()?;
    state().scanner.start().await.map_err(|e| fail(e.into()))
}

/// The running (or last) rescan's progress (admins).
#[server(prefix = "/rpc", endpoint = "rescan_status")]
pub async fn rescan_progress() -> Result<RescanStatus, AppError> {
    use super::context::{fail, state};
    require_admin()?;
    state().scanner.status().await.map_err(fail)
}
