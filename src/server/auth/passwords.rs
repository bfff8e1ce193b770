//! Password hashing with argon2id (OWASP parameters: m=19 MiB, t=2, p=1).
//!
//! Hashing is CPU-bound (~12 ms) and takes 19 MiB, so it runs on a few
//! threads of its own (`PASSWORD_HASH_CONCURRENCY`), fed by a queue: a burst
//! of sign-ins waits in line instead of starving the runtime. Own threads
//! rather than the blocking pool also bound memory: the allocator keeps a
//! freed 19 MiB block in the arena of the thread that used it, so hashes
//! spread over the blocking pool's many threads left hundreds of MB behind
//! (measured: 429 MB peak after 200 concurrent sign-ins; see `make bench`).

use std::sync::{mpsc, Arc, Mutex};

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};

use crate::{
    model::Password,
    server::error::{ServerError, ServerResult},
};

type Job = Box<dyn FnOnce() + Send>;

#[derive(Clone)]
pub struct Passwords {
    /// The hashing threads' queue; they end when the last sender goes.
    jobs: mpsc::Sender<Job>,
    /// Verified against when the user does not exist, so an unknown username
    /// costs the same time as a wrong password.
    dummy_hash: Arc<str>,
}

fn hasher() -> Argon2<'static> {
    // Argon2::default() is argon2id v19 with m=19456 KiB, t=2, p=1.
    Argon2::default()
}

fn hash_now(password: &str) -> ServerResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ServerError::Internal(anyhow::anyhow!("argon2 hash: {e}")))
}

impl Passwords {
    pub fn new(concurrency: usize) -> anyhow::Result<Self> {
        let dummy = hash_now("tagline-dummy-password-for-unknown-users")
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..concurrency.max(1) {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || loop {
                    // Hold the lock only to take a job, not while hashing.
                    let job = match queue.lock() {
                        Ok(queue) => queue.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                })?;
        }
        Ok(Passwords {
            jobs,
            dummy_hash: Arc::from(dummy),
        })
    }

    pub async fn hash(&self, password: &Password) -> ServerResult<String> {
        let password = password.expose().to_owned();
        self.run(move || hash_now(&password)).await?
    }

    /// Checks `candidate` against `stored`, or against the dummy hash when
    /// there is no such user (the answer is then always `false`).
    pub async fn verify(&self, stored: Option<&str>, candidate: &str) -> ServerResult<bool> {
        let known = stored.is_some();
        let phc = stored.map_or_else(|| self.dummy_hash.to_string(), str::to_owned);
        let candidate = candidate.to_owned();
        let matches = self
            .run(move || {
                PasswordHash::new(&phc)
                    .map(|parsed| {
                        hasher()
                            .verify_password(candidate.as_bytes(), &parsed)
                            .is_ok()
                    })
                    .unwrap_or(false)
            })
            .await?;
        Ok(known && matches)
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> ServerResult<T> {
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = done.send(work());
        });
        self.jobs
            .send(job)
            .map_err(|_| ServerError::Internal(anyhow::anyhow!("the hashing threads are gone")))?;
        result
            .await
            .map_err(|_| ServerError::Internal(anyhow::anyhow!("a hashing job was dropped")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_phc_and_verify() {
        let p = Passwords::new(2).unwrap();
        let pw = Password::parse("correct horse battery").unwrap();
        let hash = p.hash(&pw).await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(p
            .verify(Some(&hash), "correct horse battery")
            .await
            .unwrap());
        assert!(!p.verify(Some(&hash), "wrong horse battery").await.unwrap());
    }

    #[tokio::test]
    async fn unknown_users_never_verify() {
        let p = Passwords::new(1).unwrap();
        // Even the dummy password itself does not sign anybody in.
        assert!(!p
            .verify(None, "tagline-dummy-password-for-unknown-users")
            .await
            .unwrap());
    }

    #[tokio::test]
    async fn a_corrupt_stored_hash_does_not_verify() {
        let p = Passwords::new(1).unwrap();
        assert!(!p
            .verify(Some("not-a-phc-string"), "whatever1")
            .await
            .unwrap());
    }
}
