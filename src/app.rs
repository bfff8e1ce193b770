//! The HTML shell and the route table.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, Meta, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{ParentRoute, Route, Router, Routes},
    path, SsrMode,
};

use crate::ui::{
    layout::SignedInLayout,
    pages::{
        admin::{AdminAuditPage, AdminPage, AdminSessionsPage, AdminUsersPage},
        home::HomePage,
        login::LoginPage,
        logout::LogoutPage,
        not_found::NotFound,
        photo::PhotoPage,
        settings::SettingsPage,
        tags::TagsPage,
        upload::UploadPage,
        user::UserPage,
    },
};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Tests (and people) can tell when the page has become interactive.
    Effect::new(|| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Stylesheet id="leptos" href="/pkg/tagline.css" />
        <Link rel="icon" href="/favicon.svg" type_="image/svg+xml" />
        <Meta name="color-scheme" content="light dark" />
        <Title formatter=|title: String| {
            if title.is_empty() { "Tagline".to_owned() } else { format!("{title} · Tagline") }
        } />
        <Router>
            // Async: the server sends each page whole, so it reads and works
            // without JavaScript (the sign-in form in particular).
            <Routes fallback=NotFound>
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async />
                <ParentRoute path=path!("") view=SignedInLayout ssr=SsrMode::Async>
                    <Route path=path!("") view=HomePage ssr=SsrMode::Async />
                    <Route path=path!("photos/:id") view=PhotoPage ssr=SsrMode::Async />
                    <Route path=path!("tags") view=TagsPage ssr=SsrMode::Async />
                    <Route path=path!("upload") view=UploadPage ssr=SsrMode::Async />
                    <Route path=path!("users/:username") view=UserPage ssr=SsrMode::Async />
                    <Route path=path!("settings") view=SettingsPage ssr=SsrMode::Async />
                    <Route path=path!("admin") view=AdminPage ssr=SsrMode::Async />
                    <Route path=path!("admin/users") view=AdminUsersPage ssr=SsrMode::Async />
                    <Route path=path!("admin/sessions") view=AdminSessionsPage ssr=SsrMode::Async />
                    <Route path=path!("admin/audit") view=AdminAuditPage ssr=SsrMode::Async />
                    <Route path=path!("logout") view=LogoutPage ssr=SsrMode::Async />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
