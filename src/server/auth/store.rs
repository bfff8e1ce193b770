//! The session store behind tower-sessions.
//!
//! Sessions live in Redis under `{prefix}session:{handle}`, where the handle
//! is a SHA-256 of the cookie value: a Redis dump holds no usable cookie, and
//! the handle doubles as the public id admins revoke a session by. A signed-in
//! session is also listed in its user's index (`{prefix}user:{id}:sessions`,
//! a sorted set of handles scored by expiry), which is what "list my devices"
//! and "sign out everywhere" read.
//!
//! tower-sessions-redis-store 0.16 writes bare ids without a prefix and keeps
//! no index, which is why Tagline has its own store on the same fred client
//! (see docs/adr/0002-own-session-store.md).

use std::time::Duration;

use async_trait::async_trait;
use fred::{
    clients::Pool,
    interfaces::{KeysInterface, SortedSetsInterface},
    types::{Expiration, SetOptions},
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tower_sessions::{
    session::{Id, Record},
    session_store, SessionStore,
};

use super::redis::Keys;

/// The session-data key that holds who is signed in.
pub const AUTH_KEY: &str = "auth";

/// Who a session belongs to and where it came from; written at sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionAuth {
    pub user_id: uuid::Uuid,
    /// Unix seconds of sign-in: the absolute lifetime counts from here.
    pub created_at: i64,
    /// Unix seconds of the last request, written back at most once per
    /// touch interval.
    pub last_seen: i64,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// The public handle of a session: a hash of its cookie value.
pub fn handle_of(id: &Id) -> String {
    let digest = Sha256::digest(id.to_string().as_bytes());
    hex::encode(&digest[..16])
}

pub fn auth_of(record: &Record) -> Option<SessionAuth> {
    record
        .data
        .get(AUTH_KEY)
        .and_then(|v| serde_json::from_value(v.clone()).ok())
}

#[derive(Debug, Clone)]
pub struct RedisSessionStore {
    pool: Pool,
    keys: Keys,
    absolute_lifetime: Duration,
}

fn backend(err: fred::error::Error) -> session_store::Error {
    session_store::Error::Backend(err.to_string())
}

impl RedisSessionStore {
    pub fn new(pool: Pool, keys: Keys, absolute_lifetime: Duration) -> Self {
        RedisSessionStore {
            pool,
            keys,
            absolute_lifetime,
        }
    }

    /// Writes the record (NX for a new session, XX for an existing one, so a
    /// revoked session is never brought back by a late save) and lists it in
    /// its user's index. Returns false when the condition failed.
    async fn write(&self, record: &Record, condition: SetOptions) -> session_store::Result<bool> {
        let auth = auth_of(record);
        let absolute = self.absolute_lifetime.as_secs() as i64;
        let mut expires_at = record.expiry_date.unix_timestamp();
        if let Some(auth) = &auth {
            expires_at = expires_at.min(auth.created_at + absolute);
        }
        let handle = handle_of(&record.id);
        let key = self.keys.session(&handle);
        if expires_at <= time::OffsetDateTime::now_utc().unix_timestamp() {
            // Past its lifetime: make sure it is gone rather than written.
            self.remove(&handle, auth.as_ref()).await?;
            return Ok(true);
        }
        let body = serde_json::to_string(record)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?;
        let written: Option<String> = self
            .pool
            .set(
                &key,
                body,
                Some(Expiration::EXAT(expires_at)),
                Some(condition),
                false,
            )
            .await
            .map_err(backend)?;
        if written.is_none() {
            return Ok(false);
        }
        if let Some(auth) = auth {
            let index = self.keys.user_sessions(&auth.user_id);
            let _: () = self
                .pool
                .zadd(
                    &index,
                    None,
                    None,
                    false,
                    false,
                    (expires_at as f64, handle.as_str()),
                )
                .await
                .map_err(backend)?;
            // Any live session of this user ends within one absolute
            // lifetime from now, so the index may go with it.
            let _: () = self
                .pool
                .expire(&index, absolute + 60, None)
                .await
                .map_err(backend)?;
        }
        Ok(true)
    }

    async fn remove(&self, handle: &str, auth: Option<&SessionAuth>) -> session_store::Result<()> {
        let _: () = self
            .pool
            .del(self.keys.session(handle))
            .await
            .map_err(backend)?;
        if let Some(auth) = auth {
            let _: () = self
                .pool
                .zrem(self.keys.user_sessions(&auth.user_id), handle)
                .await
                .map_err(backend)?;
        }
        Ok(())
    }

    async fn load_by_handle(&self, handle: &str) -> session_store::Result<Option<Record>> {
        let body: Option<String> = self
            .pool
            .get(self.keys.session(handle))
            .await
            .map_err(backend)?;
        Ok(body.and_then(|b| match serde_json::from_str::<Record>(&b) {
            Ok(record) => Some(record),
            Err(err) => {
                // A record we cannot read is no session at all.
                tracing::warn!(%err, "undecodable session record ignored");
                None
            }
        }))
    }
}

#[async_trait]
impl SessionStore for RedisSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        while !self.write(record, SetOptions::NX).await? {
            record.id = Id::default();
        }
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.write(record, SetOptions::XX).await.map(|_| ())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        self.load_by_handle(&handle_of(id)).await
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        let handle = handle_of(id);
        let auth = self
            .load_by_handle(&handle)
            .await?
            .as_ref()
            .and_then(auth_of);
        self.remove(&handle, auth.as_ref()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_are_stable_hashes_not_the_id() {
        let id = Id::default();
        let h = handle_of(&id);
        assert_eq!(h.len(), 32);
        assert_eq!(h, handle_of(&id));
        assert!(!h.contains(&id.to_string()));
        assert_ne!(h, handle_of(&Id::default()));
    }
}
