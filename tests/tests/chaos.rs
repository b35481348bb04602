//! Many tablets at once against real server processes, with everything that goes wrong in the
//! field: answers lost on the way back, requests arriving twice, a server killed with SIGKILL
//! and started again, and the database restored from a backup in the middle. The tablets run
//! the app's own engine and store rules (`dvk_shared::sync::client`).
//!
//! Afterwards, with every server up and quiet: every change a tablet saved ended with one
//! outcome it knows; every tablet holds exactly what a fresh download holds; nothing was applied
//! twice; and no request was answered 5xx while its server was up.
//!
//! Two server processes on one PostgreSQL, one on SQLite (its embedded use). The run is
//! `DVK_CHAOS_OPS` operations (default 20,000) per database from the seed `DVK_CHAOS_SEED`;
//! timing differs from run to run, so the seed fixes the choices, not the interleaving.

// A test states what must hold with unwrap/expect; the lint is for production code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    cell::{Cell, RefCell},
    collections::BTreeMap,
    time::{Duration, Instant},
};

use dvk_server::admin;
use dvk_shared::{
    ids::RecordId,
    model::Action,
    sync::{
        Entity, Kind, Mutation, PushStatus, SyncRequest, SyncResponse,
        client::{LocalStore, MemoryStore, Transport, TransportError, sync_until_settled},
    },
    user::Role,
};
use dvk_tests::{
    Backend, TestDatabase,
    device::{post_sync, read_answer},
    process::{ServerProcess, dvk, dvk_binary},
};
use fastrand::Rng;
use serde_json::{Value, json};
use uuid::Uuid;

/// What the whole run saw of the servers.
#[derive(Default)]
struct Log {
    /// 5xx answers, with when they came.
    errors: Vec<(Instant, u16, String)>,
    /// When a server was down (killed until it answered again).
    down: Vec<(Instant, Instant)>,
    requests: u64,
    lost: u64,
    doubled: u64,
    /// Requests given up after the client's timeout.
    timed_out: u64,
}

/// How the next request travels.
#[derive(Clone, Copy, PartialEq)]
enum Fault {
    None,
    /// The server answers, the answer never arrives.
    LoseAnswer,
    /// The request arrives twice; the tablet hears the second answer.
    Double,
}

/// HTTP to one of the servers, chosen per request, with the fault asked for.
struct ChaosTransport<'a> {
    http: &'a reqwest::Client,
    bases: &'a [String],
    pick: usize,
    fault: Fault,
    log: &'a RefCell<Log>,
}

impl ChaosTransport<'_> {
    async fn once(&self, request: &SyncRequest) -> Result<SyncResponse, TransportError> {
        let base = &self.bases[self.pick % self.bases.len()];
        self.log.borrow_mut().requests += 1;
        let sent = post_sync(self.http, &format!("{base}/api/sync"), request).await;
        if let Err(TransportError::Unreachable(why)) = &sent
            && why.contains("timed out")
        {
            self.log.borrow_mut().timed_out += 1;
        }
        let (status, body) = sent?;
        if status >= 500 {
            let text = String::from_utf8_lossy(&body).into_owned();
            self.log
                .borrow_mut()
                .errors
                .push((Instant::now(), status, text));
        }
        read_answer(status, &body)
    }
}

impl Transport for ChaosTransport<'_> {
    async fn sync(&self, request: &SyncRequest) -> Result<SyncResponse, TransportError> {
        match self.fault {
            Fault::None => self.once(request).await,
            Fault::LoseAnswer => {
                let _ = self.once(request).await;
                self.log.borrow_mut().lost += 1;
                Err(TransportError::Unreachable("the answer was lost".into()))
            }
            Fault::Double => {
                let _ = self.once(request).await;
                self.log.borrow_mut().doubled += 1;
                self.once(request).await
            }
        }
    }
}

/// One tablet: its person, its store, its cookie jar.
struct Tablet {
    account: &'static str,
    role: Role,
    /// The commune whose models the person works on.
    home: String,
    http: reqwest::Client,
    store: MemoryStore,
    rng: Rng,
    /// What the person works on, as the replica held it after the last sync (read once per
    /// sync, not once per change).
    seen: Seen,
}

#[derive(Default)]
struct Seen {
    /// The models of the person's commune: id, version, name.
    models: Vec<(Uuid, i64, String)>,
    /// The first campaign and the models it assigns.
    campaign: Option<(Uuid, Vec<String>)>,
    /// Surveys still in draft: id, version, model.
    drafts: Vec<(Uuid, i64, String)>,
}

impl Tablet {
    async fn sign_in(
        account: &'static str,
        role: Role,
        home: &str,
        base: &str,
        seed: u64,
    ) -> Tablet {
        // A browser gives up on a request that never answers; so does a simulated tablet.
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let response = http
            .post(format!("{base}/api/auth/login"))
            .json(&json!({"username": account, "password": "demo-dvk"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{account} signs in");
        Tablet {
            account,
            role,
            home: home.to_owned(),
            http,
            store: MemoryStore::new(Uuid::now_v7()),
            rng: Rng::with_seed(seed),
            seen: Seen::default(),
        }
    }

    async fn sync(
        &mut self,
        bases: &[String],
        fault: Fault,
        log: &RefCell<Log>,
    ) -> Result<(), dvk_shared::sync::client::SyncError> {
        let transport = ChaosTransport {
            http: &self.http,
            bases,
            pick: self.rng.usize(..bases.len()),
            fault,
            log,
        };
        let synced = sync_until_settled(&self.store, &transport, || 0, |_| {})
            .await
            .map(|_| ());
        // Only what `change` picks from is copied (a Board tablet of a long run holds tens of
        // thousands of records).
        let mut seen = Seen::default();
        let text = |value: &Value| value.as_str().unwrap_or("").to_owned();
        self.store.each_record(|record| match record.entity {
            Entity::Model if record.data["unit_id"] == self.home.as_str() => {
                let name = text(&record.data["name"]);
                seen.models.push((record.id, record.version, name));
            }
            Entity::Campaign if seen.campaign.is_none() => {
                let assigned = record.data["assignments"]
                    .as_object()
                    .map(|a| a.keys().cloned().collect())
                    .unwrap_or_default();
                seen.campaign = Some((record.id, assigned));
            }
            Entity::Survey if record.data["status"] == "draft" => {
                let model = text(&record.data["model_id"]);
                seen.drafts.push((record.id, record.version, model));
            }
            _ => {}
        });
        self.seen = seen;
        synced
    }

    /// A change this person would make now, from what the tablet holds.
    fn change(&mut self, step: usize, hoa: &str, ngoc: &str) -> Option<Mutation> {
        let Seen {
            models,
            campaign,
            drafts,
        } = &self.seen;
        let rng = &mut self.rng;
        let texts = [
            "Hội viên phụ nữ",
            "Toàn thể nhân dân",
            "Chi bộ thôn",
            "Đoàn thanh niên",
            "Hộ gia đình",
        ];
        let id = |uuid: Uuid| RecordId::from_uuid(uuid).unwrap();
        let change = |kind, record: RecordId, base: Option<i64>, fields: Value| Mutation {
            kind,
            id: record,
            base_version: base,
            fields: fields.as_object().cloned().unwrap_or_default(),
        };
        match self.role {
            Role::Registrar | Role::Board | Role::Admin => {
                let roll = rng.usize(..100);
                if roll < 12 || models.is_empty() {
                    return Some(change(
                        Kind::ModelCreate,
                        id(Uuid::now_v7()),
                        None,
                        json!({"unit_id": hoa, "name": format!("Mô hình {} {step}", self.account),
                               "field": "economic_development", "year": 2026}),
                    ));
                }
                let (model, version, name) = rng.choice(models)?.clone();
                let record = id(model);
                Some(match roll {
                    12..=59 => {
                        let field = *rng.choice(&[
                            "participants",
                            "objectives",
                            "content",
                            "effectiveness",
                        ])?;
                        let value = *rng.choice(&texts)?;
                        change(
                            Kind::ModelUpdate,
                            record,
                            Some(version),
                            json!({ field: value }),
                        )
                    }
                    60..=66 => change(
                        Kind::ModelAct(Action::Submit),
                        record,
                        Some(version),
                        json!({}),
                    ),
                    67..=71 => change(
                        Kind::ModelAct(Action::Approve),
                        record,
                        Some(version),
                        json!({}),
                    ),
                    72..=75 => change(
                        Kind::ModelAct(Action::Return),
                        record,
                        Some(version),
                        json!({"comment": "Bổ sung số liệu"}),
                    ),
                    76..=79 => change(
                        Kind::ModelAct(Action::Start),
                        record,
                        Some(version),
                        json!({}),
                    ),
                    80..=82 => change(Kind::ModelDelete, record, Some(version), json!({})),
                    // The Board moves a model to another unit (and its registrar's tablets
                    // must let it go).
                    83..=86 if self.role != Role::Registrar => change(
                        Kind::ModelUpdate,
                        record,
                        Some(version),
                        json!({"unit_id": ngoc}),
                    ),
                    _ => change(
                        Kind::ModelUpdate,
                        record,
                        Some(version),
                        json!({"name": format!("{name} ({step})")}),
                    ),
                })
            }
            Role::Surveyor => {
                let (campaign, assigned) = campaign.as_ref()?;
                let model = rng.choice(assigned)?.clone();
                let existing = drafts.iter().find(|(_, _, of)| *of == model);
                let scores = |n: u64| -> Value {
                    json!({"task_fit": n, "participation": n, "results": n, "sustainability": n, "replication": n})
                };
                Some(match existing {
                    None => change(
                        Kind::SurveyCreate,
                        id(Uuid::now_v7()),
                        None,
                        json!({"campaign_id": campaign, "model_id": model, "scores": scores(rng.usize(..11) as u64)}),
                    ),
                    Some((survey, version, _)) => match rng.usize(..4) {
                        0 => change(Kind::SurveySubmit, id(*survey), Some(*version), json!({})),
                        1 => change(
                            Kind::SurveyUpdate,
                            id(*survey),
                            Some(*version),
                            json!({"scores": scores(rng.usize(..11) as u64)}),
                        ),
                        _ => change(
                            Kind::SurveyUpdate,
                            id(*survey),
                            Some(*version),
                            json!({"notes": *rng.choice(&texts)?}),
                        ),
                    },
                })
            }
            Role::Leader => None,
        }
    }
}

/// The tablets of the run: registrars of one commune (three people), the Board (two people),
/// field staff, leaders who only read.
const TABLETS: [(&str, Role); 24] = [
    ("dienhoa", Role::Registrar),
    ("dienhoa", Role::Registrar),
    ("dienhoa", Role::Registrar),
    ("hoa2", Role::Registrar),
    ("hoa2", Role::Registrar),
    ("hoa2", Role::Registrar),
    ("hoa3", Role::Registrar),
    ("hoa3", Role::Registrar),
    ("bandanvan", Role::Board),
    ("bandanvan", Role::Board),
    ("bandanvan", Role::Board),
    ("admin", Role::Admin),
    ("admin", Role::Admin),
    ("admin", Role::Admin),
    ("khaosat", Role::Surveyor),
    ("khaosat", Role::Surveyor),
    ("khaosat", Role::Surveyor),
    ("khaosat", Role::Surveyor),
    ("lanhdao", Role::Leader),
    ("lanhdao", Role::Leader),
    ("lanhdao", Role::Leader),
    ("dienhoa", Role::Registrar),
    ("bandanvan", Role::Board),
    ("khaosat", Role::Surveyor),
];

async fn run(backend: Backend) {
    let ops: usize = std::env::var("DVK_CHAOS_OPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    let seed: u64 = std::env::var("DVK_CHAOS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(11_2026);
    let context = format!("{backend:?}, seed {seed}, {ops} operations");
    let binary = dvk_binary().unwrap();
    let database = TestDatabase::new(backend).await.unwrap();
    let url = database.url();
    let mut servers = vec![
        ServerProcess::start(binary.clone(), &url, true)
            .await
            .unwrap(),
    ];
    if backend == Backend::Postgres {
        servers.push(
            ServerProcess::start(binary.clone(), &url, false)
                .await
                .unwrap(),
        );
    }
    let bases: Vec<String> = servers.iter().map(ServerProcess::base).collect();
    let store = dvk_server::store::connect(&url).await.unwrap();
    for account in ["hoa2", "hoa3"] {
        admin::create_user(
            store.as_ref(),
            account,
            None,
            Role::Registrar,
            "Xã Điện Hòa",
            "demo-dvk",
        )
        .await
        .unwrap();
    }
    let units = store.units().await.unwrap();
    let unit = |name: &str| {
        units
            .iter()
            .find(|u| u.name == name)
            .unwrap()
            .id
            .to_string()
    };
    let (hoa, ngoc) = (unit("Xã Điện Hòa"), unit("Phường Điện Ngọc"));

    let log = RefCell::new(Log::default());
    let mut tablets = Vec::new();
    for (i, (account, role)) in TABLETS.into_iter().enumerate() {
        let mut tablet =
            Tablet::sign_in(account, role, &hoa, &bases[0], seed ^ (i as u64 * 7919)).await;
        tablet.sync(&bases, Fault::None, &log).await.unwrap();
        tablets.push(tablet);
    }

    // Everything at once: each tablet works and syncs; one more task kills and restarts
    // servers, backs the database up, and restores it.
    let done = Cell::new(0usize);
    let finished = Cell::new(false);
    let per_tablet = ops.div_ceil(tablets.len());
    let backup = database_dir(&database).join(format!("backup-{}.sqlite", Uuid::now_v7()));
    let restored = Cell::new(false);
    // Where each tablet stands (step, and what it is doing), so a run that stops moving says
    // which tablet waits on what instead of hanging until CI's limit.
    let standing: Vec<Cell<(usize, &'static str)>> = (0..tablets.len())
        .map(|_| Cell::new((0, "starting")))
        .collect();
    let work = tablets.iter_mut().enumerate().map(|(i, tablet)| {
        let (bases, log, done, hoa, ngoc) = (&bases, &log, &done, &hoa, &ngoc);
        let standing = &standing[i];
        async move {
            for step in 0..per_tablet {
                if tablet.rng.usize(..100) < 45 {
                    if let Some(change) = tablet.change(step, hoa, ngoc) {
                        standing.set((step, "saving a change"));
                        tablet.store.enqueue(change).await.unwrap();
                    }
                } else {
                    standing.set((step, "syncing"));
                    let fault = match tablet.rng.usize(..100) {
                        0..=11 => Fault::LoseAnswer,
                        12..=19 => Fault::Double,
                        _ => Fault::None,
                    };
                    let _ = tablet.sync(bases, fault, log).await;
                }
                standing.set((step, "between steps"));
                done.set(done.get() + 1);
                // Let the others move: a tablet that only saves never yields by itself.
                if step % 8 == i % 8 {
                    tokio::task::yield_now().await;
                }
            }
        }
    });
    let chaos = async {
        let mut servers = servers;
        let mut rng = Rng::with_seed(seed.rotate_left(17));
        let mut backed_up = false;
        let mut told = 0;
        let mut last_moved = (done.get(), Instant::now());
        while !finished.get() {
            tokio::time::sleep(Duration::from_millis(800 + rng.usize(..2_500) as u64)).await;
            if finished.get() {
                break;
            }
            if done.get() != last_moved.0 {
                last_moved = (done.get(), Instant::now());
            } else if last_moved.1.elapsed() > STALLED_AFTER {
                let waiting: Vec<String> = standing
                    .iter()
                    .enumerate()
                    .map(|(i, s)| format!("tablet {i}: step {} {}", s.get().0, s.get().1))
                    .collect();
                panic!(
                    "{backend:?}: no tablet moved for {STALLED_AFTER:?} at {} of {ops} operations:\n{}",
                    done.get(),
                    waiting.join("\n")
                );
            }
            let progress = done.get() * 100 / ops.max(1);
            // A long run says where it stands (seen with `--nocapture`).
            if progress >= told + 10 {
                told = progress / 10 * 10;
                eprintln!("{backend:?}: {told} % of {ops} operations");
            }
            if !backed_up && progress >= 30 {
                dvk(&binary, &["backup", backup.to_str().unwrap()], &url, None)
                    .await
                    .unwrap();
                backed_up = true;
                continue;
            }
            if backed_up && !restored.get() && progress >= 55 {
                dvk(
                    &binary,
                    &["restore", backup.to_str().unwrap(), "--yes"],
                    &url,
                    None,
                )
                .await
                .unwrap();
                restored.set(true);
                continue;
            }
            let which = rng.usize(..servers.len());
            let server = &mut servers[which];
            let down = Instant::now();
            server.kill().await.unwrap();
            tokio::time::sleep(Duration::from_millis(200 + rng.usize(..800) as u64)).await;
            server.restart().await.unwrap();
            log.borrow_mut().down.push((down, Instant::now()));
        }
        // Handed back: a server process lives as long as its handle.
        servers
    };
    let started = Instant::now();
    let tablets_done = async {
        futures_join(work.collect()).await;
        finished.set(true);
    };
    let ((), servers) = tokio::join!(tablets_done, chaos);
    let elapsed = started.elapsed();
    assert!(
        restored.get(),
        "{context}: the run was too short to restore a backup"
    );

    // Quiet: every server up, every tablet syncs until nothing waits anywhere.
    for _ in 0..6 {
        for tablet in &mut tablets {
            if let Err(e) = tablet.sync(&bases, Fault::None, &log).await {
                panic!(
                    "{context}: {} cannot sync when all is quiet: {e:?}",
                    tablet.account
                );
            }
        }
        if tablets.iter().all(|t| t.store.pending().is_empty()) {
            break;
        }
    }
    for tablet in &mut tablets {
        tablet.sync(&bases, Fault::None, &log).await.unwrap();
    }

    // Every change saved ended with one outcome its tablet knows.
    let mut applied_versions = BTreeMap::new();
    for (i, tablet) in tablets.iter().enumerate() {
        assert!(
            tablet.store.pending().is_empty(),
            "{context}: tablet {i} ({}) still holds unsent changes",
            tablet.account
        );
        let answers = tablet.store.answers();
        let moved = tablet.store.moved();
        for seq in 1..tablet.store.next_seq() {
            let mut at = seq;
            for _ in 0..8 {
                if answers.contains_key(&at) {
                    break;
                }
                match moved.get(&at) {
                    Some(next) => at = *next,
                    None => break,
                }
            }
            assert!(
                answers.contains_key(&at),
                "{context}: change {seq} of tablet {i} ({}) has no outcome",
                tablet.account
            );
        }
        for (seq, answer) in &answers {
            if answer.status == PushStatus::Applied {
                let version = answer.version.expect("an applied change has a version");
                if let Some((other, other_seq)) = applied_versions.insert(version, (i, *seq)) {
                    panic!(
                        "{context}: version {version} given to tablet {other} seq {other_seq} and tablet {i} seq {seq}"
                    );
                }
            }
        }
    }

    // Every tablet holds exactly what a fresh download gives its person.
    let mut fresh: BTreeMap<&str, Holdings> = BTreeMap::new();
    for (account, role) in TABLETS {
        if fresh.contains_key(account) {
            continue;
        }
        let mut tablet = Tablet::sign_in(account, role, &hoa, &bases[0], 1).await;
        tablet.sync(&bases, Fault::None, &log).await.unwrap();
        fresh.insert(account, holdings(&tablet.store));
    }
    for (i, tablet) in tablets.iter().enumerate() {
        let held = holdings(&tablet.store);
        let expected = &fresh[tablet.account];
        if &held != expected {
            let missing: Vec<_> = expected
                .keys()
                .filter(|k| !held.contains_key(k))
                .take(5)
                .collect();
            let extra: Vec<_> = held
                .keys()
                .filter(|k| !expected.contains_key(k))
                .take(5)
                .collect();
            let differ: Vec<_> = held
                .iter()
                .filter(|(k, v)| expected.get(k).is_some_and(|e| e != *v))
                .map(|(k, _)| k)
                .take(5)
                .collect();
            panic!(
                "{context}: tablet {i} ({}) holds {} records, a fresh download {}; missing {missing:?}, extra {extra:?}, different {differ:?}",
                tablet.account,
                held.len(),
                expected.len()
            );
        }
    }

    // Nothing applied twice: one create in the history of every record.
    let twice = created_twice(&url, backend).await;
    assert!(twice.is_empty(), "{context}: created twice: {twice:?}");

    // The tally the overview and the list's totals read counted every change exactly once,
    // through kills, doubled requests and a restore.
    let wrong = dvk_tests::tally_differences(&url).await.unwrap();
    assert!(
        wrong.is_empty(),
        "{context}: the tally differs from the models: {wrong:?}"
    );

    // No 5xx while the servers were up.
    let log = log.into_inner();
    let during_downtime = |at: &Instant| {
        log.down
            .iter()
            .any(|(from, to)| *at >= *from && *at <= *to + Duration::from_secs(1))
    };
    let unexpected: Vec<_> = log
        .errors
        .iter()
        .filter(|(at, _, _)| !during_downtime(at))
        .map(|(_, status, body)| format!("{status} {body}"))
        .collect();
    assert!(
        unexpected.is_empty(),
        "{context}: 5xx while servers were up: {unexpected:?}"
    );
    let changes: usize = tablets.iter().map(|t| t.store.answers().len()).sum();
    println!(
        "{context}: {} tablets, {} operations in {:.1} s ({} requests, {} answers lost, {} requests doubled, {} timed out, {} kills, a backup restored), {changes} changes answered, {} records on a Board tablet",
        tablets.len(),
        done.get(),
        elapsed.as_secs_f64(),
        log.requests,
        log.lost,
        log.doubled,
        log.timed_out,
        log.down.len(),
        fresh["bandanvan"].len()
    );
    drop(store);
    drop(servers);
}

/// What a tablet holds: each record's version and data, by kind and id.
type Holdings = BTreeMap<(Entity, Uuid), (i64, Value)>;

fn holdings(store: &MemoryStore) -> Holdings {
    store
        .replica()
        .into_iter()
        .map(|(key, record)| (key, (record.version, record.data)))
        .collect()
}

/// Where a test database lives, for files beside it (a backup).
fn database_dir(database: &TestDatabase) -> std::path::PathBuf {
    match database {
        TestDatabase::Sqlite { dir } => dir.path().to_owned(),
        TestDatabase::Postgres { .. } => std::env::temp_dir(),
    }
}

/// Records whose history holds more than one create.
async fn created_twice(url: &str, backend: Backend) -> Vec<String> {
    const SQL: &str = "SELECT entity_id FROM audit_log WHERE action IN ('model.create', 'survey.create', 'campaign.create') \
                       GROUP BY entity_id HAVING COUNT(*) > 1";
    match backend {
        Backend::Postgres => {
            use sqlx::Connection;
            let mut db = sqlx::PgConnection::connect(url).await.unwrap();
            sqlx::query_scalar(SQL).fetch_all(&mut db).await.unwrap()
        }
        Backend::Sqlite => {
            use sqlx::Connection;
            let mut db = sqlx::SqliteConnection::connect(url).await.unwrap();
            sqlx::query_scalar(SQL).fetch_all(&mut db).await.unwrap()
        }
    }
}

/// Polls every future in turn until all are done, in this task (tablets hold no `Send` state
/// and need no thread of their own: they wait on the network).
/// A run in which no tablet finishes a step for this long has stopped: it fails, saying where
/// each tablet stands.
const STALLED_AFTER: Duration = Duration::from_secs(180);

async fn futures_join<F: std::future::Future<Output = ()>>(futures: Vec<F>) {
    use std::task::Poll;
    let mut futures: Vec<_> = futures.into_iter().map(Box::pin).map(Some).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for slot in &mut futures {
            if let Some(future) = slot {
                match future.as_mut().poll(cx) {
                    Poll::Ready(()) => *slot = None,
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tablets_and_servers_agree_after_chaos_on_sqlite() {
    run(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tablets_and_servers_agree_after_chaos_on_postgres() {
    run(Backend::Postgres).await;
}
