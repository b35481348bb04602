//! What the pages read from the local store, shaped for screens: models as the person sees them
//! (the replica with their pending changes applied) and the units they know.

use std::{any::Any, future::Future, marker::PhantomData, pin::Pin, rc::Rc};

use dvk_shared::{
    ids::RecordId,
    model::{Field, Status},
    sync::{Entity, Kind, Mutation},
    text::{fold, sort_key},
};
use serde_json::{Map, Value};
use uuid::Uuid;

use leptos::prelude::*;

use crate::{
    i18n::{Lang, Texts},
    store::{LocalStore, shared_db, shown},
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

pub use crate::store::sort_by_keys;

/// Sorts in Vietnamese dictionary order.
fn sort_by_name<T>(items: &mut Vec<T>, name: impl Fn(&T) -> String) {
    sort_by_keys(items, |item| sort_key(&name(item)));
}

type Erased = Rc<dyn Any>;

/// A value a page reads asynchronously, read again whenever a signal its loader reads changes:
/// a `LocalResource` whose value and loader are type-erased. Leptos's async machinery costs
/// kilobytes of the shell for each type it is used with; behind `Loaded` the shell carries it
/// once, and each use adds only its own loader.
pub struct Loaded<T> {
    inner: LocalResource<Erased>,
    value: PhantomData<fn() -> T>,
}

impl<T> Clone for Loaded<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Loaded<T> {}

impl<T: Clone + 'static> Loaded<T> {
    /// Starts loading with `load`, and again whenever a signal `load` reads changes (the
    /// signals read before its future starts, as with `LocalResource::new`).
    pub fn new<F: Future<Output = T> + 'static>(load: impl Fn() -> F + 'static) -> Self {
        Self {
            inner: erased(Box::new(move || {
                let future = load();
                Box::pin(async move { Rc::new(future.await) as Erased })
            })),
            value: PhantomData,
        }
    }

    /// The value once loaded (the latest while it loads again), tracked.
    pub fn get(&self) -> Option<T> {
        self.inner
            .get()
            .and_then(|v| v.downcast_ref::<T>().cloned())
    }

    /// The value once loaded, untracked.
    pub fn get_untracked(&self) -> Option<T> {
        self.inner
            .get_untracked()
            .and_then(|v| v.downcast_ref::<T>().cloned())
    }
}

// The closure, not the box itself: calling the box through a closure makes a smaller shell.
#[allow(clippy::redundant_closure)]
fn erased(load: Box<dyn Fn() -> Pin<Box<dyn Future<Output = Erased>>>>) -> LocalResource<Erased> {
    LocalResource::new(move || load())
}

/// The device's models and units for the screens that list them, read again after each sync:
/// one reader shared by every page rather than one per page.
#[derive(Clone, Copy)]
pub struct Replica {
    pub data: Loaded<(Vec<ModelView>, Vec<UnitView>)>,
}

impl Replica {
    pub fn install(status: SyncStatus) -> Self {
        Self {
            data: Loaded::new(move || {
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

/// The records of `entity` this device holds, with its pending changes applied: (id, data,
/// version, pending). Not generic, so every reader of the replica shares it.
pub(crate) async fn shown_records(entity: Entity) -> Vec<(Uuid, Value, Option<i64>, bool)> {
    let Ok(db) = shared_db().await else {
        return Vec::new();
    };
    let records = db.records(entity).await.unwrap_or_default();
    let outbox = db.outbox().await.unwrap_or_default();
    shown(records, &outbox, entity)
}

/// Every model this device holds, in Vietnamese order of their names.
pub async fn models() -> Vec<ModelView> {
    let mut models: Vec<ModelView> = shown_records(Entity::Model)
        .await
        .into_iter()
        .map(|(id, data, version, pending)| ModelView {
            id,
            version,
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
    pub parent_id: Option<String>,
    pub kind: String,
    /// Earlier names, oldest first, with the day each stopped (dd/mm/yyyy).
    pub former_names: Vec<(String, String)>,
    pub merged_on: Option<String>,
    pub closed_on: Option<String>,
}

impl UnitView {
    /// Neither merged nor closed: people and records may be placed in it.
    pub fn is_current(&self) -> bool {
        self.merged_into.is_none() && self.closed_on.is_none()
    }
}

/// A stored date (YYYY-MM-DD) as a person reads it.
pub(crate) fn shown_date(value: &Value) -> Option<String> {
    value
        .as_str()
        .and_then(|text| dvk_shared::date::Date::parse_any(text).ok())
        .map(|date| date.to_vietnamese())
}

/// Every unit this device knows, in Vietnamese order.
pub async fn units() -> Vec<UnitView> {
    let Ok(db) = shared_db().await else {
        return Vec::new();
    };
    let mut units: Vec<UnitView> = db
        .records(Entity::Unit)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|r| UnitView {
            id: r.id.to_string(),
            name: r.data["name"].as_str().unwrap_or_default().to_owned(),
            merged_into: r.data["merged_into"].as_str().map(str::to_owned),
            parent_id: r.data["parent_id"].as_str().map(str::to_owned),
            kind: r.data["kind"].as_str().unwrap_or_default().to_owned(),
            former_names: r.data["former_names"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|f| {
                    (
                        f["name"].as_str().unwrap_or_default().to_owned(),
                        shown_date(&f["until"]).unwrap_or_default(),
                    )
                })
                .collect(),
            merged_on: shown_date(&r.data["merged_on"]),
            closed_on: shown_date(&r.data["closed_on"]),
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

/// A field of a record named as its form names it (a conflict, the history); a field no form
/// shows keeps its own name.
pub fn field_name(entity: Entity, field: &str, t: &Texts) -> String {
    let label = match (entity, field) {
        (Entity::Model, "name") => t.model_name,
        (Entity::Model, "field") => t.model_field,
        (Entity::Model, "unit_id") => t.model_unit,
        (Entity::Model, "year") => t.model_year,
        (Entity::Model, "start_date") => t.f_start_date,
        (Entity::Model, "objectives") => t.f_objectives,
        (Entity::Model, "content") => t.f_content,
        (Entity::Model, "participants") => t.f_participants,
        (Entity::Model, "results") => t.results_label,
        (Entity::Model, "effectiveness") => t.f_effectiveness,
        (Entity::Model, "replication_scope") => t.f_replication,
        (Entity::Model, "contact") => t.contact_label,
        (Entity::Model, "location") => t.f_address,
        (Entity::Model, "status") => t.model_status,
        (Entity::Model, "review_comment") => t.comment,
        (Entity::Survey, "scores") => t.scores,
        (Entity::Survey, "notes") => t.notes,
        (Entity::Survey, "recommendations") => t.recommendations,
        (Entity::Survey, "difficulties") => t.difficulties,
        (Entity::Survey, "visited_at") => t.visited_at,
        (Entity::Survey, "location") => t.place,
        (Entity::Survey, "photos") => t.photos,
        (Entity::Campaign, "name") => t.campaign_name,
        (Entity::Campaign, "year") => t.campaign_year,
        (Entity::Campaign, "criteria") => t.criteria,
        (Entity::Campaign, "deadline") => t.deadline,
        (Entity::Campaign, "unit_ids" | "model_ids" | "assignments" | "surveyor_names") => {
            t.scope_and_assignments
        }
        _ => return field.to_owned(),
    };
    label.to_owned()
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
pub async fn held<T: serde::de::DeserializeOwned>(entity: Entity) -> Vec<Held<T>> {
    shown_records(entity)
        .await
        .into_iter()
        .filter_map(|(_, data, version, pending)| {
            Some(Held {
                record: serde_json::from_value(data).ok()?,
                version,
                pending,
            })
        })
        .collect()
}

/// Saves one change on the device and asks for a sync soon; `true` once it is durably queued.
pub async fn save_change(
    status: SyncStatus,
    kind: Kind,
    id: Uuid,
    base_version: Option<i64>,
    fields: Map<String, Value>,
) -> bool {
    let (Ok(db), Ok(id)) = (shared_db().await, RecordId::from_uuid(id)) else {
        return false;
    };
    let queued = db
        .enqueue(Mutation {
            kind,
            id,
            base_version,
            fields,
        })
        .await
        .is_ok();
    if queued {
        status.saved();
    }
    queued
}

/// What a person reads for a field's problem, in their language.
pub fn problem_text(
    problem: Option<dvk_shared::validation::Problem>,
    lang: Lang,
) -> Option<&'static str> {
    problem.map(|p| match lang {
        Lang::Vi => p.message_vi(),
        Lang::En => p.message_en(),
    })
}
