//! `/settings`: change password (ends every other session).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::account::ChangePassword;

#[component]
pub fn SettingsPage() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let result = change.value();
    let pending = change.pending();

    view! {
        <Title text="Settings" />
        <h1>"Settings"</h1>
        <section class="card" aria-labelledby="password-heading">
            <h2 id="password-heading">"Change password"</h2>
            <p class="muted">"Changing your password signs you out on every other device."</p>
            <ActionForm action=change attr:class="stack">
                <label for="current_password">"Current password"</label>
                <input
                    id="current_password"
                    name="current_password"
                    type="password"
                    autocomplete="current-password"
                    required
                />
                <label for="new_password">"New password"</label>
                <input
                    id="new_password"
                    name="new_password"
                    type="password"
                    autocomplete="new-password"
                    minlength="8"
                    maxlength="1024"
                    required
                    aria-describedby="new-password-hint"
                />
                <p id="new-password-hint" class="hint">"8 to 1024 characters."</p>
                <label for="confirm_password">"Confirm new password"</label>
                <input
                    id="confirm_password"
                    name="confirm_password"
                    type="password"
                    autocomplete="new-password"
                    required
                />
                <button type="submit" class="button" disabled=move || pending.get()>
                    {move || if pending.get() { "Changing…" } else { "Change password" }}
                </button>
            </ActionForm>
            {move || match result.get() {
                Some(Ok(ended)) => {
                    let others = match ended {
                        0 => "No other device was signed in.".to_owned(),
                        1 => "1 other device was signed out.".to_owned(),
                        n => format!("{n} other devices were signed out."),
                    };
                    view! { <p class="notice" role="status">"Password changed. " {others}</p> }.into_any()
                }
                Some(Err(err)) => view! { <p class="alert" role="alert">{err.to_string()}</p> }.into_any(),
                None => ().into_any(),
            }}
        </section>
    }
}
