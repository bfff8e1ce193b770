//! Pages (one file per route) and the components they share.

pub mod layout;
pub mod pages;
