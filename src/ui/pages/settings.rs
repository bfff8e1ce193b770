//! `/settings`: change password (ends every other session), and the list of
//! the user's own sessions with sign-out of one or all others.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::account::{my_sessions, ChangePassword, SignOutOthers, SignOutSession},
    model::{SessionInfo, SessionKind},
};

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
        <SessionsSection />
    }
}

fn when(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}

#[component]
fn SessionsSection() -> impl IntoView {
    let sign_out_one = ServerAction::<SignOutSession>::new();
    let sign_out_others = ServerAction::<SignOutOthers>::new();
    let sessions = Resource::new(
        move || {
            (
                sign_out_one.version().get(),
                sign_out_others.version().get(),
            )
        },
        |_| my_sessions(),
    );

    view! {
        <section class="card" aria-labelledby="sessions-heading">
            <h2 id="sessions-heading">"Your sessions"</h2>
            <p class="muted">"Every browser and app signed in to your account."</p>
            <Transition fallback=|| view! { <p>"Loading sessions…"</p> }>
                {move || {
                    sessions
                        .get()
                        .map(|result| match result {
                            Ok(list) => {
                                view! {
                                    <ul class="sessions">
                                        {list
                                            .into_iter()
                                            .map(|s| view! { <SessionRow session=s action=sign_out_one /> })
                                            .collect_view()}
                                    </ul>
                                }
                                    .into_any()
                            }
                            Err(err) => view! { <p class="alert" role="alert">{err.to_string()}</p> }.into_any(),
                        })
                }}
            </Transition>
            {move || {
                sign_out_one
                    .value()
                    .get()
                    .and_then(Result::err)
                    .map(|err| view! { <p class="alert" role="alert">{err.to_string()}</p> })
            }}
            <h3>"Sign out everywhere else"</h3>
            <ActionForm action=sign_out_others attr:class="stack">
                <label for="others_password">"Your password"</label>
                <input
                    id="others_password"
                    name="password"
                    type="password"
                    autocomplete="current-password"
                    required
                />
                <button type="submit" class="button secondary">"Sign out all other sessions"</button>
            </ActionForm>
            {move || match sign_out_others.value().get() {
                Some(Ok(n)) => {
                    view! { <p class="notice" role="status">{format!("Signed out {n} other session(s).")}</p> }
                        .into_any()
                }
                Some(Err(err)) => view! { <p class="alert" role="alert">{err.to_string()}</p> }.into_any(),
                None => ().into_any(),
            }}
        </section>
    }
}

#[component]
fn SessionRow(session: SessionInfo, action: ServerAction<SignOutSession>) -> impl IntoView {
    let kind = match session.kind {
        SessionKind::Browser => "Browser",
        SessionKind::Api => "API token",
    };
    let label = format!(
        "Sign out {} signed in {}",
        session.device,
        when(session.created_at)
    );
    view! {
        <li class="session">
            <div>
                <strong>{session.device.clone()}</strong>
                <span class="muted">{format!(" · {kind} · {}", session.ip.clone().unwrap_or_else(|| "unknown address".into()))}</span>
                <br />
                <span class="muted">
                    {format!(
                        "Signed in {}, last active {}",
                        when(session.created_at),
                        when(session.last_active_at),
                    )}
                </span>
            </div>
            {if session.current {
                view! { <span class="badge">"This device"</span> }.into_any()
            } else {
                view! {
                    <ActionForm action=action>
                        <input type="hidden" name="id" value=session.id.clone() />
                        <button type="submit" class="button secondary" aria-label=label>
                            "Sign out"
                        </button>
                    </ActionForm>
                }
                    .into_any()
            }}
        </li>
    }
}
