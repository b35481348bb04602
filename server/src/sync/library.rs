//! The library's entries, kept by the server: after every change to a model or a survey, the
//! entry of the model it touches (and of the model it was adopted from) is written again from
//! the shared projection (`dvk_shared::library`), in the same transaction, so every device
//! pulls the library as it pulls anything else. An entry leaves when its model is no longer
//! typical.

use std::collections::{BTreeSet, HashMap};

use dvk_shared::{
    date::Timestamp,
    library::{Adoption, LibraryEntry},
    model::Model,
    sync::Entity,
    unit::UnitTree,
};
use uuid::Uuid;

use super::record::{Batch, internal};
use crate::{
    error::ApiError,
    store::{Actor, PushTx},
};

/// The models whose entries a change of `entity` `id` may change: the model itself (a survey's
/// model), and the model it was adopted from, before and after.
pub(crate) fn touched(batch: &Batch, entity: Entity, id: Uuid, before: Option<Uuid>) -> Vec<Uuid> {
    let mut models = BTreeSet::new();
    match entity {
        Entity::Model => {
            models.insert(id);
            if let Some(source) = batch
                .get(Entity::Model, id)
                .and_then(|r| r.data["adopted_from"].as_str()?.parse().ok())
            {
                models.insert(source);
            }
        }
        Entity::Survey => {
            if let Some(model) = batch
                .get(Entity::Survey, id)
                .and_then(|r| r.data["model_id"].as_str()?.parse().ok())
            {
                models.insert(model);
            }
        }
        _ => {}
    }
    models.extend(before);
    models.into_iter().collect()
}

/// The model a record was adopted from, as it stands in the batch (before a change).
pub(crate) fn source_of(batch: &Batch, entity: Entity, id: Uuid) -> Option<Uuid> {
    (entity == Entity::Model)
        .then(|| batch.get(Entity::Model, id))
        .flatten()
        .and_then(|r| r.data["adopted_from"].as_str()?.parse().ok())
}

/// Writes the entry of each of `models` again if what it should say changed.
pub(crate) async fn refresh(
    tx: &mut dyn PushTx,
    batch: &mut Batch,
    tree: &UnitTree,
    models: &[Uuid],
    at: Timestamp,
) -> Result<(), ApiError> {
    if models.is_empty() {
        return Ok(());
    }
    let keys: Vec<(Entity, Uuid)> = models
        .iter()
        .flat_map(|m| [(Entity::Model, *m), (Entity::Library, *m)])
        .collect();
    batch.load(tx, keys).await?;
    // Most changes are to models that are not typical and never were: nothing more to read.
    let models: Vec<Uuid> = models
        .iter()
        .copied()
        .filter(|id| {
            let recognised = batch
                .get(Entity::Model, *id)
                .filter(|r| !r.deleted)
                .and_then(|r| dvk_shared::model::Status::parse(r.data["status"].as_str()?))
                .is_some_and(dvk_shared::library::is_recognised);
            recognised || batch.get(Entity::Library, *id).is_some_and(|r| !r.deleted)
        })
        .collect();
    if models.is_empty() {
        return Ok(());
    }
    let models = models.as_slice();
    let surveys = tx.surveys_of(models).await?;
    batch
        .load(tx, surveys.iter().map(|s| (Entity::Survey, s.id)))
        .await?;
    let adopting = tx.adoptions_of(models).await?;
    batch
        .load(tx, adopting.iter().map(|m| (Entity::Model, *m)))
        .await?;
    // Each model's photos and adoptions, gathered in one pass over the batch: a server's first
    // start over a province's library refreshes tens of thousands of entries at once.
    let mut photos = photos_by_model(batch);
    let mut adoptions = adoptions_by_source(batch, tree);
    let actor = Actor::system("library");
    for &id in models {
        let model: Option<Model> = batch
            .get(Entity::Model, id)
            .filter(|r| !r.deleted)
            .and_then(|r| serde_json::from_value(r.data.clone()).ok());
        let entry = match &model {
            Some(model) => LibraryEntry::of(
                model,
                &name_of(tree, model.unit_id),
                &photos.remove(&id).unwrap_or_default(),
                &adoptions.remove(&id).unwrap_or_default(),
            ),
            None => None,
        };
        let after = entry
            .map(|e| serde_json::to_value(&e))
            .transpose()
            .map_err(internal)?;
        let current = batch
            .get(Entity::Library, id)
            .filter(|r| !r.deleted)
            .map(|r| r.data.clone());
        if current == after {
            continue;
        }
        let action = if after.is_some() {
            "library.write"
        } else {
            "library.remove"
        };
        batch.write(Entity::Library, id, after, None, action, &actor, at, &[])?;
    }
    Ok(())
}

/// The photos of the surveys the batch holds, by the model surveyed.
fn photos_by_model(batch: &Batch) -> HashMap<Uuid, Vec<String>> {
    let mut photos: HashMap<Uuid, Vec<String>> = HashMap::new();
    for survey in batch.all(Entity::Survey).filter(|s| !s.deleted) {
        let Some(model) = survey.data["model_id"]
            .as_str()
            .and_then(|m| m.parse().ok())
        else {
            continue;
        };
        photos.entry(model).or_default().extend(
            survey.data["photos"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| p["hash"].as_str().map(str::to_owned)),
        );
    }
    photos
}

/// A unit's name as it stands now.
fn name_of(tree: &UnitTree, unit: dvk_shared::ids::UnitId) -> String {
    tree.get(unit).map(|u| u.name.clone()).unwrap_or_default()
}

/// The models the batch holds that were adopted from another, by the model adopted.
fn adoptions_by_source(batch: &Batch, tree: &UnitTree) -> HashMap<Uuid, Vec<Adoption>> {
    let mut adoptions: HashMap<Uuid, Vec<Adoption>> = HashMap::new();
    for record in batch.all(Entity::Model).filter(|r| !r.deleted) {
        let Some(source) = record.data["adopted_from"]
            .as_str()
            .and_then(|m| m.parse().ok())
        else {
            continue;
        };
        if let Ok(m) = serde_json::from_value::<Model>(record.data.clone()) {
            adoptions.entry(source).or_default().push(Adoption {
                model_id: m.id,
                unit_id: m.unit_id,
                unit_name: name_of(tree, m.unit_id),
                name: m.name,
                year: m.year,
            });
        }
    }
    adoptions
}

/// Writes the entries the library lacks or holds wrong (a database from before the library, a
/// seed, a model changed outside sync), in one transaction under the write lock; answers how
/// many entries changed. Run when the server starts.
pub(crate) async fn rebuild(
    store: &dyn crate::store::Store,
    at: Timestamp,
) -> Result<usize, ApiError> {
    let mut tx = store.begin_push().await?;
    let counter = tx.counter().await?;
    let models = tx.library_models().await?;
    let mut batch = Batch::new(counter.version);
    let tree = UnitTree::new(store.units().await?);
    refresh(tx.as_mut(), &mut batch, &tree, &models, at).await?;
    let (version, records, audit, exits) = batch.into_parts();
    let changed = records.len();
    if changed > 0 {
        tx.write(&crate::store::PushWrites {
            version,
            records,
            audit,
            exits,
            device: None,
            results: Vec::new(),
            forget_results_before: 0,
        })
        .await?;
    }
    tx.commit().await?;
    Ok(changed)
}
