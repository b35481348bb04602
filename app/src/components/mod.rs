//! Pieces of screen used by more than one page.

pub mod export;
pub mod on_demand;
pub mod shell;
pub mod sync_status;
