//! Rescan: brings the database in line with the files under `PHOTOS_DIR`,
//! and imports uploads through the same code.
//!
//! Unchanged files (same size and mtime) are skipped without being read. A
//! changed or new file is hashed; a known hash is a move (or a duplicate), so
//! only new content is decoded, which is where the time goes: that work runs
//! on blocking threads, as many at once as there are cores. Only one rescan
//! runs at a time across every instance (a lock in Redis), and its progress
//! is kept in Redis so any instance's admin page can show it.

use std::{
    collections::{HashMap, HashSet},
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};

use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use tokio::task::JoinSet;
use uuid::Uuid;

pub use crate::model::photos::RescanStatus as Status;
use crate::server::{
    auth::coordination::{LockToken, SharedLock},
    error::{ServerError, ServerResult},
    library::{probe::hash_bytes, IncomingUpload, Library, Probed, WalkEntry},
    photos::{self, FileFacts, KnownFile, Recorded},
};

/// What a rescan answers.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Report {
    /// Ids of the photos this rescan added.
    pub imported: Vec<String>,
    /// Files left as they were (unchanged, or a copy of known content).
    pub skipped: u64,
    /// Known photos found at a new path (their metadata kept).
    pub moved: u64,
    /// Known photos whose file changed in place (their metadata kept).
    pub updated: u64,
    /// Known photos whose file has gone (their metadata kept).
    pub missing: u64,
    pub errors: Vec<FileError>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FileError {
    pub object_key: String,
    pub detail: String,
}

const ALREADY_RUNNING: &str = "A rescan is already running.";

#[derive(Debug, thiserror::Error)]
pub enum RescanError {
    #[error("A rescan is already running.")]
    AlreadyRunning,
    #[error(transparent)]
    Server(#[from] ServerError),
}

impl From<RescanError> for ServerError {
    fn from(e: RescanError) -> Self {
        match e {
            RescanError::AlreadyRunning => ServerError::Conflict(ALREADY_RUNNING.into()),
            RescanError::Server(e) => e,
        }
    }
}

/// Live counts of the running scan, published to Redis twice a second.
#[derive(Default)]
struct Counters {
    total: AtomicU64,
    seen: AtomicU64,
    imported: AtomicU64,
    skipped: AtomicU64,
    errors: AtomicU64,
}

impl Counters {
    fn status(&self, running: bool, started_at: &str) -> Status {
        Status {
            running,
            total: self.total.load(Ordering::Relaxed),
            seen: self.seen.load(Ordering::Relaxed),
            imported: self.imported.load(Ordering::Relaxed),
            skipped: self.skipped.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            started_at: Some(started_at.to_owned()),
            finished_at: None,
            summary: None,
        }
    }

    fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }
}

/// How long the lock lives without being renewed: a crashed instance frees
/// it within this time.
const LOCK_TTL_MS: u64 = 30_000;
/// How often a running scan renews its lock and publishes its progress.
const TICK: Duration = Duration::from_millis(500);
/// How long the last scan's summary stays visible.
const STATUS_TTL_SECS: i64 = 7 * 86_400;

/// Runs rescans and uploads' imports.
#[derive(Clone)]
pub struct Scanner {
    pub db: DatabaseConnection,
    pub library: Library,
    lock: SharedLock,
    workers: usize,
}

/// What the database knew of a path before the scan.
struct Known {
    id: Uuid,
    size: i64,
    mtime: i64,
    missing: bool,
}

/// What a worker found out about one file.
enum Outcome {
    /// Hashed only: the content is already in the library.
    KnownContent {
        entry: WalkEntry,
        hash: String,
    },
    /// New content, probed and rendered.
    Probed {
        entry: WalkEntry,
        probed: Probed,
    },
    Failed {
        key: String,
        detail: String,
    },
}

/// How one upload ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadOutcome {
    Imported {
        id: String,
    },
    /// The library has this content already: the id of that photo.
    Duplicate {
        id: String,
    },
    /// The library had this content but its file had gone: the upload
    /// brought it back, with what people wrote about it.
    Restored {
        id: String,
    },
    Refused(String),
}

impl Scanner {
    pub fn new(db: DatabaseConnection, library: Library, lock: SharedLock) -> Self {
        let workers = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        library.clean_incoming();
        Scanner {
            db,
            library,
            lock,
            workers,
        }
    }

    /// The state of the running or last rescan (any instance's).
    pub async fn status(&self) -> ServerResult<Status> {
        let mut status: Status = self
            .lock
            .status()
            .await?
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default();
        if status.running {
            // A crashed instance leaves "running" behind: the lock tells.
            status.running = self.lock.is_held().await?;
        }
        Ok(status)
    }

    /// Progress is best effort: a Redis hiccup must not stop a scan.
    async fn publish(&self, status: &Status) {
        let Ok(json) = serde_json::to_string(status) else {
            return;
        };
        if let Err(err) = self.lock.set_status(json, STATUS_TTL_SECS).await {
            tracing::warn!(%err, "could not publish rescan progress");
        }
    }

    /// Takes the cross-instance lock, or says a rescan is running.
    async fn lock(&self) -> Result<LockToken, RescanError> {
        self.lock
            .acquire(LOCK_TTL_MS)
            .await?
            .ok_or(RescanError::AlreadyRunning)
    }

    /// Starts a rescan in the background (the admin button): answers at once,
    /// or says one is running. Progress is in [`Scanner::status`].
    pub async fn start(&self) -> Result<(), RescanError> {
        let token = self.lock().await?;
        let this = self.clone();
        tokio::spawn(async move {
            if let Err(err) = this.run_locked(token).await {
                // Logged with its cause; the admin page shows the summary.
                err.to_app_error();
            }
        });
        Ok(())
    }

    /// Runs a rescan to the end and answers its report.
    pub async fn run(&self) -> Result<Report, RescanError> {
        let token = self.lock().await?;
        Ok(self.run_locked(token).await?)
    }

    async fn run_locked(&self, token: LockToken) -> ServerResult<Report> {
        let counters = Arc::new(Counters::default());
        let started = photos::format_version(photos::now_micros());
        self.publish(&counters.status(true, &started)).await;

        // Renews the lock and publishes progress while the scan runs.
        let ticker = {
            let this = self.clone();
            let token = token.clone();
            let counters = counters.clone();
            let started = started.clone();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(TICK);
                loop {
                    tick.tick().await;
                    this.publish(&counters.status(true, &started)).await;
                    match this.lock.renew(&token, LOCK_TTL_MS).await {
                        Ok(true) => {}
                        Ok(false) => tracing::warn!("the rescan lock was lost"),
                        Err(err) => tracing::warn!(%err, "could not renew the rescan lock"),
                    }
                }
            })
        };
        let result = self.scan(&counters).await;
        ticker.abort();

        let mut last = counters.status(false, &started);
        last.finished_at = Some(photos::format_version(photos::now_micros()));
        last.summary = Some(match &result {
            Ok(r) => format!(
                "Imported {}, skipped {}, moved {}, updated {}, missing {}, errors {}.",
                r.imported.len(),
                r.skipped,
                r.moved,
                r.updated,
                r.missing,
                r.errors.len()
            ),
            Err(_) => "The rescan failed; see the server log.".into(),
        });
        self.publish(&last).await;
        if let Err(err) = self.lock.release(&token).await {
            tracing::warn!(%err, "could not release the rescan lock (it expires by itself)");
        }
        result
    }

    async fn scan(&self, counters: &Arc<Counters>) -> ServerResult<Report> {
        let rows = photos::scan_index(&self.db).await?;
        let mut by_key: HashMap<String, Known> = HashMap::with_capacity(rows.len());
        let mut known_hashes: HashSet<String> = HashSet::with_capacity(rows.len());
        for (id, key, hash, size, mtime, missing) in rows {
            known_hashes.insert(hash);
            by_key.insert(
                key,
                Known {
                    id,
                    size,
                    mtime,
                    missing,
                },
            );
        }

        let library = self.library.clone();
        let walked = tokio::task::spawn_blocking(move || library.walk())
            .await
            .map_err(|e| ServerError::Internal(anyhow::anyhow!("walk: {e}")))?;
        let mut report = Report::default();
        let mut entries = Vec::with_capacity(walked.len());
        for item in walked {
            match item {
                Ok(entry) => entries.push(entry),
                Err(e) => report.errors.push(FileError {
                    object_key: e.key,
                    detail: e.detail,
                }),
            }
        }
        Counters::add(&counters.errors, report.errors.len() as u64);
        counters.total.store(
            (entries.len() + report.errors.len()) as u64,
            Ordering::Relaxed,
        );
        Counters::add(&counters.seen, report.errors.len() as u64);

        let present: HashSet<&str> = entries.iter().map(|e| e.key.as_str()).collect();
        let vanished: HashSet<String> = by_key
            .iter()
            .filter(|(k, v)| !v.missing && !present.contains(k.as_str()))
            .map(|(k, _)| k.clone())
            .collect();

        // Unchanged files are settled without reading them.
        let mut work = Vec::new();
        let mut back = Vec::new();
        for entry in entries {
            match by_key.get(entry.key.as_str()) {
                Some(k) if k.size == entry.size as i64 && k.mtime == entry.mtime => {
                    if k.missing {
                        back.push(k.id);
                    }
                    report.skipped += 1;
                }
                _ => work.push(entry),
            }
        }
        Counters::add(&counters.seen, report.skipped);
        Counters::add(&counters.skipped, report.skipped);
        photos::mark_present(&self.db, &back).await?;

        // Hash (and, for new content, decode and render) on blocking
        // threads, at most one file per core at a time; record the results
        // here, one at a time, as they come.
        let known_hashes = Arc::new(known_hashes);
        let mut jobs: JoinSet<Outcome> = JoinSet::new();
        let mut pending = work.into_iter();
        let mut moved_from: HashSet<String> = HashSet::new();
        loop {
            while jobs.len() < self.workers {
                let Some(entry) = pending.next() else { break };
                let library = self.library.clone();
                let known = known_hashes.clone();
                jobs.spawn_blocking(move || examine(&library, entry, &known));
            }
            let Some(done) = jobs.join_next().await else {
                break;
            };
            Counters::add(&counters.seen, 1);
            let outcome = done.unwrap_or_else(|e| {
                tracing::error!(error = %e, "a rescan worker panicked");
                Outcome::Failed {
                    key: String::new(),
                    detail: "The file could not be processed.".into(),
                }
            });
            let recorded = match outcome {
                Outcome::Failed { key, detail } => {
                    Counters::add(&counters.errors, 1);
                    report.errors.push(FileError {
                        object_key: key,
                        detail,
                    });
                    continue;
                }
                Outcome::KnownContent { entry, hash } => {
                    let file = KnownFile {
                        object_key: entry.key.as_str(),
                        content_hash: &hash,
                        byte_size: entry.size,
                        file_mtime: entry.mtime,
                        uploaded_by: None,
                    };
                    match photos::record_known(&self.db, &file, &vanished).await? {
                        Some(recorded) => recorded,
                        // Its photo was deleted meanwhile: nothing to attach to.
                        None => Recorded::Duplicate { id: Uuid::nil() },
                    }
                }
                Outcome::Probed { entry, probed } => {
                    photos::record_file(&self.db, facts(&entry, &probed, None), &vanished).await?
                }
            };
            match recorded {
                Recorded::New(id) => {
                    Counters::add(&counters.imported, 1);
                    report.imported.push(id.to_string());
                }
                Recorded::Moved { from, .. } => {
                    moved_from.insert(from);
                    report.moved += 1;
                    Counters::add(&counters.skipped, 1);
                }
                Recorded::Replaced(_) => {
                    report.updated += 1;
                    Counters::add(&counters.skipped, 1);
                }
                Recorded::Unchanged(_) | Recorded::Duplicate { .. } => {
                    report.skipped += 1;
                    Counters::add(&counters.skipped, 1);
                }
            }
        }

        let gone: Vec<String> = vanished.difference(&moved_from).cloned().collect();
        report.missing = photos::mark_missing(&self.db, &gone).await?;
        Ok(report)
    }

    /// Imports one received upload: a copy of a photo the library has is
    /// reported (and not kept); anything else is probed, rendered, moved
    /// into `uploads/YYYY/MM/` and recorded like a rescan would.
    pub async fn import_upload(
        &self,
        upload: IncomingUpload,
        filename: &str,
        uploaded_by: Uuid,
    ) -> ServerResult<UploadOutcome> {
        let existing = photos::find_by_hash(&self.db, &upload.hash).await?;
        if let Some(existing) = &existing {
            if !existing.missing {
                return Ok(UploadOutcome::Duplicate {
                    id: existing.id.to_string(),
                });
            }
        }
        let library = self.library.clone();
        let path = upload.path.clone();
        let hash = upload.hash.clone();
        let probed = tokio::task::spawn_blocking(move || {
            let bytes = library
                .read(&path)
                .map_err(|_| crate::server::library::ProbeError::Unreadable)?;
            library.probe_and_render(&bytes, hash)
        })
        .await
        .map_err(|e| ServerError::Internal(anyhow::anyhow!("probe: {e}")))?;
        let probed = match probed {
            Ok(p) => p,
            Err(e) => return Ok(UploadOutcome::Refused(e.to_string())),
        };
        let key = self
            .library
            .place_upload(upload, filename, chrono::Utc::now())
            .await
            .map_err(|e| ServerError::Internal(anyhow::anyhow!("placing an upload: {e}")))?;
        let mtime = tokio::fs::metadata(self.library.root().join(key.as_str()))
            .await
            .map(|m| crate::server::library::mtime_secs(&m))
            .unwrap_or_default();
        let entry = WalkEntry {
            key: key.clone(),
            path: self.library.root().join(key.as_str()),
            size: probed.size,
            mtime,
        };
        let recorded = photos::record_file(
            &self.db,
            facts(&entry, &probed, Some(uploaded_by)),
            &HashSet::new(),
        )
        .await?;
        Ok(match recorded {
            Recorded::New(id) | Recorded::Unchanged(id) | Recorded::Replaced(id) => {
                UploadOutcome::Imported { id: id.to_string() }
            }
            Recorded::Moved { id, .. } => UploadOutcome::Restored { id: id.to_string() },
            Recorded::Duplicate { id } => {
                // Imported by someone else a moment ago: keep one copy.
                if let Err(err) = self.library.remove(&key) {
                    tracing::warn!(%err, key = %key, "could not remove a duplicate upload");
                }
                UploadOutcome::Duplicate { id: id.to_string() }
            }
        })
    }
}

/// Hashes a file and, when its content is new, probes and renders it.
fn examine(library: &Library, entry: WalkEntry, known: &HashSet<String>) -> Outcome {
    let bytes = match library.read(&entry.path) {
        Ok(bytes) => bytes,
        Err(_) => {
            return Outcome::Failed {
                key: entry.key.to_string(),
                detail: "The file could not be read.".into(),
            }
        }
    };
    let hash = hash_bytes(&bytes);
    if known.contains(&hash) {
        return Outcome::KnownContent { entry, hash };
    }
    match library.probe_and_render(&bytes, hash) {
        Ok(probed) => Outcome::Probed { entry, probed },
        Err(e) => Outcome::Failed {
            key: entry.key.to_string(),
            detail: e.to_string(),
        },
    }
}

fn facts(entry: &WalkEntry, p: &Probed, uploaded_by: Option<Uuid>) -> FileFacts {
    FileFacts {
        object_key: entry.key.as_str().to_owned(),
        content_hash: p.hash.clone(),
        byte_size: p.size,
        file_mtime: entry.mtime,
        width: p.width,
        height: p.height,
        media_type: p.media_type.mime().to_owned(),
        taken_at: p.taken_at,
        camera_make: p.camera_make.clone(),
        camera_model: p.camera_model.clone(),
        orientation: p.orientation,
        uploaded_by,
    }
}
