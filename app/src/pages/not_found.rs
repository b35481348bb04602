//! Any path the route table does not know.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::use_texts;

#[component]
pub fn NotFound() -> impl IntoView {
    let t = use_texts();
    view! {
        <section class="card">
            <h2>{move || t().not_found_title}</h2>
            <p>{move || t().not_found_body}</p>
            <A href="/">{move || t().back_home}</A>
        </section>
    }
}
