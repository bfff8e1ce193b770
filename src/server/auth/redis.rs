//! The Redis pool and the key layout.

use std::sync::Arc;

use fred::{
    clients::Pool,
    interfaces::ClientLike,
    types::{
        config::{Config as RedisConfig, ReconnectPolicy},
        Builder,
    },
};

use crate::server::config::Config;

const POOL_SIZE: usize = 4;

/// Builds the pool with a command timeout (without one a request would hang
/// for as long as Redis is down) and a reconnect policy that never gives up,
/// then starts connecting in the background.
pub fn connect(config: &Config) -> anyhow::Result<Pool> {
    let mut redis_config =
        RedisConfig::from_url(&config.redis_url).map_err(|e| anyhow::anyhow!("REDIS_URL: {e}"))?;
    // Keep retrying the first connection too: the app must start, answer
    // 503, and recover by itself when Redis comes up.
    redis_config.fail_fast = false;
    let timeout = config.redis_command_timeout;
    let pool = Builder::from_config(redis_config)
        .with_performance_config(|p| p.default_command_timeout = timeout)
        .with_connection_config(|c| {
            c.connection_timeout = timeout;
            c.internal_command_timeout = timeout;
            c.max_command_attempts = 2;
        })
        .set_policy(ReconnectPolicy::new_exponential(0, 50, 1_000, 2))
        .build_pool(POOL_SIZE)?;
    // The handle is dropped on purpose: the connection tasks live as long as
    // the pool, reconnecting under the policy above.
    drop(pool.connect());
    Ok(pool)
}

/// Key names under `REDIS_PREFIX`. Every key Tagline writes is built here.
#[derive(Debug, Clone)]
pub struct Keys {
    prefix: Arc<str>,
}

impl Keys {
    pub fn new(prefix: &str) -> Self {
        Keys {
            prefix: Arc::from(prefix),
        }
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// A browser session's record, by the hash of its cookie value.
    pub fn session(&self, handle: &str) -> String {
        format!("{}session:{handle}", self.prefix)
    }

    /// The sorted set of a user's live session handles, scored by expiry.
    pub fn user_sessions(&self, user_id: &uuid::Uuid) -> String {
        format!("{}user:{user_id}:sessions", self.prefix)
    }
}
