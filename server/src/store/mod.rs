//! Storage: one trait, implemented for SQLite (`sqlite.rs`) and PostgreSQL (`postgres.rs`).
//!
//! Handlers only ever see `dyn Store`, grouped by concern: accounts and sessions
//! ([`AuthStore`]), the records people read ([`RecordStore`]), photos ([`PhotoStore`]) and
//! sync ([`SyncStore`]). Both backends run the same SQL (both accept `$N` parameters,
//! `RETURNING` and `ON CONFLICT`), written once in `sql/` and expanded per backend so each is
//! type-checked against its own driver; the backend files own connecting, migrating, and how a
//! transaction starts (the write lock, the read snapshot). Each backend runs its migrations
//! (`server/migrations/<backend>/`, same version numbers) when it connects.

mod postgres;
mod sql;
mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;
use dvk_shared::{
    api::{AuditEntry, DatabaseKind, ModelSort, ModelSummary},
    award::{Award, AwardKind, RecipientType},
    date::Timestamp,
    ids::{ModelId, UnitId, UserId},
    model::{Field, Model, Status},
    photo::UploadState,
    sync::{Entity, FieldVersions, FieldWriters, PushResult},
    unit::Unit,
    user::{Role, User},
};
use serde_json::Value;
use uuid::Uuid;

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
    /// The change would leave no active administrator.
    #[error("the last active administrator must stay")]
    LastAdmin,
    #[error("not found: {0}")]
    NotFound(String),
    /// A backup file that is not one, or of a newer schema than this server knows.
    #[error("not a DVK backup this server can read: {0}")]
    Backup(String),
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
            name: user.display_name.clone(),
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

    /// The device a synced change came from (none for the server's own changes).
    pub fn device(&self) -> &str {
        self.origin
            .as_ref()
            .map_or("", |(device, _)| device.as_str())
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

/// Where a model stands in a list's order: what keyset paging continues after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// Its name's stored sort key, and its id.
    Name(String, ModelId),
    /// Its version (the change counter when it last changed), and its id.
    Recent(i64, ModelId),
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
    /// The list's order.
    pub order: ModelSort,
    pub offset: u64,
    /// Keyset paging: the models after this place in the list's order (of the same order),
    /// `offset` aside.
    pub after: Option<Place>,
    pub limit: u32,
    /// A search counts its matches up to this many (the list's [`SEARCH_COUNT_MAX`]); all of
    /// them when `None`.
    pub count_max: Option<u64>,
}

/// What `list_surveys` selects (the surveys export). `units: None` means every unit.
#[derive(Debug, Clone, Default)]
pub struct SurveyFilter {
    /// The units the surveys are seen from (a survey's `unit_id`, its model's unit).
    pub units: Option<Vec<UnitId>>,
    /// The year of the survey's campaign.
    pub year: Option<u16>,
    pub status: Option<dvk_shared::survey::SurveyStatus>,
    pub offset: u64,
    pub limit: u32,
}

/// A survey as its list shows it, with the names it refers to.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyRow {
    pub survey: dvk_shared::survey::Survey,
    /// The model's name (empty if the model is gone).
    pub model_name: String,
    /// The name of the unit the survey is seen from.
    pub unit_name: String,
    /// The display name of the surveyor's account, if it exists.
    pub surveyor_name: Option<String>,
}

/// Models counted by the columns the overview breaks them down by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelCounts {
    /// Per unit and field.
    pub by_unit: Vec<(UnitId, Field, u64)>,
    /// Per field, status and year.
    pub by_kind: Vec<(Field, Status, u16, u64)>,
}

/// The library as last read, with what it was read at: the epoch and the newest version of an
/// entry. Every write of an entry (its removal too) gives it a newer version, and a restore a
/// new epoch, so the same key means the same library. The overview, the reports and the public
/// page read it whole; a province's holds tens of thousands of entries, which change seldom.
pub(crate) type LibraryCache = std::sync::Mutex<
    Option<(
        (String, Option<i64>),
        Arc<Vec<dvk_shared::library::LibraryEntry>>,
    )>,
>;

/// How far a search counts its matches: past it the list says "more than" (counting every
/// match of a common word among a million models would cost more than the page itself).
pub const SEARCH_COUNT_MAX: u64 = 1_000;

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
    /// The report's awards: not written by the seed but entered through sync as the Board does
    /// (`demo::award_changes`).
    pub awards: Vec<Award>,
}

/// A signed-in session as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user: User,
    pub expires_at: Timestamp,
    /// The account signed in with a one-time code and has not chosen its password yet.
    pub must_change_password: bool,
}

/// What signing in needs to know of an account.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
    pub active: bool,
    pub must_change_password: bool,
    /// Until when the one-time code (the password while `must_change_password`) works.
    pub code_expires_at: Option<Timestamp>,
}

/// A new password for an account: the person's own, or a one-time code that works until
/// `code_expires_at` and must be replaced at the next sign-in.
#[derive(Debug, Clone)]
pub struct NewPassword {
    pub hash: String,
    pub code_expires_at: Option<Timestamp>,
}

/// A device as sync knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub id: String,
    pub user_id: UserId,
    /// The last `seq` decided (0 before the first).
    pub last_seq: u64,
    /// The epoch its numbering belongs to: a device row of another epoch (restored with the
    /// database, or made by a pull) takes the device's numbering as it stands.
    pub epoch: String,
    pub seen_at: Timestamp,
}

/// A synced record as stored, whatever its kind: the shared type as JSON, its version, and
/// who changed which field when (for merging).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRecord {
    pub entity: Entity,
    pub id: Uuid,
    pub data: Value,
    pub version: i64,
    pub field_versions: FieldVersions,
    pub field_writers: FieldWriters,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted: bool,
    /// The unit whose people see it, for kinds seen by unit (models, surveys).
    pub unit_id: Option<UnitId>,
}

/// A record as a push writes it, with the unit whose people see it (a model's own, a survey's
/// model's; none for records everyone or one person sees).
#[derive(Debug, Clone, PartialEq)]
pub struct RecordWrite {
    pub record: StoredRecord,
    pub unit_id: Option<UnitId>,
}

/// A record that left a unit's sight at `version`: that unit's devices drop it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeExit {
    pub version: i64,
    pub entity: Entity,
    pub record_id: Uuid,
    pub unit_id: UnitId,
}

/// One audit entry of a change.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRow {
    /// An [`Entity`]'s name, or a record kind sync does not carry yet (`award`).
    pub entity: &'static str,
    pub entity_id: String,
    pub action: String,
    pub actor: Actor,
    pub at: Timestamp,
    /// The record before and after, as JSON.
    pub before: Option<String>,
    pub after: Option<String>,
    /// The values this change replaced and whose they were (`dvk_shared::api::Overwritten`,
    /// as a JSON list), for the history.
    pub overwritten: Option<String>,
}

/// The database's sync facts, read under the write lock or in a read snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counter {
    /// The last version handed out.
    pub version: i64,
    pub epoch: String,
    /// Set when this epoch began with a restore: the newest version it holds of the ones
    /// before.
    pub kept_through: Option<i64>,
}

/// Everything one push writes, decided before any of it is written (`sync/push.rs`).
#[derive(Debug, Clone, PartialEq)]
pub struct PushWrites {
    /// The change counter after the request: the last version handed out.
    pub version: i64,
    pub records: Vec<RecordWrite>,
    pub audit: Vec<AuditRow>,
    pub exits: Vec<ScopeExit>,
    /// The device that pushed; none for a batch the server makes itself (the library rebuilt).
    pub device: Option<Device>,
    /// Each change decided now, answered the same way when it is sent again.
    pub results: Vec<PushResult>,
    /// The device learned every answer before this seq: those are forgotten.
    pub forget_results_before: u64,
}

/// A record as a pull sends it: the stored JSON goes out as it is, never parsed and
/// re-serialised (the wire shape is `dvk_shared::sync::Change`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct PulledChange {
    pub entity: Entity,
    pub id: Uuid,
    pub version: i64,
    pub op: dvk_shared::sync::ChangeOp,
    pub data: Option<Box<serde_json::value::RawValue>>,
    /// A record leaving a unit in sight, not the record itself: left out when the record is
    /// in sight anyway.
    #[serde(skip)]
    pub exit: bool,
}

/// What [`Store::supervision_inputs`] reads.
#[derive(Debug, Default)]
pub struct SupervisionInputs {
    pub models: Vec<dvk_shared::oversight::ModelState>,
    pub surveys: Vec<dvk_shared::survey::Survey>,
    pub campaigns: Vec<dvk_shared::survey::Campaign>,
    pub oversight: Vec<dvk_shared::oversight::Oversight>,
    pub devices: Vec<(UnitId, Timestamp)>,
}

/// What one pull reads.
#[derive(Debug, Clone)]
pub struct PullQuery {
    /// Versions after this one.
    pub cursor: i64,
    /// The units whose records the user sees; `None` for every unit.
    pub units: Option<Vec<UnitId>>,
    /// Whose own records (notices) to include.
    pub user: UserId,
    /// The device's protocol version: kinds it cannot read are left out.
    pub schema: u32,
    pub limit: u32,
    pub device: String,
}

/// One pull, read from one snapshot of the database.
#[derive(Debug, Clone)]
pub struct Pulled {
    pub counter: Counter,
    pub changes: Vec<PulledChange>,
    pub more: bool,
    /// The device as the snapshot holds it.
    pub device: Option<Device>,
}

/// An upload nobody has added to for this long is dropped (with its chunks) when another upload
/// starts: the tablet that began it has given up or lost the photo.
pub const STALE_UPLOAD_MS: i64 = 7 * 24 * 3_600_000;

/// What one person may have under way and store each day (a day of visits is a few dozen
/// photos of 1–2 MB; these leave room for ten times that and stop a runaway tablet).
pub const UPLOADS_UNDER_WAY_MAX: u64 = 100;
pub const UPLOAD_BYTES_PER_DAY_MAX: u64 = 1024 * 1024 * 1024;

/// What became of one chunk of a photo's upload ([`PhotoStore::put_chunk`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkOutcome {
    /// Written; the upload now stands here. `complete` when this was the last chunk and the
    /// photo, checked against its name, is stored.
    Accepted(UploadState),
    /// The photo is stored already (from this or another tablet); nothing was written.
    AlreadyStored(UploadState),
    /// The chunk does not start where the upload stands; nothing was written.
    WrongOffset(UploadState),
    /// The chunk declares another total than the upload's first chunk did (a first chunk may
    /// start the upload again only for the person who began it); nothing was written.
    TotalChanged,
    /// Every byte arrived but they do not hash to the photo's name: the upload was dropped and
    /// nothing stored.
    Changed,
    /// Every byte arrived but they are not a JPEG, PNG or WebP image: the upload was dropped.
    NotAPhoto,
    /// Starting this upload would pass the person's quota; nothing was written.
    OverQuota,
}

/// Accounts, sessions and sign-in throttling.
#[async_trait]
pub trait AuthStore: Send + Sync {
    /// Fails with [`StoreError::Conflict`] if the username is taken.
    async fn create_user(
        &self,
        user: &User,
        password_hash: &str,
        at: Timestamp,
    ) -> Result<(), StoreError>;

    /// The account of `username` as signing in needs it.
    async fn credentials(&self, username: &str) -> Result<Option<Credentials>, StoreError>;

    /// The user and their password hash.
    async fn user_with_hash(&self, username: &str) -> Result<Option<(User, String)>, StoreError> {
        Ok(self
            .credentials(username)
            .await?
            .map(|c| (c.user, c.password_hash)))
    }

    /// Every account with its devices, by display name.
    async fn accounts(&self) -> Result<Vec<dvk_shared::account::Account>, StoreError>;

    async fn account(&self, id: UserId)
    -> Result<Option<dvk_shared::account::Account>, StoreError>;

    /// Creates an account whose person signs in with a one-time code; audited. Fails with
    /// [`StoreError::Conflict`] if the username is taken.
    async fn create_account(
        &self,
        user: &User,
        code: &NewPassword,
        actor: &Actor,
        at: Timestamp,
    ) -> Result<(), StoreError>;

    /// Changes an account's name, role or unit; audited. Fails with [`StoreError::LastAdmin`]
    /// if it would take the administrator role from the last active administrator.
    async fn update_account(
        &self,
        id: UserId,
        change: &dvk_shared::account::AccountChange,
        actor: &Actor,
        at: Timestamp,
    ) -> Result<(), StoreError>;

    /// Sets an account's password and ends its sessions, except `keep_session` (the one that
    /// changed its own password); audited without the hash.
    async fn set_password(
        &self,
        id: UserId,
        password: &NewPassword,
        keep_session: Option<&str>,
        actor: &Actor,
        at: Timestamp,
    ) -> Result<(), StoreError>;

    /// Deactivates (ending its sessions) or reactivates an account; audited. Fails with
    /// [`StoreError::LastAdmin`] for the last active administrator.
    async fn set_active(
        &self,
        id: UserId,
        active: bool,
        actor: &Actor,
        at: Timestamp,
    ) -> Result<(), StoreError>;

    /// Ends the user's sessions but `except`; answers how many ended.
    async fn end_sessions(&self, user_id: UserId, except: Option<&str>) -> Result<u64, StoreError>;

    async fn record_sign_in(&self, user_id: UserId, at: Timestamp) -> Result<(), StoreError>;

    /// Who changed the account, when and what (never a password or its hash), oldest first.
    async fn account_history(&self, id: UserId) -> Result<Vec<AuditEntry>, StoreError>;

    /// Keeps a new invitation under the SHA-256 of its code; audited.
    async fn create_invitation(
        &self,
        invitation: &dvk_shared::invitation::Invitation,
        code_hash: &str,
        actor: &Actor,
        at: Timestamp,
    ) -> Result<(), StoreError>;

    /// Every invitation with who joined through it, newest first.
    async fn invitations(&self) -> Result<Vec<dvk_shared::invitation::Invitation>, StoreError>;

    async fn invitation_by_code(
        &self,
        code_hash: &str,
    ) -> Result<Option<dvk_shared::invitation::Invitation>, StoreError>;

    /// Ends an invitation (once; revoking again changes nothing); audited.
    async fn revoke_invitation(
        &self,
        id: dvk_shared::ids::InvitationId,
        actor: &Actor,
        at: Timestamp,
    ) -> Result<(), StoreError>;

    /// Makes `user` an account through the invitation if it is still open at `at`, checked under
    /// the write lock; answers the state it found (nothing is written unless `Open`). Fails with
    /// [`StoreError::Conflict`] if the username is taken.
    async fn join_invitation(
        &self,
        id: dvk_shared::ids::InvitationId,
        user: &User,
        password_hash: &str,
        at: Timestamp,
    ) -> Result<dvk_shared::invitation::InvitationState, StoreError>;

    /// Every account of `role`, by display name (the Board assigns surveys to field staff).
    async fn users_with_role(&self, role: Role) -> Result<Vec<User>, StoreError>;

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

    /// Counts one sign-in attempt under each key (as a failure until it is known to have
    /// succeeded), forgets attempts older than `forget_before`, and answers how many each key
    /// holds since `since`, this one included, oldest first. Counting before the password is
    /// checked means attempts made at once all see each other.
    async fn count_login_attempt(
        &self,
        keys: &[String],
        attempt: &str,
        at: Timestamp,
        since: Timestamp,
        forget_before: Timestamp,
    ) -> Result<Vec<Vec<Timestamp>>, StoreError>;

    /// Forgets the attempts under `key` (a successful sign-in), or only the attempt `attempt`.
    async fn forget_login_attempts(
        &self,
        key: &str,
        attempt: Option<&str>,
    ) -> Result<(), StoreError>;
}

/// The records people read: units, models, the audit history, awards and counts.
#[async_trait]
pub trait RecordStore: Send + Sync {
    async fn units(&self) -> Result<Vec<Unit>, StoreError>;

    /// Creates or replaces a unit, with an audit entry.
    async fn put_unit(&self, unit: &Unit, actor: &Actor, at: Timestamp) -> Result<i64, StoreError>;

    /// Decides a change of the tree with `change` on the tree as it stands under the write
    /// lock, and writes what it answers in the same transaction (each unit audited and given a
    /// version, so it reaches the devices that see it; a merge also moves the accounts of `from`
    /// to `into`). Answers the decision.
    async fn change_tree(
        &self,
        change: &(
             dyn for<'t> Fn(&'t dvk_shared::unit::UnitTree) -> dvk_shared::unit::TreeChange
                 + Send
                 + Sync
         ),
        move_accounts: Option<(UnitId, UnitId)>,
        actor: &Actor,
        at: Timestamp,
    ) -> Result<dvk_shared::unit::TreeChange, StoreError>;

    async fn model(&self, id: ModelId) -> Result<Option<StoredModel>, StoreError>;

    /// One page of models (not deleted) in `filter.order` — from `filter.after` if given, else
    /// from `filter.offset` — and how many match: from the tally without a search; with one,
    /// counted up to `filter.count_max` (and then `true`: there are more).
    async fn list_models(
        &self,
        filter: &ModelFilter,
    ) -> Result<(Vec<(ModelSummary, Place)>, u64, bool), StoreError>;

    /// The models `filter` selects, at most `filter.limit`, each with its place in the order:
    /// an export's pages, each read from where the last ended (`filter.after`) instead of
    /// counted again from the start, and without the list's total.
    async fn models_after(
        &self,
        filter: &ModelFilter,
    ) -> Result<Vec<(ModelSummary, Place)>, StoreError>;

    /// The audit log of one record, oldest first.
    async fn history(&self, entity: Entity, id: &str) -> Result<Vec<AuditEntry>, StoreError>;

    /// Registered models (drafts are not registered yet) in `units` (all if `None`), of `year`
    /// if given, counted per unit and field, and per field, status and year — from the tally
    /// the database keeps, not by reading the models.
    async fn model_counts(
        &self,
        units: Option<&[UnitId]>,
        year: Option<u16>,
    ) -> Result<ModelCounts, StoreError>;

    /// Decided awards in `units` (all if `None`), of `year` if given: newest year first, then
    /// by kind and title.
    async fn awards(
        &self,
        units: Option<&[UnitId]>,
        year: Option<u16>,
    ) -> Result<Vec<Award>, StoreError>;

    /// What a period report counts in `units` (all if `None`): every model (not deleted) with
    /// the day it was registered, and every survey.
    async fn report_inputs(
        &self,
        units: Option<&[UnitId]>,
    ) -> Result<
        (
            Vec<dvk_shared::report::ModelFact>,
            Vec<dvk_shared::survey::Survey>,
        ),
        StoreError,
    >;

    /// What the supervision list is computed from in `units` (all if `None`): each model's
    /// status and since when, the surveys, every campaign, the reminders and notes, and each
    /// tablet of the units' people with when it last synced.
    async fn supervision_inputs(
        &self,
        units: Option<&[UnitId]>,
    ) -> Result<SupervisionInputs, StoreError>;

    /// One page of the surveys (not deleted) that `filter` selects, newest campaign year first,
    /// then in Vietnamese order of their model's name.
    async fn list_surveys(&self, filter: &SurveyFilter) -> Result<Vec<SurveyRow>, StoreError>;

    /// Every campaign (not deleted).
    async fn campaigns(&self) -> Result<Vec<dvk_shared::survey::Campaign>, StoreError>;

    /// Models (not deleted, drafts included) counted per unit (from the tally).
    async fn models_per_unit(&self) -> Result<Vec<(UnitId, u64)>, StoreError>;

    /// The period reports of `units` (all if `None`), newest first.
    async fn reports(
        &self,
        units: Option<&[UnitId]>,
    ) -> Result<Vec<dvk_shared::report::Report>, StoreError>;

    async fn report(
        &self,
        id: dvk_shared::ids::ReportId,
    ) -> Result<Option<dvk_shared::report::Report>, StoreError>;

    /// Writes a report as it is now, with `action` (`report.create|edit|finalise|reopen`) in
    /// its history; `before` is what the caller read, and the write is refused (`Conflict`) if
    /// the report changed meanwhile.
    async fn put_report(
        &self,
        report: &dvk_shared::report::Report,
        before: Option<&dvk_shared::report::Report>,
        action: &str,
        actor: &Actor,
        at: Timestamp,
    ) -> Result<(), StoreError>;

    /// Every entry of the library of typical models (kept parsed until the library changes).
    async fn library_entries(
        &self,
    ) -> Result<Arc<Vec<dvk_shared::library::LibraryEntry>>, StoreError>;

    /// Every proposal and award (not deleted) in `units` (all if `None`), newest year first.
    async fn all_awards(&self, units: Option<&[UnitId]>) -> Result<Vec<Award>, StoreError>;

    /// Decided awards counted per unit, kind, recipient type and year.
    async fn award_counts(&self, year: Option<u16>) -> Result<Vec<AwardCount>, StoreError>;

    /// Typical models (not deleted) in `units` (all if `None`; registered in `year` if given):
    /// the first `limit` in Vietnamese order, their id, name and unit.
    async fn typical_models(
        &self,
        units: Option<&[UnitId]>,
        year: Option<u16>,
        limit: u32,
    ) -> Result<Vec<(ModelId, String, UnitId)>, StoreError>;
}

/// Photos: a chunked, resumable upload and the stored photos.
#[async_trait]
pub trait PhotoStore: Send + Sync {
    /// Where the upload of the photo `hash` stands: complete (with its size) if the photo is
    /// stored, else the bytes received so far (0 if no upload is under way).
    async fn upload_state(&self, hash: &str) -> Result<UploadState, StoreError>;

    /// Adds one chunk, `bytes` at `offset` of a photo of `total` bytes, to the upload of `hash`,
    /// in one transaction: the chunk must start where the upload stands and declare the total
    /// its first chunk declared, except that the person who began the upload may start it again
    /// with a first chunk (offset 0) declaring another total (what was held can never become a
    /// photo of that size). The chunk that completes the upload assembles the photo and stores
    /// it if its SHA-256 is `hash` (and it is an image), drops the upload either way. Starting
    /// an upload drops the ones untouched for [`STALE_UPLOAD_MS`], and is refused past the
    /// person's quota. The caller has checked that `offset + bytes.len() <= total`.
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

    /// Whether `user` may see the photo: they sent it, or a survey they see shows it (`units`:
    /// the units they see, `None` for all).
    async fn photo_visible(
        &self,
        hash: &str,
        user: UserId,
        units: Option<&[UnitId]>,
    ) -> Result<bool, StoreError>;
}

/// Sync: pushes under the one write lock, pulls from one snapshot, the epoch.
#[async_trait]
pub trait SyncStore: Send + Sync {
    /// The sync epoch (SYNC.md): made once when the database is created, and changed when the
    /// database is restored, so devices know to rebuild their replica.
    async fn epoch(&self) -> Result<String, StoreError>;

    /// Starts the transaction of one push: it holds the database's write lock (every version
    /// handed out is committed in version order) until it commits or is dropped.
    async fn begin_push(&self) -> Result<Box<dyn PushTx>, StoreError>;

    /// Reads what a pull answers from one snapshot: the counter, the changes after the cursor
    /// in the user's sight, and the device row.
    async fn pull(&self, query: &PullQuery) -> Result<Pulled, StoreError>;

    /// Binds a device to its user on first contact and notes when it was last seen.
    async fn device_seen(
        &self,
        device: &str,
        user: UserId,
        now: Timestamp,
    ) -> Result<(), StoreError>;

    /// The database went back in time without a new epoch (restored by hand): a device holds a
    /// cursor past its counter. Starts a new epoch that keeps what it holds, unless another
    /// request did already (`seen_epoch` is no longer the epoch).
    async fn rotate_epoch(&self, seen_epoch: &str) -> Result<(), StoreError>;
}

/// One push's transaction: everything it does commits together or not at all.
///
/// A push takes the write lock first, reads what its changes touch, decides every change in
/// memory and writes the outcome in a few multi-row statements: a rejected change never reaches
/// the database, so it cannot undo the ones before it, and a crash leaves all or nothing.
#[async_trait]
pub trait PushTx: Send {
    /// The counter and the epoch, read under the write lock.
    async fn counter(&mut self) -> Result<Counter, StoreError>;
    async fn device(&mut self, id: &str) -> Result<Option<Device>, StoreError>;
    /// The answers kept for the device's seqs `from..=to`.
    async fn results(
        &mut self,
        device: &str,
        from: u64,
        to: u64,
    ) -> Result<Vec<PushResult>, StoreError>;
    /// The records of `entity` with these ids that exist (deleted ones included).
    async fn records(
        &mut self,
        entity: Entity,
        ids: &[Uuid],
    ) -> Result<Vec<StoredRecord>, StoreError>;
    /// The surveys of these models (they follow their model's unit).
    async fn surveys_of(&mut self, models: &[Uuid]) -> Result<Vec<StoredRecord>, StoreError>;
    /// The models adopted from any of `models` (deleted ones left out).
    async fn adoptions_of(&mut self, models: &[Uuid]) -> Result<Vec<Uuid>, StoreError>;
    /// The typical and replicated models, and the models the library holds an entry of: what
    /// a rebuild of the library reads.
    async fn library_models(&mut self) -> Result<Vec<Uuid>, StoreError>;
    /// The ids of the decided awards of `kind`, of `year` if given: whom the duplicate guard
    /// compares a proposal with.
    async fn decided_awards(
        &mut self,
        kind: AwardKind,
        year: Option<u16>,
    ) -> Result<Vec<Uuid>, StoreError>;
    /// Whose each of these devices is: (device, user, display name).
    async fn device_owners(
        &mut self,
        devices: &[String],
    ) -> Result<Vec<(String, UserId, String)>, StoreError>;
    /// Who made the last change of a record, and when (for conflicts: "changed by … at …").
    async fn last_change(
        &mut self,
        entity: Entity,
        id: &str,
    ) -> Result<(String, Timestamp), StoreError>;
    /// Starts a new epoch that keeps everything up to the counter (see
    /// [`SyncStore::rotate_epoch`]), under the lock this transaction holds.
    async fn rotate_epoch(&mut self) -> Result<(), StoreError>;
    /// Writes what the push decided.
    async fn write(&mut self, writes: &PushWrites) -> Result<(), StoreError>;
    async fn commit(self: Box<Self>) -> Result<(), StoreError>;
}

/// Everything the server stores, whatever the database behind it.
#[async_trait]
pub trait Store: AuthStore + RecordStore + PhotoStore + SyncStore + 'static {
    /// Which database this is.
    fn kind(&self) -> DatabaseKind;

    /// Answers once the database can serve a query.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Whether no unit exists yet (a new installation).
    async fn is_empty(&self) -> Result<bool, StoreError>;

    /// Writes a whole starting set in one transaction: all of it or none.
    async fn seed(&self, seed: &Seed, actor: &Actor, at: Timestamp) -> Result<(), StoreError>;

    /// Writes a consistent copy of the whole database, taken while it serves, into a new file
    /// at `path` (an SQLite database of this server's schema, whichever the backend).
    async fn backup(&self, path: &std::path::Path) -> Result<BackupSummary, StoreError>;

    /// Replaces the whole database with the backup at `path`, in one transaction, while it
    /// serves: a new epoch keeps what the backup holds and the counter never goes back, so
    /// every device rebuilds, resends what the backup lacks and goes on numbering.
    async fn restore(&self, path: &std::path::Path) -> Result<BackupSummary, StoreError>;
}

/// What a backup holds, for the person running it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSummary {
    /// The counter at the backup: every change up to it is in.
    pub version: i64,
    pub epoch: String,
    pub rows: u64,
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
