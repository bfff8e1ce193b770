//! Password hashing with argon2id (OWASP parameters: m=19 MiB, t=2, p=1).
//!
//! Hashing is CPU-bound (~35 ms), so it runs on the blocking pool behind a
//! semaphore: a burst of sign-ins queues instead of starving the runtime or
//! exhausting memory.

use std::sync::Arc;

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use tokio::sync::Semaphore;

use crate::{
    model::Password,
    server::error::{ServerError, ServerResult},
};

#[derive(Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
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
        Ok(Passwords {
            permits: Arc::new(Semaphore::new(concurrency)),
            dummy_hash: Arc::from(dummy),
        })
    }

    /// Hashes a validated new password into a PHC string.
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
        let _permit =
            self.permits.acquire().await.map_err(|e| {
                ServerError::Internal(anyhow::anyhow!("hash semaphore closed: {e}"))
            })?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| ServerError::Internal(anyhow::anyhow!("hash task failed: {e}")))
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
