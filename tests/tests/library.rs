//! The library of typical models and replication, against the real server on SQLite and
//! PostgreSQL: every device holds every typical model of the installation (never its contact
//! person), a commune adopts one from another commune offline and the draft arrives linked, the
//! source's entry lists the adoption and the overview counts the replication without anyone
//! typing it; the Board records replication outside the app; an entry leaves with its model's
//! recognition; and the refusals (adopting a model that is not typical, a registrar recording
//! replication).

// A test states what must hold with unwrap/expect; the lint is for production code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use dvk_shared::{
    api::Stats,
    ids::UnitId,
    library::LibraryEntry,
    sync::{Entity, PushStatus},
};
use dvk_tests::{Backend, TestServer, device::Device};
use serde_json::{Value, json};
use uuid::Uuid;

fn entries(device: &Device) -> Vec<LibraryEntry> {
    device
        .replica()
        .into_iter()
        .filter(|((entity, _), _)| entity == "library")
        .map(|(_, held)| serde_json::from_value(held.data).unwrap())
        .collect()
}

fn status_of(device: &Device, seq: u64) -> (PushStatus, String) {
    let result = device.answers().get(&seq).cloned().unwrap();
    let code = result.error.map(|e| e.code).unwrap_or_default();
    (result.status, code)
}

async fn adopt_and_count(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let hoa: UnitId = server.unit("Xã Điện Hòa").await.id;
    let mut commune = Device::of_demo(&server, "dienhoa").await.unwrap();
    let mut board = Device::of_demo(&server, "bandanvan").await.unwrap();
    let leader = server.client();
    leader.login_demo("lanhdao").await.unwrap();

    // The whole installation's typical models, on the commune's tablet too; never a contact.
    let library = entries(&commune);
    let before: Stats = leader.get_json("/api/stats").await.unwrap();
    let recognised = before.by_status[&dvk_shared::model::Status::Typical]
        + before.by_status[&dvk_shared::model::Status::Replicated];
    assert_eq!(
        library.len() as u64,
        recognised,
        "one entry per typical model"
    );
    assert_eq!(before.replication.typical, recognised);
    assert!(library.iter().any(|e| e.unit_id != hoa), "other units' too");
    // A typical model of another commune that nobody replicated yet.
    let source = library
        .iter()
        .find(|e| e.unit_id != hoa && !e.is_replicated())
        .unwrap()
        .clone();
    let held = commune.held(Entity::Library, source.id.as_uuid()).unwrap();
    assert!(held.data.get("contact").is_none(), "{}", held.data);
    // The source model itself stays out of sight: only its entry travels.
    assert!(commune.held(Entity::Model, source.id.as_uuid()).is_none());

    // Adopted offline: a draft in the commune, starting from the source's ways of working.
    let adopted = Uuid::now_v7();
    let create = commune.edit(
        "model.create",
        adopted,
        None,
        Value::Object(source.adoption_draft(hoa, 2026)),
    );
    // Adopting a model that is not typical is refused.
    let ordinary = commune
        .replica()
        .into_iter()
        .find(|((entity, _), held)| entity == "model" && held.data["status"] == "in_progress")
        .map(|((_, id), _)| id)
        .unwrap();
    let not_typical = Uuid::now_v7();
    let mut fields = source.adoption_draft(hoa, 2026);
    fields.insert("adopted_from".into(), json!(ordinary));
    let refused = commune.edit("model.create", not_typical, None, Value::Object(fields));
    // A registrar cannot record replication outside the app.
    let mut outside = source.adoption_draft(hoa, 2026);
    outside.remove("adopted_from");
    outside.insert(
        "replicated_outside".into(),
        json!([{"place": "Xã Duy Phước", "date": "2025-03-01"}]),
    );
    let sneaky = commune.edit("model.create", Uuid::now_v7(), None, Value::Object(outside));
    commune.sync().await.unwrap();
    assert_eq!(status_of(&commune, create).0, PushStatus::Applied);
    assert_eq!(
        status_of(&commune, refused),
        (PushStatus::Rejected, "not_typical".into())
    );
    assert_eq!(
        status_of(&commune, sneaky),
        (PushStatus::Rejected, "role_not_allowed".into())
    );
    let draft = commune.held(Entity::Model, adopted).unwrap().data;
    assert_eq!(draft["adopted_from"], source.id.to_string());
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["objectives"], json!(source.objectives));
    assert!(
        draft["results"].get("money_vnd").is_none_or(Value::is_null),
        "figures cleared"
    );

    // The source's entry lists the adoption on every device; the overview counts it.
    let entry: LibraryEntry = serde_json::from_value(
        commune
            .held(Entity::Library, source.id.as_uuid())
            .unwrap()
            .data,
    )
    .unwrap();
    assert_eq!(entry.adoptions.len(), 1);
    assert_eq!(entry.adoptions[0].model_id.as_uuid(), adopted);
    assert_eq!(entry.adoptions[0].unit_id, hoa);
    assert!(entry.is_replicated());
    let after: Stats = leader.get_json("/api/stats").await.unwrap();
    assert_eq!(
        after.replication.replicated,
        before.replication.replicated + 1
    );
    assert!(
        after
            .replication
            .most_replicated
            .iter()
            .any(|(id, _, reach)| *id == source.id && *reach >= 1),
        "{:?}",
        after.replication
    );

    // The Board records replication outside the app on the source model.
    board.sync().await.unwrap();
    let version = board.version_of(source.id.as_uuid());
    let record = board.save(
        "model.update",
        source.id.as_uuid(),
        version,
        json!({"replicated_outside": [{"place": "Xã Duy Phước, huyện Duy Xuyên", "date": "2025-03-01", "notes": "Học tập kinh nghiệm"}]}),
    );
    board.sync().await.unwrap();
    assert_eq!(status_of(&board, record).0, PushStatus::Applied);
    commune.sync().await.unwrap();
    let entry: LibraryEntry = serde_json::from_value(
        commune
            .held(Entity::Library, source.id.as_uuid())
            .unwrap()
            .data,
    )
    .unwrap();
    assert_eq!(entry.replicated_outside.len(), 1);
    assert_eq!(entry.reach(), 2, "Điện Hòa and Duy Phước");

    // Deleting the adopted draft takes it out of the source's adoptions.
    let version = commune.version_of(adopted);
    commune.save("model.delete", adopted, version, json!({}));
    commune.sync().await.unwrap();
    let entry: LibraryEntry = serde_json::from_value(
        commune
            .held(Entity::Library, source.id.as_uuid())
            .unwrap()
            .data,
    )
    .unwrap();
    assert!(entry.adoptions.is_empty());

    // A model no longer typical leaves the library on every device.
    let version = board.version_of(source.id.as_uuid());
    let stop = board.save("model.discontinue", source.id.as_uuid(), version, json!({}));
    board.sync().await.unwrap();
    assert_eq!(status_of(&board, stop).0, PushStatus::Applied);
    commune.sync().await.unwrap();
    assert!(commune.held(Entity::Library, source.id.as_uuid()).is_none());
    assert_eq!(entries(&commune).len() as u64, recognised - 1);
}

#[tokio::test]
async fn adopt_and_count_on_sqlite() {
    adopt_and_count(Backend::Sqlite).await;
}

#[tokio::test]
async fn adopt_and_count_on_postgres() {
    adopt_and_count(Backend::Postgres).await;
}
