//! `/admin` and the pages under it: the dashboard for admins. The server
//! refuses every one of them (and every admin server function) to anyone
//! else; the pages themselves only render what those functions answer.

mod audit;
mod sessions;
mod users;

pub use audit::AdminAuditPage;
pub use sessions::AdminSessionsPage;
pub use users::AdminUsersPage;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::{api::admin::admin_sessions, ui::rescan_panel::RescanPanel};

/// The dashboard's own navigation, on every admin page.
#[component]
pub fn AdminNav() -> impl IntoView {
    view! {
        <nav class="subnav" aria-label="Admin">
            <ul>
                <li><A href="/admin" exact=true>"Overview"</A></li>
                <li><A href="/admin/users">"Users"</A></li>
                <li><A href="/admin/sessions">"Sessions"</A></li>
                <li><A href="/admin/audit">"Audit log"</A></li>
            </ul>
        </nav>
    }
}

/// Who is signed in now, over everyone: the figures at the top of the
/// overview and of the sessions page.
#[component]
pub fn SessionCounts(users: usize, browser: usize, api: usize) -> impl IntoView {
    view! {
        <dl class="counts" aria-label="Who is signed in">
            <div><dt>"Users signed in"</dt><dd>{users}</dd></div>
            <div><dt>"Browser sessions"</dt><dd>{browser}</dd></div>
            <div><dt>"API token families"</dt><dd>{api}</dd></div>
        </dl>
    }
}

#[component]
pub fn AdminPage() -> impl IntoView {
    let overview = Resource::new(|| (), |_| admin_sessions(None, None));
    view! {
        <Title text="Admin" />
        <h1>"Admin"</h1>
        <AdminNav />
        <Suspense fallback=|| ()>
            {move || overview.get().map(|r| match r {
                Ok(o) => view! {
                    <SessionCounts users=o.users_signed_in browser=o.browser_sessions api=o.api_families />
                }.into_any(),
                Err(e) => view! { <p class="alert" role="alert">{e.to_string()}</p> }.into_any(),
            })}
        </Suspense>
        <RescanPanel />
    }
}

/// A Unix time as the dashboard shows it.
pub(crate) fn when(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// An RFC 3339 time as the dashboard shows it.
pub(crate) fn when_rfc3339(raw: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(raw)
        .map(|d| {
            d.with_timezone(&chrono::Utc)
                .format("%Y-%m-%d %H:%M:%S UTC")
                .to_string()
        })
        .unwrap_or_else(|_| raw.to_owned())
}
