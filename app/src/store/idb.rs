//! The local store in IndexedDB. The rules (what becomes a problem, which records change) are
//! here; app/js/store.js runs each operation in one IndexedDB transaction and answers once it is
//! committed, durably for writes. Values are kept as JSON text under text keys, so what is
//! stored is exactly what serde wrote, in every browser.

use dvk_shared::sync::{Mutation, Push, SyncResponse};
use js_sys::Reflect;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use serde_json::Value;
use uuid::Uuid;
use wasm_bindgen::prelude::*;

use super::{
    HandOver, LocalDbError, LocalStore, Owner, Problem, Record, SyncMark, outbox_key, parse_json,
    problems_of, replica_changes,
};

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
    #[wasm_bindgen(catch, js_name = deviceId)]
    async fn device_id_js(db: &JsValue, fresh: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = enqueue)]
    async fn enqueue_js(db: &JsValue, rest: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = learn)]
    async fn learn_js(
        db: &JsValue,
        problems: Vec<String>,
        answered: Vec<String>,
        reset: bool,
        deletes: Vec<String>,
        puts: Vec<String>,
        mark: &str,
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
const RECORDS: &str = "records";
const PROBLEMS: &str = "problems";
const MARK: &str = "sync_mark";

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
        self.put_meta_text(key, &encode(value)?).await
    }

    async fn get_meta_text(&self, key: &str) -> Result<Option<String>, LocalDbError> {
        let value = get_meta_js(&self.db, key).await.map_err(failure)?;
        if value.is_undefined() {
            return Ok(None);
        }
        text(value).map(Some)
    }

    async fn put_meta_text(&self, key: &str, value: &str) -> Result<(), LocalDbError> {
        put_meta_js(&self.db, key, value).await.map_err(failure)?;
        Ok(())
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
        // The seq is taken in store.js, in the transaction that writes the change; the text
        // stored is still serde's, with the seq put in front of the rest.
        let template = encode(&Push { seq: 0, mutation })?;
        let rest = template
            .strip_prefix(r#"{"seq":0"#)
            .ok_or_else(|| LocalDbError::Decode(format!("a change encodes as {template}")))?;
        let seq = enqueue_js(&self.db, rest).await.map_err(failure)?;
        seq.as_f64()
            .map(|seq| seq as u64)
            .ok_or_else(|| LocalDbError::Idb("enqueue returned no seq".into()))
    }

    async fn outbox(&self) -> Result<Vec<Push>, LocalDbError> {
        self.all(OUTBOX).await
    }

    async fn records(&self, entity: &str) -> Result<Vec<Record>, LocalDbError> {
        let Value::Array(all) = self.all_values(RECORDS).await? else {
            return Err(LocalDbError::Decode("the records are not a list".into()));
        };
        // Every record is read, as before, so one that does not read fails the whole list.
        let mut records = Vec::new();
        for value in all {
            let record = Record::from_value(value).map_err(LocalDbError::Decode)?;
            if record.entity == entity {
                records.push(record);
            }
        }
        Ok(records)
    }

    async fn mark(&self) -> Result<SyncMark, LocalDbError> {
        match self.get_meta_text(MARK).await? {
            Some(raw) => SyncMark::from_value(&parse_json(&raw).map_err(LocalDbError::Decode)?)
                .map_err(LocalDbError::Decode),
            None => Ok(SyncMark::default()),
        }
    }

    async fn learn(&self, answer: &SyncResponse, now_ms: i64) -> Result<(), LocalDbError> {
        // The answers are paired with the outbox read here, just before the transaction that
        // learns them: only `learn` removes changes from the outbox, and a save only adds
        // changes with higher seqs, so every push answered is still there. store.js checks
        // inside the transaction that each problem's push is still in the outbox (another tab
        // may have learned the same answer meanwhile) before keeping it. A download answers no
        // push and reads nothing.
        let pending = if answer.results.is_empty() {
            Vec::new()
        } else {
            self.outbox().await?
        };
        let mut problems = Vec::new();
        for problem in problems_of(answer, &pending) {
            problems.push(outbox_key(problem.push.seq));
            problems.push(encode(&problem)?);
        }
        let answered = answer.results.iter().map(|r| outbox_key(r.seq)).collect();
        let (deletes, records) = replica_changes(answer);
        let mut puts = Vec::with_capacity(records.len() * 2);
        for (key, record) in records {
            puts.push(key);
            puts.push(encode(&record)?);
        }
        let mark = SyncMark {
            cursor: Some(answer.cursor.clone()),
            epoch: Some(answer.epoch.clone()),
            last_success: Some(now_ms),
        };
        learn_js(
            &self.db,
            problems,
            answered,
            answer.reset,
            deletes,
            puts,
            &encode(&mark)?,
        )
        .await
        .map_err(failure)?;
        Ok(())
    }

    async fn problems(&self) -> Result<Vec<Problem>, LocalDbError> {
        self.all(PROBLEMS).await
    }

    async fn dismiss_problem(&self, seq: u64) -> Result<(), LocalDbError> {
        dismiss_problem_js(&self.db, &outbox_key(seq))
            .await
            .map_err(failure)?;
        Ok(())
    }

    async fn hand_over(&self, owner: &Owner) -> Result<HandOver, LocalDbError> {
        let answer = hand_over_js(
            &self.db,
            &owner.user_id,
            &encode(owner)?,
            &encode(&Uuid::now_v7())?,
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
