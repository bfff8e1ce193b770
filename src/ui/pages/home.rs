//! `/`: the gallery. Photos arrive with the library (issue 3); until then the
//! page says what to do next.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text="Photos" />
        <h1>"Photos"</h1>
        <section class="empty-state card">
            <p>"No photos yet."</p>
            <p class="muted">
                "Put photos in the storage folder, then an admin starts a rescan."
            </p>
        </section>
    }
}
