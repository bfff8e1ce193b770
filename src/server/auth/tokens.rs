//! API tokens: short-lived access tokens and rotating refresh tokens, grouped
//! in families (one family per `POST /api/login`).
//!
//! Both kinds are 256 random bits, handed out once and stored only as their
//! SHA-256, so a Redis dump holds nothing a client could present. Rotation,
//! reuse detection and revocation run as Lua scripts, so each is one atomic
//! step: of many parallel refreshes with one token exactly one wins, and the
//! others find the token already used and end the whole family. Key layout
//! (under `REDIS_PREFIX`), see docs/adr/0004-api-tokens.md:
//!
//! - `api:access:{hash}` → `{family}|{user}`, expiring with the token
//! - `api:refresh:{hash}` → `{family}`, kept until the family's absolute end so
//!   that a used token is recognised
//! - `api:family:{id}` → hash: user, created, last used, current refresh
//!   hash, absolute end, ip, user agent; expires at the idle or absolute end
//! - `api:family:{id}:access` → set of the family's access-token hashes
//! - `user:{id}:api` → sorted set of the user's families by expiry

use std::time::Duration;

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use fred::{
    clients::Pool,
    interfaces::{HashesInterface, KeysInterface, LuaInterface, SortedSetsInterface},
};
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{current_user::unix_now, redis::Keys};
use crate::server::error::ServerResult;

const ACCESS_PREFIX: &str = "tgl_at_";
const REFRESH_PREFIX: &str = "tgl_rt_";

/// Lifetimes of API credentials.
#[derive(Debug, Clone, Copy)]
pub struct TokenLifetimes {
    pub access: Duration,
    pub refresh_idle: Duration,
    pub refresh_absolute: Duration,
}

/// A freshly issued pair, the only time the clear tokens exist server-side.
#[derive(Debug, Clone)]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: u64,
    pub family: String,
    pub user_id: Uuid,
}

/// What a refresh attempt found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refresh {
    Rotated(Box<RotatedPair>),
    /// Unknown, expired or revoked: nothing changed.
    Invalid,
    /// Already used: the whole family has just been revoked.
    Reused {
        user_id: Uuid,
        family: String,
    },
    /// Past the family's idle or absolute lifetime: revoked.
    Expired,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotatedPair {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: u64,
    pub user_id: Uuid,
}

/// One live API token family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FamilyEntry {
    pub family: String,
    pub created_at: i64,
    pub last_used: i64,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub expires_at: i64,
}

/// Who an access token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessGrant {
    pub user_id: Uuid,
    pub family: String,
}

/// Shared by the scripts below: revoke family `fid` under prefix `p`.
const REVOKE_FN: &str = r#"
local function revoke(p, fid)
  local fam = p .. 'api:family:' .. fid
  local uid = redis.call('HGET', fam, 'user_id')
  local ats = redis.call('SMEMBERS', fam .. ':access')
  for _, h in ipairs(ats) do redis.call('DEL', p .. 'api:access:' .. h) end
  redis.call('DEL', fam, fam .. ':access')
  if uid then redis.call('ZREM', p .. 'user:' .. uid .. ':api', fid) end
  return uid
end
local function grant_access(p, fid, uid, at, at_exp, fam_exp)
  local fam = p .. 'api:family:' .. fid
  redis.call('SET', p .. 'api:access:' .. at, fid .. '|' .. uid, 'EXAT', at_exp)
  redis.call('SADD', fam .. ':access', at)
  redis.call('EXPIREAT', fam .. ':access', fam_exp)
  redis.call('EXPIREAT', fam, fam_exp)
  local idx = p .. 'user:' .. uid .. ':api'
  redis.call('ZADD', idx, fam_exp, fid)
  local ttl = redis.call('TTL', idx)
  local now = tonumber(redis.call('TIME')[1])
  if ttl < fam_exp - now then redis.call('EXPIREAT', idx, fam_exp) end
end
"#;

/// ARGV: prefix, fid, uid, refresh hash, access hash, now, absolute end,
/// idle secs, access secs, ip, user agent.
const ISSUE: &str = r#"
local p, fid, uid = ARGV[1], ARGV[2], ARGV[3]
local now, abs, idle, acc = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
local exp = math.min(abs, now + idle)
redis.call('HSET', p .. 'api:family:' .. fid, 'user_id', uid, 'created_at', now, 'last_used', now,
  'current', ARGV[4], 'abs_exp', abs, 'ip', ARGV[10], 'user_agent', ARGV[11])
redis.call('SET', p .. 'api:refresh:' .. ARGV[4], fid, 'EXAT', abs)
grant_access(p, fid, uid, ARGV[5], math.min(exp, now + acc), exp)
return 1
"#;

/// ARGV: prefix, presented refresh hash, new refresh hash, new access hash,
/// now, idle secs, access secs. Returns {status, uid, fid}.
const ROTATE: &str = r#"
local p = ARGV[1]
local fid = redis.call('GET', p .. 'api:refresh:' .. ARGV[2])
if not fid then return {'invalid'} end
local fam = p .. 'api:family:' .. fid
local f = redis.call('HMGET', fam, 'user_id', 'current', 'abs_exp', 'last_used')
if not f[1] then return {'invalid'} end
local uid = f[1]
local now, idle, acc = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
if f[2] ~= ARGV[2] then revoke(p, fid); return {'reused', uid, fid} end
if now >= tonumber(f[3]) or now >= tonumber(f[4]) + idle then revoke(p, fid); return {'expired', uid, fid} end
local exp = math.min(tonumber(f[3]), now + idle)
redis.call('HSET', fam, 'current', ARGV[3], 'last_used', now)
redis.call('SET', p .. 'api:refresh:' .. ARGV[3], fid, 'EXAT', tonumber(f[3]))
grant_access(p, fid, uid, ARGV[4], math.min(exp, now + acc), exp)
return {'ok', uid, fid}
"#;

/// ARGV: prefix, fid. Returns the user id or nil.
const REVOKE: &str = "return revoke(ARGV[1], ARGV[2])";

fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// The stored form of a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[derive(Clone)]
pub struct Tokens {
    pool: Pool,
    keys: Keys,
    lifetimes: TokenLifetimes,
}

impl Tokens {
    pub fn new(pool: Pool, keys: Keys, lifetimes: TokenLifetimes) -> Self {
        Tokens {
            pool,
            keys,
            lifetimes,
        }
    }

    pub fn lifetimes(&self) -> TokenLifetimes {
        self.lifetimes
    }

    async fn script<R: fred::types::FromValue>(
        &self,
        body: &str,
        args: Vec<String>,
    ) -> ServerResult<R> {
        let script = format!("{REVOKE_FN}\n{body}");
        Ok(self.pool.eval(script, Vec::<String>::new(), args).await?)
    }

    /// Starts a new family for `user_id` and hands out its first pair.
    pub async fn issue(
        &self,
        user_id: Uuid,
        ip: Option<&str>,
        user_agent: Option<&str>,
    ) -> ServerResult<TokenPair> {
        let family = Uuid::new_v4().simple().to_string();
        let access = random_token(ACCESS_PREFIX);
        let refresh = random_token(REFRESH_PREFIX);
        let now = unix_now();
        let l = self.lifetimes;
        let _: i64 = self
            .script(
                ISSUE,
                vec![
                    self.keys.prefix().to_owned(),
                    family.clone(),
                    user_id.to_string(),
                    token_hash(&refresh),
                    token_hash(&access),
                    now.to_string(),
                    (now + l.refresh_absolute.as_secs() as i64).to_string(),
                    l.refresh_idle.as_secs().to_string(),
                    l.access.as_secs().to_string(),
                    ip.unwrap_or("").to_owned(),
                    user_agent.unwrap_or("").chars().take(512).collect(),
                ],
            )
            .await?;
        Ok(TokenPair {
            access_token: access,
            refresh_token: refresh,
            expires_in: l.access.as_secs(),
            family,
            user_id,
        })
    }

    /// Rotates a refresh token: it dies and a new pair is issued in its
    /// family, atomically.
    pub async fn refresh(&self, presented: &str) -> ServerResult<Refresh> {
        if !presented.starts_with(REFRESH_PREFIX) || presented.len() > 128 {
            return Ok(Refresh::Invalid);
        }
        let access = random_token(ACCESS_PREFIX);
        let refresh = random_token(REFRESH_PREFIX);
        let l = self.lifetimes;
        let answer: Vec<String> = self
            .script(
                ROTATE,
                vec![
                    self.keys.prefix().to_owned(),
                    token_hash(presented),
                    token_hash(&refresh),
                    token_hash(&access),
                    unix_now().to_string(),
                    l.refresh_idle.as_secs().to_string(),
                    l.access.as_secs().to_string(),
                ],
            )
            .await?;
        let user = |i: usize| answer.get(i).and_then(|s| s.parse::<Uuid>().ok());
        Ok(match answer.first().map(String::as_str) {
            Some("ok") => match user(1) {
                Some(user_id) => Refresh::Rotated(Box::new(RotatedPair {
                    access_token: access,
                    refresh_token: refresh,
                    expires_in: l.access.as_secs(),
                    user_id,
                })),
                None => Refresh::Invalid,
            },
            Some("reused") => match user(1) {
                Some(user_id) => Refresh::Reused {
                    user_id,
                    family: answer.get(2).cloned().unwrap_or_default(),
                },
                None => Refresh::Invalid,
            },
            Some("expired") => Refresh::Expired,
            _ => Refresh::Invalid,
        })
    }

    /// The user and family an access token stands for: one Redis lookup.
    pub async fn check_access(&self, presented: &str) -> ServerResult<Option<AccessGrant>> {
        if !presented.starts_with(ACCESS_PREFIX) || presented.len() > 128 {
            return Ok(None);
        }
        let key = format!("{}api:access:{}", self.keys.prefix(), token_hash(presented));
        let value: Option<String> = self.pool.get(key).await?;
        Ok(value.and_then(|v| {
            let (family, user) = v.split_once('|')?;
            Some(AccessGrant {
                user_id: user.parse().ok()?,
                family: family.to_owned(),
            })
        }))
    }

    /// Ends a family: its refresh token and every access token stop working.
    pub async fn revoke_family(&self, family: &str) -> ServerResult<()> {
        let _: Option<String> = self
            .script(
                REVOKE,
                vec![self.keys.prefix().to_owned(), family.to_owned()],
            )
            .await?;
        Ok(())
    }

    /// The user's live families (id, expiry), pruning expired ones.
    pub async fn families_of(&self, user_id: Uuid) -> ServerResult<Vec<(String, i64)>> {
        let index = format!("{}user:{user_id}:api", self.keys.prefix());
        let _: i64 = self
            .pool
            .zremrangebyscore(&index, f64::NEG_INFINITY, unix_now() as f64)
            .await?;
        let members: Vec<(String, f64)> = self
            .pool
            .zrange(&index, 0, -1, None, false, None, true)
            .await?;
        Ok(members.into_iter().map(|(f, s)| (f, s as i64)).collect())
    }

    /// The user's live families with what is known about them, read in one
    /// pipelined round trip.
    pub async fn family_details(&self, user_id: Uuid) -> ServerResult<Vec<FamilyEntry>> {
        let families = self.families_of(user_id).await?;
        if families.is_empty() {
            return Ok(Vec::new());
        }
        let pipeline = self.pool.next().pipeline();
        for (family, _) in &families {
            let key = format!("{}api:family:{family}", self.keys.prefix());
            let _: () = pipeline.hgetall(key).await?;
        }
        let all: Vec<std::collections::HashMap<String, String>> = pipeline.all().await?;
        let owner = user_id.to_string();
        let mut out = Vec::with_capacity(families.len());
        for ((family, expires_at), fields) in families.into_iter().zip(all) {
            let num = |k: &str| {
                fields
                    .get(k)
                    .and_then(|v| v.parse::<i64>().ok())
                    .unwrap_or(0)
            };
            let text = |k: &str| fields.get(k).filter(|v| !v.is_empty()).cloned();
            if fields.get("user_id").map(String::as_str) != Some(owner.as_str()) {
                continue;
            }
            out.push(FamilyEntry {
                created_at: num("created_at"),
                last_used: num("last_used"),
                ip: text("ip"),
                user_agent: text("user_agent"),
                expires_at,
                family,
            });
        }
        Ok(out)
    }

    /// Ends one family of the user; false when it is not theirs or gone.
    /// Whose live family this is, if anyone's.
    pub async fn owner_of(&self, family: &str) -> ServerResult<Option<Uuid>> {
        let key = format!("{}api:family:{family}", self.keys.prefix());
        let owner: Option<String> = self.pool.hget(key, "user_id").await?;
        Ok(owner.and_then(|o| o.parse().ok()))
    }

    pub async fn revoke_family_of(&self, user_id: Uuid, family: &str) -> ServerResult<bool> {
        let key = format!("{}api:family:{family}", self.keys.prefix());
        let owner: Option<String> = self.pool.hget(key, "user_id").await?;
        if owner.as_deref() != Some(user_id.to_string().as_str()) {
            return Ok(false);
        }
        self.revoke_family(family).await?;
        Ok(true)
    }

    /// Ends every API family of the user.
    pub async fn revoke_all_for_user(&self, user_id: Uuid) -> ServerResult<usize> {
        let families = self.families_of(user_id).await?;
        for (family, _) in &families {
            self.revoke_family(family).await?;
        }
        Ok(families.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_prefixed_and_hashed() {
        let a = random_token(ACCESS_PREFIX);
        let b = random_token(ACCESS_PREFIX);
        assert_ne!(a, b);
        assert!(a.starts_with(ACCESS_PREFIX));
        // 32 bytes of randomness, base64url without padding.
        assert_eq!(a.len(), ACCESS_PREFIX.len() + 43);
        let h = token_hash(&a);
        assert_eq!(h.len(), 64);
        assert!(!h.contains(&a[ACCESS_PREFIX.len()..]));
    }
}
