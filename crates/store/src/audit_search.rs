//! Searching and summarising the audit log for the administration screens.
