//! The admin's rescan panel: a button that starts a rescan of the storage
//! folder, and its live progress (files seen, imported, errors), polled
//! while it runs, whichever instance runs it.

use leptos::prelude::*;

use crate::api::photos::{rescan_progress, StartRescan};

#[component]
pub fn RescanPanel() -> impl IntoView {
    let start = ServerAction::<StartRescan>::new();
    let tick = RwSignal::new(0u32);
    let status = Resource::new(
        move || (tick.get(), start.version().get()),
        |_| rescan_progress(),
    );

    // While a rescan runs, ask again every second.
    #[cfg(feature = "hydrate")]
    Effect::new(move || {
        let running = status.get().and_then(Result::ok).is_some_and(|s| s.running);
        if running {
            set_timeout(
                move || tick.update(|t| *t += 1),
                std::time::Duration::from_secs(1),
            );
        }
    });

    view! {
        <section id="rescan" class="card" aria-labelledby="rescan-heading">
            <h2 id="rescan-heading">"Rescan the storage folder"</h2>
            <p class="muted">
                "Imports new photos from the storage folder, follows moved files and marks vanished ones as missing. What people wrote is kept."
            </p>
            <ActionForm action=start>
                <button
                    type="submit"
                    class="button"
                    disabled=move || {
                        start.pending().get()
                            || status.get().and_then(Result::ok).is_some_and(|s| s.running)
                    }
                >
                    "Start rescan"
                </button>
            </ActionForm>
            {move || start.value().get().and_then(Result::err).map(|e| view! {
                <p class="alert" role="alert">{e.to_string()}</p>
            })}
            <div class="rescan-status" role="status" aria-live="polite">
                <Transition fallback=|| ()>
                    {move || status.get().map(|r| match r {
                        Ok(s) if s.running => view! {
                            <p>
                                <strong>"Rescan running: "</strong>
                                {format!("{} of {} files seen, {} imported, {} skipped, {} errors.",
                                    s.seen, if s.total == 0 { "?".to_owned() } else { s.total.to_string() },
                                    s.imported, s.skipped, s.errors)}
                            </p>
                            <progress
                                max=s.total.max(1).to_string()
                                value=s.seen.to_string()
                                aria-label="Rescan progress"
                            ></progress>
                        }.into_any(),
                        Ok(s) => match s.summary {
                            Some(summary) => view! {
                                <p>
                                    <strong>"Last rescan: "</strong>
                                    {summary}
                                    {s.finished_at.map(|f| format!(" (finished {})", f.get(..19).unwrap_or(&f).replace('T', " ")))}
                                </p>
                            }.into_any(),
                            None => view! { <p class="muted">"No rescan has run yet."</p> }.into_any(),
                        },
                        Err(e) => view! { <p class="alert">{e.to_string()}</p> }.into_any(),
                    })}
                </Transition>
            </div>
        </section>
    }
}
