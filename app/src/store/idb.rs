//! The local store in IndexedDB. What each operation writes is decided here, by the shared
//! rules of `dvk_shared::sync::client`; app/js/store.js runs each operation in one IndexedDB
//! transaction and answers once it is committed, durably for writes. Values are kept as JSON
//! text under text keys, so what is stored is exactly what serde wrote, in every browser.

use std::collections::BTreeMap;

use dvk_shared::sync::{
    Entity, Mutation, Push, SyncResponse,
    client::{Fetched, JOURNAL_KEEP, Sent, epoch_changed, learned, outbox, seq_key},
};
use js_sys::Reflect;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use serde_json::Value;
use uuid::Uuid;
use wasm_bindgen::prelude::*;

use super::{HandOver, LocalDbError, LocalStore, Owner, Problem, Record, SyncMark, parse_json};

#[wasm_bindgen(module = "/js/store.js")]
extern "C" {
    #[wasm_bindgen(catch, js_name = openDb)]
    async fn open_js(name: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = getMeta)]
    async fn get_meta_js(db: &JsValue, key: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = putMeta)]
    async fn put_meta_js(db: &JsValue, key: &str, value: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = getAll)]
    async fn get_all_js(db: &JsValue, store: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = pagesOf)]
    async fn pages_of_js(db: &JsValue, entity: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = replacePages)]
    async fn replace_pages_js(
        db: &JsValue,
        entity: &str,
        keys: JsValue,
        texts: Vec<String>,
    ) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = deviceId)]
    async fn device_id_js(db: &JsValue, fresh: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = enqueue)]
    async fn enqueue_js(
        db: &JsValue,
        rest: &str,
        join_key: Option<String>,
        joined: Option<String>,
    ) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = markSent)]
    async fn mark_sent_js(db: &JsValue, seq: f64) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = learn)]
    async fn learn_js(
        db: &JsValue,
        problems: Vec<String>,
        answered: Vec<String>,
        journal: Vec<String>,
        forget_journal_before: String,
        reset: bool,
        pages: Vec<String>,
        mark: &str,
        requeue: Option<Vec<String>>,
        next_seq: f64,
    ) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = replaceOutbox)]
    async fn replace_outbox_js(
        db: &JsValue,
        entries: Vec<String>,
        next_seq: f64,
        sent_through: f64,
    ) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = dismissProblem)]
    async fn dismiss_problem_js(db: &JsValue, key: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = handOver)]
    async fn hand_over_js(
        db: &JsValue,
        user_id: &str,
        owner: &str,
        device_id: &str,
    ) -> Result<JsValue, JsValue>;
}

const OUTBOX: &str = "outbox";
const JOURNAL: &str = "journal";
const PROBLEMS: &str = "problems";
const MARK: &str = "sync_mark";
const NEXT_SEQ: &str = "next_seq";
const SENT_THROUGH: &str = "sent_through";

/// An entity's pages are compacted into one once an answer leaves more than this many: each
/// sync that brings changes writes one page per entity it touches, and a record edited again is
/// written again, so pages grow with the days. A first download of 10,000 records writes a few
/// large pages and is left as it is.
const COMPACT_AFTER_PAGES: u32 = 24;

fn field(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// A failure of store.js: a stored value of the wrong shape, or IndexedDB's own error.
fn failure(e: JsValue) -> LocalDbError {
    let name = field(&e, "name").as_string().unwrap_or_default();
    let message = field(&e, "message").as_string().unwrap_or_default();
    if name == "DecodeError" {
        LocalDbError::Decode(message)
    } else {
        LocalDbError::Idb(format!("{name}: {message}"))
    }
}

fn text(value: JsValue) -> Result<String, LocalDbError> {
    value
        .as_string()
        .ok_or_else(|| LocalDbError::Decode("a stored value is not text".into()))
}

fn decode<T: DeserializeOwned>(text: &str) -> Result<T, LocalDbError> {
    super::from_json(text).map_err(LocalDbError::Decode)
}

fn encode<T: Serialize>(value: &T) -> Result<String, LocalDbError> {
    serde_json::to_string(value).map_err(|e| LocalDbError::Decode(e.to_string()))
}

/// Flat `[key, JSON text, key, JSON text, …]` lists, as store.js takes them.
fn keyed<T: Serialize>(
    items: impl IntoIterator<Item = (String, T)>,
) -> Result<Vec<String>, LocalDbError> {
    let mut flat = Vec::new();
    for (key, item) in items {
        flat.push(key);
        flat.push(encode(&item)?);
    }
    Ok(flat)
}

/// An answer's changes as pages for store.js, flat `[entity, JSON text, …]`: one page per
/// entity, its deletions (records with a null `data`) before its records, as they were applied
/// when each record had a row of its own.
fn pages(deletes: &[String], puts: &[(String, Fetched)]) -> Result<Vec<String>, LocalDbError> {
    let mut by_entity: Vec<(Entity, Vec<String>)> = Vec::new();
    let mut add =
        |entity: Entity, text: String| match by_entity.iter_mut().find(|(e, _)| *e == entity) {
            Some((_, texts)) => texts.push(text),
            None => by_entity.push((entity, vec![text])),
        };
    for key in deletes {
        let (entity, id) = key
            .split_once(':')
            .and_then(|(e, id)| Some((Entity::parse(e)?, Uuid::parse_str(id).ok()?)))
            .ok_or_else(|| LocalDbError::Decode(format!("a deletion names {key}")))?;
        let gone = Record {
            entity,
            id,
            version: 0,
            data: Value::Null,
        };
        add(entity, encode(&gone)?);
    }
    for (_, fetched) in puts {
        add(fetched.entity, fetched.record_text());
    }
    let mut flat = Vec::new();
    for (entity, texts) in by_entity {
        flat.push(entity.as_str().to_owned());
        flat.push(format!("[{}]", texts.join(",")));
    }
    Ok(flat)
}

pub struct LocalDb {
    /// The open `IDBDatabase`.
    db: JsValue,
}

impl LocalDb {
    /// Opens (creating or upgrading) the database `name`.
    pub async fn open(name: &str) -> Result<Self, LocalDbError> {
        let db = open_js(name).await.map_err(failure)?;
        Ok(Self { db })
    }

    /// A value of the device's own bookkeeping (`meta` store), if set.
    pub async fn get_meta<T: DeserializeOwned>(
        &self,
        key: &str,
    ) -> Result<Option<T>, LocalDbError> {
        match self.get_meta_text(key).await? {
            Some(raw) => decode(&raw).map(Some),
            None => Ok(None),
        }
    }

    /// Sets a value of the `meta` store, durably.
    pub async fn put_meta<T: Serialize>(&self, key: &str, value: &T) -> Result<(), LocalDbError> {
        put_meta_js(&self.db, key, &encode(value)?)
            .await
            .map_err(failure)?;
        Ok(())
    }

    async fn get_meta_text(&self, key: &str) -> Result<Option<String>, LocalDbError> {
        let value = get_meta_js(&self.db, key).await.map_err(failure)?;
        if value.is_undefined() {
            return Ok(None);
        }
        text(value).map(Some)
    }

    /// A number of the `meta` store (0 when unset).
    async fn meta_number(&self, key: &str) -> Result<u64, LocalDbError> {
        Ok(self.get_meta::<u64>(key).await?.unwrap_or(0))
    }

    /// Every value of `store`, in key order.
    async fn all<T: DeserializeOwned>(&self, store: &str) -> Result<Vec<T>, LocalDbError> {
        Vec::<T>::deserialize(self.all_values(store).await?)
            .map_err(|e| LocalDbError::Decode(e.to_string()))
    }

    /// Every value of `store` as JSON, in key order: an array.
    async fn all_values(&self, store: &str) -> Result<Value, LocalDbError> {
        parse_json(&text(get_all_js(&self.db, store).await.map_err(failure)?)?)
            .map_err(LocalDbError::Decode)
    }

    /// The records of `entity` as its pages leave them (a record's last entry counts, a null
    /// `data` is a deletion), in id order; and the keys of the pages read.
    async fn paged(&self, entity: Entity) -> Result<(Vec<Record>, JsValue), LocalDbError> {
        let answer = pages_of_js(&self.db, entity.as_str())
            .await
            .map_err(failure)?;
        let Value::Array(pages) =
            parse_json(&text(field(&answer, "text"))?).map_err(LocalDbError::Decode)?
        else {
            return Err(LocalDbError::Decode("the pages are not a list".into()));
        };
        let mut latest = BTreeMap::new();
        for page in pages {
            let Value::Array(entries) = page else {
                return Err(LocalDbError::Decode("a page is not a list".into()));
            };
            for entry in entries {
                // Every entry is read, so one that does not read fails the whole list.
                let record = Record::from_value(entry).map_err(LocalDbError::Decode)?;
                latest.insert(record.id, record);
            }
        }
        let records = latest
            .into_values()
            .filter(|r| r.entity == entity && !r.data.is_null())
            .collect();
        Ok((records, field(&answer, "keys")))
    }

    /// Rewrites the pages of `entity` as one holding only what they show now; skipped when
    /// another tab wrote pages of it meanwhile (the next answer tries again).
    async fn compact(&self, entity: Entity) -> Result<(), LocalDbError> {
        let (records, keys) = self.paged(entity).await?;
        replace_pages_js(&self.db, entity.as_str(), keys, vec![encode(&records)?])
            .await
            .map_err(failure)?;
        Ok(())
    }

    /// The outbox entries keyed and encoded for store.js.
    fn entries(pushes: &[Push]) -> Result<Vec<String>, LocalDbError> {
        keyed(pushes.iter().map(|p| (seq_key(p.seq), p)))
    }
}

impl LocalStore for LocalDb {
    async fn device_id(&self) -> Result<Uuid, LocalDbError> {
        // Read and, if there is none, created in one transaction, so two tabs starting at once
        // agree on one id; the fresh one is only kept when there was none.
        let fresh = encode(&Uuid::now_v7())?;
        let id = device_id_js(&self.db, &fresh).await.map_err(failure)?;
        decode(&text(id)?)
    }

    async fn enqueue(&self, mutation: Mutation) -> Result<u64, LocalDbError> {
        outbox::fits(&mutation).map_err(LocalDbError::TooLarge)?;
        // Joined to the record's latest unsent change when they coalesce; store.js checks in
        // its transaction that the change is still there and still unsent, and otherwise
        // saves this one on its own.
        let pending = self.outbox().await?;
        let sent_through = self.meta_number(SENT_THROUGH).await?;
        let (join_key, joined) = match outbox::joinable(&pending, sent_through, &mutation) {
            Some((seq, joined)) => (
                Some(seq_key(seq)),
                Some(encode(&Push {
                    seq,
                    mutation: joined,
                })?),
            ),
            None => (None, None),
        };
        // The seq is taken in store.js, in the transaction that writes the change; the text
        // stored is still serde's, with the seq put in front of the rest.
        let template = encode(&Push { seq: 0, mutation })?;
        let rest = template
            .strip_prefix(r#"{"seq":0"#)
            .ok_or_else(|| LocalDbError::Decode(format!("a change encodes as {template}")))?;
        let seq = enqueue_js(&self.db, rest, join_key, joined)
            .await
            .map_err(failure)?;
        seq.as_f64()
            .map(|seq| seq as u64)
            .ok_or_else(|| LocalDbError::Idb("enqueue returned no seq".into()))
    }

    async fn outbox(&self) -> Result<Vec<Push>, LocalDbError> {
        self.all(OUTBOX).await
    }

    async fn mark_sent(&self, seq: u64) -> Result<(), LocalDbError> {
        mark_sent_js(&self.db, seq as f64).await.map_err(failure)?;
        Ok(())
    }

    async fn records(&self, entity: Entity) -> Result<Vec<Record>, LocalDbError> {
        Ok(self.paged(entity).await?.0)
    }

    async fn mark(&self) -> Result<SyncMark, LocalDbError> {
        match self.get_meta_text(MARK).await? {
            Some(raw) => SyncMark::from_value(&parse_json(&raw).map_err(LocalDbError::Decode)?)
                .map_err(LocalDbError::Decode),
            None => Ok(SyncMark::default()),
        }
    }

    async fn learn(&self, answer: &SyncResponse, now_ms: i64) -> Result<(), LocalDbError> {
        // What an answer writes is worked out from what the store held just before: only
        // `learn` removes changes from the outbox, and a save only adds changes with higher
        // seqs (or joins unsent ones, which no answer names), so every push answered is still
        // there. store.js checks inside its transaction that each problem's push is still in
        // the outbox (another tab may have learned the same answer) before keeping it. A
        // download answers no push and reads nothing more.
        let before = self.mark().await?;
        let restored = epoch_changed(answer, &before);
        let pending = if answer.results.is_empty() && !restored {
            Vec::new()
        } else {
            self.outbox().await?
        };
        let journal: Vec<Sent> = if restored {
            self.all(JOURNAL).await?
        } else {
            Vec::new()
        };
        let next_seq = self.meta_number(NEXT_SEQ).await?.max(1);
        let plan = learned(
            answer,
            &before,
            &pending,
            restored.then_some((journal.as_slice(), next_seq)),
            now_ms,
        );
        let problems = keyed(plan.problems.iter().map(|p| (seq_key(p.push.seq), p)))?;
        let answered = plan.answered.iter().map(|seq| seq_key(*seq)).collect();
        let forget_before = plan
            .journal
            .iter()
            .map(|s| s.push.seq)
            .max()
            .map_or(String::new(), |last| {
                seq_key(last.saturating_sub(JOURNAL_KEEP - 1))
            });
        let journal = keyed(plan.journal.iter().map(|s| (seq_key(s.push.seq), s)))?;
        let pages = pages(&plan.deletes, &plan.puts)?;
        let (requeue, next_seq) = match &plan.requeue {
            Some(requeued) => (
                Some(Self::entries(&requeued.outbox)?),
                requeued.next_seq as f64,
            ),
            None => (None, 0.0),
        };
        let counts = learn_js(
            &self.db,
            problems,
            answered,
            journal,
            forget_before,
            plan.reset,
            pages,
            &encode(&plan.mark)?,
            requeue,
            next_seq,
        )
        .await
        .map_err(failure)?;
        // [entity, pages, entity, pages, …] for each entity the answer wrote to.
        let counts = js_sys::Array::from(&counts);
        for at in (0..counts.length()).step_by(2) {
            let entity = counts.get(at).as_string().and_then(|e| Entity::parse(&e));
            let many = counts.get(at + 1).as_f64().unwrap_or(0.0) as u32 > COMPACT_AFTER_PAGES;
            if let (Some(entity), true) = (entity, many) {
                self.compact(entity).await?;
            }
        }
        Ok(())
    }

    async fn renumber(&self, expected: u64) -> Result<(), LocalDbError> {
        let mut pending = self.outbox().await?;
        let mut seq = expected;
        for push in &mut pending {
            push.seq = seq;
            seq += 1;
        }
        replace_outbox_js(
            &self.db,
            Self::entries(&pending)?,
            seq as f64,
            expected.saturating_sub(1) as f64,
        )
        .await
        .map_err(failure)?;
        Ok(())
    }

    async fn problems(&self) -> Result<Vec<Problem>, LocalDbError> {
        self.all(PROBLEMS).await
    }

    async fn dismiss_problem(&self, seq: u64) -> Result<(), LocalDbError> {
        dismiss_problem_js(&self.db, &seq_key(seq))
            .await
            .map_err(failure)?;
        Ok(())
    }

    async fn hand_over(&self, owner: &Owner, new_device: Uuid) -> Result<HandOver, LocalDbError> {
        let answer = hand_over_js(
            &self.db,
            &owner.user_id,
            &encode(owner)?,
            &encode(&new_device)?,
        )
        .await
        .map_err(failure)?;
        if answer.is_null() {
            return Ok(HandOver::Ready);
        }
        Ok(HandOver::Blocked {
            previous: text(field(&answer, "previous"))?,
            waiting: field(&answer, "waiting").as_f64().unwrap_or(0.0) as usize,
        })
    }
}
