//! One module per route; a page reads the local store, never the network.

pub mod home;
pub mod not_found;
pub mod upcoming;
