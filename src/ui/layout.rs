//! The signed-in layout: skip link, header with navigation and sign-out,
//! and the main landmark the pages render into.

use leptos::prelude::*;
use leptos_router::{
    components::{Outlet, A},
    hooks::use_location,
};

use crate::api::account::me;

#[component]
pub fn SignedInLayout() -> impl IntoView {
    let location = use_location();
    // Asked again on every navigation, so a session revoked elsewhere sends
    // the browser to the sign-in page on its next click, not just on reload.
    let user = Resource::new(move || location.pathname.get(), |_| me());

    Effect::new(move || {
        if let Some(Ok(None)) | Some(Err(crate::model::AppError::Unauthorized)) = user.get() {
            let here = location.pathname.get_untracked();
            let next: String = crate::ui::links::encode(&here);
            let _ = window().location().assign(&format!("/login?next={next}"));
        }
    });

    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="topbar">
            <a class="brand" href="/">"Tagline"</a>
            <nav aria-label="Main">
                <ul>
                    <li><A href="/">"Photos"</A></li>
                    <li><A href="/tags">"Tags"</A></li>
                    <li><A href="/upload">"Upload"</A></li>
                    <li><A href="/settings">"Settings"</A></li>
                    <Transition fallback=|| ()>
                        {move || {
                            let admin = user.get().and_then(Result::ok).flatten().is_some_and(|u| u.is_admin());
                            admin.then(|| view! { <li><A href="/admin">"Admin"</A></li> })
                        }}
                    </Transition>
                </ul>
            </nav>
            <div class="account">
                <Transition fallback=|| ()>
                    {move || {
                        user.get()
                            .and_then(Result::ok)
                            .flatten()
                            .map(|u| view! { <span class="who">{u.display_name}</span> })
                    }}
                </Transition>
                <form method="post" action="/logout">
                    <button type="submit" class="button secondary">"Sign out"</button>
                </form>
            </div>
        </header>
        <main id="main" tabindex="-1">
            <Outlet />
        </main>
    }
}
