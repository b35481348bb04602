//! What the pages read from the local store, shaped for screens: models as the person sees them
//! (the replica with their pending changes applied) and the units they know.

use std::collections::BTreeMap;

use dvk_shared::{
    model::{Field, Status},
    text::{fold, sort_key},
};
use serde_json::Value;
use uuid::Uuid;

use leptos::prelude::*;

use crate::{
    i18n::Lang,
    store::{LocalStore, shared_db, with_pending},
    sync::SyncStatus,
};

/// A model as this device shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelView {
    pub id: Uuid,
    pub data: Value,
    /// The version the server last sent (`None` while only this device has it): the base of
    /// the next change made here.
    pub version: Option<i64>,
    /// Changes saved here still wait to be sent.
    pub pending: bool,
}

impl ModelView {
    pub fn text(&self, key: &str) -> String {
        self.data[key].as_str().unwrap_or_default().to_owned()
    }
    pub fn name(&self) -> String {
        self.text("name")
    }
    pub fn status(&self) -> Option<Status> {
        self.data["status"].as_str().and_then(Status::parse)
    }
    pub fn field(&self) -> Option<Field> {
        self.data["field"].as_str().and_then(Field::parse)
    }
    pub fn unit_id(&self) -> String {
        self.text("unit_id")
    }
    pub fn year(&self) -> Option<u64> {
        self.data["year"].as_u64()
    }
    /// Name, objectives and content, folded for diacritic-insensitive search.
    pub fn search_text(&self) -> String {
        fold(&format!(
            "{} {} {}",
            self.name(),
            self.text("objectives"),
            self.text("content")
        ))
    }
}

/// Sorts in Vietnamese dictionary order. Unstable sort by (key, position): the same order as a
/// stable sort, with one copy of the smaller sort code in the shell.
fn sort_by_name<T>(items: &mut Vec<T>, name: impl Fn(&T) -> String) {
    let mut keyed: Vec<(String, usize, T)> = items
        .drain(..)
        .enumerate()
        .map(|(i, item)| (sort_key(&name(&item)), i, item))
        .collect();
    keyed.sort_unstable_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    items.extend(keyed.into_iter().map(|(_, _, item)| item));
}

/// The device's models and units for the screens that list them, read again after each sync:
/// one reader shared by every page rather than one per page.
#[derive(Clone, Copy)]
pub struct Replica {
    pub data: LocalResource<(Vec<ModelView>, Vec<UnitView>)>,
}

impl Replica {
    pub fn install(status: SyncStatus) -> Self {
        Self {
            data: LocalResource::new(move || {
                status.data_version.get();
                async { (models().await, units().await) }
            }),
        }
    }

    /// The models, once read.
    pub fn models(self) -> Option<Vec<ModelView>> {
        self.data.get().map(|(models, _)| models)
    }
}

pub fn use_replica() -> Replica {
    expect_context::<Replica>()
}

/// Every model this device holds, in Vietnamese order of their names.
pub async fn models() -> Vec<ModelView> {
    let Ok(db) = shared_db().await else {
        return Vec::new();
    };
    let records = db.records("model").await.unwrap_or_default();
    let versions: BTreeMap<Uuid, i64> = records.iter().map(|r| (r.id, r.version)).collect();
    let outbox = db.outbox().await.unwrap_or_default();
    let mut models: Vec<ModelView> = with_pending(records, &outbox, "model")
        .into_iter()
        .map(|(id, data, pending)| ModelView {
            id,
            version: versions.get(&id).copied(),
            data,
            pending,
        })
        .collect();
    sort_by_name(&mut models, ModelView::name);
    models
}

pub async fn model(id: Uuid) -> Option<ModelView> {
    models().await.into_iter().find(|m| m.id == id)
}

/// A unit this device knows.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitView {
    pub id: String,
    pub name: String,
    pub merged_into: Option<String>,
}

/// Every unit this device knows, in Vietnamese order.
pub async fn units() -> Vec<UnitView> {
    let Ok(db) = shared_db().await else {
        return Vec::new();
    };
    let mut units: Vec<UnitView> = db
        .records("unit")
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|r| UnitView {
            id: r.id.to_string(),
            name: r.data["name"].as_str().unwrap_or_default().to_owned(),
            merged_into: r.data["merged_into"].as_str().map(str::to_owned),
        })
        .collect();
    sort_by_name(&mut units, |u| u.name.clone());
    units
}

pub fn unit_name(units: &[UnitView], id: &str) -> String {
    units
        .iter()
        .find(|u| u.id == id)
        .map(|u| u.name.clone())
        .unwrap_or_default()
}

pub fn field_label(field: Field, lang: Lang) -> &'static str {
    match lang {
        Lang::Vi => field.label_vi(),
        Lang::En => field.label_en(),
    }
}

pub fn status_label(status: Status, lang: Lang) -> &'static str {
    match lang {
        Lang::Vi => status.label_vi(),
        Lang::En => status.label_en(),
    }
}

/// A record of the replica read as a shared type, with this device's pending changes applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Held<T> {
    pub record: T,
    /// The version the server last sent (`None` while only this device has it).
    pub version: Option<i64>,
    pub pending: bool,
}

/// Every record of `entity` this device holds that reads as `T` (the others are from a newer
/// server and are skipped rather than failing the page).
pub async fn held<T: serde::de::DeserializeOwned>(entity: &str) -> Vec<Held<T>> {
    let Ok(db) = shared_db().await else {
        return Vec::new();
    };
    let records = db.records(entity).await.unwrap_or_default();
    let versions: BTreeMap<Uuid, i64> = records.iter().map(|r| (r.id, r.version)).collect();
    let outbox = db.outbox().await.unwrap_or_default();
    with_pending(records, &outbox, entity)
        .into_iter()
        .filter_map(|(id, data, pending)| {
            Some(Held {
                record: serde_json::from_value(data).ok()?,
                version: versions.get(&id).copied(),
                pending,
            })
        })
        .collect()
}
