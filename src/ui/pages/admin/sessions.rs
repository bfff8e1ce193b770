//! `/admin/sessions`: every live session of every user, browser and API,
//! filterable by user (`?user=`), each revocable, or all of one user at
//! once. Counts over everyone at the top.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{when, AdminNav, SessionCounts};
use crate::{
    api::admin::{admin_sessions, RevokeSession, RevokeUserSessions},
    model::{admin::AdminSessionRow, SessionKind},
    ui::{
        links::{encode, page_param},
        photo_grid::Pagination,
    },
};

#[component]
pub fn AdminSessionsPage() -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| {
        query
            .get()
            .get("user")
            .unwrap_or_default()
            .trim()
            .to_owned()
    });
    let page = Memo::new(move |_| page_param(&query.get()));
    let revoke = ServerAction::<RevokeSession>::new();
    let revoke_all = ServerAction::<RevokeUserSessions>::new();
    let overview = Resource::new(
        move || {
            (
                filter.get(),
                page.get(),
                revoke.version().get(),
                revoke_all.version().get(),
            )
        },
        |(user, page, _, _)| admin_sessions((!user.is_empty()).then_some(user), Some(page)),
    );

    view! {
        <Title text="Sessions · Admin" />
        <h1>"Sessions"</h1>
        <AdminNav />
        <form method="get" action="/admin/sessions" class="search" role="search">
            <label for="session-user">"Show the sessions of user"</label>
            <div class="search-row">
                <input id="session-user" name="user" maxlength="64" prop:value=move || filter.get()
                    placeholder="username" />
                <button type="submit" class="button">"Filter"</button>
                {move || (!filter.get().is_empty()).then(|| view! { <a href="/admin/sessions">"Show everyone"</a> })}
            </div>
        </form>
        {move || {
            let err = revoke.value().get().and_then(Result::err)
                .or_else(|| revoke_all.value().get().and_then(Result::err));
            err.map(|e| view! { <p class="alert" role="alert">{e.to_string()}</p> })
        }}
        {move || revoke_all.value().get().and_then(Result::ok).map(|n| view! {
            <p class="notice" role="status">{format!("Ended {n} session(s).")}</p>
        })}
        <Transition fallback=|| view! { <p class="muted">"Loading sessions…"</p> }>
            {move || overview.get().map(|r| match r {
                Ok(o) => {
                    let user = filter.get_untracked();
                    let href = Callback::new(move |p: u64| {
                        let mut parts = Vec::new();
                        if !user.is_empty() {
                            parts.push(format!("user={}", encode(&user)));
                        }
                        if p > 1 {
                            parts.push(format!("page={p}"));
                        }
                        if parts.is_empty() {
                            "/admin/sessions".to_owned()
                        } else {
                            format!("/admin/sessions?{}", parts.join("&"))
                        }
                    });
                    let (current, pages, total) = (o.page, o.pages, o.total);
                    let only_user = (!filter.get_untracked().is_empty())
                        .then(|| o.items.first().map(|row| (row.user_id.clone(), row.username.clone())))
                        .flatten();
                    view! {
                        <SessionCounts users=o.users_signed_in browser=o.browser_sessions api=o.api_families />
                        {only_user.map(|(id, name)| view! {
                            <ActionForm action=revoke_all attr:class="inline">
                                <input type="hidden" name="user_id" value=id />
                                <button type="submit" class="button danger">{format!("Revoke all sessions of {name}")}</button>
                            </ActionForm>
                        })}
                        {if o.items.is_empty() {
                            view! { <p class="muted" role="status">"No live session."</p> }.into_any()
                        } else {
                            view! {
                                <table class="data">
                                    <caption class="visually-hidden">"Live sessions"</caption>
                                    <thead>
                                        <tr>
                                            <th scope="col">"User"</th>
                                            <th scope="col">"Kind"</th>
                                            <th scope="col">"Device"</th>
                                            <th scope="col">"Address"</th>
                                            <th scope="col">"Signed in"</th>
                                            <th scope="col">"Last active"</th>
                                            <th scope="col">"Expires"</th>
                                            <th scope="col">"Actions"</th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {o.items.into_iter().map(|row| view! { <SessionRow row action=revoke /> }).collect_view()}
                                    </tbody>
                                </table>
                                <p class="count">{format!("{total} session(s).")}</p>
                                <Pagination page=current pages href />
                            }.into_any()
                        }}
                    }.into_any()
                }
                Err(e) => view! { <p class="alert" role="alert">{e.to_string()}</p> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn SessionRow(row: AdminSessionRow, action: ServerAction<RevokeSession>) -> impl IntoView {
    let s = row.session;
    let kind = match s.kind {
        SessionKind::Browser => "Browser",
        SessionKind::Api => "API token",
    };
    let label = format!(
        "Revoke {}'s {} session on {}",
        row.username,
        kind.to_lowercase(),
        s.device
    );
    view! {
        <tr>
            <th scope="row"><a href=format!("/admin/sessions?user={}", row.username)>{row.username.clone()}</a></th>
            <td>{kind}</td>
            <td>{s.device.clone()}</td>
            <td>{s.ip.clone().unwrap_or_else(|| "unknown".into())}</td>
            <td>{when(s.created_at)}</td>
            <td>{when(s.last_active_at)}</td>
            <td>{when(s.expires_at)}</td>
            <td>
                <ActionForm action=action attr:class="inline">
                    <input type="hidden" name="id" value=s.id.clone() />
                    <button type="submit" class="button secondary small" aria-label=label>"Revoke"</button>
                </ActionForm>
            </td>
        </tr>
    }
}
