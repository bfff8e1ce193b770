//! Builds the application: database (with migrations), Redis, the first
//! admin, the router and its layers. Tests call [`Application::build`] with
//! port 0 and their own database and Redis prefix.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use axum::{
    body::Body,
    extract::DefaultBodyLimit,
    http::{HeaderName, Request as HttpRequest},
    middleware::from_fn_with_state,
    routing::{get, post},
    Router,
};
use leptos::{config::LeptosOptions, prelude::provide_context};
use leptos_axum::{generate_route_list, LeptosRoutes};
use tokio::net::TcpListener;
use tower_http::{
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer},
    trace::TraceLayer,
};
use tracing::Level;

use crate::{
    app::{shell, App},
    model::{DisplayName, Password, Role, Username},
    server::{
        accounts,
        auth::{current_user::resolve_user, Auth},
        config::Config,
        db::{self, users},
        http::{
            admin_api, api, csrf, headers, health, images, login, openapi, pages::guard_pages,
            photos_api,
        },
        library::Library,
        rescan::Scanner,
        state::AppState,
    },
};

pub struct Application {
    listener: TcpListener,
    state: AppState,
}

impl Application {
    pub async fn build(config: Config, leptos_options: LeptosOptions) -> anyhow::Result<Self> {
        let db = db::connect(&config)
            .await
            .map_err(|e| anyhow::anyhow!("DATABASE_URL: cannot open the database: {e}"))?;
        let auth = Auth::new(&config)?;
        bootstrap_admin(&config, &db, &auth).await?;
        let listener = TcpListener::bind(config.listen_addr).await.map_err(|e| {
            anyhow::anyhow!("LISTEN_ADDR: cannot listen on {}: {e}", config.listen_addr)
        })?;
        let library = Library::new(&config.photos_dir, &config.data_dir).map_err(|e| {
            anyhow::anyhow!(
                "PHOTOS_DIR/DATA_DIR: cannot use {} and {}: {e}",
                config.photos_dir.display(),
                config.data_dir.display()
            )
        })?;
        let scanner = Scanner::new(db.clone(), library, auth.rescan_lock());
        let state = AppState {
            leptos_options,
            db,
            auth,
            config: Arc::new(config),
            scanner,
        };
        Ok(Application { listener, state })
    }

    pub fn port(&self) -> u16 {
        self.listener
            .local_addr()
            .map(|a| a.port())
            .unwrap_or_default()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` resolves.
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let router = router(self.state);
        axum::serve(
            self.listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
    }
}

/// Creates the first admin from `TAGLINE_ADMIN_*` when there is no user.
async fn bootstrap_admin(
    config: &Config,
    db: &sea_orm::DatabaseConnection,
    auth: &Auth,
) -> anyhow::Result<()> {
    if users::count(db).await? > 0 {
        return Ok(());
    }
    let Some(admin) = &config.admin_bootstrap else {
        if config.app_env.is_production() {
            anyhow::bail!(
                "TAGLINE_ADMIN_PASSWORD: no user exists yet; set TAGLINE_ADMIN_USERNAME and TAGLINE_ADMIN_PASSWORD, or run `tagline create-user <name> --admin`"
            );
        }
        tracing::warn!("no user exists yet: set TAGLINE_ADMIN_USERNAME/TAGLINE_ADMIN_PASSWORD or run `tagline create-user <name> --admin`");
        return Ok(());
    };
    let username = Username::parse(&admin.username)
        .map_err(|e| anyhow::anyhow!("TAGLINE_ADMIN_USERNAME: {e}"))?;
    let password = Password::parse(&admin.password)
        .map_err(|e| anyhow::anyhow!("TAGLINE_ADMIN_PASSWORD: {e}"))?;
    let display = DisplayName::parse(username.as_str())
        .map_err(|e| anyhow::anyhow!("TAGLINE_ADMIN_USERNAME: {e}"))?;
    accounts::create_user(db, auth, &username, display, &password, Role::Admin)
        .await
        .map_err(|e| anyhow::anyhow!("creating the first admin: {e}"))?;
    tracing::info!(username = %username, "created the first admin");
    Ok(())
}

pub fn router(state: AppState) -> Router {
    let options = state.leptos_options.clone();
    let routes = generate_route_list(App);
    // A request may carry several files of up to MAX_UPLOAD_MB each; each
    // file is also counted on its own while it is written.
    let upload_limit =
        usize::try_from(state.config.max_upload_bytes.saturating_mul(20)).unwrap_or(usize::MAX);
    let context = {
        let state = state.clone();
        move || {
            provide_context(state.clone());
            headers::page_csp();
        }
    };

    let pages = Router::new()
        .leptos_routes_with_context(&state, routes, context.clone(), {
            let options = options.clone();
            move || shell(options.clone())
        })
        .route_layer(from_fn_with_state(state.clone(), guard_pages));

    // Routes that see the session: pages, server functions (registered by
    // `leptos_routes_with_context` under /rpc), sign-in and sign-out.
    let with_session = Router::new()
        .route("/login", post(login::submit))
        .route("/logout", post(login::logout))
        .route("/api/login", post(api::login))
        .route("/api/refresh", post(api::refresh))
        .route("/api/logout", post(api::logout))
        .route("/api/me", get(api::me))
        .route(
            "/api/admin/users",
            get(admin_api::list_users).post(admin_api::create_user),
        )
        .route(
            "/api/admin/users/{id}",
            axum::routing::patch(admin_api::patch_user),
        )
        .route(
            "/api/admin/users/{id}/sessions",
            axum::routing::delete(admin_api::revoke_user_sessions),
        )
        .route("/api/admin/sessions", get(admin_api::list_sessions))
        .route("/api/admin/audit", get(admin_api::audit))
        .route(
            "/api/admin/sessions/{id}",
            axum::routing::delete(admin_api::revoke_session),
        )
        .route("/api/photos", get(photos_api::list))
        .route("/api/photos/{id}", get(photos_api::get_one))
        .route(
            "/api/photos/{id}/metadata",
            axum::routing::patch(photos_api::patch_metadata),
        )
        .route("/api/photos/{id}/image", get(images::original))
        .route("/api/photos/{id}/display", get(images::display))
        .route("/api/photos/{id}/thumbnail", get(images::thumbnail))
        .route("/api/tags", get(photos_api::tags))
        .route("/api/rescan", post(photos_api::rescan))
        .route(
            "/api/uploads",
            post(photos_api::upload).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/api/openapi.json", get(openapi::openapi_json))
        .route("/api/{*rest}", axum::routing::any(api::not_found))
        .merge(pages)
        .layer(from_fn_with_state(state.clone(), resolve_user))
        .layer(state.auth.session_layer());

    // The benchmark's public twin of `GET /api/photos/{id}` (see
    // photos_api::get_one_unchecked): only with the `bench` feature.
    #[cfg(feature = "bench")]
    let with_session = with_session.route("/bench/photos/{id}", get(photos_api::get_one_unchecked));

    let request_id = HeaderName::from_static("x-request-id");
    Router::new()
        .merge(with_session)
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        // Static files (wasm, js, css, favicon) and the 404 page: public.
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(context, shell))
        .with_state(state)
        .layer(axum::middleware::from_fn(csrf::refuse_cross_site))
        .layer(axum::middleware::from_fn(headers::security_headers))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &HttpRequest<Body>| {
                    let id = req
                        .extensions()
                        .get::<RequestId>()
                        .and_then(|id| id.header_value().to_str().ok())
                        .unwrap_or("-")
                        .to_owned();
                    // The path only: queries are not logged.
                    tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
                })
                .on_request(())
                .on_response(
                    |res: &axum::response::Response, latency: Duration, _span: &tracing::Span| {
                        tracing::event!(
                            Level::INFO,
                            status = res.status().as_u16(),
                            latency_ms = latency.as_secs_f64() * 1000.0,
                            "request"
                        );
                    },
                )
                .on_failure(()),
        )
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

/// The Leptos options from `LEPTOS_*` (as cargo-leptos sets them), with the
/// defaults of this project's layout.
pub fn leptos_options(listen_addr: SocketAddr) -> LeptosOptions {
    let env = |k: &str, d: &str| std::env::var(k).unwrap_or_else(|_| d.to_owned());
    LeptosOptions::builder()
        .output_name(env("LEPTOS_OUTPUT_NAME", "tagline"))
        .site_root(env("LEPTOS_SITE_ROOT", "target/site"))
        .site_pkg_dir(env("LEPTOS_SITE_PKG_DIR", "pkg"))
        .site_addr(listen_addr)
        .build()
}
