//! The export buttons of a list: the file downloads through the page so the screen can say how
//! far a long export has come (a province's models take a while), then it is saved under the
//! name the server gives it. Only one export of a list runs at a time.

use leptos::prelude::*;
use wasm_bindgen::{JsCast, prelude::*};

use crate::i18n::{tr, use_texts};

#[wasm_bindgen(module = "/js/download.js")]
extern "C" {
    #[wasm_bindgen(catch, js_name = download)]
    async fn download_js(url: &str, progress: &js_sys::Function) -> Result<JsValue, JsValue>;
}

/// Megabytes as a person reads them (1,2 MB).
fn megabytes(bytes: f64) -> String {
    let tenths = (bytes / 104_857.6).round() as u64;
    format!("{},{} MB", tenths / 10, tenths % 10)
}

/// "Xuất Excel" and "Xuất CSV" for `base` (`/api/exports/models`) with the list's `query`
/// (with its `?`, or empty), and what the export is doing.
#[component]
pub fn ExportButtons(
    base: &'static str,
    #[prop(into, optional)] query: Option<Signal<String>>,
) -> impl IntoView {
    let t = use_texts();
    let progress = RwSignal::new(None::<(f64, f64)>);
    let error = RwSignal::new(None::<String>);
    let start = move |extension: &'static str| {
        if progress.get_untracked().is_some() {
            return;
        }
        let query = query.map(|q| q.get_untracked()).unwrap_or_default();
        let url = format!("{base}.{extension}{query}");
        progress.set(Some((0.0, 0.0)));
        error.set(None);
        leptos::task::spawn_local(async move {
            let report = Closure::<dyn Fn(f64, f64)>::new(move |got: f64, total: f64| {
                progress.try_set(Some((got, total)));
            });
            let outcome = download_js(&url, report.as_ref().unchecked_ref()).await;
            drop(report);
            progress.try_set(None);
            if let Err(e) = outcome {
                let said = e
                    .dyn_ref::<js_sys::Error>()
                    .map(|e| String::from(e.message()))
                    .filter(|m| !m.is_empty())
                    .unwrap_or_else(|| t().needs_network.to_owned());
                error.try_set(Some(said));
            }
        });
    };
    view! {
        <span class="export-buttons">
            <button type="button" class="button secondary" disabled=move || progress.get().is_some() on:click=move |_| start("xlsx")>
                {tr(|t| t.export_xlsx)}
            </button>
            " "
            <button type="button" class="button secondary" disabled=move || progress.get().is_some() on:click=move |_| start("csv")>
                {tr(|t| t.export_csv)}
            </button>
            <span class="muted export-progress" role="status">
                {move || progress.get().map(|(got, total)| if total > 0.0 {
                    format!("{} {} / {} ({} %)", t().exporting, megabytes(got), megabytes(total), (100.0 * got / total).round())
                } else {
                    format!("{} {}", t().exporting, megabytes(got))
                })}
            </span>
            <span class="field-error" role="alert">{move || error.get()}</span>
        </span>
    }
}
