//! Trunk's entry point: everything lives in the library so the wasm tests can reach it.

fn main() {
    dvk_app::start();
}
