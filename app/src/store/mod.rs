//! The local store: the device's own database in IndexedDB. Pages read and write here; the sync
//! module moves its contents to and from the server.

mod idb;

pub use idb::{LocalDb, LocalDbError};

/// The IndexedDB database the app uses.
pub const DB_NAME: &str = "dvk";
