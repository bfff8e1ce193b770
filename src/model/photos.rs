//! Photos as the pages and the JSON API see them, and the rules for what
//! people may write about a photo (description, tags).

use serde::{Deserialize, Serialize};

/// The message a stale edit is answered with (409).
pub const STALE_EDIT: &str = "Photo has been modified since last retrieval";

pub const PAGE_SIZE: u64 = 60;
pub const MAX_DESCRIPTION_CHARS: usize = 10_000;
pub const MAX_TAG_CHARS: usize = 64;
pub const MAX_TAGS_PER_PHOTO: usize = 50;

/// What people wrote about a photo, plus the facts read from the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PhotoMetadata {
    pub description: String,
    pub tags: Vec<String>,
    /// EXIF date and time the photo was taken (camera local time), ISO 8601.
    pub taken_at: Option<String>,
    pub camera: Option<String>,
    pub width: u32,
    pub height: u32,
}

/// A photo in the JSON API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PhotoView {
    pub id: String,
    pub object_key: String,
    pub metadata: PhotoMetadata,
    /// The version an edit must carry (RFC 3339 with microseconds).
    pub last_modified: String,
}

/// One cell of the gallery grid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thumb {
    pub id: String,
    /// Thumbnail size in pixels, so the grid does not shift while loading.
    pub width: u32,
    pub height: u32,
    pub alt: String,
}

/// What the gallery shows for one query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GalleryPage {
    pub total: u64,
    pub page: u64,
    pub pages: u64,
    pub items: Vec<Thumb>,
}

/// The photo page: the photo, its facts and its neighbours in the gallery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoDetail {
    pub photo: PhotoView,
    pub media_type: String,
    pub byte_size: u64,
    pub display_width: u32,
    pub display_height: u32,
    pub uploaded_by: Option<String>,
    pub missing: bool,
    pub prev: Option<String>,
    pub next: Option<String>,
}

/// The live state of the current (or last) rescan, as the admin page shows it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct RescanStatus {
    pub running: bool,
    /// Files found in the storage folder (0 until the walk is done).
    pub total: u64,
    pub seen: u64,
    pub imported: u64,
    pub skipped: u64,
    pub errors: u64,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// A one-line summary of the last finished rescan.
    pub summary: Option<String>,
}

/// One metadata edit, as a user's page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditView {
    pub photo_id: String,
    pub edited_at: String,
    pub old_description: String,
    pub new_description: String,
    pub old_tags: Vec<String>,
    pub new_tags: Vec<String>,
}

/// A user's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserProfile {
    pub username: String,
    pub display_name: String,
    pub role: crate::model::Role,
    pub photos: GalleryPage,
    pub edits: Vec<EditView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TagCount {
    pub name: String,
    pub count: u64,
}

/// Size of a rendition that fits in `max_side`, never upscaled.
pub fn fit(width: u32, height: u32, max_side: u32) -> (u32, u32) {
    let (w, h) = (width.max(1), height.max(1));
    if w <= max_side && h <= max_side {
        return (w, h);
    }
    if w >= h {
        let nh = ((h as u64 * max_side as u64 + w as u64 / 2) / w as u64).max(1) as u32;
        (max_side, nh)
    } else {
        let nw = ((w as u64 * max_side as u64 + h as u64 / 2) / h as u64).max(1) as u32;
        (nw, max_side)
    }
}

/// Trims a description and checks its length.
pub fn parse_description(raw: &str) -> Result<String, String> {
    let text = raw.trim();
    if text.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(format!(
            "The description is too long: at most {MAX_DESCRIPTION_CHARS} characters."
        ));
    }
    Ok(text.to_owned())
}

/// Trims one tag and checks it: 1 to 64 characters, no control characters.
pub fn parse_tag(raw: &str) -> Result<String, String> {
    let tag = raw.trim();
    if tag.is_empty() {
        return Err("A tag cannot be empty.".into());
    }
    if tag.chars().count() > MAX_TAG_CHARS {
        return Err(format!(
            "The tag \"{}…\" is too long: at most {MAX_TAG_CHARS} characters.",
            tag.chars().take(20).collect::<String>()
        ));
    }
    if tag.chars().any(char::is_control) {
        return Err("A tag cannot contain control characters.".into());
    }
    if tag.contains(',') {
        return Err("A tag cannot contain a comma (commas separate tags).".into());
    }
    Ok(tag.to_owned())
}

/// The key tags are matched on: lower case.
pub fn tag_key(tag: &str) -> String {
    tag.trim().to_lowercase()
}

/// Parses a photo's tag list: each tag checked, duplicates differing only in
/// case dropped (the first spelling kept), at most 50.
pub fn parse_tags<S: AsRef<str>>(raw: &[S]) -> Result<Vec<String>, String> {
    let mut seen = std::collections::HashSet::new();
    let mut tags = Vec::new();
    for t in raw {
        let tag = parse_tag(t.as_ref())?;
        if seen.insert(tag_key(&tag)) {
            tags.push(tag);
        }
    }
    if tags.len() > MAX_TAGS_PER_PHOTO {
        return Err(format!(
            "Too many tags: at most {MAX_TAGS_PER_PHOTO} per photo."
        ));
    }
    Ok(tags)
}

/// Splits the tag field of the editor ("beach, Summer 2024") into tags.
pub fn split_tag_field(field: &str) -> Vec<String> {
    field
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The words search matches: lower-cased runs of letters and digits.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase().chars().take(MAX_TAG_CHARS).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_keeps_aspect_and_never_upscales() {
        assert_eq!(fit(4000, 3000, 400), (400, 300));
        assert_eq!(fit(3000, 4000, 400), (300, 400));
        assert_eq!(fit(100, 50, 400), (100, 50));
    }

    #[test]
    fn tags_are_trimmed_deduplicated_by_case_and_bounded() {
        let tags = parse_tags(&[" Beach ", "beach", "Sun"]).unwrap();
        assert_eq!(tags, vec!["Beach", "Sun"]);
        assert!(parse_tags(&["  "]).is_err());
        assert!(parse_tags(&["x".repeat(65)]).is_err());
        assert!(parse_tags(&["x".repeat(64)]).is_ok());
        let many: Vec<String> = (0..51).map(|i| format!("t{i}")).collect();
        assert!(parse_tags(&many).is_err());
        assert!(parse_tags(&many[..50]).is_ok());
    }

    #[test]
    fn description_is_trimmed_and_bounded() {
        assert_eq!(parse_description("  hi  ").unwrap(), "hi");
        assert_eq!(parse_description("").unwrap(), "");
        assert!(parse_description(&"é".repeat(10_001)).is_err());
        assert!(parse_description(&"é".repeat(10_000)).is_ok());
    }

    #[test]
    fn words_split_and_lowercase() {
        assert_eq!(
            words("Sunset at the Beach, 2024!"),
            vec!["sunset", "at", "the", "beach", "2024"]
        );
    }
}
