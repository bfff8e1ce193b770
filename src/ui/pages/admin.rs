//! `/admin`: the dashboard for admins (the server refuses it to anyone
//! else): start a rescan of the storage folder and watch its progress.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::ui::rescan_panel::RescanPanel;

#[component]
pub fn AdminPage() -> impl IntoView {
    view! {
        <Title text="Admin" />
        <h1>"Admin"</h1>
        <RescanPanel />
    }
}
