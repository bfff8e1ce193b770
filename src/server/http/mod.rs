//! Plain axum routes and the middleware around the Leptos pages.

pub mod admin_api;
pub mod api;
pub mod csrf;
pub mod headers;
pub mod health;
pub mod images;
pub mod login;
pub mod openapi;
pub mod pages;
pub mod photos_api;
