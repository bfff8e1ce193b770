//! The storage module: the only code that reads or writes blobs (originals
//! under `PHOTOS_DIR`, renditions under `DATA_DIR/renditions`).
//!
//! Nothing here takes a path from a request. Callers name an original by
//! its [`ObjectKey`] (a relative, `/`-separated key checked to stay inside
//! the root) and a rendition by the content hash of its photo. Resolving a
//! key follows symlinks and refuses anything that lands outside the root,
//! so a link inside `PHOTOS_DIR` cannot be used to read the rest of the disk.
//! Keeping every file operation behind this type is what lets an
//! S3-compatible store replace the folder later without touching the rest.

pub mod probe;
mod upload;

use std::{
    fmt, fs,
    io::{self, Write},
    path::{Path, PathBuf},
    time::UNIX_EPOCH,
};

pub use probe::{MediaType, ProbeError, Probed};
pub use upload::{IncomingUpload, UploadError};

/// The longest object key accepted, in bytes.
const MAX_KEY_BYTES: usize = 1024;

/// Where an original lives, relative to `PHOTOS_DIR`: `/`-separated, no
/// empty, `.` or `..` segment, no hidden segment, no NUL.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectKey(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid object key: {0}")]
pub struct BadKey(&'static str);

impl ObjectKey {
    pub fn parse(raw: &str) -> Result<ObjectKey, BadKey> {
        if raw.is_empty() {
            return Err(BadKey("empty"));
        }
        if raw.len() > MAX_KEY_BYTES {
            return Err(BadKey("too long"));
        }
        if raw.contains('\0') || raw.contains('\\') {
            return Err(BadKey("forbidden character"));
        }
        for segment in raw.split('/') {
            if segment.is_empty() {
                return Err(BadKey("empty segment (absolute path or //)"));
            }
            if segment.starts_with('.') {
                return Err(BadKey("dot segment (.., . or hidden)"));
            }
        }
        Ok(ObjectKey(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The last segment: the file's name.
    pub fn file_name(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or(&self.0)
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The two sizes made of every photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rendition {
    /// Fits in 400 × 400: the gallery grid.
    Thumbnail,
    /// Fits in 1600 × 1600: the photo page.
    Display,
}

impl Rendition {
    pub const ALL: [Rendition; 2] = [Rendition::Thumbnail, Rendition::Display];

    /// The longest side, in pixels.
    pub fn max_side(self) -> u32 {
        match self {
            Rendition::Thumbnail => 400,
            Rendition::Display => 1600,
        }
    }

    fn suffix(self) -> &'static str {
        match self {
            Rendition::Thumbnail => "thumb",
            Rendition::Display => "display",
        }
    }

    /// JPEG quality of the encoded rendition.
    fn quality(self) -> u8 {
        match self {
            Rendition::Thumbnail => 78,
            Rendition::Display => 82,
        }
    }

    pub const MEDIA_TYPE: &'static str = "image/jpeg";
}

/// A file found by [`Library::walk`].
#[derive(Debug, Clone)]
pub struct WalkEntry {
    pub key: ObjectKey,
    pub path: PathBuf,
    pub size: u64,
    /// Modification time, Unix seconds.
    pub mtime: i64,
}

/// A file the walk could not take, with a sentence saying why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkError {
    pub key: String,
    pub detail: String,
}

/// The storage folder and the renditions cache.
#[derive(Debug, Clone)]
pub struct Library {
    /// `PHOTOS_DIR`, canonical.
    root: PathBuf,
    /// `DATA_DIR/renditions`, canonical.
    renditions: PathBuf,
}

impl Library {
    /// Opens (creating when missing) the storage folder and the renditions
    /// folder.
    pub fn new(photos_dir: &Path, data_dir: &Path) -> io::Result<Library> {
        fs::create_dir_all(photos_dir)?;
        let renditions = data_dir.join("renditions");
        fs::create_dir_all(&renditions)?;
        Ok(Library {
            root: photos_dir.canonicalize()?,
            renditions: renditions.canonicalize()?,
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file of an original, after checking that it resolves (through
    /// any symlink) to a regular file inside the root.
    pub fn resolve(&self, key: &ObjectKey) -> io::Result<PathBuf> {
        let path = self.root.join(key.as_str()).canonicalize()?;
        if !path.starts_with(&self.root) || path == self.root {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                "the key resolves outside the storage folder",
            ));
        }
        if !fs::metadata(&path)?.is_file() {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a file"));
        }
        Ok(path)
    }

    /// Where a rendition of the content with this hash lives (it may not
    /// exist yet). The hash comes from the database, never from a request;
    /// it is checked to be hex anyway, so no path can be built from it.
    pub fn rendition_path(&self, hash: &str, kind: Rendition) -> Option<PathBuf> {
        if hash.len() < 8 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        Some(
            self.renditions
                .join(&hash[..2])
                .join(format!("{hash}-{}.jpg", kind.suffix())),
        )
    }

    /// True when both renditions of this content exist.
    pub fn has_renditions(&self, hash: &str) -> bool {
        Rendition::ALL
            .iter()
            .all(|&kind| self.rendition_path(hash, kind).is_some_and(|p| p.is_file()))
    }

    /// Writes a rendition through a temporary file and a rename, so a
    /// reader never sees half a file.
    fn write_rendition(&self, hash: &str, kind: Rendition, bytes: &[u8]) -> io::Result<()> {
        let path = self
            .rendition_path(hash, kind)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "bad content hash"))?;
        let dir = path.parent().unwrap_or(&self.renditions);
        fs::create_dir_all(dir)?;
        write_atomically(dir, &path, bytes)
    }

    /// Removes an original (an upload that was refused after it was placed).
    pub fn remove(&self, key: &ObjectKey) -> io::Result<()> {
        let path = self.resolve(key)?;
        fs::remove_file(path)
    }

    /// Every candidate file under the root, in no particular order. Hidden
    /// files and folders (names starting with `.`, which is also where
    /// uploads are received) are left out, and so is `DATA_DIR` when it sits
    /// inside the root. A symlink is followed only when it points to a file
    /// inside the root.
    pub fn walk(&self) -> Vec<Result<WalkEntry, WalkError>> {
        let mut out = Vec::new();
        let walker = walkdir::WalkDir::new(&self.root)
            .follow_links(false)
            .into_iter()
            .filter_entry(|e| {
                e.depth() == 0
                    || (!e.file_name().to_string_lossy().starts_with('.')
                        && !e.path().starts_with(&self.renditions))
            });
        for item in walker {
            let entry = match item {
                Ok(entry) => entry,
                Err(err) => {
                    let key = err
                        .path()
                        .and_then(|p| p.strip_prefix(&self.root).ok())
                        .map(|p| p.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    out.push(Err(WalkError {
                        key,
                        detail: "The folder could not be read.".into(),
                    }));
                    continue;
                }
            };
            let file_type = entry.file_type();
            if file_type.is_dir() {
                continue;
            }
            let Ok(relative) = entry.path().strip_prefix(&self.root) else {
                continue;
            };
            let Some(key_str) = relative
                .to_str()
                .map(|s| s.replace(std::path::MAIN_SEPARATOR, "/"))
            else {
                out.push(Err(WalkError {
                    key: relative.to_string_lossy().into_owned(),
                    detail: "The file name is not valid UTF-8.".into(),
                }));
                continue;
            };
            let key = match ObjectKey::parse(&key_str) {
                Ok(key) => key,
                Err(_) => {
                    out.push(Err(WalkError {
                        key: key_str,
                        detail: "The file name cannot be used as a key.".into(),
                    }));
                    continue;
                }
            };
            if file_type.is_symlink() {
                match self.resolve(&key) {
                    Ok(_) => {}
                    // A link to a folder is not followed (it could loop).
                    Err(e) if e.kind() == io::ErrorKind::InvalidInput => continue,
                    Err(_) => {
                        out.push(Err(WalkError {
                            key: key_str,
                            detail: "The link points outside the storage folder or nowhere.".into(),
                        }));
                        continue;
                    }
                }
            } else if !file_type.is_file() {
                continue;
            }
            match fs::metadata(entry.path()) {
                Ok(meta) => out.push(Ok(WalkEntry {
                    key,
                    path: entry.path().to_path_buf(),
                    size: meta.len(),
                    mtime: mtime_secs(&meta),
                })),
                Err(_) => out.push(Err(WalkError {
                    key: key_str,
                    detail: "The file could not be read.".into(),
                })),
            }
        }
        out
    }

    /// A rendition's bytes and modification time, remade from the original
    /// first when it is missing (renditions are a cache). Blocking: one
    /// open, stat and read, for files of tens to hundreds of KB.
    pub fn read_rendition(
        &self,
        key: &ObjectKey,
        hash: &str,
        kind: Rendition,
    ) -> io::Result<(Vec<u8>, std::time::SystemTime)> {
        use std::io::Read;
        let path = self
            .rendition_path(hash, kind)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "bad content hash"))?;
        let file = match fs::File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                self.rerender(key, hash)
                    .map_err(|e| io::Error::other(format!("rendition: {e:?}")))?;
                fs::File::open(&path)?
            }
            Err(e) => return Err(e),
        };
        let meta = file.metadata()?;
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        (&file).read_to_end(&mut bytes)?;
        Ok((bytes, meta.modified()?))
    }

    /// Reads a whole original (they are photos: a few MB).
    pub fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        fs::read(path)
    }

    /// Reads the facts of an original and, unless this content has them
    /// already, makes its two renditions (upright).
    pub fn probe_and_render(&self, bytes: &[u8], hash: String) -> Result<Probed, ProbeError> {
        let decode = !self.has_renditions(&hash);
        let (probed, image) = probe::probe(bytes, hash, decode)?;
        if let Some(image) = image {
            self.store_renditions(&probed.hash, &image, probed.orientation)?;
        }
        Ok(probed)
    }

    /// Makes the renditions of an original again (they are a cache: a lost
    /// one is remade on first request).
    pub fn rerender(&self, key: &ObjectKey, hash: &str) -> Result<(), ProbeError> {
        let path = self.resolve(key).map_err(|_| ProbeError::Unreadable)?;
        let bytes = fs::read(path).map_err(|_| ProbeError::Unreadable)?;
        let (probed, image) = probe::probe(&bytes, hash.to_owned(), true)?;
        match image {
            Some(image) => self.store_renditions(hash, &image, probed.orientation),
            None => Err(ProbeError::Corrupt),
        }
    }

    fn store_renditions(
        &self,
        hash: &str,
        image: &image::DynamicImage,
        orientation: u16,
    ) -> Result<(), ProbeError> {
        for (kind, jpeg) in probe::render(image, orientation)? {
            self.write_rendition(hash, kind, &jpeg)
                .map_err(|_| ProbeError::Storage)?;
        }
        Ok(())
    }
}

/// Modification time of a file, Unix seconds (0 when the platform has none).
pub fn mtime_secs(meta: &fs::Metadata) -> i64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

/// Writes `bytes` to `path` through a temporary file in `dir` and a rename.
fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = dir.join(format!(".tmp-{}", uuid::Uuid::new_v4().simple()));
    let result = (|| {
        let mut file = fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_data()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_stay_relative_and_visible() {
        for good in [
            "a.jpg",
            "2024/07/beach.jpg",
            "uploads/2026/12/x y.png",
            "é/ü.gif",
        ] {
            assert!(ObjectKey::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "../secret",
            "a/../../b",
            "a/./b",
            "a//b",
            "a/",
            ".hidden",
            "a/.tmp/x",
            "a\\..\\b",
            "nul\0byte",
        ] {
            assert!(ObjectKey::parse(bad).is_err(), "{bad:?}");
        }
        assert!(ObjectKey::parse(&"a".repeat(1025)).is_err());
    }

    #[test]
    fn rendition_paths_come_from_hex_hashes_only() {
        let dir = std::env::temp_dir().join(format!("tagline-lib-{}", uuid::Uuid::new_v4()));
        let lib = Library::new(&dir.join("photos"), &dir).unwrap();
        assert!(lib
            .rendition_path("../../etc/passwd", Rendition::Thumbnail)
            .is_none());
        assert!(lib.rendition_path("abc", Rendition::Thumbnail).is_none());
        let p = lib
            .rendition_path(&"ab".repeat(32), Rendition::Display)
            .unwrap();
        assert!(p.starts_with(dir.canonicalize().unwrap().join("renditions/ab")));
        fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn resolve_refuses_links_out_of_the_root() {
        let dir = std::env::temp_dir().join(format!("tagline-lib-{}", uuid::Uuid::new_v4()));
        let lib = Library::new(&dir.join("photos"), &dir).unwrap();
        fs::write(dir.join("secret.txt"), b"x").unwrap();
        fs::write(dir.join("photos/inside.jpg"), b"x").unwrap();
        std::os::unix::fs::symlink(dir.join("secret.txt"), dir.join("photos/out.jpg")).unwrap();
        std::os::unix::fs::symlink(dir.join("photos/inside.jpg"), dir.join("photos/in.jpg"))
            .unwrap();
        assert!(lib.resolve(&ObjectKey::parse("out.jpg").unwrap()).is_err());
        assert!(lib.resolve(&ObjectKey::parse("in.jpg").unwrap()).is_ok());
        let keys: Vec<_> = lib
            .walk()
            .into_iter()
            .map(|r| r.map(|e| e.key.to_string()).map_err(|e| e.key))
            .collect();
        assert!(keys.contains(&Ok("inside.jpg".into())));
        assert!(keys.contains(&Ok("in.jpg".into())));
        assert!(keys.contains(&Err("out.jpg".into())));
        fs::remove_dir_all(dir).unwrap();
    }
}
