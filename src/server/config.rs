//! Typed settings, read once from the environment at start-up.
//!
//! Every value is validated here; a bad one stops start-up with a single line
//! naming the variable (see [`ConfigError`]). Nothing else in the server reads
//! the environment.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

/// The example password shipped in `.env.example`; production refuses it.
pub const EXAMPLE_ADMIN_PASSWORD: &str = "change-me-please";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Production,
}

impl AppEnv {
    pub fn is_production(self) -> bool {
        self == AppEnv::Production
    }
}

/// The first admin, created on start-up when the database has no user.
#[derive(Clone)]
pub struct AdminBootstrap {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for AdminBootstrap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminBootstrap")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub app_env: AppEnv,
    pub listen_addr: SocketAddr,
    pub data_dir: PathBuf,
    pub photos_dir: PathBuf,
    pub database_url: String,
    pub redis_url: String,
    pub redis_prefix: String,
    /// A session unused for this long ends.
    pub session_idle_timeout: Duration,
    /// A session ends this long after sign-in, however active it is.
    pub session_absolute_lifetime: Duration,
    pub admin_bootstrap: Option<AdminBootstrap>,
    /// How many argon2 hashes may run at once (each takes ~19 MiB and a core).
    pub password_hash_concurrency: usize,
    /// Take the client address from the last `X-Forwarded-For` hop (only
    /// behind a reverse proxy that sets it).
    pub trust_forwarded_for: bool,
    /// Redis command timeout: how long a request waits before failing closed.
    pub redis_command_timeout: Duration,
    /// API access tokens live this long.
    pub access_token_lifetime: Duration,
    /// An API token family unused this long ends.
    pub refresh_token_idle_lifetime: Duration,
    /// An API token family ends this long after `POST /api/login`.
    pub refresh_token_absolute_lifetime: Duration,
    /// Failed sign-ins allowed per username and address in one window.
    pub login_max_failures_per_user_ip: u64,
    /// Failed sign-ins allowed per address in one window.
    pub login_max_failures_per_ip: u64,
    /// The largest file an upload may carry, in bytes.
    pub max_upload_bytes: u64,
    pub login_throttle_window: Duration,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("configuration error: {name}: {reason}")]
pub struct ConfigError {
    pub name: &'static str,
    pub reason: String,
}

fn invalid(name: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError {
        name,
        reason: reason.into(),
    }
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests can pass their own values.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &'static str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };

        let app_env = match get("APP_ENV").as_deref() {
            None | Some("development") | Some("dev") => AppEnv::Development,
            Some("production") | Some("prod") => AppEnv::Production,
            Some(other) => {
                return Err(invalid(
                    "APP_ENV",
                    format!("expected `development` or `production`, got `{other}`"),
                ))
            }
        };
        let listen_addr = parse_or(get("LISTEN_ADDR"), "LISTEN_ADDR", "127.0.0.1:3000")?;
        let data_dir = PathBuf::from(get("DATA_DIR").unwrap_or_else(|| "./data".into()));
        let photos_dir = PathBuf::from(get("PHOTOS_DIR").unwrap_or_else(|| "./photos".into()));
        let database_url = match get("DATABASE_URL") {
            Some(url) => {
                if !(url.starts_with("sqlite:")
                    || url.starts_with("postgres://")
                    || url.starts_with("postgresql://"))
                {
                    return Err(invalid(
                        "DATABASE_URL",
                        "expected a sqlite: or postgres:// URL",
                    ));
                }
                url
            }
            None => format!(
                "sqlite://{}?mode=rwc",
                data_dir.join("tagline.db").display()
            ),
        };
        let redis_url = get("REDIS_URL").unwrap_or_else(|| "redis://127.0.0.1:6379".into());
        let scheme_ok = [
            "redis://",
            "rediss://",
            "redis-sentinel://",
            "redis-cluster://",
        ]
        .iter()
        .any(|s| redis_url.starts_with(s));
        if !scheme_ok {
            return Err(invalid(
                "REDIS_URL",
                "expected a redis://, rediss://, redis-sentinel:// or redis-cluster:// URL",
            ));
        }
        let redis_prefix = get("REDIS_PREFIX").unwrap_or_else(|| "tagline:".into());
        if redis_prefix
            .chars()
            .any(|c| c.is_whitespace() || c == '*' || c == '?' || c == '[')
        {
            return Err(invalid(
                "REDIS_PREFIX",
                "must not contain whitespace or glob characters (* ? [)",
            ));
        }
        let session_idle_timeout =
            duration(get("SESSION_IDLE_TIMEOUT"), "SESSION_IDLE_TIMEOUT", "24h")?;
        let session_absolute_lifetime = duration(
            get("SESSION_ABSOLUTE_LIFETIME"),
            "SESSION_ABSOLUTE_LIFETIME",
            "14d",
        )?;
        let redis_command_timeout = duration(
            get("REDIS_COMMAND_TIMEOUT"),
            "REDIS_COMMAND_TIMEOUT",
            "500ms",
        )?;
        let access_token_lifetime =
            duration(get("ACCESS_TOKEN_LIFETIME"), "ACCESS_TOKEN_LIFETIME", "15m")?;
        let refresh_token_idle_lifetime = duration(
            get("REFRESH_TOKEN_IDLE_LIFETIME"),
            "REFRESH_TOKEN_IDLE_LIFETIME",
            "7d",
        )?;
        let refresh_token_absolute_lifetime = duration(
            get("REFRESH_TOKEN_ABSOLUTE_LIFETIME"),
            "REFRESH_TOKEN_ABSOLUTE_LIFETIME",
            "30d",
        )?;
        let login_max_failures_per_user_ip: u64 = parse_or(
            get("LOGIN_MAX_FAILURES_PER_USER_IP"),
            "LOGIN_MAX_FAILURES_PER_USER_IP",
            "10",
        )?;
        let login_max_failures_per_ip: u64 = parse_or(
            get("LOGIN_MAX_FAILURES_PER_IP"),
            "LOGIN_MAX_FAILURES_PER_IP",
            "100",
        )?;
        let login_throttle_window =
            duration(get("LOGIN_THROTTLE_WINDOW"), "LOGIN_THROTTLE_WINDOW", "15m")?;
        let max_upload_mb: u64 = parse_or(get("MAX_UPLOAD_MB"), "MAX_UPLOAD_MB", "50")?;
        if max_upload_mb == 0 || max_upload_mb > 4096 {
            return Err(invalid("MAX_UPLOAD_MB", "must be between 1 and 4096"));
        }
        if login_max_failures_per_user_ip == 0 {
            return Err(invalid(
                "LOGIN_MAX_FAILURES_PER_USER_IP",
                "must be at least 1",
            ));
        }
        if login_max_failures_per_ip == 0 {
            return Err(invalid("LOGIN_MAX_FAILURES_PER_IP", "must be at least 1"));
        }
        if refresh_token_absolute_lifetime < refresh_token_idle_lifetime {
            return Err(invalid(
                "REFRESH_TOKEN_ABSOLUTE_LIFETIME",
                "must not be shorter than REFRESH_TOKEN_IDLE_LIFETIME",
            ));
        }

        let admin_bootstrap = match (
            get("TAGLINE_ADMIN_USERNAME"),
            lookup("TAGLINE_ADMIN_PASSWORD"),
        ) {
            (None, None) => None,
            (Some(_), None) => {
                return Err(invalid(
                    "TAGLINE_ADMIN_PASSWORD",
                    "is required with TAGLINE_ADMIN_USERNAME",
                ))
            }
            (None, Some(_)) => {
                return Err(invalid(
                    "TAGLINE_ADMIN_USERNAME",
                    "is required with TAGLINE_ADMIN_PASSWORD",
                ))
            }
            (Some(username), Some(password)) => {
                let username = crate::model::Username::parse(&username)
                    .map_err(|e| invalid("TAGLINE_ADMIN_USERNAME", e.to_string()))?;
                crate::model::Password::parse(&password)
                    .map_err(|e| invalid("TAGLINE_ADMIN_PASSWORD", e.to_string()))?;
                if app_env.is_production() && password == EXAMPLE_ADMIN_PASSWORD {
                    return Err(invalid(
                        "TAGLINE_ADMIN_PASSWORD",
                        "is the example value from .env.example; choose a real password in production",
                    ));
                }
                Some(AdminBootstrap {
                    username: username.into_inner(),
                    password,
                })
            }
        };
        // Half the cores (rounded up): a burst of sign-ins must leave the
        // other half to everyone browsing (see the sign-in benchmark).
        let default_hashers =
            std::thread::available_parallelism().map_or(1, |n| n.get().div_ceil(2));
        let password_hash_concurrency: usize = parse_or(
            get("PASSWORD_HASH_CONCURRENCY"),
            "PASSWORD_HASH_CONCURRENCY",
            &default_hashers.to_string(),
        )?;
        if password_hash_concurrency == 0 {
            return Err(invalid("PASSWORD_HASH_CONCURRENCY", "must be at least 1"));
        }
        let trust_forwarded_for = boolean(get("TRUST_FORWARDED_FOR"), "TRUST_FORWARDED_FOR")?;

        if session_absolute_lifetime < session_idle_timeout {
            return Err(invalid(
                "SESSION_ABSOLUTE_LIFETIME",
                "must not be shorter than SESSION_IDLE_TIMEOUT",
            ));
        }

        Ok(Config {
            app_env,
            listen_addr,
            data_dir,
            photos_dir,
            database_url,
            redis_url,
            redis_prefix,
            session_idle_timeout,
            session_absolute_lifetime,
            admin_bootstrap,
            password_hash_concurrency,
            trust_forwarded_for,
            redis_command_timeout,
            access_token_lifetime,
            refresh_token_idle_lifetime,
            refresh_token_absolute_lifetime,
            login_max_failures_per_user_ip,
            login_max_failures_per_ip,
            login_throttle_window,
            max_upload_bytes: max_upload_mb * 1024 * 1024,
        })
    }

    /// The session cookie's name: production uses the `__Host-` prefix, which
    /// browsers only accept on a Secure, host-only cookie with `Path=/`.
    pub fn session_cookie_name(&self) -> &'static str {
        if self.app_env.is_production() {
            "__Host-tagline_session"
        } else {
            "tagline_session"
        }
    }

    pub fn secure_cookies(&self) -> bool {
        self.app_env.is_production()
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }
}

fn parse_or<T: std::str::FromStr>(
    value: Option<String>,
    name: &'static str,
    default: &str,
) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    let raw = value.unwrap_or_else(|| default.to_owned());
    raw.parse()
        .map_err(|e| invalid(name, format!("cannot parse `{raw}`: {e}")))
}

fn duration(
    value: Option<String>,
    name: &'static str,
    default: &str,
) -> Result<Duration, ConfigError> {
    let raw = value.unwrap_or_else(|| default.to_owned());
    let parsed = humantime::parse_duration(&raw).map_err(|e| {
        invalid(
            name,
            format!("cannot parse `{raw}` as a duration (e.g. 30m, 12h, 14d): {e}"),
        )
    })?;
    if parsed.is_zero() {
        return Err(invalid(name, "must be longer than zero"));
    }
    Ok(parsed)
}

fn boolean(value: Option<String>, name: &'static str) -> Result<bool, ConfigError> {
    match value.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("false") | Some("0") | Some("no") => Ok(false),
        Some("true") | Some("1") | Some("yes") => Ok(true),
        Some(other) => Err(invalid(
            name,
            format!("expected true or false, got `{other}`"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_are_development_on_sqlite() {
        let c = config(&[]).unwrap();
        assert_eq!(c.app_env, AppEnv::Development);
        assert!(c.database_url.starts_with("sqlite://"));
        assert_eq!(c.redis_url, "redis://127.0.0.1:6379");
        assert_eq!(c.session_cookie_name(), "tagline_session");
        assert!(!c.secure_cookies());
    }

    #[test]
    fn production_uses_host_prefixed_secure_cookie() {
        let c = config(&[("APP_ENV", "production")]).unwrap();
        assert_eq!(c.session_cookie_name(), "__Host-tagline_session");
        assert!(c.secure_cookies());
    }

    #[test]
    fn bad_values_name_the_variable() {
        for (name, value) in [
            ("APP_ENV", "staging"),
            ("LISTEN_ADDR", "nowhere"),
            ("SESSION_IDLE_TIMEOUT", "soon"),
            ("SESSION_ABSOLUTE_LIFETIME", "0s"),
            ("REDIS_URL", "http://x"),
            ("DATABASE_URL", "mysql://x"),
            ("TRUST_FORWARDED_FOR", "maybe"),
            ("PASSWORD_HASH_CONCURRENCY", "0"),
            ("REDIS_PREFIX", "a*b"),
        ] {
            let err = config(&[(name, value)]).unwrap_err();
            assert_eq!(err.name, name, "{err}");
        }
    }

    #[test]
    fn admin_bootstrap_needs_both_and_a_valid_password() {
        assert_eq!(
            config(&[("TAGLINE_ADMIN_USERNAME", "root")])
                .unwrap_err()
                .name,
            "TAGLINE_ADMIN_PASSWORD"
        );
        assert_eq!(
            config(&[
                ("TAGLINE_ADMIN_USERNAME", "root"),
                ("TAGLINE_ADMIN_PASSWORD", "short")
            ])
            .unwrap_err()
            .name,
            "TAGLINE_ADMIN_PASSWORD"
        );
        let c = config(&[
            ("TAGLINE_ADMIN_USERNAME", "Root"),
            ("TAGLINE_ADMIN_PASSWORD", "long enough"),
        ])
        .unwrap();
        assert_eq!(c.admin_bootstrap.unwrap().username, "root");
    }

    #[test]
    fn production_refuses_the_example_password() {
        let err = config(&[
            ("APP_ENV", "production"),
            ("TAGLINE_ADMIN_USERNAME", "admin"),
            ("TAGLINE_ADMIN_PASSWORD", EXAMPLE_ADMIN_PASSWORD),
        ])
        .unwrap_err();
        assert_eq!(err.name, "TAGLINE_ADMIN_PASSWORD");
    }

    #[test]
    fn absolute_lifetime_cannot_be_shorter_than_idle() {
        let err = config(&[
            ("SESSION_IDLE_TIMEOUT", "2h"),
            ("SESSION_ABSOLUTE_LIFETIME", "1h"),
        ])
        .unwrap_err();
        assert_eq!(err.name, "SESSION_ABSOLUTE_LIFETIME");
    }
}
