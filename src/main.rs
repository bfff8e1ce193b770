//! The `tagline` command: parse the CLI, then hand over to the server.

use std::{io::IsTerminal, process::ExitCode};

use clap::{Parser, Subcommand};
use tagline::{
    model::{DisplayName, Password, Role, Username},
    server::{accounts, auth::Auth, config::Config, db, startup, telemetry},
};

#[derive(Parser)]
#[command(name = "tagline", version, about = "A self-hosted photo library")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web app (the default).
    Serve,
    /// Run pending database migrations, then exit.
    Migrate,
    /// Create a user. The password is read from standard input (or asked
    /// for at a prompt), never from the command line.
    CreateUser {
        username: String,
        /// Make the user an admin.
        #[arg(long)]
        admin: bool,
        /// The name shown in the app (defaults to the username).
        #[arg(long)]
        display_name: Option<String>,
    },
    /// Scan PHOTOS_DIR: import new photos, follow moves, mark missing files.
    /// Refused while another rescan runs (on any instance sharing Redis).
    Rescan,
}

/// Stack of each async worker thread.
const WORKER_STACK_BYTES: usize = 8 * 1024 * 1024;

/// mimalloc rather than glibc's malloc: profiling the gallery under load
/// put about 30% of the server's time in glibc's allocator and its arena
/// locks, and glibc kept freed multi-megabyte buffers (a photo read whole,
/// a decoded image) in per-thread arenas, so a rescan peaked at 258 MB.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // `.env` is a development convenience; production reads the real
    // environment only.
    if std::env::var("APP_ENV").map_or(true, |v| v != "production") {
        let _ = dotenvy::dotenv();
    }
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(config.app_env);
    // Rendering a page walks a deep tree of views; in a debug build its
    // frames are large enough to overflow the default 2 MiB worker stack.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(WORKER_STACK_BYTES)
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => serve(config).await,
            Command::Migrate => db::migrate(&config)
                .await
                .map(|()| println!("migrations applied"))
                .map_err(|e| anyhow::anyhow!("DATABASE_URL: {e}")),
            Command::CreateUser {
                username,
                admin,
                display_name,
            } => create_user(config, &username, admin, display_name).await,
            Command::Rescan => rescan(config).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let options = startup::leptos_options(config.listen_addr);
    let app = startup::Application::build(config, options).await?;
    tracing::info!(port = app.port(), "listening");
    app.run(shutdown_signal()).await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}

fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let second = rpassword::prompt_password("Repeat password: ")?;
        anyhow::ensure!(first == second, "the passwords do not match");
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}

async fn create_user(
    config: Config,
    username: &str,
    admin: bool,
    display_name: Option<String>,
) -> anyhow::Result<()> {
    let username = Username::parse(username).map_err(|e| anyhow::anyhow!("username: {e}"))?;
    let display = DisplayName::parse(display_name.as_deref().unwrap_or(username.as_str()))
        .map_err(|e| anyhow::anyhow!("display name: {e}"))?;
    let password =
        Password::parse(&read_password()?).map_err(|e| anyhow::anyhow!("password: {e}"))?;
    let db = db::connect(&config)
        .await
        .map_err(|e| anyhow::anyhow!("DATABASE_URL: {e}"))?;
    let auth = Auth::new(&config)?;
    let role = if admin { Role::Admin } else { Role::Member };
    let user = accounts::create_user(&db, &auth, &username, display, &password, role)
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.to_app_error()))?;
    println!("created {} {} ({})", role.as_str(), user.username, user.id);
    Ok(())
}

async fn rescan(config: Config) -> anyhow::Result<()> {
    use indicatif::{ProgressBar, ProgressStyle};
    use tagline::server::{library::Library, rescan::Scanner};

    let db = db::connect(&config)
        .await
        .map_err(|e| anyhow::anyhow!("DATABASE_URL: {e}"))?;
    let auth = Auth::new(&config)?;
    // The lock lives in Redis: wait for the connection before asking.
    let mut tries = 0;
    while auth.ping().await.is_err() {
        tries += 1;
        anyhow::ensure!(tries < 20, "REDIS_URL: Redis does not answer");
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    let library = Library::new(&config.photos_dir, &config.data_dir).map_err(|e| {
        anyhow::anyhow!(
            "PHOTOS_DIR: cannot use {}: {e}",
            config.photos_dir.display()
        )
    })?;
    let scanner = Scanner::new(db, library, auth.rescan_lock());

    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} files · {msg} · {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let poll = {
        let scanner = scanner.clone();
        let bar = bar.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                if let Ok(s) = scanner.status().await {
                    bar.set_length(s.total);
                    bar.set_position(s.seen);
                    bar.set_message(format!(
                        "{} imported, {} skipped, {} errors",
                        s.imported, s.skipped, s.errors
                    ));
                }
            }
        })
    };
    let started = std::time::Instant::now();
    let result = scanner.run().await;
    poll.abort();
    bar.finish_and_clear();
    let report = result.map_err(|e| anyhow::anyhow!("{e}"))?;
    for error in &report.errors {
        eprintln!("error: {}: {}", error.object_key, error.detail);
    }
    println!(
        "imported {}, skipped {}, moved {}, missing {}, errors {} in {:.1}s",
        report.imported.len(),
        report.skipped,
        report.moved,
        report.missing,
        report.errors.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
