//! Sign-in throttling per client address, per account and address, and per account, in
//! memory.
//!
//! Failures from an address count against that address (any account) and against the pair
//! of account and address: either limit refuses further attempts *from that address*. An
//! account's own count is a ceiling that only refuses addresses which have failed recently:
//! five wrong passwords from one place do not lock the owner out everywhere else, and an
//! attacker spread over many addresses gets one guess per fresh address once the ceiling
//! is reached. Second-factor codes (six digits, guessed by someone who already has the
//! password) are limited per account wherever they come from (`allows_code`).
//!
//! Each application server keeps its own counts; with several servers behind a load
//! balancer the effective limit is the per-server limit times the number of servers.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failed attempts allowed in the window before further attempts are refused.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Per account and address: this address may try this account no more.
    pub per_pair: usize,
    /// Per address, whatever the accounts.
    pub per_client: usize,
    /// Per account, from anywhere: past it, only addresses with no recent failure may try.
    pub per_account: usize,
    pub window: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            per_pair: 5,
            per_client: 20,
            per_account: 50,
            window: Duration::from_secs(15 * 60),
        }
    }
}

#[derive(Debug, Default)]
pub struct Throttle {
    pub limits: Limits,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

fn account_key(account: &str) -> String {
    format!("a:{account}")
}

fn client_key(client: &str) -> String {
    format!("c:{client}")
}

fn pair_key(account: &str, client: &str) -> String {
    format!("p:{client}|{account}")
}

/// Second-factor attempts have keys of their own: whatever is typed as an e-mail address on
/// the sign-in form can never name (and so lock) an account's code attempts.
fn code_key(user: &str) -> String {
    format!("k:{user}")
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

    /// Whether a sign-in with a password for this account from this client may be tried now.
    pub fn allows(&self, account: &str, client: &str) -> bool {
        let now = Instant::now();
        let from_client = self.count(&client_key(client), now);
        from_client < self.limits.per_client
            && self.count(&pair_key(account, client), now) < self.limits.per_pair
            && (from_client == 0
                || self.count(&account_key(account), now) < self.limits.per_account)
    }

    /// Whether a second-factor code for this account (`user`, its id) may be tried now: a
    /// strict limit per account, wherever the attempts come from, and the per-address limit.
    pub fn allows_code(&self, user: &str, client: &str) -> bool {
        let now = Instant::now();
        self.count(&client_key(client), now) < self.limits.per_client
            && self.count(&code_key(user), now) < self.limits.per_pair
    }

    /// A wrong second-factor code for `user` from `client`.
    pub fn record_code_failure(&self, user: &str, client: &str) {
        self.record(&[code_key(user), client_key(client)]);
    }

    /// A wrong password for `account` from `client`.
    pub fn record_failure(&self, account: &str, client: &str) {
        self.record(&[
            account_key(account),
            client_key(client),
            pair_key(account, client),
        ]);
    }

    fn record(&self, keys: &[String]) {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        for key in keys {
            map.entry(key.clone()).or_default().push_back(now);
        }
        // Bound memory under a flood of distinct keys.
        if map.len() > 100_000 {
            map.retain(|_, q| {
                q.back()
                    .is_some_and(|t| now.duration_since(*t) < self.limits.window)
            });
        }
    }

    /// A right password (or code) from `client`: that pair starts afresh. The account's own
    /// count stays: someone else may still be guessing from elsewhere.
    pub fn record_success(&self, account: &str, client: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&pair_key(account, client));
    }

    /// A right second-factor code: the account's code attempts start afresh.
    pub fn record_code_success(&self, user: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&code_key(user));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_that_fails_does_not_lock_the_owner_out() {
        let t = Throttle::default();
        for _ in 0..5 {
            assert!(t.allows("a@x", "1.2.3.4"));
            t.record_failure("a@x", "1.2.3.4");
        }
        assert!(
            !t.allows("a@x", "1.2.3.4"),
            "the attacker's pair is throttled"
        );
        assert!(t.allows("a@x", "5.6.7.8"), "the owner elsewhere is not");
        assert!(
            t.allows("b@x", "1.2.3.4"),
            "another account from that address is not yet"
        );
        t.record_success("a@x", "5.6.7.8");
        assert!(
            !t.allows("a@x", "1.2.3.4"),
            "the owner's success frees nobody else"
        );
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

    #[test]
    fn past_the_account_ceiling_only_fresh_addresses_may_try() {
        let t = Throttle::default();
        // Many addresses, a few failures each: no address reaches its own limits.
        for i in 0..25 {
            for _ in 0..2 {
                t.record_failure("a@x", &format!("10.0.0.{i}"));
            }
        }
        assert!(!t.allows("a@x", "10.0.0.1"), "an address that failed");
        t.record_failure("b@x", "10.0.1.1");
        assert!(
            !t.allows("a@x", "10.0.1.1"),
            "an address that failed on another account"
        );
        assert!(
            t.allows("a@x", "192.0.2.1"),
            "the owner from a fresh address"
        );
        assert!(
            t.allows("b@x", "10.0.0.1"),
            "other accounts are not affected"
        );
    }

    #[test]
    fn codes_are_limited_per_account_wherever_they_come_from() {
        let t = Throttle::default();
        for i in 0..5 {
            assert!(t.allows_code("second-factor:u1", &format!("10.0.0.{i}")));
            t.record_code_failure("second-factor:u1", &format!("10.0.0.{i}"));
        }
        assert!(!t.allows_code("second-factor:u1", "192.0.2.1"));
        t.record_code_success("second-factor:u1");
        assert!(t.allows_code("second-factor:u1", "192.0.2.1"));
    }

    #[test]
    fn wrong_passwords_for_any_typed_name_never_lock_an_accounts_codes() {
        let t = Throttle::default();
        let user = "01a2297e-27a4-72d7-89d6-73b5c64047d1";
        for typed in [
            user.to_string(),
            format!("second-factor:{user}"),
            format!("k:{user}"),
        ] {
            for _ in 0..10 {
                t.record_failure(&typed, "203.0.113.9");
            }
        }
        assert!(t.allows_code(user, "192.0.2.1"));
    }
}
