//! `/upload`: one or many images at once, each with its own progress bar and
//! outcome (imported, already in the library with a link to it, or refused
//! with the reason). Without JavaScript the form still posts the files.

use leptos::prelude::*;
use leptos_meta::Title;

/// One file being uploaded, as its row shows it.
#[derive(Clone)]
struct Item {
    name: String,
    /// 0..=100
    progress: RwSignal<f64>,
    /// (succeeded, message, link to the photo)
    outcome: RwSignal<Option<(bool, String, Option<String>)>>,
}

#[component]
pub fn UploadPage() -> impl IntoView {
    let items: RwSignal<Vec<Item>> = RwSignal::new(Vec::new());
    let input: NodeRef<leptos::html::Input> = NodeRef::new();

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        {
            let Some(el) = input.get_untracked() else {
                return;
            };
            let Some(files) = el.files() else { return };
            let mut started = Vec::new();
            for i in 0..files.length() {
                if let Some(file) = files.get(i) {
                    let item = Item {
                        name: file.name(),
                        progress: RwSignal::new(0.0),
                        outcome: RwSignal::new(None),
                    };
                    send(file, item.clone());
                    started.push(item);
                }
            }
            items.set(started);
            el.set_value("");
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (input, items);
    };

    view! {
        <Title text="Upload" />
        <h1>"Upload photos"</h1>
        <section class="card">
            <form
                class="stack"
                method="post"
                action="/api/uploads"
                enctype="multipart/form-data"
                on:submit=submit
            >
                <label for="files">"Photos"</label>
                <input
                    id="files"
                    type="file"
                    name="file"
                    multiple
                    required
                    accept="image/jpeg,image/png,image/webp,image/gif"
                    aria-describedby="files-hint"
                    node_ref=input
                />
                <p id="files-hint" class="hint">
                    "JPEG, PNG, WebP or GIF. Several at once are fine. Each file has a size limit (50 MB unless the admin set another)."
                </p>
                <button type="submit" class="button">"Upload"</button>
            </form>
        </section>
        {move || {
            let list = items.get();
            (!list.is_empty()).then(|| view! {
                <section aria-labelledby="progress-heading">
                    <h2 id="progress-heading">"Uploads"</h2>
                    <ul class="uploads">
                        {list.into_iter().map(|item| {
                            let label = format!("Upload progress of {}", item.name);
                            view! {
                                <li class="upload">
                                    <span class="name">{item.name.clone()}</span>
                                    <progress max="100" aria-label=label prop:value=move || item.progress.get()></progress>
                                    <span class="outcome" role="status">
                                        {move || match item.outcome.get() {
                                            None => view! { <span class="muted">{format!("{:.0}%", item.progress.get())}</span> }.into_any(),
                                            Some((ok, text, link)) => view! {
                                                <span class=if ok { "ok" } else { "error" }>{text}</span>
                                                {link.map(|href| view! { " " <a href=href>"Open the photo"</a> })}
                                            }.into_any(),
                                        }}
                                    </span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </section>
            })
        }}
    }
}

/// Sends one file with XMLHttpRequest (fetch cannot report upload progress).
#[cfg(feature = "hydrate")]
fn send(file: web_sys::File, item: Item) {
    use wasm_bindgen::{closure::Closure, JsCast};

    let fail = |item: &Item, text: &str| item.outcome.set(Some((false, text.to_owned(), None)));
    let (Ok(xhr), Ok(form)) = (web_sys::XmlHttpRequest::new(), web_sys::FormData::new()) else {
        fail(&item, "This browser cannot upload files.");
        return;
    };
    if form
        .append_with_blob_and_filename("file", &file, &file.name())
        .is_err()
        || xhr.open_with_async("POST", "/api/uploads", true).is_err()
    {
        fail(&item, "The file could not be read.");
        return;
    }
    let _ = xhr.set_request_header("Accept", "application/json");

    let progress = item.progress;
    let on_progress =
        Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
            if e.length_computable() && e.total() > 0.0 {
                progress.set((e.loaded() / e.total() * 100.0).min(100.0));
            }
        });
    if let Ok(upload) = xhr.upload() {
        upload.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    }
    on_progress.forget();

    let done = xhr.clone();
    let row = item.clone();
    let on_load = Closure::<dyn FnMut()>::new(move || {
        let status = done.status().unwrap_or(0);
        let body: serde_json::Value = done
            .response_text()
            .ok()
            .flatten()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default();
        let first = &body["items"][0];
        let text = first["detail"]
            .as_str()
            .or_else(|| body["detail"].as_str())
            .unwrap_or("The upload failed.")
            .to_owned();
        let link = first["url"].as_str().map(str::to_owned);
        row.progress.set(100.0);
        match (status, first["status"].as_str()) {
            (200..=299, Some("imported")) => {
                row.outcome.set(Some((true, "Uploaded.".into(), link)))
            }
            (200..=299, Some("duplicate")) => row.outcome.set(Some((true, text, link))),
            (401, _) => row.outcome.set(Some((
                false,
                "Your session has ended: sign in again.".into(),
                None,
            ))),
            _ => row.outcome.set(Some((false, text, None))),
        }
    });
    xhr.set_onload(Some(on_load.as_ref().unchecked_ref()));
    on_load.forget();

    let row = item.clone();
    let on_error = Closure::<dyn FnMut()>::new(move || {
        row.outcome.set(Some((
            false,
            "The upload failed: the connection was lost.".into(),
            None,
        )));
    });
    xhr.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();

    if xhr.send_with_opt_form_data(Some(&form)).is_err() {
        fail(&item, "The upload could not start.");
    }
}
