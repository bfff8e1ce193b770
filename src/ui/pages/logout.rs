//! `/logout` asked for by GET: a confirmation with the sign-out button,
//! since no GET may change state.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn LogoutPage() -> impl IntoView {
    view! {
        <Title text="Sign out" />
        <h1>"Sign out"</h1>
        <form method="post" action="/logout" class="card">
            <p>"Sign out of Tagline on this device?"</p>
            <button type="submit" class="button">"Sign out"</button>
        </form>
    }
}
