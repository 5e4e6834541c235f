//! Sign-in throttling per account and per client address, in memory.
//!
//! Each application server keeps its own counts; with several servers behind a load
//! balancer the effective limit is the per-server limit times the number of servers.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failed attempts allowed in the window before further attempts are refused.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub per_account: usize,
    pub per_client: usize,
    pub window: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            per_account: 5,
            per_client: 20,
            window: Duration::from_secs(15 * 60),
        }
    }
}

#[derive(Debug, Default)]
pub struct Throttle {
    pub limits: Limits,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Throttle {
    fn count(&self, key: &str, now: Instant) -> usize {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let Some(q) = map.get_mut(key) else { return 0 };
        while q
            .front()
            .is_some_and(|t| now.duration_since(*t) > self.limits.window)
        {
            q.pop_front();
        }
        let n = q.len();
        if n == 0 {
            map.remove(key);
        }
        n
    }

    /// Whether a sign-in for this account from this client may be tried now.
    pub fn allows(&self, account: &str, client: &str) -> bool {
        let now = Instant::now();
        self.count(&format!("a:{account}"), now) < self.limits.per_account
            && self.count(&format!("c:{client}"), now) < self.limits.per_client
    }

    pub fn record_failure(&self, account: &str, client: &str) {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        for key in [format!("a:{account}"), format!("c:{client}")] {
            map.entry(key).or_default().push_back(now);
        }
        // Bound memory under a flood of distinct keys.
        if map.len() > 100_000 {
            map.retain(|_, q| {
                q.back()
                    .is_some_and(|t| now.duration_since(*t) < self.limits.window)
            });
        }
    }

    pub fn record_success(&self, account: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&format!("a:{account}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_limit_then_reset_on_success() {
        let t = Throttle::default();
        for _ in 0..5 {
            assert!(t.allows("a@x", "1.2.3.4"));
            t.record_failure("a@x", "1.2.3.4");
        }
        assert!(
            !t.allows("a@x", "5.6.7.8"),
            "the account is throttled from any client"
        );
        assert!(
            t.allows("b@x", "1.2.3.4"),
            "another account from that client is not yet"
        );
        t.record_success("a@x");
        assert!(t.allows("a@x", "1.2.3.4"));
    }

    #[test]
    fn client_limit() {
        let t = Throttle::default();
        for i in 0..20 {
            t.record_failure(&format!("user{i}@x"), "9.9.9.9");
        }
        assert!(!t.allows("new@x", "9.9.9.9"));
        assert!(t.allows("new@x", "8.8.8.8"));
    }
}
