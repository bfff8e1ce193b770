//! `/login`: a server-rendered form that posts to `/login`, so sign-in works
//! with JavaScript off. A failed attempt comes back as this page with the
//! message inline (see `server::http::login`).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::model::{safe_next, LoginFlash};

/// The flash the server provided for this render, if any. In the browser it
/// arrives through the resource's serialized value instead.
fn server_flash() -> Option<LoginFlash> {
    #[cfg(feature = "ssr")]
    {
        use_context::<LoginFlash>()
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let next = move || {
        query
            .read()
            .get("next")
            .and_then(|n| safe_next(&n))
            .unwrap_or_else(|| "/".to_owned())
    };
    let flash = server_flash();
    let flash = OnceResource::new(async move { flash });

    view! {
        <Title text="Sign in" />
        <main id="main" class="auth-page">
            <div class="card">
                <p class="brand">"Tagline"</p>
                <h1>"Sign in"</h1>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        let flash = flash.await;
                        let username = flash.as_ref().map(|f| f.username.clone()).unwrap_or_default();
                        let message = flash.map(|f| f.message);
                        view! {
                            <form method="post" action="/login" class="stack">
                                {message.map(|m| view! { <p class="alert" role="alert">{m}</p> })}
                                <input type="hidden" name="next" value=next />
                                <label for="username">"Username"</label>
                                <input
                                    id="username"
                                    name="username"
                                    type="text"
                                    autocomplete="username"
                                    autocapitalize="none"
                                    spellcheck="false"
                                    required
                                    maxlength="64"
                                    value=username
                                />
                                <label for="password">"Password"</label>
                                <input
                                    id="password"
                                    name="password"
                                    type="password"
                                    autocomplete="current-password"
                                    required
                                />
                                <button type="submit" class="button">"Sign in"</button>
                            </form>
                        }
                    })}
                </Suspense>
            </div>
        </main>
    }
}
