//! One list of a user's live sessions, browser and API alike, and revoking
//! any of them by its public id.

use uuid::Uuid;

use super::Auth;
use crate::{
    model::{device_label, SessionInfo, SessionKind},
    server::error::ServerResult,
};

const BROWSER: &str = "browser:";
const API: &str = "api:";

/// The user's live sessions, oldest first; `current` marks the session
/// handle of the asking browser.
pub async fn list(auth: &Auth, user_id: Uuid, current: &str) -> ServerResult<Vec<SessionInfo>> {
    let mut out: Vec<SessionInfo> = auth
        .sessions()
        .list_for_user(user_id)
        .await?
        .into_iter()
        .map(|s| SessionInfo {
            current: !current.is_empty() && s.handle == current,
            id: format!("{BROWSER}{}", s.handle),
            kind: SessionKind::Browser,
            device: device_label(s.auth.user_agent.as_deref()),
            ip: s.auth.ip,
            created_at: s.auth.created_at,
            last_active_at: s.auth.last_seen,
            expires_at: s.expires_at,
        })
        .collect();
    out.extend(
        auth.tokens()
            .family_details(user_id)
            .await?
            .into_iter()
            .map(|f| SessionInfo {
                id: format!("{API}{}", f.family),
                kind: SessionKind::Api,
                device: device_label(f.user_agent.as_deref()),
                ip: f.ip,
                created_at: f.created_at,
                last_active_at: f.last_used,
                expires_at: f.expires_at,
                current: false,
            }),
    );
    out.sort_by_key(|s| s.created_at);
    Ok(out)
}

/// Whose live session (browser or API family) the public id `id` is.
pub async fn owner_of(auth: &Auth, id: &str) -> ServerResult<Option<Uuid>> {
    if let Some(handle) = id.strip_prefix(BROWSER) {
        return auth.sessions().owner_of(handle).await;
    }
    if let Some(family) = id.strip_prefix(API) {
        return auth.tokens().owner_of(family).await;
    }
    Ok(None)
}

/// Ends the user's session with public id `id`; false when there is none.
pub async fn revoke(auth: &Auth, user_id: Uuid, id: &str) -> ServerResult<bool> {
    if let Some(handle) = id.strip_prefix(BROWSER) {
        return auth.sessions().revoke_for_user(user_id, handle).await;
    }
    if let Some(family) = id.strip_prefix(API) {
        return auth.tokens().revoke_family_of(user_id, family).await;
    }
    Ok(false)
}

/// Ends every session of the user but the browser session `keep`.
pub async fn revoke_all_but(auth: &Auth, user_id: Uuid, keep: Option<&str>) -> ServerResult<usize> {
    Ok(auth.sessions().revoke_all_for_user(user_id, keep).await?
        + auth.tokens().revoke_all_for_user(user_id).await?)
}
