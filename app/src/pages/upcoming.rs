//! The navigation frame's placeholder for areas whose screens are not built yet. It says so
//! plainly rather than pretending.

use leptos::prelude::*;

use crate::i18n::use_texts;

/// The areas of the navigation whose screens come in later releases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    Review,
    Survey,
}

#[component]
pub fn Upcoming(area: Area) -> impl IntoView {
    let t = use_texts();
    let title = move || match area {
        Area::Review => t().nav_review,
        Area::Survey => t().nav_survey,
    };
    view! {
        <section class="card">
            <h2>{title}</h2>
            <p>{move || t().upcoming_body}</p>
        </section>
    }
}
