//! The thumbnail grid and its pagination, shared by the gallery and the
//! user pages.

use leptos::prelude::*;

use crate::{model::photos::GalleryPage, ui::links::GalleryState};

/// The grid of thumbnails: each links to its photo page, keeps the
/// gallery's state (so Esc on the photo page comes back here), is lazily
/// loaded and has its size set so nothing moves while it loads.
#[component]
pub fn PhotoGrid(page: GalleryPage, state: GalleryState) -> impl IntoView {
    let items = page
        .items
        .into_iter()
        .map(|t| {
            let href = state.photo_href(&t.id);
            let src = format!("/api/photos/{}/thumbnail", t.id);
            view! {
                <li>
                    <a href=href class="thumb">
                        <img
                            src=src
                            alt=t.alt
                            width=t.width.to_string()
                            height=t.height.to_string()
                            loading="lazy"
                            decoding="async"
                        />
                    </a>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="grid" aria-label="Photos">{items}</ul> }
}

/// Previous / next page links (plain links: they work without JavaScript).
#[component]
pub fn Pagination(page: u64, pages: u64, href: Callback<u64, String>) -> impl IntoView {
    (pages > 1).then(|| {
        view! {
            <nav class="pagination" aria-label="Pages">
                {(page > 1).then(|| view! { <a href=href.run(page - 1) rel="prev">"← Newer"</a> })}
                <span aria-current="page">{format!("Page {page} of {pages}")}</span>
                {(page < pages).then(|| view! { <a href=href.run(page + 1) rel="next">"Older →"</a> })}
            </nav>
        }
    })
}
