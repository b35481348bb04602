//! The survey area's placeholder until its screens are built (issue 6). It says so plainly
//! rather than pretending.

use leptos::prelude::*;

use crate::i18n::tr;

#[component]
pub fn Upcoming() -> impl IntoView {
    view! {
        <section class="card">
            <h2>{tr(|t| t.nav_survey)}</h2>
            <p>{tr(|t| t.upcoming_body)}</p>
        </section>
    }
}
