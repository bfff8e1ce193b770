//! `/photos/:id`: the display-size image (linking to the original), its
//! facts, the description and tags editor, previous/next, and keys: left and
//! right for previous and next, Esc back to the gallery page it came from.
//!
//! The editor saves against the version it loaded. When someone saved in
//! between, the server refuses (409) and the editor shows their text beside
//! the user's, to keep either.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

use crate::{
    api::photos::{load_photo, save_photo, suggest_tags},
    model::{
        photos::{split_tag_field, PhotoDetail, PhotoView, STALE_EDIT},
        AppError,
    },
    ui::links::{tag_href, GalleryState},
};

#[component]
pub fn PhotoPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let state = Memo::new(move |_| GalleryState::from_query(&query.get()));
    let id = Memo::new(move |_| params.get().get("id").unwrap_or_default());
    let detail = Resource::new(
        move || (id.get(), state.get()),
        |(id, s)| load_photo(id, s.q.clone(), s.tags_arg()),
    );

    // Keyboard: ←/→ previous/next, Esc back to the gallery (not while typing).
    #[cfg(feature = "hydrate")]
    {
        let navigate = use_navigate();
        let handle = window_event_listener(leptos::ev::keydown, move |ev| {
            use wasm_bindgen::JsCast;
            if ev.alt_key() || ev.ctrl_key() || ev.meta_key() || ev.shift_key() {
                return;
            }
            let typing = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .map(|el| {
                    matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                        || el.has_attribute("contenteditable")
                })
                .unwrap_or(false);
            if typing {
                return;
            }
            let s = state.get_untracked();
            // Only the loaded photo's neighbours: while the next photo is
            // still loading, the previous one's must not be used.
            let here = id.get_untracked();
            let loaded = move || {
                detail
                    .get_untracked()
                    .and_then(Result::ok)
                    .filter(|d| d.photo.id == here)
            };
            let target = match ev.key().as_str() {
                "ArrowLeft" => loaded().and_then(|d| d.prev).map(|p| s.photo_href(&p)),
                "ArrowRight" => loaded().and_then(|d| d.next).map(|n| s.photo_href(&n)),
                "Escape" => Some(s.gallery_href()),
                _ => None,
            };
            if let Some(href) = target {
                ev.prevent_default();
                navigate(&href, Default::default());
            }
        });
        on_cleanup(move || handle.remove());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = use_navigate;

    view! {
        <Suspense fallback=|| view! { <p class="muted" role="status">"Loading the photo…"</p> }>
            {move || {
                detail.get().map(|result| match result {
                    Ok(d) => view! { <PhotoView detail=d state=state.get_untracked() /> }.into_any(),
                    Err(AppError::NotFound) => view! {
                        <Title text="Photo not found" />
                        <h1>"Photo not found"</h1>
                        <p><a href="/">"Back to the gallery"</a></p>
                    }
                    .into_any(),
                    Err(err) => view! { <p class="alert" role="alert">{err.to_string()}</p> }.into_any(),
                })
            }}
        </Suspense>
    }
}

fn human_size(bytes: u64) -> String {
    match bytes {
        b if b >= 1024 * 1024 => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
        b if b >= 1024 => format!("{:.0} KB", b as f64 / 1024.0),
        b => format!("{b} bytes"),
    }
}

#[component]
fn PhotoView(detail: PhotoDetail, state: GalleryState) -> impl IntoView {
    let photo = detail.photo.clone();
    let title = if photo.metadata.description.is_empty() {
        "Photo".to_owned()
    } else {
        photo.metadata.description.chars().take(60).collect()
    };
    let alt = if photo.metadata.description.is_empty() {
        "Photo".to_owned()
    } else {
        photo.metadata.description.clone()
    };
    let display = format!("/api/photos/{}/display", photo.id);
    let original = format!("/api/photos/{}/image", photo.id);
    let taken = photo
        .metadata
        .taken_at
        .clone()
        .map(|t| t.replace('T', " "))
        .unwrap_or_else(|| "Unknown".into());
    let camera = photo
        .metadata
        .camera
        .clone()
        .unwrap_or_else(|| "Unknown".into());
    let size = format!(
        "{} × {} pixels",
        photo.metadata.width, photo.metadata.height
    );
    let file = format!("{}, {}", detail.media_type, human_size(detail.byte_size));
    let back = state.gallery_href();
    let prev = detail.prev.clone().map(|p| state.photo_href(&p));
    let next = detail.next.clone().map(|n| state.photo_href(&n));
    let uploader = detail.uploaded_by.clone();

    view! {
        <Title text=title />
        <nav class="photo-nav" aria-label="Photo">
            <a href=back aria-keyshortcuts="Escape">"← Gallery"</a>
            <span class="spacer"></span>
            {match prev {
                Some(href) => view! { <a href=href rel="prev" aria-keyshortcuts="ArrowLeft">"Previous"</a> }.into_any(),
                None => view! { <span class="muted">"Previous"</span> }.into_any(),
            }}
            {match next {
                Some(href) => view! { <a href=href rel="next" aria-keyshortcuts="ArrowRight">"Next"</a> }.into_any(),
                None => view! { <span class="muted">"Next"</span> }.into_any(),
            }}
        </nav>
        <h1 class="visually-hidden">"Photo"</h1>
        <div class="photo-layout">
            <figure class="photo">
                <a href=original.clone()>
                    <img
                        src=display
                        alt=alt
                        width=detail.display_width.to_string()
                        height=detail.display_height.to_string()
                    />
                </a>
                <figcaption class="muted">
                    <a href=original>"Open the original"</a>
                    {detail.missing.then_some(" (the original file is missing from the storage folder)")}
                </figcaption>
            </figure>
            <aside class="photo-side">
                <section class="card" aria-labelledby="facts-heading">
                    <h2 id="facts-heading">"Details"</h2>
                    <dl class="facts">
                        <dt>"Taken"</dt><dd>{taken}</dd>
                        <dt>"Camera"</dt><dd>{camera}</dd>
                        <dt>"Size"</dt><dd>{size}</dd>
                        <dt>"File"</dt><dd>{file}</dd>
                        <dt>"Path"</dt><dd class="path">{photo.object_key.clone()}</dd>
                        {uploader.map(|u| view! {
                            <dt>"Uploaded by"</dt>
                            <dd><a href=format!("/users/{u}")>{u.clone()}</a></dd>
                        })}
                    </dl>
                </section>
                <Editor photo />
            </aside>
        </div>
    }
}

/// The description and tags editor with the conflict flow.
#[component]
fn Editor(photo: PhotoView) -> impl IntoView {
    let id = photo.id.clone();
    let description = RwSignal::new(photo.metadata.description.clone());
    let tags = RwSignal::new(photo.metadata.tags.join(", "));
    let version = RwSignal::new(photo.last_modified.clone());
    let saved_tags = RwSignal::new(photo.metadata.tags.clone());
    // The newer version someone else saved, while there is a conflict.
    let theirs: RwSignal<Option<PhotoView>> = RwSignal::new(None);
    let message: RwSignal<Option<Result<String, String>>> = RwSignal::new(None);

    let save = Action::new(move |(d, t, v): &(String, String, String)| {
        let id = id.clone();
        let (d, t, v) = (d.clone(), t.clone(), v.clone());
        async move {
            match save_photo(id.clone(), d, t, v).await {
                Err(AppError::Conflict(m)) if m == STALE_EDIT => {
                    // Fetch what was saved in between, to show it.
                    let latest = load_photo(id, String::new(), String::new()).await;
                    Err(latest.map(|l| l.photo).map_err(|e| e.to_string()))
                }
                Err(other) => Err(Err(other.to_string())),
                Ok(view) => Ok(view),
            }
        }
    });
    let pending = save.pending();
    Effect::new(move || match save.value().get() {
        Some(Ok(view)) => {
            description.set(view.metadata.description.clone());
            tags.set(view.metadata.tags.join(", "));
            saved_tags.set(view.metadata.tags.clone());
            version.set(view.last_modified.clone());
            theirs.set(None);
            message.set(Some(Ok("Saved.".into())));
        }
        Some(Err(Ok(latest))) => {
            theirs.set(Some(latest));
            message.set(None);
        }
        Some(Err(Err(text))) => message.set(Some(Err(text))),
        None => {}
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        message.set(None);
        save.dispatch((
            description.get_untracked(),
            tags.get_untracked(),
            version.get_untracked(),
        ));
    };
    let keep_mine = move |_| {
        if let Some(t) = theirs.get_untracked() {
            version.set(t.last_modified.clone());
            save.dispatch((
                description.get_untracked(),
                tags.get_untracked(),
                t.last_modified,
            ));
        }
    };
    let take_theirs = move |_| {
        if let Some(t) = theirs.get_untracked() {
            description.set(t.metadata.description.clone());
            tags.set(t.metadata.tags.join(", "));
            saved_tags.set(t.metadata.tags.clone());
            version.set(t.last_modified.clone());
            theirs.set(None);
            message.set(Some(Ok("You now have the saved version.".into())));
        }
    };

    // Autocomplete: suggestions for the tag being typed (after the last comma),
    // offered as the whole field so picking one keeps the tags before it.
    let last_word = Memo::new(move |_| {
        let field = tags.get();
        field.rsplit(',').next().unwrap_or("").trim().to_owned()
    });
    let suggestions = Resource::new(
        move || last_word.get(),
        |w| async move {
            if w.is_empty() {
                Ok(Vec::new())
            } else {
                suggest_tags(w).await
            }
        },
    );
    let options = move || {
        let field = tags.get();
        let head = match field.rfind(',') {
            Some(i) => format!("{}, ", field[..i].trim_end()),
            None => String::new(),
        };
        suggestions
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .map(|s| view! { <option value=format!("{head}{s}")></option> })
            .collect_view()
    };

    view! {
        <section class="card" aria-labelledby="editor-heading">
            <h2 id="editor-heading">"Description and tags"</h2>
            <form class="stack editor" on:submit=submit>
                <label for="description">"Description"</label>
                <textarea
                    id="description"
                    name="description"
                    rows="5"
                    maxlength="10000"
                    prop:value=move || description.get()
                    on:input=move |ev| description.set(event_target_value(&ev))
                ></textarea>
                <label for="tags">"Tags"</label>
                <input
                    id="tags"
                    name="tags"
                    type="text"
                    list="tag-suggestions"
                    autocomplete="off"
                    aria-describedby="tags-hint"
                    prop:value=move || tags.get()
                    on:input=move |ev| tags.set(event_target_value(&ev))
                />
                <datalist id="tag-suggestions">
                    <Transition fallback=|| ()>{options}</Transition>
                </datalist>
                <p id="tags-hint" class="hint">"Separate tags with commas. At most 50, each up to 64 characters."</p>
                <input type="hidden" name="last_modified" prop:value=move || version.get() />
                <button type="submit" class="button" disabled=move || pending.get()>
                    {move || if pending.get() { "Saving…" } else { "Save" }}
                </button>
            </form>
            <ul class="tags current-tags" aria-label="Saved tags">
                {move || saved_tags.get().into_iter().map(|t| view! {
                    <li><a class="tag" href=tag_href(&t)>{t.clone()}</a></li>
                }).collect_view()}
            </ul>
            {move || message.get().map(|m| match m {
                Ok(text) => view! { <p class="notice" role="status">{text}</p> }.into_any(),
                Err(text) => view! { <p class="alert" role="alert">{text}</p> }.into_any(),
            })}
            {move || theirs.get().map(|t| view! {
                <div class="conflict" role="alert" aria-labelledby="conflict-heading">
                    <h3 id="conflict-heading">"Someone saved this photo while you were editing"</h3>
                    <div class="conflict-columns">
                        <div>
                            <h4>"Saved version"</h4>
                            <p class="theirs-description">{if t.metadata.description.is_empty() { "(no description)".to_owned() } else { t.metadata.description.clone() }}</p>
                            <p class="theirs-tags">"Tags: " {if t.metadata.tags.is_empty() { "(none)".to_owned() } else { t.metadata.tags.join(", ") }}</p>
                        </div>
                        <div>
                            <h4>"Your version"</h4>
                            <p class="mine-description">{move || description.get()}</p>
                            <p class="mine-tags">"Tags: " {move || split_tag_field(&tags.get()).join(", ")}</p>
                        </div>
                    </div>
                    <div class="row">
                        <button type="button" class="button" on:click=keep_mine>"Keep mine"</button>
                        <button type="button" class="button secondary" on:click=take_theirs>"Use the saved version"</button>
                    </div>
                </div>
            })}
        </section>
    }
}
