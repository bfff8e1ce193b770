//! Pages (one file per route) and the components they share.

pub mod layout;
pub mod links;
pub mod pages;
pub mod photo_grid;
pub mod rescan_panel;
