//! The vocabulary both sides of DVK speak: ids, domain types and their rules, API messages.
//!
//! This crate builds for wasm32 and for the host and must stay pure: no database, async
//! runtime or browser crate may enter it (scripts/test checks the dependency tree). Rules live
//! here so the app checks a form while the person types exactly as the server checks the write.

pub mod account;
pub mod api;
pub mod award;
pub mod date;
pub mod ids;
pub mod invitation;
pub mod library;
pub mod model;
pub mod oversight;
pub mod photo;
pub mod progress;
pub mod report;
pub mod survey;
pub mod sync;
pub mod text;
pub mod unit;
pub mod user;
pub mod validation;

/// The product's name as a person reads it.
pub const PRODUCT_NAME: &str = "Dân vận khéo";
