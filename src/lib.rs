//! Tagline: a self-hosted photo library. Leptos pages rendered on the server
//! and hydrated in the browser; metadata in a relational database through
//! SeaORM; every token in Redis.

#![recursion_limit = "256"]

pub mod api;
pub mod app;
pub mod model;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod server;

/// The browser entry point: hydrates the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
