//! The request an operation runs for: its id goes into every audit entry written meanwhile.
//!
//! The web layer runs each request inside [`for_request`]; an audit entry that names no
//! request id of its own takes this one when it is appended (or queued, for views), so that
//! creates and updates carry the id as reads do, and a route added later cannot forget it.

use std::future::Future;
use std::sync::Arc;

tokio::task_local! {
    static REQUEST_ID: Arc<str>;
}

/// Runs `work` as part of the request `id`.
pub async fn for_request<F: Future>(id: &str, work: F) -> F::Output {
    REQUEST_ID.scope(Arc::from(id), work).await
}

/// The id of the request the current task works for, if any (not inside spawned tasks).
pub fn current_id() -> Option<String> {
    REQUEST_ID
        .try_with(|id| id.to_string())
        .ok()
        .filter(|id| !id.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_id_holds_inside_the_request_only() {
        assert_eq!(current_id(), None);
        let inside = for_request("r-1", async { current_id() }).await;
        assert_eq!(inside.as_deref(), Some("r-1"));
        assert_eq!(current_id(), None);
    }
}
