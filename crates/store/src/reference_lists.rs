//! Reference lists (service types and other picklists): stable codes, a label per language, retirement.
