//! Integration tests: each test spawns the real app on port 0 with its own
//! SQLite file (or PostgreSQL database when TAGLINE_TEST_DB=postgres) and its
//! own Redis key prefix, and talks HTTP to it.

mod helpers;

mod admin;
mod api_tokens;
mod auth;
mod csrf;
mod dashboard;
mod fail_closed;
mod openapi;
mod photos;
mod sessions;
mod throttle;
