//! `/admin/users`: every user, creating one, and per user: disable or
//! enable, make admin or member, reset the password. The server refuses to
//! demote or disable the last admin and says so.

use leptos::prelude::*;
use leptos_meta::Title;

use super::AdminNav;
use crate::{
    api::admin::{admin_users, ChangeUser, CreateUser},
    model::{admin::AdminUserRow, Role},
};

#[component]
pub fn AdminUsersPage() -> impl IntoView {
    let create = ServerAction::<CreateUser>::new();
    let change = ServerAction::<ChangeUser>::new();
    let users = Resource::new(
        move || (create.version().get(), change.version().get()),
        |_| admin_users(),
    );

    view! {
        <Title text="Users · Admin" />
        <h1>"Users"</h1>
        <AdminNav />
        {move || match change.value().get() {
            Some(Ok(done)) => view! { <p class="notice" role="status">{done}</p> }.into_any(),
            Some(Err(e)) => view! { <p class="alert" role="alert">{e.to_string()}</p> }.into_any(),
            None => ().into_any(),
        }}
        <Transition fallback=|| view! { <p class="muted">"Loading users…"</p> }>
            {move || users.get().map(|r| match r {
                Ok(list) => view! {
                    <table class="data">
                        <caption class="visually-hidden">"Users"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"Username"</th>
                                <th scope="col">"Display name"</th>
                                <th scope="col">"Role"</th>
                                <th scope="col">"Status"</th>
                                <th scope="col">"Sessions"</th>
                                <th scope="col">"Actions"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {list.into_iter().map(|u| view! { <UserRow user=u action=change /> }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
                Err(e) => view! { <p class="alert" role="alert">{e.to_string()}</p> }.into_any(),
            })}
        </Transition>
        <section class="card" aria-labelledby="create-heading">
            <h2 id="create-heading">"Create a user"</h2>
            <ActionForm action=create attr:class="stack">
                <label for="new_username">"Username"</label>
                <input id="new_username" name="username" required maxlength="64" autocomplete="off"
                    aria-describedby="new-username-hint" />
                <p id="new-username-hint" class="hint">"Up to 64 characters: letters, digits, '.', '_' or '-' (stored in lowercase)."</p>
                <label for="new_display_name">"Display name"</label>
                <input id="new_display_name" name="display_name" required maxlength="64" autocomplete="off" />
                <label for="new_role">"Role"</label>
                <select id="new_role" name="role">
                    <option value="member" selected>"Member"</option>
                    <option value="admin">"Admin"</option>
                </select>
                <label for="new_password">"Initial password"</label>
                <input id="new_password" name="password" type="password" required minlength="8"
                    maxlength="1024" autocomplete="new-password" />
                <button type="submit" class="button" disabled=move || create.pending().get()>"Create user"</button>
            </ActionForm>
            {move || match create.value().get() {
                Some(Ok(name)) => view! { <p class="notice" role="status">{format!("Created {name}.")}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="alert" role="alert">{e.to_string()}</p> }.into_any(),
                None => ().into_any(),
            }}
        </section>
    }
}

/// One button that applies `action` to the user.
#[component]
fn ActionButton(
    id: String,
    action: &'static str,
    label: String,
    text: &'static str,
    change: ServerAction<ChangeUser>,
) -> impl IntoView {
    view! {
        <ActionForm action=change attr:class="inline">
            <input type="hidden" name="id" value=id />
            <input type="hidden" name="action" value=action />
            <button type="submit" class="button secondary small" aria-label=label>{text}</button>
        </ActionForm>
    }
}

#[component]
fn UserRow(user: AdminUserRow, action: ServerAction<ChangeUser>) -> impl IntoView {
    let name = user.username.clone();
    let id = user.id.clone();
    let role_button = match user.role {
        Role::Admin => view! {
            <ActionButton id=id.clone() action="make_member" label=format!("Make {name} a member")
                text="Make member" change=action />
        },
        Role::Member => view! {
            <ActionButton id=id.clone() action="make_admin" label=format!("Make {name} an admin")
                text="Make admin" change=action />
        },
    };
    let status_button = if user.disabled {
        view! {
            <ActionButton id=id.clone() action="enable" label=format!("Enable {name}")
                text="Enable" change=action />
        }
    } else {
        view! {
            <ActionButton id=id.clone() action="disable" label=format!("Disable {name}")
                text="Disable" change=action />
        }
    };
    let password_id = format!("reset-{}", user.id);
    view! {
        <tr>
            <th scope="row"><a href=format!("/users/{}", user.username)>{user.username.clone()}</a></th>
            <td>{user.display_name.clone()}</td>
            <td>{user.role.as_str()}</td>
            <td>{if user.disabled { "disabled" } else { "active" }}</td>
            <td>
                <a href=format!("/admin/sessions?user={}", user.username)
                    aria-label=format!("Sessions of {name}: {}", user.sessions)>{user.sessions}</a>
            </td>
            <td class="actions">
                {role_button}
                {status_button}
                <details>
                    <summary>"Reset password"</summary>
                    <ActionForm action=action attr:class="stack">
                        <input type="hidden" name="id" value=id.clone() />
                        <input type="hidden" name="action" value="reset_password" />
                        <label for=password_id.clone()>{format!("New password for {name}")}</label>
                        <input id=password_id name="password" type="password" required minlength="8"
                            maxlength="1024" autocomplete="new-password" />
                        <button type="submit" class="button secondary small">"Set password"</button>
                    </ActionForm>
                </details>
            </td>
        </tr>
    }
}
