//! A short-lived copy of user rows, so "who is asking" costs one Redis
//! lookup (the session or token) and no database read.
//!
//! Whether a session or token is still valid is always asked of Redis, on
//! every request: revocation stays exact. What is cached is the user row
//! (role, name, disabled flag), and every change to a user is announced on
//! a Redis channel (`{prefix}users:changed`) that every instance listens
//! to, dropping its copy at once. The cache is used only while this
//! instance's listener is connected, and is emptied whenever it
//! (re)connects, so a message missed during an outage cannot leave a stale
//! row behind; entries also expire after [`TTL`] whatever happens.

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex, Weak,
    },
    time::{Duration, Instant},
};

use fred::{
    clients::{Pool, SubscriberClient},
    interfaces::{ClientLike, EventInterface, PubsubInterface},
    types::{config::Config as RedisConfig, Builder},
};
use sea_orm::{DatabaseConnection, DbErr};
use uuid::Uuid;

use crate::server::db::users;

/// The longest a cached row is used, even if no change was announced.
pub const TTL: Duration = Duration::from_secs(10);
/// Rows kept at most (a household has tens of users; a club hundreds).
const MAX_ENTRIES: usize = 10_000;

struct Inner {
    entries: Mutex<HashMap<Uuid, (Instant, users::Model)>>,
    /// True while the listener is subscribed: only then is the cache used.
    live: AtomicBool,
}

impl Inner {
    fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }

    fn evict(&self, id: &Uuid) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(id);
        }
    }
}

#[derive(Clone)]
pub struct UserCache {
    inner: Arc<Inner>,
    pool: Pool,
    channel: Arc<str>,
}

impl UserCache {
    /// Starts the listener (when a runtime is running; without one, as in a
    /// one-off command, the cache stays off and every lookup reads the
    /// database).
    pub fn start(pool: Pool, redis: RedisConfig, prefix: &str, timeout: Duration) -> Self {
        let cache = UserCache {
            inner: Arc::new(Inner {
                entries: Mutex::new(HashMap::new()),
                live: AtomicBool::new(false),
            }),
            pool,
            channel: Arc::from(format!("{prefix}users:changed")),
        };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(listen(
                Arc::downgrade(&cache.inner),
                redis,
                cache.channel.to_string(),
                timeout,
            ));
        }
        cache
    }

    /// The user with this id, from the cache when it may be used.
    pub async fn get(
        &self,
        db: &DatabaseConnection,
        id: Uuid,
    ) -> Result<Option<users::Model>, DbErr> {
        let live = self.inner.live.load(Ordering::Acquire);
        if live {
            if let Ok(entries) = self.inner.entries.lock() {
                if let Some((at, user)) = entries.get(&id) {
                    if at.elapsed() < TTL {
                        return Ok(Some(user.clone()));
                    }
                }
            }
        }
        let user = users::find_by_id(db, id).await?;
        if let (true, Some(user)) = (live, &user) {
            if let Ok(mut entries) = self.inner.entries.lock() {
                if entries.len() >= MAX_ENTRIES {
                    entries.retain(|_, (at, _)| at.elapsed() < TTL);
                    if entries.len() >= MAX_ENTRIES {
                        entries.clear();
                    }
                }
                entries.insert(id, (Instant::now(), user.clone()));
            }
        }
        Ok(user)
    }

    /// Announces that a user changed: every instance (this one at once)
    /// drops its copy.
    pub async fn changed(&self, id: Uuid) -> Result<(), fred::error::Error> {
        self.inner.evict(&id);
        let _: i64 = self
            .pool
            .next()
            .publish(self.channel.as_ref(), id.to_string())
            .await?;
        Ok(())
    }
}

/// Keeps one subscription to the channel, reconnecting after a second when
/// it is lost, for as long as the cache exists.
async fn listen(cache: Weak<Inner>, redis: RedisConfig, channel: String, timeout: Duration) {
    loop {
        let Some(inner) = cache.upgrade() else { return };
        inner.live.store(false, Ordering::Release);
        inner.clear();
        drop(inner);
        if let Ok(client) = subscribe(&redis, &channel, timeout).await {
            let mut messages = client.message_rx();
            if let Some(inner) = cache.upgrade() {
                // Anything announced while we were away is forgotten with
                // the whole cache (cleared above).
                inner.live.store(true, Ordering::Release);
            }
            let mut tick = tokio::time::interval(Duration::from_millis(500));
            loop {
                tokio::select! {
                    message = messages.recv() => {
                        let Some(inner) = cache.upgrade() else { break };
                        match message {
                            Ok(m) => match m.value.as_str().and_then(|v| v.parse::<Uuid>().ok()) {
                                Some(id) => inner.evict(&id),
                                None => inner.clear(),
                            },
                            // Missed messages: forget everything.
                            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => inner.clear(),
                            Err(_) => break,
                        }
                    }
                    _ = tick.tick() => {
                        if cache.strong_count() == 0 || !client.is_connected() {
                            break;
                        }
                    }
                }
            }
            if let Some(inner) = cache.upgrade() {
                inner.live.store(false, Ordering::Release);
                inner.clear();
            }
            let _ = client.quit().await;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn subscribe(
    redis: &RedisConfig,
    channel: &str,
    timeout: Duration,
) -> Result<SubscriberClient, fred::error::Error> {
    let mut config = redis.clone();
    config.fail_fast = true;
    let client = Builder::from_config(config)
        .with_performance_config(|p| p.default_command_timeout = timeout)
        .with_connection_config(|c| c.connection_timeout = timeout)
        .build_subscriber_client()?;
    // No reconnect policy: a lost connection ends this client and the
    // loop above makes a new one (and empties the cache meanwhile).
    let connection = client.init().await;
    if let Err(err) = connection {
        let _ = client.quit().await;
        return Err(err);
    }
    client.subscribe(channel).await?;
    Ok(client)
}
