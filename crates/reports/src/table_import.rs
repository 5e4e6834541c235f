//! Reading uploaded tables (CSV or XLSX) into rows of text cells, with line numbers.
