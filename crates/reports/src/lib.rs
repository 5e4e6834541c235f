//! Yoldash reports: exports and imports that take plain data in and give bytes out.

pub mod csv_export;
pub mod table_import;
