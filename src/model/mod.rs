//! Types shared by the server and the browser: validated inputs, views of
//! users and sessions, and the error every server function answers with.

mod error;
mod inputs;

pub use error::AppError;
pub use inputs::{DisplayName, InputError, Password, Username};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Member,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Member => "member",
        }
    }

    pub fn parse(value: &str) -> Option<Role> {
        match value {
            "admin" => Some(Role::Admin),
            "member" => Some(Role::Member),
            _ => None,
        }
    }
}

/// What the pages know about the signed-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
}

impl UserView {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// The message the login page shows after a failed sign-in, with the
/// username typed so the person need not type it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginFlash {
    pub message: String,
    pub username: String,
}

/// Accepts a `next` target only when it is a path on this site: starting
/// with one `/` (not `//` or `/\`, which browsers treat as another host) and
/// free of control characters. Anything else is dropped.
pub fn safe_next(raw: &str) -> Option<String> {
    let ok = raw.starts_with('/')
        && !raw.starts_with("//")
        && !raw.starts_with("/\\")
        && raw.len() <= 2048
        && !raw.chars().any(|c| c.is_control());
    ok.then(|| raw.to_owned())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_must_stay_on_this_site() {
        assert_eq!(safe_next("/settings").as_deref(), Some("/settings"));
        assert_eq!(safe_next("/?page=2").as_deref(), Some("/?page=2"));
        for bad in [
            "",
            "settings",
            "//evil.example",
            "/\\evil.example",
            "https://evil.example",
            "/a\nb",
        ] {
            assert_eq!(safe_next(bad), None, "{bad:?}");
        }
    }
}
