//! `spawn_app` and friends.

use std::{
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::Duration,
};

use fred::{
    clients::Client,
    interfaces::{ClientLike, KeysInterface},
    types::{config::Config as RedisConfig, scan::Scanner},
};
use futures_util::StreamExt;
use reqwest::{redirect::Policy, Response, StatusCode};
use sea_orm::{ConnectionTrait, Database};
use tagline::{
    model::{DisplayName, Password, Role, Username},
    server::{accounts, config::Config, startup::Application, state::AppState},
};
use tokio::sync::oneshot;

pub const ADMIN: &str = "admin";
pub const ADMIN_PASSWORD: &str = "admin-password-123";
pub const DEFAULT_REDIS: &str = "redis://127.0.0.1:6379";

#[derive(Clone)]
pub struct Options {
    pub production: bool,
    pub idle: &'static str,
    pub absolute: &'static str,
    pub refresh_idle: &'static str,
    pub refresh_absolute: &'static str,
    pub max_failures_per_user_ip: &'static str,
    pub trust_forwarded_for: bool,
    pub redis_url: String,
    pub max_upload_mb: &'static str,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            production: false,
            idle: "1h",
            absolute: "1d",
            refresh_idle: "7d",
            refresh_absolute: "30d",
            max_failures_per_user_ip: "10",
            trust_forwarded_for: false,
            redis_url: DEFAULT_REDIS.to_owned(),
            max_upload_mb: "50",
        }
    }
}

pub struct TestApp {
    pub address: String,
    pub prefix: String,
    pub state: AppState,
    pub cookie_name: &'static str,
    redis_url: String,
    data_dir: PathBuf,
    pg_database: Option<String>,
    shutdown: Option<oneshot::Sender<()>>,
    /// The environment the app was configured from.
    env: Vec<(String, String)>,
    /// A second instance over another app's database, Redis prefix and
    /// folders: it stops its server on drop and leaves the rest to the first.
    twin: bool,
}

fn postgres_admin_url() -> String {
    std::env::var("TAGLINE_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

fn use_postgres() -> bool {
    std::env::var("TAGLINE_TEST_DB").is_ok_and(|v| v == "postgres")
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Options::default()).await
}

pub async fn spawn_app_with(options: Options) -> TestApp {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let prefix = format!("test:{id}:");
    let data_dir = std::env::temp_dir().join(format!("tagline-test-{id}"));
    std::fs::create_dir_all(&data_dir).expect("temp dir");

    let (database_url, pg_database) = if use_postgres() {
        let name = format!("tagline_test_{id}");
        let admin = Database::connect(postgres_admin_url())
            .await
            .expect("PostgreSQL must answer when TAGLINE_TEST_DB=postgres");
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("create test database");
        admin.close().await.ok();
        let base = postgres_admin_url();
        let url = format!("{}/{name}", base.rsplit_once('/').expect("db url").0);
        (url, Some(name))
    } else {
        (
            format!("sqlite://{}?mode=rwc", data_dir.join("test.db").display()),
            None,
        )
    };

    let env: Vec<(&str, String)> = vec![
        (
            "APP_ENV",
            if options.production {
                "production"
            } else {
                "development"
            }
            .into(),
        ),
        ("LISTEN_ADDR", "127.0.0.1:0".into()),
        ("DATA_DIR", data_dir.display().to_string()),
        ("PHOTOS_DIR", data_dir.join("photos").display().to_string()),
        ("DATABASE_URL", database_url),
        ("REDIS_URL", options.redis_url.clone()),
        ("REDIS_PREFIX", prefix.clone()),
        ("SESSION_IDLE_TIMEOUT", options.idle.into()),
        ("SESSION_ABSOLUTE_LIFETIME", options.absolute.into()),
        ("REFRESH_TOKEN_IDLE_LIFETIME", options.refresh_idle.into()),
        (
            "LOGIN_MAX_FAILURES_PER_USER_IP",
            options.max_failures_per_user_ip.into(),
        ),
        (
            "TRUST_FORWARDED_FOR",
            options.trust_forwarded_for.to_string(),
        ),
        (
            "REFRESH_TOKEN_ABSOLUTE_LIFETIME",
            options.refresh_absolute.into(),
        ),
        ("MAX_UPLOAD_MB", options.max_upload_mb.into()),
        ("TAGLINE_ADMIN_USERNAME", ADMIN.into()),
        ("TAGLINE_ADMIN_PASSWORD", ADMIN_PASSWORD.into()),
    ];
    let env: Vec<(String, String)> = env.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    let mut app = start(&env).await;
    app.twin = false;
    app.prefix = prefix;
    app.redis_url = options.redis_url;
    app.data_dir = data_dir;
    app.pg_database = pg_database;
    app
}

/// Builds and starts one app instance from `env`. Cleaning up is left to
/// the caller (the returned app owns nothing yet).
async fn start(env: &[(String, String)]) -> TestApp {
    let config = Config::from_lookup(|k| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))
        .expect("test config");
    let cookie_name = config.session_cookie_name();
    let leptos = tagline::server::startup::leptos_options(config.listen_addr);
    let app = Application::build(config, leptos)
        .await
        .expect("app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state().clone();
    let (tx, rx) = oneshot::channel::<()>();
    tokio::spawn(app.run(async {
        let _ = rx.await;
    }));
    TestApp {
        address,
        prefix: String::new(),
        state,
        cookie_name,
        redis_url: String::new(),
        data_dir: PathBuf::new(),
        pg_database: None,
        shutdown: Some(tx),
        env: env.to_vec(),
        twin: true,
    }
}

/// A client that keeps cookies and does not follow redirects, so tests see
/// the server's own answers. The timeout only guards against a hang: with
/// every test's app on two cores, one answer once took more than 10 s.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

/// A client without a cookie jar, for replaying cookies by hand.
pub fn bare_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

impl TestApp {
    /// A second app instance on its own port, sharing this one's database,
    /// Redis (and prefix) and folders, as two replicas behind a balancer.
    pub async fn spawn_twin(&self) -> TestApp {
        let mut twin = start(&self.env).await;
        twin.prefix = self.prefix.clone();
        twin.redis_url = self.redis_url.clone();
        twin.data_dir = self.data_dir.clone();
        twin
    }

    /// This test's PHOTOS_DIR.
    pub fn photos_dir(&self) -> PathBuf {
        self.data_dir.join("photos")
    }

    /// This test's DATA_DIR (database, renditions).
    pub fn data_dir(&self) -> PathBuf {
        self.data_dir.clone()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn login(
        &self,
        client: &reqwest::Client,
        username: &str,
        password: &str,
    ) -> Response {
        self.login_next(client, username, password, "/").await
    }

    pub async fn login_next(
        &self,
        client: &reqwest::Client,
        username: &str,
        password: &str,
        next: &str,
    ) -> Response {
        client
            .post(self.url("/login"))
            .form(&[
                ("username", username),
                ("password", password),
                ("next", next),
            ])
            .send()
            .await
            .expect("login request")
    }

    /// Signs in and asserts it worked.
    pub async fn signed_in_client(&self, username: &str, password: &str) -> reqwest::Client {
        let c = client();
        let res = self.login(&c, username, password).await;
        assert_eq!(
            res.status(),
            StatusCode::SEE_OTHER,
            "sign-in of {username} failed"
        );
        c
    }

    pub async fn get(&self, client: &reqwest::Client, path: &str) -> Response {
        client.get(self.url(path)).send().await.expect("request")
    }

    pub async fn create_user(&self, username: &str, password: &str, role: Role) {
        accounts::create_user(
            &self.state.db,
            &self.state.auth,
            &Username::parse(username).unwrap(),
            DisplayName::parse(username).unwrap(),
            &Password::parse(password).unwrap(),
            role,
        )
        .await
        .expect("create user");
    }

    /// The Redis key of the session whose cookie value is `cookie`.
    pub fn session_key(&self, cookie: &str) -> String {
        let id: tower_sessions::session::Id = cookie.parse().expect("session id");
        format!(
            "{}session:{}",
            self.prefix,
            tagline::server::auth::store::handle_of(&id)
        )
    }

    pub async fn redis_exists(&self, key: &str) -> bool {
        let client = redis_client(&self.redis_url).await;
        let n: i64 = client.exists(key).await.expect("EXISTS");
        n == 1
    }

    /// Every key under this test's prefix with its value (where a string).
    pub async fn redis_dump(&self) -> Vec<(String, Option<String>)> {
        let client = redis_client(&self.redis_url).await;
        let keys = scan_keys(&client, &self.prefix).await;
        let mut out = Vec::new();
        for key in keys {
            let value: Option<String> = client.get(&key).await.ok().flatten();
            out.push((key, value));
        }
        out
    }
}

/// Calls the server function `name` with a form body, as the browser does.
pub async fn rpc(
    app: &TestApp,
    c: &reqwest::Client,
    name: &str,
    form: &[(&str, &str)],
) -> Response {
    c.post(app.url(&format!("/rpc/{name}")))
        .header(reqwest::header::ACCEPT, "application/json")
        .form(form)
        .send()
        .await
        .unwrap()
}

/// The id of the user called `name`.
pub async fn user_id(app: &TestApp, name: &str) -> String {
    tagline::server::db::users::find_by_username(&app.state.db, name)
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string()
}

pub fn session_cookie<'a>(res: &'a Response, name: &str) -> Option<reqwest::cookie::Cookie<'a>> {
    res.cookies().find(|c| c.name() == name)
}

async fn redis_client(url: &str) -> Client {
    let client = Client::new(
        RedisConfig::from_url(url).expect("redis url"),
        None,
        None,
        None,
    );
    client.init().await.expect("redis connects");
    client
}

async fn scan_keys(client: &Client, prefix: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut scan = client.scan(format!("{prefix}*"), Some(500), None);
    while let Some(page) = scan.next().await {
        let mut page = page.expect("SCAN");
        if let Some(found) = page.take_results() {
            keys.extend(found.into_iter().filter_map(|k| k.into_string()));
        }
    }
    keys
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if self.twin {
            return;
        }
        let prefix = self.prefix.clone();
        let redis_url = self.redis_url.clone();
        let pg = self.pg_database.take();
        let data_dir = self.data_dir.clone();
        // Clean up on a thread of its own: Drop cannot await, and the test's
        // runtime is blocked here, so nothing below may depend on it (the
        // app's own pools are simply dropped, never awaited).
        let cleanup = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("rt");
            rt.block_on(async move {
                let client = Client::new(
                    RedisConfig::from_url(&redis_url).expect("url"),
                    None,
                    None,
                    None,
                );
                let connected = tokio::time::timeout(Duration::from_secs(2), client.init()).await;
                if matches!(connected, Ok(Ok(_))) {
                    let keys = scan_keys(&client, &prefix).await;
                    if !keys.is_empty() {
                        let _: Result<(), _> = client.del(keys).await;
                    }
                    let _ = client.quit().await;
                }
                if let Some(name) = pg {
                    if let Ok(admin) = Database::connect(postgres_admin_url()).await {
                        let _ = admin
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                            ))
                            .await;
                    }
                }
            });
            let _ = std::fs::remove_dir_all(data_dir);
        });
        let _ = cleanup.join();
    }
}

/// A throwaway redis-server on a free port, for the fail-closed tests.
pub struct RedisServer {
    pub port: u16,
    child: Option<Child>,
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

impl RedisServer {
    pub fn start(port: u16) -> RedisServer {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server must be installed for this test");
        let server = RedisServer {
            port,
            child: Some(child),
        };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return server;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("redis-server did not start on port {port}");
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}
