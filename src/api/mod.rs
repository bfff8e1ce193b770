//! Server functions by area. Each is thin: it checks who is asking, calls
//! into `crate::server`, and maps the result to shared types.

pub mod account;
pub mod admin;
pub mod photos;

#[cfg(feature = "ssr")]
pub(crate) mod context;
