//! `/`: the landing screen. Until the overview arrives it tells the person what the product
//! does and whether this device is ready to work offline.

use leptos::prelude::*;

use crate::{app::DeviceState, i18n::use_texts};

#[component]
pub fn Home() -> impl IntoView {
    let t = use_texts();
    let device = expect_context::<DeviceState>();
    let storage = move || match device.persistent.get() {
        Some(true) => t().storage_persistent,
        Some(false) => t().storage_not_persistent,
        None => t().storage_unknown,
    };
    view! {
        <section class="card">
            <h2>{move || t().home_title}</h2>
            <p>{move || t().home_intro}</p>
        </section>
        <section class="card" aria-labelledby="device-title">
            <h2 id="device-title">{move || t().device_title}</h2>
            <p>{storage}</p>
            {move || device.store_error.get().map(|cause| view! {
                <p class="error" role="alert">{t().store_error}<br /><small>{cause}</small></p>
            })}
            {move || device.device_id.get().map(|id| view! {
                <p class="muted">{t().device_id}": "<code>{id}</code></p>
            })}
        </section>
    }
}
