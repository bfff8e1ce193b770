//! Reading and revoking a user's live sessions through their index.

use fred::{
    clients::Pool,
    interfaces::{KeysInterface, SortedSetsInterface},
};
use uuid::Uuid;

use super::{redis::Keys, store::SessionAuth};
use crate::server::error::ServerResult;

/// One live browser session, as the index knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionEntry {
    pub handle: String,
    pub auth: SessionAuth,
    /// Unix seconds when Redis drops it.
    pub expires_at: i64,
}

pub struct Sessions {
    pool: Pool,
    keys: Keys,
}

/// The part of a stored session record the listing needs.
#[derive(serde::Deserialize)]
struct RecordAuth {
    data: RecordData,
}

#[derive(serde::Deserialize)]
struct RecordData {
    #[serde(rename = "auth", default)]
    auth: Option<SessionAuth>,
}

impl Sessions {
    pub fn new(pool: Pool, keys: Keys) -> Self {
        Sessions { pool, keys }
    }

    /// The user's live sessions, oldest first. Entries whose record has
    /// expired or been deleted are pruned from the index on the way.
    pub async fn list_for_user(&self, user_id: Uuid) -> ServerResult<Vec<SessionEntry>> {
        let index = self.keys.user_sessions(&user_id);
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let _: i64 = self
            .pool
            .zremrangebyscore(&index, f64::NEG_INFINITY, now as f64)
            .await?;
        let members: Vec<(String, f64)> = self
            .pool
            .zrange(&index, 0, -1, None, false, None, true)
            .await?;
        if members.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<String> = members.iter().map(|(h, _)| self.keys.session(h)).collect();
        let bodies: Vec<Option<String>> = self.pool.mget(keys).await?;
        let mut live = Vec::with_capacity(members.len());
        let mut stale = Vec::new();
        for ((handle, score), body) in members.into_iter().zip(bodies) {
            // Only who and where: the rest of the record is not decoded.
            let auth = body
                .and_then(|b| serde_json::from_str::<RecordAuth>(&b).ok())
                .and_then(|r| r.data.auth);
            match auth {
                Some(auth) if auth.user_id == user_id => live.push(SessionEntry {
                    handle,
                    auth,
                    expires_at: score as i64,
                }),
                _ => stale.push(handle),
            }
        }
        if !stale.is_empty() {
            let _: () = self.pool.zrem(&index, stale).await?;
        }
        live.sort_by_key(|s| s.auth.created_at);
        Ok(live)
    }

    /// Whose live browser session this handle is, if anyone's.
    pub async fn owner_of(&self, handle: &str) -> ServerResult<Option<Uuid>> {
        let body: Option<String> = self.pool.get(self.keys.session(handle)).await?;
        Ok(body
            .and_then(|b| serde_json::from_str::<RecordAuth>(&b).ok())
            .and_then(|r| r.data.auth)
            .map(|a| a.user_id))
    }

    /// Ends one browser session of the user; false when it is not theirs.
    pub async fn revoke_for_user(&self, user_id: Uuid, handle: &str) -> ServerResult<bool> {
        let index = self.keys.user_sessions(&user_id);
        let listed: Option<f64> = self.pool.zscore(&index, handle).await?;
        if listed.is_none() {
            return Ok(false);
        }
        let _: () = self.pool.del(self.keys.session(handle)).await?;
        let _: () = self.pool.zrem(&index, handle).await?;
        Ok(true)
    }

    /// Ends every session of the user except `keep` (a handle). Returns how
    /// many were ended.
    pub async fn revoke_all_for_user(
        &self,
        user_id: Uuid,
        keep: Option<&str>,
    ) -> ServerResult<usize> {
        let index = self.keys.user_sessions(&user_id);
        let handles: Vec<String> = self
            .pool
            .zrange(&index, 0, -1, None, false, None, false)
            .await?;
        let doomed: Vec<String> = handles
            .into_iter()
            .filter(|h| Some(h.as_str()) != keep)
            .collect();
        if doomed.is_empty() {
            return Ok(0);
        }
        let keys: Vec<String> = doomed.iter().map(|h| self.keys.session(h)).collect();
        let _: () = self.pool.del(keys).await?;
        let _: () = self.pool.zrem(&index, doomed.clone()).await?;
        Ok(doomed.len())
    }
}
