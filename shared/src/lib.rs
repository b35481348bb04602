//! The vocabulary both sides of DVK speak: API messages, domain types and their rules.
//!
//! This crate builds for wasm32 and for the host and must stay pure: no database, async
//! runtime or browser crate may enter it (scripts/test checks the dependency tree).

pub mod api;

/// The product's name as a person reads it.
pub const PRODUCT_NAME: &str = "Dân vận khéo";
