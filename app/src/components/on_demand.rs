//! Screens loaded on demand. Their code is not in the shell a person downloads first but in
//! wasm modules of their own, cut out at each `#[wasm_split]` point of `crate::screens` by the
//! build (scripts/trunk-post-build.sh), fetched the first time the screen opens and precached
//! by the service worker, so the app still opens every screen with no network. A module that
//! cannot be fetched leaves the rest of the app working: the screen says so and offers to try
//! again.

use std::{future::Future, pin::Pin};

use leptos::{prelude::*, wasm_split::SplitLoaderError};

use crate::i18n::tr;

/// A function whose code is loaded on demand: in the app's own build (`cfg(dvk_split)`, set by
/// scripts/lib.sh) the `#[wasm_split]` point of module `$module`, which the build cuts out; in
/// the plain wasm that tests and clippy build, the same function, async, in the shell (their
/// runners load one wasm whole).
macro_rules! on_demand {
    ($module:ident: $(#[$meta:meta])* $vis:vis fn $name:ident() -> $ret:ty $body:block) => {
        #[cfg(dvk_split)]
        $(#[$meta])*
        #[::leptos::wasm_split::wasm_split($module, wasm_split_path = ::leptos::wasm_split, fallible)]
        $vis fn $name() -> $ret $body

        #[cfg(not(dvk_split))]
        $(#[$meta])*
        $vis async fn $name() -> $ret $body
    };
}
pub(crate) use on_demand;

/// Why a screen's module could not be loaded.
#[derive(Debug)]
pub struct Unavailable;

impl From<SplitLoaderError> for Unavailable {
    fn from(_: SplitLoaderError) -> Self {
        Unavailable
    }
}

/// What a split point gives once its module is loaded: the function that draws the screen. Its
/// code lives in that module; calling it once loaded runs it there.
pub type Screen = fn() -> AnyView;

/// A split point wrapped for [`OnDemand`]: `|| Box::pin(screens::its_name())`.
pub type Loader = fn() -> Pin<Box<dyn Future<Output = Result<Screen, Unavailable>>>>;

/// Loads a screen's module, then draws the screen; says so while it loads, and if it fails.
#[component]
pub fn OnDemand(load: Loader) -> impl IntoView {
    let attempt = RwSignal::new(0u32);
    let loaded = RwSignal::new(None::<Result<Screen, ()>>);
    Effect::new(move |_| {
        attempt.get();
        loaded.set(None);
        leptos::task::spawn_local(async move {
            let outcome = load().await.map_err(|_| ());
            // The person may have gone to another screen meanwhile.
            loaded.try_set(Some(outcome));
        });
    });
    move || match loaded.get() {
        None => view! { <p class="muted" role="status">{tr(|t| t.screen_loading)}</p> }.into_any(),
        Some(Ok(screen)) => screen(),
        Some(Err(())) => view! {
            <section class="card" role="alert">
                <p>{tr(|t| t.screen_unavailable)}</p>
                <button type="button" class="button" on:click=move |_| attempt.update(|a| *a += 1)>
                    {tr(|t| t.retry)}
                </button>
            </section>
        }
        .into_any(),
    }
}
