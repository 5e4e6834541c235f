//! (being written)

use crate::routes::Endpoint;

pub fn endpoints() -> Vec<Endpoint> {
    Vec::new()
}
