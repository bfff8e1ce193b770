//! Server-only code: never compiled into the browser bundle.

pub mod accounts;
pub mod admin;
pub mod auth;
pub mod config;
pub mod db;
pub mod error;
pub mod http;
pub mod library;
pub mod photos;
pub mod rescan;
pub mod startup;
pub mod state;
pub mod telemetry;
