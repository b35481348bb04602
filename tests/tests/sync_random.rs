//! Convergence under chaos: simulated devices make random edits offline while responses get
//! lost, requests arrive twice and the server restarts; after a quiet period every device and
//! the server hold the same data, every saved change was answered, and nothing applied twice.
//!
//! The run is deterministic for a seed (`DVK_SYNC_SEED`, printed on failure); the number of
//! steps is `DVK_SYNC_STEPS` (default 400 per database).

// A test states what must hold with unwrap/expect; the lint is for production code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};

use dvk_server::admin;
use dvk_shared::{sync::PushStatus, user::Role};
use dvk_tests::{Backend, TestServer, device::Device};
use serde_json::json;
use uuid::Uuid;

/// SplitMix64: small, deterministic, good enough to pick test moves.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

async fn converge(backend: Backend) {
    let seed: u64 = std::env::var("DVK_SYNC_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_201_127);
    let steps: usize = std::env::var("DVK_SYNC_STEPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(400);
    let mut rng = Rng(seed);
    let mut server = TestServer::start_demo(backend).await.unwrap();
    admin::create_user(
        server.store(),
        "dienhoa2",
        None,
        Role::Registrar,
        "Xã Điện Hòa",
        "demo-dvk",
    )
    .await
    .unwrap();
    let hoa = server
        .store()
        .units()
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.name == "Xã Điện Hòa")
        .unwrap()
        .id;

    let mut devices = Vec::new();
    for account in ["dienhoa", "dienhoa2", "bandanvan", "admin"] {
        let client = server.client();
        client.login_demo(account).await.unwrap();
        let mut device = Device::new(client);
        device.sync().await.unwrap();
        devices.push(device);
    }

    let (mut saved, mut lost, mut doubled, mut restarts) = (0usize, 0usize, 0usize, 0usize);
    let texts = [
        "Hội viên phụ nữ",
        "Toàn thể nhân dân",
        "Chi bộ thôn",
        "Đoàn thanh niên",
        "Hộ gia đình",
    ];
    for step in 0..steps {
        let d = rng.below(devices.len());
        let device = &mut devices[d];
        let models: Vec<Uuid> = device
            .replica
            .iter()
            .filter(|((entity, _), held)| entity == "model" && held.data["unit_id"] == json!(hoa))
            .map(|((_, id), _)| *id)
            .collect();
        match rng.below(100) {
            0..=14 => {
                device.save(
                    "model.create",
                    Uuid::now_v7(),
                    None,
                    json!({"unit_id": hoa, "name": format!("Mô hình thử {step}"), "field": "economic_development", "year": 2026}),
                );
                saved += 1;
            }
            15..=54 if !models.is_empty() => {
                let id = models[rng.below(models.len())];
                let field =
                    ["participants", "objectives", "content", "effectiveness"][rng.below(4)];
                let value = texts[rng.below(texts.len())];
                device.save(
                    "model.update",
                    id,
                    device.version_of(id),
                    json!({ field: value }),
                );
                saved += 1;
            }
            55..=69 if !models.is_empty() => {
                let id = models[rng.below(models.len())];
                let (kind, fields) = match rng.below(4) {
                    0 => ("model.submit", json!({})),
                    1 => ("model.approve", json!({})),
                    2 => ("model.return", json!({"comment": "Bổ sung số liệu"})),
                    _ => ("model.start", json!({})),
                };
                device.save(kind, id, device.version_of(id), fields);
                saved += 1;
            }
            70..=72 if !models.is_empty() => {
                let id = models[rng.below(models.len())];
                device.save("model.delete", id, device.version_of(id), json!({}));
                saved += 1;
            }
            73..=84 => {
                // The answer is lost on the way back: the device learns nothing.
                let request = device.request();
                let _ = device.send(&request).await.unwrap();
                lost += 1;
            }
            85..=89 => {
                // The same request arrives twice; the device hears the second answer.
                let request = device.request();
                let _ = device.send(&request).await.unwrap();
                if let dvk_tests::device::Round::Answered(answer) =
                    device.send(&request).await.unwrap()
                {
                    device.learn(answer);
                }
                doubled += 1;
            }
            90..=91 => {
                server.restart().await.unwrap();
                restarts += 1;
            }
            _ => device.sync().await.unwrap(),
        }
    }

    // Quiet: everyone syncs until nothing moves.
    for _ in 0..2 {
        for device in &mut devices {
            device.sync().await.unwrap();
        }
    }

    let context = format!("seed {seed}, {steps} steps");
    let mut versions = BTreeSet::new();
    let mut touched = BTreeSet::new();
    for device in &devices {
        assert!(
            device.outbox.is_empty(),
            "{context}: a change was never answered"
        );
        let seqs: Vec<u64> = device.answers.keys().copied().collect();
        let expected: Vec<u64> = (1..=seqs.len() as u64).collect();
        assert_eq!(
            seqs, expected,
            "{context}: every saved change has exactly one answer"
        );
        for (seq, answer) in &device.answers {
            touched.insert(device.saved[seq]);
            if answer.status == PushStatus::Applied {
                let version = answer.version.expect("an applied change has a version");
                assert!(
                    versions.insert(version),
                    "{context}: version {version} given twice (seq {seq})"
                );
            }
        }
    }
    // Nothing applied twice, nothing applied unanswered: the audit log names each applied
    // change by device and seq, once; an answer "applied" has its entry, and an entry belongs
    // to a change answered "applied" (or "duplicate", when the first answer was lost).
    let mut audited: BTreeMap<(String, u64), usize> = BTreeMap::new();
    for id in &touched {
        for entry in server
            .store()
            .history("model", &id.to_string())
            .await
            .unwrap()
        {
            if let (Some(device), Some(seq)) = (entry.device_id, entry.seq) {
                *audited.entry((device, seq)).or_default() += 1;
            }
        }
    }
    assert!(
        audited.values().all(|n| *n == 1),
        "{context}: a change was applied twice"
    );
    for device in &devices {
        for (seq, answer) in &device.answers {
            let entry = audited.contains_key(&(device.id.to_string(), *seq));
            match answer.status {
                PushStatus::Applied => assert!(entry, "{context}: applied seq {seq} left no trace"),
                PushStatus::Rejected | PushStatus::Conflict => {
                    assert!(!entry, "{context}: refused seq {seq} changed something")
                }
                PushStatus::Duplicate => {}
            }
        }
    }
    let applied = audited.len();
    // Every device holds what the server holds for Điện Hòa.
    let filter = dvk_server::store::ModelFilter {
        units: Some(vec![hoa]),
        limit: 10_000,
        ..Default::default()
    };
    let (on_server, _) = server.store().list_models(&filter).await.unwrap();
    for device in &devices {
        let held: BTreeMap<Uuid, i64> = device
            .replica
            .iter()
            .filter(|((entity, _), held)| entity == "model" && held.data["unit_id"] == json!(hoa))
            .map(|((_, id), held)| (*id, held.version))
            .collect();
        assert_eq!(held.len(), on_server.len(), "{context}: replica size");
        for summary in &on_server {
            let stored = server.store().model(summary.id).await.unwrap().unwrap();
            let id = summary.id.as_uuid();
            assert_eq!(
                held.get(&id),
                Some(&stored.version),
                "{context}: version of {id}"
            );
            let data = &device.replica[&("model".to_owned(), id)].data;
            assert_eq!(
                data,
                &serde_json::to_value(&stored.model).unwrap(),
                "{context}: data of {id}"
            );
        }
    }
    println!(
        "{backend:?}: {steps} steps, {saved} changes saved, {applied} applied, {lost} lost answers, {doubled} doubled requests, {restarts} restarts"
    );
}

#[tokio::test]
async fn devices_and_server_converge_under_chaos_on_sqlite() {
    converge(Backend::Sqlite).await;
}

#[tokio::test]
async fn devices_and_server_converge_under_chaos_on_postgres() {
    converge(Backend::Postgres).await;
}
