//! CSV export with a UTF-8 BOM for Excel and neutralised formula cells.
