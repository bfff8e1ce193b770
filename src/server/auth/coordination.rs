//! State that every instance shares but that is not a token: the rescan
//! lock and the rescan progress. It lives in Redis like the rest (nothing
//! shared may live in one process's memory), so it is kept here, beside the
//! other code that talks to Redis.

use fred::{
    clients::Pool,
    interfaces::{KeysInterface, LuaInterface},
    types::{Expiration, SetOptions},
};

use super::redis::Keys;
use crate::server::error::ServerResult;

const RELEASE: &str = r#"if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end"#;
const RENEW: &str = r#"if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end"#;

/// A lock held by at most one instance at a time, with a lifetime so that a
/// crashed holder frees it by itself, and a status document beside it.
#[derive(Clone)]
pub struct SharedLock {
    pool: Pool,
    lock_key: String,
    status_key: String,
}

/// Proof of holding the lock: only its holder can renew or release it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockToken(String);

impl SharedLock {
    pub(super) fn new(pool: Pool, keys: &Keys, name: &str) -> Self {
        SharedLock {
            pool,
            lock_key: format!("{}{name}:lock", keys.prefix()),
            status_key: format!("{}{name}:status", keys.prefix()),
        }
    }

    /// Takes the lock for `ttl_ms`, or `None` when someone holds it.
    pub async fn acquire(&self, ttl_ms: u64) -> ServerResult<Option<LockToken>> {
        let token = uuid::Uuid::new_v4().to_string();
        let set: Option<String> = self
            .pool
            .set(
                &self.lock_key,
                token.clone(),
                Some(Expiration::PX(ttl_ms as i64)),
                Some(SetOptions::NX),
                false,
            )
            .await?;
        Ok(set.map(|_| LockToken(token)))
    }

    /// Extends the lock; false when it was lost (expired, taken over).
    pub async fn renew(&self, token: &LockToken, ttl_ms: u64) -> ServerResult<bool> {
        let renewed: i64 = self
            .pool
            .eval(
                RENEW,
                vec![self.lock_key.clone()],
                vec![token.0.clone(), ttl_ms.to_string()],
            )
            .await?;
        Ok(renewed == 1)
    }

    /// Gives the lock up, if it is still ours.
    pub async fn release(&self, token: &LockToken) -> ServerResult<()> {
        let _: i64 = self
            .pool
            .eval(RELEASE, vec![self.lock_key.clone()], vec![token.0.clone()])
            .await?;
        Ok(())
    }

    /// True when some instance holds the lock.
    pub async fn is_held(&self) -> ServerResult<bool> {
        Ok(self.pool.exists(&self.lock_key).await?)
    }

    /// Writes the status document (JSON), kept for `ttl_secs`.
    pub async fn set_status(&self, json: String, ttl_secs: i64) -> ServerResult<()> {
        let _: () = self
            .pool
            .set(
                &self.status_key,
                json,
                Some(Expiration::EX(ttl_secs)),
                None,
                false,
            )
            .await?;
        Ok(())
    }

    pub async fn status(&self) -> ServerResult<Option<String>> {
        Ok(self.pool.get(&self.status_key).await?)
    }
}
