//! Optimistic concurrency: every editable record carries a version that a save must match.

use serde::{Deserialize, Serialize};

/// The version a client last saw. A save names it; the store refuses the save when the
/// record has moved on, so that two people editing one record never overwrite each other.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(transparent)]
pub struct Version(pub i64);

impl Version {
    pub const FIRST: Version = Version(1);

    pub fn next(self) -> Version {
        Version(self.0 + 1)
    }
}
