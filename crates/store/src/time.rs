//! Timestamps as stored: microseconds since the Unix epoch, UTC, in a 64-bit integer column.

use chrono::{DateTime, TimeZone, Utc};

pub fn now_micros() -> i64 {
    Utc::now().timestamp_micros()
}

pub fn to_datetime(micros: i64) -> DateTime<Utc> {
    Utc.timestamp_micros(micros).single().unwrap_or_default()
}

pub const MICROS_PER_SECOND: i64 = 1_000_000;
