//! "Who is asking": resolves the session cookie to a signed-in user once per
//! request, enforcing idle timeout, absolute lifetime and disabled accounts.

use std::net::{IpAddr, SocketAddr};

use axum::{
    extract::{ConnectInfo, Request, State},
    http::HeaderMap,
    middleware::Next,
    response::{IntoResponse, Response},
};
use tower_sessions::Session;

use super::store::{handle_of, SessionAuth, AUTH_KEY};
use crate::{
    model::UserView,
    server::{
        db::users,
        error::{ServerError, ServerResult},
        http::pages::unavailable_page,
        state::AppState,
    },
};

/// The signed-in user of this request, in the request's extensions.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: users::Model,
    /// The public handle of this request's browser session ("this device");
    /// empty for a bearer-token request.
    pub session_handle: String,
    /// The API token family of a bearer-token request.
    pub api_family: Option<String>,
}

impl CurrentUser {
    pub fn id(&self) -> uuid::Uuid {
        self.user.id
    }

    pub fn view(&self) -> UserView {
        self.user.view()
    }
}

pub fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Resolves the session of every request that carries a session cookie.
/// A request without one costs no Redis round trip. When Redis (or the
/// database) cannot be reached, the request is answered 503: nothing is
/// served on a guess.
pub async fn resolve_user(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let resolved = if let Some(token) = bearer_token(req.headers()) {
        load_bearer(&state, &token).await
    } else {
        match req.extensions().get::<Session>().cloned() {
            Some(session) if session.id().is_some() => load(&state, &session).await,
            _ => Ok(None),
        }
    };
    match resolved {
        Ok(Some(user)) => {
            req.extensions_mut().insert(user);
        }
        Ok(None) => {}
        Err(err) => {
            if req.uri().path().starts_with("/api/") {
                return err.into_response();
            }
            err.to_app_error();
            return unavailable_page();
        }
    }
    next.run(req).await
}

/// The token of an `Authorization: Bearer ...` header.
fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

async fn load_bearer(state: &AppState, token: &str) -> ServerResult<Option<CurrentUser>> {
    let Some(grant) = state.auth.tokens().check_access(token).await? else {
        return Ok(None);
    };
    let user = state.auth.users().get(&state.db, grant.user_id).await?;
    Ok(user.filter(|u| !u.disabled).map(|user| CurrentUser {
        user,
        session_handle: String::new(),
        api_family: Some(grant.family),
    }))
}

async fn load(state: &AppState, session: &Session) -> ServerResult<Option<CurrentUser>> {
    let Some(auth) = session.get::<SessionAuth>(AUTH_KEY).await? else {
        return Ok(None);
    };
    let settings = state.auth.settings();
    let now = unix_now();
    let past_absolute = now >= auth.created_at + settings.absolute_lifetime.as_secs() as i64;
    let past_idle = now >= auth.last_seen + settings.idle_timeout.as_secs() as i64;
    if past_absolute || past_idle {
        session.flush().await?;
        return Ok(None);
    }
    let user = state.auth.users().get(&state.db, auth.user_id).await?;
    let Some(user) = user.filter(|u| !u.disabled) else {
        session.flush().await?;
        return Ok(None);
    };
    if now - auth.last_seen >= settings.touch_interval.as_secs() as i64 {
        session
            .insert(
                AUTH_KEY,
                SessionAuth {
                    last_seen: now,
                    ..auth
                },
            )
            .await
            .map_err(ServerError::from)?;
    }
    let session_handle = session.id().map(|id| handle_of(&id)).unwrap_or_default();
    Ok(Some(CurrentUser {
        user,
        session_handle,
        api_family: None,
    }))
}

/// The client's address: the socket peer, or the last `X-Forwarded-For` hop
/// when the operator said a proxy sets it.
pub fn client_ip(
    headers: &HeaderMap,
    peer: Option<&ConnectInfo<SocketAddr>>,
    trust_forwarded_for: bool,
) -> Option<String> {
    if trust_forwarded_for {
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|s| s.trim().parse::<IpAddr>().ok())
            .next_back();
        if let Some(ip) = forwarded {
            return Some(ip.to_string());
        }
    }
    peer.map(|ConnectInfo(addr)| addr.ip().to_string())
}

pub fn user_agent(headers: &HeaderMap) -> Option<String> {
    headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(512).collect())
}
