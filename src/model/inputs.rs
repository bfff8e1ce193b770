//! Validated inputs: each type can only be built through `parse`, so code
//! that holds one knows the value is acceptable.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InputError(pub String);

/// A username: 1 to 64 characters of `a-z 0-9 . _ -`, stored in lower case so
/// that names are unique regardless of case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub const MAX_LEN: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, InputError> {
        let name = raw.trim().to_lowercase();
        if name.is_empty() {
            return Err(InputError("Enter a username.".into()));
        }
        if name.chars().count() > Self::MAX_LEN {
            return Err(InputError(format!(
                "A username has at most {} characters.",
                Self::MAX_LEN
            )));
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
        {
            return Err(InputError(
                "A username may only contain letters, digits, '.', '_' and '-'.".into(),
            ));
        }
        Ok(Username(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new password: 8 to 1024 characters. Longer ones are refused before any
/// hashing, so a huge password cannot be used to burn CPU.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub const MIN_LEN: usize = 8;
    pub const MAX_LEN: usize = 1024;

    pub fn parse(raw: &str) -> Result<Self, InputError> {
        let len = raw.chars().count();
        if len < Self::MIN_LEN {
            return Err(InputError(format!(
                "A password needs at least {} characters.",
                Self::MIN_LEN
            )));
        }
        if len > Self::MAX_LEN {
            return Err(InputError(format!(
                "A password has at most {} characters.",
                Self::MAX_LEN
            )));
        }
        Ok(Password(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// A display name: 1 to 100 characters after trimming, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub const MAX_LEN: usize = 100;

    pub fn parse(raw: &str) -> Result<Self, InputError> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(InputError("Enter a display name.".into()));
        }
        if name.chars().count() > Self::MAX_LEN {
            return Err(InputError(format!(
                "A display name has at most {} characters.",
                Self::MAX_LEN
            )));
        }
        if name.chars().any(char::is_control) {
            return Err(InputError(
                "A display name cannot contain control characters.".into(),
            ));
        }
        Ok(DisplayName(name.to_owned()))
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_trimmed_and_lowercased() {
        assert_eq!(Username::parse("  Alice ").unwrap().as_str(), "alice");
        assert_eq!(Username::parse("a.b_c-1").unwrap().as_str(), "a.b_c-1");
    }

    #[test]
    fn bad_usernames_are_refused() {
        for bad in [
            "",
            "   ",
            "has space",
            "emoji😀",
            "semi;colon",
            &"x".repeat(65),
        ] {
            assert!(Username::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(Username::parse(&"x".repeat(64)).is_ok());
    }

    #[test]
    fn passwords_are_8_to_1024_characters() {
        assert!(Password::parse("1234567").is_err());
        assert!(Password::parse("12345678").is_ok());
        assert!(Password::parse(&"p".repeat(1024)).is_ok());
        assert!(Password::parse(&"p".repeat(1025)).is_err());
        // Characters, not bytes: eight two-byte characters are enough.
        assert!(Password::parse("éééééééé").is_ok());
    }

    #[test]
    fn password_debug_never_shows_the_secret() {
        let p = Password::parse("hunter2hunter2").unwrap();
        assert!(!format!("{p:?}").contains("hunter2"));
    }

    #[test]
    fn display_names_are_trimmed_and_bounded() {
        assert_eq!(DisplayName::parse(" Ann ").unwrap().into_inner(), "Ann");
        assert!(DisplayName::parse("").is_err());
        assert!(DisplayName::parse("a\u{0}b").is_err());
        assert!(DisplayName::parse(&"n".repeat(101)).is_err());
    }
}
