//! Storage: one trait, implemented for SQLite (`sqlite.rs`) and PostgreSQL (`postgres.rs`).
//!
//! Handlers only ever see `dyn Store`. Both backends run the same SQL (both accept `$N`
//! parameters, `RETURNING` and `ON CONFLICT`), written once in `sql.rs` and expanded per backend
//! so each is type-checked against its own driver; the backend files own connecting, migrating
//! and anything dialect-specific. Each backend runs its migrations
//! (`server/migrations/<backend>/`, same version numbers) when it connects.

mod postgres;
mod sql;
mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;
use dvk_shared::{
    api::{AuditEntry, DatabaseKind, ModelSummary},
    award::{Award, AwardKind, RecipientType},
    date::Timestamp,
    ids::{ModelId, UnitId, UserId},
    model::{Field, Model, Status},
    photo::UploadState,
    unit::Unit,
    user::User,
};

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

/// A failure of the storage layer. Its text is for logs, never for the client.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database url {0:?}: use sqlite://PATH or postgres://USER@HOST/DB")]
    UnsupportedUrl(String),
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("a stored record does not decode: {0}")]
    Corrupt(String),
    /// A unique value (such as a username) is taken.
    #[error("already exists: {0}")]
    Conflict(String),
    #[error("not found: {0}")]
    NotFound(String),
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}

/// Who makes a change, as the audit log records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub id: Option<UserId>,
    pub name: String,
    /// The device and its change number, for changes that came through sync: the audit log
    /// then shows where a change was made, and that no change was ever applied twice.
    pub origin: Option<(String, u64)>,
}

impl Actor {
    /// Changes made by the server itself (demo data, command line).
    pub fn system(name: &str) -> Self {
        Self {
            id: None,
            name: name.to_owned(),
            origin: None,
        }
    }

    pub fn user(user: &User) -> Self {
        Self {
            id: Some(user.id),
            name: user.username.clone(),
            origin: None,
        }
    }

    /// The same actor, for the change `seq` of `device`.
    pub fn on_device(&self, device: &str, seq: u64) -> Self {
        Self {
            origin: Some((device.to_owned(), seq)),
            ..self.clone()
        }
    }
}

/// A model with what the server knows about it besides its fields.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredModel {
    pub model: Model,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted: bool,
}

/// What `list_models` selects. `units: None` means every unit.
#[derive(Debug, Clone, Default)]
pub struct ModelFilter {
    pub units: Option<Vec<UnitId>>,
    pub field: Option<Field>,
    pub year: Option<u16>,
    pub status: Option<Status>,
    /// Already folded with `dvk_shared::text::fold`.
    pub folded_query: Option<String>,
    pub offset: u64,
    pub limit: u32,
}

/// Models counted by the columns the overview breaks them down by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelCount {
    pub unit_id: UnitId,
    pub field: Field,
    pub status: Status,
    pub year: u16,
    pub count: u64,
}

/// Awards counted by the columns the overview breaks them down by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwardCount {
    pub unit_id: UnitId,
    pub kind: AwardKind,
    pub recipient_type: RecipientType,
    pub year: u16,
    pub count: u64,
}

/// Everything an installation starts with, written in one transaction (the demo data).
#[derive(Debug, Clone, Default)]
pub struct Seed {
    pub units: Vec<Unit>,
    /// Users with their password hashes.
    pub users: Vec<(User, String)>,
    /// Models with the instant they were registered.
    pub models: Vec<(Model, Timestamp)>,
    pub awards: Vec<Award>,
}

/// A signed-in session as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user: User,
    pub expires_at: Timestamp,
}

/// A device as sync knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub id: String,
    pub user_id: UserId,
    /// The last `seq` applied (0 before the first).
    pub last_seq: u64,
    /// What its user could see at the last pull (`access::Scope::key`).
    pub scope_key: String,
}

/// A model with what sync needs to merge into it.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncModel {
    pub stored: StoredModel,
    pub field_versions: dvk_shared::sync::FieldVersions,
    pub field_writers: dvk_shared::sync::FieldWriters,
}

/// A campaign or a survey as sync keeps it: the record, its version, and who changed which
/// field when (for merging, as for models).
#[derive(Debug, Clone, PartialEq)]
pub struct SyncRecord<T> {
    pub record: T,
    pub version: i64,
    pub field_versions: dvk_shared::sync::FieldVersions,
    pub field_writers: dvk_shared::sync::FieldWriters,
    pub updated_at: Timestamp,
}

/// One audit entry of a synced change.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRow {
    pub entity: &'static str,
    pub entity_id: String,
    pub action: String,
    pub actor: Actor,
    pub at: Timestamp,
    /// The record before and after, as JSON.
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Everything one sync request writes, decided before any of it is written (`sync.rs`): the
/// models it touched in their final state and one audit entry per applied change.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncWrites {
    /// The change counter after the request: the last version handed out.
    pub version: i64,
    pub models: Vec<SyncModel>,
    pub audit: Vec<AuditRow>,
}

/// A record as a pull sends it: the stored JSON goes out as it is, never parsed and
/// re-serialised (the wire shape is `dvk_shared::sync::Change`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct PulledChange {
    pub entity: &'static str,
    pub id: uuid::Uuid,
    pub version: i64,
    pub op: dvk_shared::sync::ChangeOp,
    pub data: Option<Box<serde_json::value::RawValue>>,
}

/// An upload nobody has added to for this long is dropped (with its chunks) when another upload
/// starts: the tablet that began it has given up or lost the photo.
pub const STALE_UPLOAD_MS: i64 = 7 * 24 * 3_600_000;

/// What became of one chunk of a photo's upload ([`Store::put_chunk`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkOutcome {
    /// Written; the upload now stands here. `complete` when this was the last chunk and the
    /// photo, checked against its name, is stored.
    Accepted(UploadState),
    /// The photo is stored already (from this or another tablet); nothing was written.
    AlreadyStored(UploadState),
    /// The chunk does not start where the upload stands; nothing was written.
    WrongOffset(UploadState),
    /// The chunk, not a first one, declares another total than the upload's first chunk did;
    /// nothing was written.
    TotalChanged,
    /// Every byte arrived but they do not hash to the photo's name: the upload was dropped and
    /// nothing stored.
    Changed,
    /// Every byte arrived but they are not a JPEG, PNG or WebP image: the upload was dropped.
    NotAPhoto,
}

/// One sync request's transaction: everything it does commits together or not at all.
///
/// A request takes the write lock first (`lock_versions`), reads what its changes touch, decides
/// every change in memory and writes the outcome in a few multi-row statements (`write`): a
/// rejected change never reaches the database, so it cannot undo the ones before it, and a crash
/// leaves all or nothing of the request.
#[async_trait]
pub trait SyncTx: Send {
    async fn epoch(&mut self) -> Result<String, StoreError>;
    /// Takes the database's write lock for the rest of the transaction (the change counter's
    /// row) and returns the counter's value: the versions after it are this request's to hand out.
    async fn lock_versions(&mut self) -> Result<i64, StoreError>;
    async fn device(&mut self, id: &str) -> Result<Option<Device>, StoreError>;
    /// Creates or updates the device row.
    async fn save_device(&mut self, device: &Device, now: Timestamp) -> Result<(), StoreError>;
    /// The models with these ids that exist (deleted ones included).
    async fn models(&mut self, ids: &[ModelId]) -> Result<Vec<SyncModel>, StoreError>;
    /// Who made the last change of a model, and when (for conflicts: "changed by … at …").
    async fn last_change(
        &mut self,
        entity: &str,
        id: &str,
    ) -> Result<(String, Timestamp), StoreError>;
    async fn campaign(
        &mut self,
        id: dvk_shared::ids::CampaignId,
    ) -> Result<Option<SyncRecord<dvk_shared::survey::Campaign>>, StoreError>;
    /// Creates or replaces a campaign (its version taken from the request's batch).
    async fn put_campaign(
        &mut self,
        campaign: &SyncRecord<dvk_shared::survey::Campaign>,
    ) -> Result<(), StoreError>;
    async fn survey(
        &mut self,
        id: dvk_shared::ids::SurveyId,
    ) -> Result<Option<SyncRecord<dvk_shared::survey::Survey>>, StoreError>;
    /// Creates or replaces a survey, seen by whoever sees `unit` (its model's unit).
    async fn put_survey(
        &mut self,
        survey: &SyncRecord<dvk_shared::survey::Survey>,
        unit: UnitId,
    ) -> Result<(), StoreError>;
    /// Writes what the request decided: the counter, the models (inserted or replaced) and the
    /// audit entries.
    async fn write(&mut self, writes: &SyncWrites) -> Result<(), StoreError>;
    /// Units and models with `version > cursor` in `units` (all if `None`), in version order,
    /// at most `limit`; and whether more wait.
    async fn changes_since(
        &mut self,
        cursor: i64,
        units: Option<&[UnitId]>,
        limit: u32,
    ) -> Result<(Vec<PulledChange>, bool), StoreError>;
    async fn commit(self: Box<Self>) -> Result<(), StoreError>;
}

/// Everything the server stores, whatever the database behind it.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Which database this is.
    fn kind(&self) -> DatabaseKind;

    /// Answers once the database can serve a query.
    async fn ping(&self) -> Result<(), StoreError>;

    /// The sync epoch (SYNC.md): made once when the database is created, and changed only if
    /// the database is restored or reset, so devices know to rebuild their replica.
    async fn epoch(&self) -> Result<String, StoreError>;

    /// Whether no unit exists yet (a new installation).
    async fn is_empty(&self) -> Result<bool, StoreError>;

    /// Writes a whole starting set in one transaction: all of it or none.
    async fn seed(&self, seed: &Seed, actor: &Actor, at: Timestamp) -> Result<(), StoreError>;

    async fn units(&self) -> Result<Vec<Unit>, StoreError>;

    /// Creates or replaces a unit, with an audit entry.
    async fn put_unit(&self, unit: &Unit, actor: &Actor, at: Timestamp) -> Result<i64, StoreError>;

    /// Fails with [`StoreError::Conflict`] if the username is taken.
    async fn create_user(
        &self,
        user: &User,
        password_hash: &str,
        at: Timestamp,
    ) -> Result<(), StoreError>;

    /// The user and their password hash, for signing in.
    async fn user_with_hash(&self, username: &str) -> Result<Option<(User, String)>, StoreError>;

    /// Every account of `role`, by display name (the Board assigns surveys to field staff).
    async fn users_with_role(&self, role: dvk_shared::user::Role) -> Result<Vec<User>, StoreError>;

    async fn create_session(
        &self,
        token_hash: &str,
        user_id: UserId,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError>;

    /// The session's user if the session exists and has not expired at `now`.
    async fn session(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<Session>, StoreError>;

    async fn extend_session(
        &self,
        token_hash: &str,
        expires_at: Timestamp,
    ) -> Result<(), StoreError>;

    async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError>;

    /// Records one failed sign-in under each key and forgets failures older than `forget_before`.
    async fn record_login_failure(
        &self,
        keys: &[String],
        at: Timestamp,
        forget_before: Timestamp,
    ) -> Result<(), StoreError>;

    /// When the failures under `key` since `since` happened, oldest first.
    async fn login_failures(
        &self,
        key: &str,
        since: Timestamp,
    ) -> Result<Vec<Timestamp>, StoreError>;

    async fn clear_login_failures(&self, key: &str) -> Result<(), StoreError>;

    /// Stores a new model; returns its version.
    async fn insert_model(
        &self,
        model: &Model,
        actor: &Actor,
        at: Timestamp,
    ) -> Result<i64, StoreError>;

    /// Replaces a model, recording `action` with the model before and after; returns the new
    /// version. Fails with [`StoreError::NotFound`] for an unknown id.
    async fn update_model(
        &self,
        model: &Model,
        action: &str,
        actor: &Actor,
        at: Timestamp,
    ) -> Result<i64, StoreError>;

    async fn model(&self, id: ModelId) -> Result<Option<StoredModel>, StoreError>;

    /// One page of models (not deleted) in Vietnamese order of their names, and how many match.
    async fn list_models(
        &self,
        filter: &ModelFilter,
    ) -> Result<(Vec<ModelSummary>, u64), StoreError>;

    /// The audit log of one record, oldest first.
    async fn history(&self, entity: &str, id: &str) -> Result<Vec<AuditEntry>, StoreError>;

    async fn insert_award(
        &self,
        award: &Award,
        actor: &Actor,
        at: Timestamp,
    ) -> Result<i64, StoreError>;

    /// Registered models (drafts are not registered yet) counted per unit, field, status, year.
    async fn model_counts(&self, year: Option<u16>) -> Result<Vec<ModelCount>, StoreError>;

    /// Decided awards in `units` (all if `None`), of `year` if given: newest year first, then
    /// by kind and title.
    async fn awards(
        &self,
        units: Option<&[UnitId]>,
        year: Option<u16>,
    ) -> Result<Vec<Award>, StoreError>;

    /// Decided awards counted per unit, kind, recipient type and year.
    async fn award_counts(&self, year: Option<u16>) -> Result<Vec<AwardCount>, StoreError>;

    /// Starts the transaction of one sync request.
    async fn begin_sync(&self) -> Result<Box<dyn SyncTx>, StoreError>;

    /// Where the upload of the photo `hash` stands: complete (with its size) if the photo is
    /// stored, else the bytes received so far (0 if no upload is under way).
    async fn upload_state(&self, hash: &str) -> Result<UploadState, StoreError>;

    /// Adds one chunk, `bytes` at `offset` of a photo of `total` bytes, to the upload of `hash`,
    /// in one transaction: the chunk must start where the upload stands and declare the total
    /// its first chunk declared, except that a first chunk (offset 0) declaring another total
    /// starts the upload again (what was held can never become a photo of that size). The
    /// chunk that completes the upload assembles the photo and
    /// stores it if its SHA-256 is `hash` (and it is an image), drops the upload either way.
    /// Starting an upload drops the ones untouched for [`STALE_UPLOAD_MS`]. The caller has
    /// checked that `offset + bytes.len() <= total`.
    async fn put_chunk(
        &self,
        hash: &str,
        offset: u64,
        total: u64,
        bytes: &[u8],
        user: UserId,
        now: Timestamp,
    ) -> Result<ChunkOutcome, StoreError>;

    /// A stored photo: its MIME type and its bytes.
    async fn photo(&self, hash: &str) -> Result<Option<(String, Vec<u8>)>, StoreError>;
}

/// Opens the database named by `url`, creating it (for SQLite) and migrating it as needed.
pub async fn connect(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::connect(url).await?))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(Arc::new(PgStore::connect(url).await?))
    } else {
        Err(StoreError::UnsupportedUrl(url.to_owned()))
    }
}

/// A fresh epoch id; UUIDv7 so that epochs also sort by creation time.
fn new_epoch() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Parses a column holding one of the shared enums' snake_case names.
fn parse_enum<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, StoreError> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|e| StoreError::Corrupt(format!("{text:?}: {e}")))
}

/// The snake_case name of a shared enum value, as stored in its column.
fn enum_name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        _ => String::new(),
    }
}

fn parse_id<T: std::str::FromStr>(text: &str) -> Result<T, StoreError> {
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("bad id {text:?}")))
}
