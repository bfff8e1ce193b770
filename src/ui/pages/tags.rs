//! `/tags`: every tag with its number of photos, linking to the filtered
//! gallery. Admins rename, merge (rename onto an existing tag) and delete.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::{
        account::me,
        photos::{tag_counts, DeleteTag, RenameTag},
    },
    model::photos::TagCount,
    ui::links::tag_href,
};

#[component]
pub fn TagsPage() -> impl IntoView {
    let rename = ServerAction::<RenameTag>::new();
    let delete = ServerAction::<DeleteTag>::new();
    let tags = Resource::new(
        move || (rename.version().get(), delete.version().get()),
        |_| tag_counts(),
    );
    let user = Resource::new(|| (), |_| me());

    view! {
        <Title text="Tags" />
        <h1>"Tags"</h1>
        {move || {
            let err = rename.value().get().and_then(Result::err).or_else(|| delete.value().get().and_then(Result::err));
            err.map(|e| view! { <p class="alert" role="alert">{e.to_string()}</p> })
        }}
        <Suspense fallback=|| view! { <p class="muted" role="status">"Loading tags…"</p> }>
            {move || {
                let is_admin = user.get().and_then(Result::ok).flatten().is_some_and(|u| u.is_admin());
                tags.get().map(|result| match result {
                    Ok(list) if list.is_empty() => view! {
                        <p class="empty-state card">"No tags yet. Add some on a photo's page."</p>
                    }
                    .into_any(),
                    Ok(list) => view! { <TagTable list is_admin rename delete /> }.into_any(),
                    Err(err) => view! { <p class="alert" role="alert">{err.to_string()}</p> }.into_any(),
                })
            }}
        </Suspense>
    }
}

#[component]
fn TagTable(
    list: Vec<TagCount>,
    is_admin: bool,
    rename: ServerAction<RenameTag>,
    delete: ServerAction<DeleteTag>,
) -> impl IntoView {
    let rows = list
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            let count = match t.count {
                1 => "1 photo".to_owned(),
                n => format!("{n} photos"),
            };
            let input_id = format!("rename-{i}");
            let name = t.name.clone();
            let (rename_label, rename_button, delete_button) = (
                format!("New name for {name}"),
                format!("Rename {name}"),
                format!("Delete tag {name}"),
            );
            let delete_name = name.clone();
            view! {
                <tr>
                    <th scope="row"><a class="tag" href=tag_href(&t.name)>{t.name.clone()}</a></th>
                    <td>{count}</td>
                    {is_admin.then(|| view! {
                        <td>
                            <ActionForm action=rename attr:class="inline-form">
                                <input type="hidden" name="from" value=name />
                                <label class="visually-hidden" for=input_id.clone()>{rename_label}</label>
                                <input id=input_id type="text" name="to" required maxlength="64" placeholder="New name" />
                                <button type="submit" class="button secondary" aria-label=rename_button>"Rename"</button>
                            </ActionForm>
                        </td>
                        <td>
                            <ActionForm action=delete attr:class="inline-form">
                                <input type="hidden" name="name" value=delete_name />
                                <button type="submit" class="button danger" aria-label=delete_button>"Delete"</button>
                            </ActionForm>
                        </td>
                    })}
                </tr>
            }
        })
        .collect_view();
    view! {
        {is_admin.then(|| view! {
            <p class="muted">"Renaming a tag onto the name of another tag merges the two."</p>
        })}
        <table class="table">
            <caption class="visually-hidden">"Tags and how many photos carry each"</caption>
            <thead>
                <tr>
                    <th scope="col">"Tag"</th>
                    <th scope="col">"Photos"</th>
                    {is_admin.then(|| view! { <th scope="col">"Rename or merge"</th><th scope="col">"Delete"</th> })}
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
