//! `/users/:username`: display name, role, the photos they uploaded and
//! their recent edits.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::{
    api::photos::load_profile,
    model::{AppError, Role},
    ui::{
        links::{page_param, GalleryState},
        photo_grid::{Pagination, PhotoGrid},
    },
};

#[component]
pub fn UserPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let username = Memo::new(move |_| params.get().get("username").unwrap_or_default());
    let page = Memo::new(move |_| page_param(&query.get()));
    let profile = Resource::new(
        move || (username.get(), page.get()),
        |(u, p)| load_profile(u, p),
    );

    view! {
        <Suspense fallback=|| view! { <p class="muted" role="status">"Loading…"</p> }>
            {move || profile.get().map(|result| match result {
                Ok(p) => {
                    let role = match p.role { Role::Admin => "Admin", Role::Member => "Member" };
                    let base = format!("/users/{}", p.username);
                    let href = Callback::new(move |n: u64| if n > 1 { format!("{base}?page={n}") } else { base.clone() });
                    let (current, pages, total) = (p.photos.page, p.photos.pages, p.photos.total);
                    let edits = p.edits.into_iter().map(|e| {
                        let what = if e.old_description != e.new_description && e.old_tags != e.new_tags {
                            "description and tags"
                        } else if e.old_tags != e.new_tags {
                            "tags"
                        } else {
                            "description"
                        };
                        view! {
                            <li>
                                <a href=format!("/photos/{}", e.photo_id)>{format!("Changed the {what} of a photo")}</a>
                                <span class="muted">{format!(" — {}", e.edited_at.get(..16).unwrap_or(&e.edited_at).replace('T', " "))}</span>
                            </li>
                        }
                    }).collect_view();
                    view! {
                        <Title text=p.display_name.clone() />
                        <h1>{p.display_name.clone()}</h1>
                        <p class="muted">{format!("@{} · {role}", p.username)}</p>
                        <section aria-labelledby="uploads-heading">
                            <h2 id="uploads-heading">{format!("Uploaded photos ({total})")}</h2>
                            {if total == 0 {
                                view! { <p class="muted">"No uploads yet."</p> }.into_any()
                            } else {
                                view! {
                                    <PhotoGrid page=p.photos state=GalleryState::default() />
                                    <Pagination page=current pages href />
                                }.into_any()
                            }}
                        </section>
                        <section aria-labelledby="edits-heading">
                            <h2 id="edits-heading">"Recent edits"</h2>
                            <ul class="edits">{edits}</ul>
                        </section>
                    }.into_any()
                }
                Err(AppError::NotFound) => view! {
                    <Title text="No such user" />
                    <h1>"No such user"</h1>
                }.into_any(),
                Err(err) => view! { <p class="alert" role="alert">{err.to_string()}</p> }.into_any(),
            })}
        </Suspense>
    }
}
