//! Authentication, and the only code in Tagline that talks to Redis.
//!
//! - [`passwords`]: argon2id hashing off the async runtime.
//! - [`redis`]: the connection pool (command timeout, reconnect policy) and
//!   the key layout under `REDIS_PREFIX`.
//! - [`store`]: the tower-sessions store: browser sessions in Redis, keyed by
//!   a hash of the cookie value, with a per-user index of live sessions.
//! - [`sessions`]: listing and revoking a user's sessions.
//! - [`throttle`]: counting failed sign-ins, shared by every instance.
//! - [`tokens`]: API access and rotating refresh tokens, in families.
//! - [`current_user`]: the "who is asking" check every request goes through,
//!   by session cookie or bearer token.
//! - [`coordination`]: what instances share that is not a token (the rescan
//!   lock and its progress).
//! - [`user_cache`]: user rows kept briefly per instance, dropped on every
//!   instance when a user changes (announced over Redis pub/sub).

pub mod coordination;
pub mod current_user;
pub mod passwords;
pub mod redis;
pub mod registry;
pub mod sessions;
pub mod store;
pub mod throttle;
pub mod tokens;
pub mod user_cache;

use std::{sync::Arc, time::Duration};

use fred::{clients::Pool, interfaces::ClientLike};
use tower_sessions::{cookie::SameSite, Expiry, SessionManagerLayer};

pub use current_user::CurrentUser;
pub use store::{SessionAuth, AUTH_KEY};

use crate::server::{config::Config, error::ServerResult};

/// Everything authentication needs, cheap to clone.
#[derive(Clone)]
pub struct Auth {
    pool: Pool,
    keys: redis::Keys,
    pub passwords: passwords::Passwords,
    settings: Arc<SessionSettings>,
    lifetimes: tokens::TokenLifetimes,
    throttle_limits: throttle::ThrottleLimits,
    users: user_cache::UserCache,
}

/// Session lifetimes and cookie settings, fixed at start-up.
#[derive(Debug)]
pub struct SessionSettings {
    pub idle_timeout: Duration,
    pub absolute_lifetime: Duration,
    /// How often `last_seen` (and with it the idle expiry) is written back.
    pub touch_interval: Duration,
    pub cookie_name: &'static str,
    pub secure_cookies: bool,
}

impl Auth {
    /// Builds the Redis pool and starts connecting in the background, so the
    /// app starts (and answers 503) even while Redis is down.
    pub fn new(config: &Config) -> anyhow::Result<Self> {
        let pool = redis::connect(config)?;
        let idle = config.session_idle_timeout;
        let redis_config = fred::types::config::Config::from_url(&config.redis_url)
            .map_err(|e| anyhow::anyhow!("REDIS_URL: {e}"))?;
        let users = user_cache::UserCache::start(
            pool.clone(),
            redis_config,
            &config.redis_prefix,
            config.redis_command_timeout,
        );
        Ok(Auth {
            users,
            pool,
            keys: redis::Keys::new(&config.redis_prefix),
            passwords: passwords::Passwords::new(config.password_hash_concurrency)?,
            settings: Arc::new(SessionSettings {
                idle_timeout: idle,
                absolute_lifetime: config.session_absolute_lifetime,
                touch_interval: (idle / 10).min(Duration::from_secs(60)),
                cookie_name: config.session_cookie_name(),
                secure_cookies: config.secure_cookies(),
            }),
            lifetimes: tokens::TokenLifetimes {
                access: config.access_token_lifetime,
                refresh_idle: config.refresh_token_idle_lifetime,
                refresh_absolute: config.refresh_token_absolute_lifetime,
            },
            throttle_limits: throttle::ThrottleLimits {
                per_user_ip: config.login_max_failures_per_user_ip,
                per_ip: config.login_max_failures_per_ip,
                window: config.login_throttle_window,
            },
        })
    }

    /// The lock (and progress document) of the rescan, shared by every
    /// instance.
    pub fn rescan_lock(&self) -> coordination::SharedLock {
        coordination::SharedLock::new(self.pool.clone(), &self.keys, "rescan")
    }

    /// User rows for "who is asking" (see [`user_cache`]).
    pub fn users(&self) -> &user_cache::UserCache {
        &self.users
    }

    pub fn settings(&self) -> &SessionSettings {
        &self.settings
    }

    /// Answers when Redis does, within the command timeout.
    pub async fn ping(&self) -> ServerResult<()> {
        let _: String = self.pool.ping(None).await?;
        Ok(())
    }

    /// The tower-sessions layer: HttpOnly, SameSite=Lax, path `/`; Secure and
    /// `__Host-` prefixed in production.
    pub fn session_layer(&self) -> SessionManagerLayer<store::RedisSessionStore> {
        let store = store::RedisSessionStore::new(
            self.pool.clone(),
            self.keys.clone(),
            self.settings.absolute_lifetime,
        );
        let idle =
            time::Duration::try_from(self.settings.idle_timeout).unwrap_or(time::Duration::DAY);
        SessionManagerLayer::new(store)
            .with_name(self.settings.cookie_name)
            .with_http_only(true)
            .with_same_site(SameSite::Lax)
            .with_secure(self.settings.secure_cookies)
            .with_path("/")
            .with_expiry(Expiry::OnInactivity(idle))
    }

    pub fn throttle(&self) -> throttle::Throttle {
        throttle::Throttle::new(self.pool.clone(), self.keys.clone(), self.throttle_limits)
    }

    pub fn tokens(&self) -> tokens::Tokens {
        tokens::Tokens::new(self.pool.clone(), self.keys.clone(), self.lifetimes)
    }

    pub fn sessions(&self) -> sessions::Sessions {
        sessions::Sessions::new(self.pool.clone(), self.keys.clone())
    }

    /// Closes the Redis connections (used by tests and on shutdown).
    pub async fn close(&self) {
        let _ = self.pool.quit().await;
    }
}
