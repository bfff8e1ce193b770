//! `/`: the gallery. Newest first, 60 a page, `?q=` searches descriptions
//! and tags, `?tag=` (repeatable) filters on tags, `?page=` pages; all of it
//! in the URL, so every state is a link that works without JavaScript.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    api::photos::gallery,
    ui::{
        links::{tag_href, GalleryState},
        photo_grid::{Pagination, PhotoGrid},
    },
};

#[component]
pub fn HomePage() -> impl IntoView {
    let query = use_query_map();
    let state = Memo::new(move |_| GalleryState::from_query(&query.get()));
    let photos = Resource::new(
        move || state.get(),
        |s| gallery(s.page, s.q.clone(), s.tags_arg()),
    );

    view! {
        <Title text="Photos" />
        <h1>"Photos"</h1>
        <SearchForm state />
        <Suspense fallback=|| view! { <p class="muted" role="status">"Loading photos…"</p> }>
            {move || {
                photos.get().map(|result| match result {
                    Ok(page) => {
                        let s = state.get_untracked();
                        let filtered = !s.q.is_empty() || !s.tags.is_empty();
                        let count = match page.total {
                            1 => "1 photo".to_owned(),
                            n => format!("{n} photos"),
                        };
                        if page.total == 0 {
                            return if filtered {
                                view! {
                                    <p class="count" role="status">"No photo matches."</p>
                                    <p><a href="/">"Show all photos"</a></p>
                                }
                                .into_any()
                            } else {
                                view! { <EmptyLibrary /> }.into_any()
                            };
                        }
                        let href_state = s.clone();
                        let href = Callback::new(move |p: u64| href_state.page_href(p));
                        let (current, pages) = (page.page, page.pages);
                        view! {
                            <p class="count" role="status">{count}</p>
                            <PhotoGrid page state=s />
                            <Pagination page=current pages href />
                        }
                        .into_any()
                    }
                    Err(err) => view! { <p class="alert" role="alert">{err.to_string()}</p> }.into_any(),
                })
            }}
        </Suspense>
    }
}

/// The search box and the active tag filters (each removable).
#[component]
fn SearchForm(state: Memo<GalleryState>) -> impl IntoView {
    view! {
        <form method="get" action="/" class="search" role="search">
            <label for="q">"Search descriptions and tags"</label>
            <div class="search-row">
                <input
                    id="q"
                    name="q"
                    type="search"
                    maxlength="200"
                    prop:value=move || state.get().q
                />
                {move || {
                    state
                        .get()
                        .tags
                        .into_iter()
                        .map(|t| view! { <input type="hidden" name="tag" value=t /> })
                        .collect_view()
                }}
                <button type="submit" class="button">"Search"</button>
            </div>
        </form>
        {move || {
            let s = state.get();
            (!s.tags.is_empty())
                .then(|| {
                    let chips = s
                        .tags
                        .iter()
                        .map(|t| {
                            let without = GalleryState {
                                tags: s.tags.iter().filter(|x| *x != t).cloned().collect(),
                                page: 1,
                                ..s.clone()
                            };
                            let label = format!("Remove tag filter {t}");
                            view! {
                                <li>
                                    <a href=tag_href(t) class="tag">{t.clone()}</a>
                                    <a href=without.gallery_href() class="remove" aria-label=label>"×"</a>
                                </li>
                            }
                        })
                        .collect_view();
                    view! {
                        <div class="filters">
                            <span>"Tagged with all of:"</span>
                            <ul class="tags">{chips}</ul>
                        </div>
                    }
                })
        }}
    }
}

#[component]
fn EmptyLibrary() -> impl IntoView {
    view! {
        <section class="empty-state card">
            <p>"No photos yet."</p>
            <p class="muted">
                "Upload some on the " <a href="/upload">"Upload"</a> " page. "
                "Admins: put photos in the storage folder (PHOTOS_DIR), then start a rescan on the "
                <a href="/admin">"Admin"</a> " page."
            </p>
        </section>
    }
}
