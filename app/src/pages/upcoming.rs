//! The survey area's placeholder until its screens are built (issue 6). It says so plainly
//! rather than pretending.

use leptos::prelude::*;

use crate::i18n::use_texts;

#[component]
pub fn Upcoming() -> impl IntoView {
    let t = use_texts();
    view! {
        <section class="card">
            <h2>{move || t().nav_survey}</h2>
            <p>{move || t().upcoming_body}</p>
        </section>
    }
}
