//! What the admin dashboard shows: users, everyone's sessions and the audit
//! log. Shared by the server functions and the pages.

use serde::{Deserialize, Serialize};

use super::{Role, SessionInfo};

/// A user as listed on `/admin/users`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminUserRow {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
    /// RFC 3339.
    pub created_at: String,
    /// Live browser sessions and API families.
    pub sessions: usize,
}

/// One live session of some user on `/admin/sessions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminSessionRow {
    pub user_id: String,
    pub username: String,
    pub session: SessionInfo,
}

/// The sessions page: counts over everyone, and the (possibly filtered) list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionsOverview {
    /// Users with at least one live session or API family.
    pub users_signed_in: usize,
    pub browser_sessions: usize,
    pub api_families: usize,
    /// Sessions matching the filter, in all.
    pub total: usize,
    /// This page (1-based) of [`SESSIONS_PAGE_SIZE`] and how many there are.
    pub page: u64,
    pub pages: u64,
    pub items: Vec<AdminSessionRow>,
}

/// How many sessions one page of `/admin/sessions` lists.
pub const SESSIONS_PAGE_SIZE: usize = 100;

/// One audit record as shown to an admin. It never holds a token or a
/// session id: none is ever written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub id: String,
    /// RFC 3339.
    pub created_at: String,
    pub event: String,
    pub username: Option<String>,
    /// Who did it when it was not the user themself (an admin).
    pub actor: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    pub total: u64,
    pub limit: u64,
    pub offset: u64,
}

/// Every event the audit log records, with a readable name, for the filter.
pub const AUDIT_EVENTS: &[(&str, &str)] = &[
    ("sign_in.succeeded", "Sign-in succeeded"),
    ("sign_in.failed", "Sign-in failed"),
    ("sign_in.throttled", "Sign-in throttled"),
    ("signed_out", "Signed out"),
    ("session.revoked", "Session revoked"),
    ("password.changed", "Password changed"),
    ("password.reset", "Password reset by an admin"),
    ("refresh_token.reused", "Refresh token reused"),
    ("user.created", "User created"),
    ("user.disabled", "User disabled"),
    ("user.enabled", "User enabled"),
    ("user.role_changed", "Role changed"),
];

/// The readable name of a stored event.
pub fn audit_event_label(event: &str) -> &str {
    AUDIT_EVENTS
        .iter()
        .find(|(key, _)| *key == event)
        .map_or(event, |(_, label)| label)
}
