//! One module per route; a page reads the local store, never the network.

pub mod account;
pub mod accounts;
pub mod awards;
pub mod campaign_editor;
pub mod data;
pub mod home;
pub mod invitations;
pub mod join;
pub mod library;
pub mod model_page;
pub mod models;
pub mod not_found;
pub mod overview;
pub mod problems;
pub mod reports;
pub mod sign_in;
pub mod supervision;
pub mod surveys;
pub mod units;
