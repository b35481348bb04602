//! Any path the route table does not know.

use leptos::prelude::*;

use crate::i18n::tr;

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <section class="card">
            <h2>{tr(|t| t.not_found_title)}</h2>
            <p>{tr(|t| t.not_found_body)}</p>
            <a href="/">{tr(|t| t.back_home)}</a>
        </section>
    }
}
