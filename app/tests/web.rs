//! wasm tests that run in headless Chromium (wasm-bindgen-test-runner): the parts of the app
//! that only exist in a browser, against the browser's real IndexedDB.

// A test states what must hold with unwrap/expect; the lint is for production code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use dvk_app::store::{LocalDb, LocalStore};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// A database name no other test (or earlier run) uses.
fn fresh_name() -> String {
    format!("dvk-test-{}", uuid::Uuid::now_v7())
}

#[wasm_bindgen_test]
async fn a_value_written_to_indexeddb_reads_back_after_reopening() {
    let name = fresh_name();
    let db = LocalDb::open(&name).await.unwrap();
    assert_eq!(db.get_meta::<String>("greeting").await.unwrap(), None);
    db.put_meta("greeting", &"Xin chào Điện Bàn".to_string())
        .await
        .unwrap();
    drop(db);

    let reopened = LocalDb::open(&name).await.unwrap();
    assert_eq!(
        reopened.get_meta::<String>("greeting").await.unwrap(),
        Some("Xin chào Điện Bàn".to_string())
    );
}

#[wasm_bindgen_test]
async fn a_device_keeps_its_id_across_restarts() {
    let name = fresh_name();
    let first = LocalDb::open(&name)
        .await
        .unwrap()
        .device_id()
        .await
        .unwrap();
    let again = LocalDb::open(&name)
        .await
        .unwrap()
        .device_id()
        .await
        .unwrap();
    assert_eq!(first, again);
    assert_eq!(first.get_version_num(), 7, "device ids are UUIDv7");

    let other = LocalDb::open(&fresh_name())
        .await
        .unwrap()
        .device_id()
        .await
        .unwrap();
    assert_ne!(first, other, "another database is another device");
}

#[wasm_bindgen_test]
async fn a_stored_value_of_the_wrong_shape_is_an_error_not_a_panic() {
    let db = LocalDb::open(&fresh_name()).await.unwrap();
    db.put_meta("count", &"not a number".to_string())
        .await
        .unwrap();
    assert!(db.get_meta::<u32>("count").await.is_err());
}
