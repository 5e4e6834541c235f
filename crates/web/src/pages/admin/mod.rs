//! Administration screens: organisations, users, regions, reference lists, the audit log, API tokens.

pub mod audit;
pub mod audit_words;
pub mod lists;
pub mod organisations;
pub mod regions;
pub mod tokens;
pub mod users;
