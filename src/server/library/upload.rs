//! Receiving an upload: streamed to a hidden temporary file (hashed, its
//! type checked by its first bytes, its size bounded while it arrives), then
//! moved into `uploads/YYYY/MM/` under a name that never overwrites another
//! file. An upload that is refused or fails at any step leaves nothing
//! behind: the temporary file is removed when the [`IncomingUpload`] drops.

use std::{
    fmt::Display,
    io,
    path::{Path, PathBuf},
    time::{Duration, SystemTime},
};

use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use super::{probe::sniff, Library, MediaType, ObjectKey};

/// Where uploads are received, relative to the root (hidden: never walked).
const INCOMING: &str = "uploads/.incoming";
/// How many bytes decide the type.
const SNIFF_BYTES: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("The file is too large: at most {limit_mb} MB a file.")]
    TooLarge { limit_mb: u64 },
    #[error("The file is empty.")]
    Empty,
    #[error("The file is not a JPEG, PNG, WebP or GIF image.")]
    NotAnImage,
    /// The body was cut short or the disk failed; the cause is for the log.
    #[error("The file could not be received. Please try again.")]
    Io(String),
}

/// A received file waiting in the hidden folder. Dropping it without
/// [`Library::place_upload`] removes the file.
#[derive(Debug)]
pub struct IncomingUpload {
    pub path: PathBuf,
    /// SHA-256 of the content, hex.
    pub hash: String,
    pub size: u64,
    pub media_type: MediaType,
    placed: bool,
}

impl Drop for IncomingUpload {
    fn drop(&mut self) {
        if !self.placed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Removes a half-written file unless told it is kept.
struct TempGuard(Option<PathBuf>);

impl Drop for TempGuard {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

impl Library {
    fn incoming_dir(&self) -> PathBuf {
        self.root.join(INCOMING)
    }

    /// Removes what a crashed instance left in the hidden folder (anything
    /// older than an hour: an upload still arriving is younger).
    pub fn clean_incoming(&self) {
        let Ok(entries) = std::fs::read_dir(self.incoming_dir()) else {
            return;
        };
        let cutoff = SystemTime::now() - Duration::from_secs(3600);
        for entry in entries.flatten() {
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t < cutoff);
            if old {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }

    /// Streams one uploaded file to a temporary file, refusing it as soon as
    /// it is known to be empty, not an image, or larger than `limit` bytes.
    pub async fn receive_upload<S, B, E>(
        &self,
        mut body: S,
        limit: u64,
    ) -> Result<IncomingUpload, UploadError>
    where
        S: Stream<Item = Result<B, E>> + Unpin,
        B: AsRef<[u8]>,
        E: Display,
    {
        let dir = self.incoming_dir();
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(|e| UploadError::Io(format!("create {}: {e}", dir.display())))?;
        let path = dir.join(format!("{}.part", uuid::Uuid::new_v4().simple()));
        let mut file = tokio::fs::File::create(&path)
            .await
            .map_err(|e| UploadError::Io(format!("create {}: {e}", path.display())))?;
        let mut guard = TempGuard(Some(path.clone()));
        let mut hasher = Sha256::new();
        let mut head: Vec<u8> = Vec::with_capacity(SNIFF_BYTES);
        let mut media_type = None;
        let mut size: u64 = 0;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| UploadError::Io(format!("body: {e}")))?;
            let bytes = chunk.as_ref();
            size += bytes.len() as u64;
            if size > limit {
                return Err(UploadError::TooLarge {
                    limit_mb: limit.div_ceil(1024 * 1024),
                });
            }
            if media_type.is_none() {
                let take = (SNIFF_BYTES - head.len()).min(bytes.len());
                head.extend_from_slice(&bytes[..take]);
                if head.len() >= SNIFF_BYTES {
                    media_type = Some(sniff(&head).ok_or(UploadError::NotAnImage)?);
                }
            }
            hasher.update(bytes);
            file.write_all(bytes)
                .await
                .map_err(|e| UploadError::Io(format!("write: {e}")))?;
        }
        if size == 0 {
            return Err(UploadError::Empty);
        }
        let media_type = match media_type {
            Some(t) => t,
            None => sniff(&head).ok_or(UploadError::NotAnImage)?,
        };
        file.flush()
            .await
            .map_err(|e| UploadError::Io(format!("flush: {e}")))?;
        file.sync_data()
            .await
            .map_err(|e| UploadError::Io(format!("sync: {e}")))?;
        drop(file);
        guard.0 = None;
        Ok(IncomingUpload {
            path,
            hash: hex::encode(hasher.finalize()),
            size,
            media_type,
            placed: false,
        })
    }

    /// Moves a received file to `uploads/YYYY/MM/<its name>` (the name made
    /// safe, the extension its real type's; `-2`, `-3`... when taken).
    pub async fn place_upload(
        &self,
        mut upload: IncomingUpload,
        original_name: &str,
        now: DateTime<Utc>,
    ) -> io::Result<ObjectKey> {
        let folder = format!("uploads/{}", now.format("%Y/%m"));
        let dir = self.root.join(&folder);
        tokio::fs::create_dir_all(&dir).await?;
        let stem = safe_stem(original_name);
        let ext = upload.media_type.extension();
        for n in 1..=1000u32 {
            let name = if n == 1 {
                format!("{stem}.{ext}")
            } else {
                format!("{stem}-{n}.{ext}")
            };
            let key = ObjectKey::parse(&format!("{folder}/{name}"))
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
            let dest = dir.join(&name);
            match link_no_clobber(&upload.path, &dest).await {
                Ok(()) => {
                    upload.placed = true;
                    let _ = tokio::fs::remove_file(&upload.path).await;
                    return Ok(key);
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "no free file name in the upload folder",
        ))
    }
}

/// Hard-links `from` to `to`, failing with `AlreadyExists` rather than
/// replacing a file; where hard links are not supported, renames when `to`
/// is free.
async fn link_no_clobber(from: &Path, to: &Path) -> io::Result<()> {
    match tokio::fs::hard_link(from, to).await {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(e),
        Err(_) => {
            if tokio::fs::try_exists(to).await? {
                return Err(io::ErrorKind::AlreadyExists.into());
            }
            tokio::fs::rename(from, to).await
        }
    }
}

/// A file name stem that is safe on every file system and as a key: the
/// uploaded name without its extension, letters, digits, `-`, `_` and
/// spaces kept, everything else `_`, at most 80 characters.
fn safe_stem(original: &str) -> String {
    let base = original.rsplit(['/', '\\']).next().unwrap_or("");
    let stem = match base.rfind('.') {
        Some(i) if i > 0 => &base[..i],
        _ => base,
    };
    let cleaned: String = stem
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | ' ') {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    let cleaned = cleaned.trim_matches([' ', '_']).to_owned();
    if cleaned.is_empty() {
        "photo".into()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::safe_stem;

    #[test]
    fn upload_names_are_made_safe() {
        assert_eq!(safe_stem("Holiday 2024.JPG"), "Holiday 2024");
        assert_eq!(safe_stem("../../etc/passwd"), "passwd");
        assert_eq!(safe_stem("..\\win\\evil.png"), "evil");
        assert_eq!(safe_stem(".hidden"), "hidden");
        assert_eq!(safe_stem("a/b/..."), "photo");
        assert_eq!(safe_stem(""), "photo");
        assert_eq!(safe_stem("süß:café?.jpg"), "süß_café");
    }
}
