//! `/admin/audit`: the audit log, newest first, 50 a page, filterable by
//! user and event. All of it in the URL (`?user=&event=&page=`), so every
//! view is a link.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{when_rfc3339, AdminNav};
use crate::{
    api::admin::{admin_audit, AUDIT_PAGE_SIZE},
    model::admin::{audit_event_label, AUDIT_EVENTS},
    ui::{
        links::{encode, page_param},
        photo_grid::Pagination,
    },
};

#[derive(Debug, Clone, PartialEq, Eq)]
struct AuditQuery {
    user: String,
    event: String,
    page: u64,
}

impl AuditQuery {
    fn href(&self, page: u64) -> String {
        let mut parts = Vec::new();
        if !self.user.is_empty() {
            parts.push(format!("user={}", encode(&self.user)));
        }
        if !self.event.is_empty() {
            parts.push(format!("event={}", encode(&self.event)));
        }
        if page > 1 {
            parts.push(format!("page={page}"));
        }
        if parts.is_empty() {
            "/admin/audit".to_owned()
        } else {
            format!("/admin/audit?{}", parts.join("&"))
        }
    }
}

#[component]
pub fn AdminAuditPage() -> impl IntoView {
    let query = use_query_map();
    let state = Memo::new(move |_| {
        let q = query.get();
        AuditQuery {
            user: q.get("user").unwrap_or_default().trim().to_owned(),
            event: q.get("event").unwrap_or_default().trim().to_owned(),
            page: page_param(&q),
        }
    });
    let log = Resource::new(
        move || state.get(),
        |s| {
            admin_audit(
                (!s.user.is_empty()).then_some(s.user),
                (!s.event.is_empty()).then_some(s.event),
                s.page,
            )
        },
    );

    view! {
        <Title text="Audit log · Admin" />
        <h1>"Audit log"</h1>
        <AdminNav />
        <form method="get" action="/admin/audit" class="filter-form" role="search">
            <div>
                <label for="audit-user">"User"</label>
                <input id="audit-user" name="user" maxlength="64" placeholder="username"
                    prop:value=move || state.get().user />
            </div>
            <div>
                <label for="audit-event">"Event"</label>
                <select id="audit-event" name="event">
                    <option value="" selected=move || state.get().event.is_empty()>"Any event"</option>
                    {AUDIT_EVENTS.iter().map(|(key, label)| view! {
                        <option value=*key selected=move || state.get().event == *key>{*label}</option>
                    }).collect_view()}
                </select>
            </div>
            <button type="submit" class="button">"Filter"</button>
        </form>
        <Transition fallback=|| view! { <p class="muted">"Loading the audit log…"</p> }>
            {move || log.get().map(|r| match r {
                Ok(page) => {
                    let s = state.get_untracked();
                    let pages = page.total.div_ceil(AUDIT_PAGE_SIZE).max(1);
                    let href = Callback::new(move |p: u64| s.href(p));
                    let current = page.offset / AUDIT_PAGE_SIZE + 1;
                    view! {
                        <p class="count" role="status">{match page.total { 1 => "1 event".to_owned(), n => format!("{n} events") }}</p>
                        {(!page.items.is_empty()).then(|| view! {
                            <table class="data">
                                <caption class="visually-hidden">"Audit events"</caption>
                                <thead>
                                    <tr>
                                        <th scope="col">"When"</th>
                                        <th scope="col">"Event"</th>
                                        <th scope="col">"User"</th>
                                        <th scope="col">"By"</th>
                                        <th scope="col">"Address"</th>
                                        <th scope="col">"Detail"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {page.items.into_iter().map(|e| view! {
                                        <tr>
                                            <td>{when_rfc3339(&e.created_at)}</td>
                                            <td>{audit_event_label(&e.event).to_owned()}</td>
                                            <td>{e.username.clone().unwrap_or_default()}</td>
                                            <td>{e.actor.clone().unwrap_or_default()}</td>
                                            <td>{e.ip.clone().unwrap_or_default()}</td>
                                            <td>{e.detail.clone().unwrap_or_default()}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        })}
                        <Pagination page=current pages href />
                    }.into_any()
                }
                Err(e) => view! { <p class="alert" role="alert">{e.to_string()}</p> }.into_any(),
            })}
        </Transition>
    }
}
