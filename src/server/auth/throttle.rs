//! Sign-in throttling, shared by every instance through Redis.
//!
//! Failed sign-ins are counted per username and address and per address
//! alone, in fixed windows. Past either limit the answer is 429 with
//! `Retry-After` until the window ends. Counting per username *and* address
//! means an attacker elsewhere cannot lock a person out from their own
//! address.

use std::time::Duration;

use fred::{
    clients::Pool,
    interfaces::{KeysInterface, LuaInterface},
};
use sha2::{Digest, Sha256};

use super::redis::Keys;
use crate::server::error::{ServerError, ServerResult};

#[derive(Debug, Clone, Copy)]
pub struct ThrottleLimits {
    pub per_user_ip: u64,
    pub per_ip: u64,
    pub window: Duration,
}

/// Counts one failure in a fixed window: the first one starts the clock.
const RECORD: &str = r#"
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
"#;

pub struct Throttle {
    pool: Pool,
    keys: Keys,
    limits: ThrottleLimits,
}

impl Throttle {
    pub fn new(pool: Pool, keys: Keys, limits: ThrottleLimits) -> Self {
        Throttle { pool, keys, limits }
    }

    fn user_ip_key(&self, username: &str, ip: &str) -> String {
        // Hashed: the key names no username or address in clear.
        let digest = Sha256::digest(format!("{}\n{ip}", username.to_lowercase()).as_bytes());
        format!(
            "{}throttle:user_ip:{}",
            self.keys.prefix(),
            hex::encode(&digest[..16])
        )
    }

    fn ip_key(&self, ip: &str) -> String {
        let digest = Sha256::digest(ip.as_bytes());
        format!(
            "{}throttle:ip:{}",
            self.keys.prefix(),
            hex::encode(&digest[..16])
        )
    }

    /// Refuses with `TooManyRequests` when either limit is reached.
    pub async fn check(&self, username: &str, ip: &str) -> ServerResult<()> {
        let user_ip = self.user_ip_key(username, ip);
        let by_ip = self.ip_key(ip);
        let counts: Vec<Option<u64>> = self.pool.mget(vec![user_ip.clone(), by_ip.clone()]).await?;
        let over = |i: usize, limit: u64| counts.get(i).copied().flatten().unwrap_or(0) >= limit;
        let key = if over(0, self.limits.per_user_ip) {
            user_ip
        } else if over(1, self.limits.per_ip) {
            by_ip
        } else {
            return Ok(());
        };
        let ttl: i64 = self.pool.ttl(&key).await?;
        let retry_after_secs = if ttl > 0 {
            ttl as u64
        } else {
            self.limits.window.as_secs()
        };
        Err(ServerError::TooManyRequests { retry_after_secs })
    }

    pub async fn record_failure(&self, username: &str, ip: &str) -> ServerResult<()> {
        let window = self.limits.window.as_secs().max(1).to_string();
        for key in [self.user_ip_key(username, ip), self.ip_key(ip)] {
            let _: i64 = self
                .pool
                .eval(RECORD, vec![key], vec![window.clone()])
                .await?;
        }
        Ok(())
    }

    /// A successful sign-in clears the person's own counter (not the
    /// address's, which may be shared with an attacker).
    pub async fn clear(&self, username: &str, ip: &str) -> ServerResult<()> {
        let _: i64 = self.pool.del(self.user_ip_key(username, ip)).await?;
        Ok(())
    }
}
