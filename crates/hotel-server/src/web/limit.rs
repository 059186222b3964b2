//! Failed sign-in limiter: per account and per client address, a fixed
//! number of failures per window; past it, sign-in is refused (429) until
//! the window ends, whatever the password.
//!
//! In memory, bounded: at most [`MAX_KEYS`] accounts and addresses are
//! remembered; past that, expired entries go first, then the oldest.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

/// Failures allowed per account within [`WINDOW`].
pub const MAX_PER_ACCOUNT: u32 = 5;

/// Failures allowed per client address within [`WINDOW`].
pub const MAX_PER_ADDRESS: u32 = 20;

/// How long failures are remembered.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

/// Accounts and addresses remembered at most.
pub const MAX_KEYS: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Failures {
    since: Instant,
    count: u32,
}

/// Counts failed sign-ins.
#[derive(Debug, Default)]
pub struct SignInLimiter {
    failures: Mutex<HashMap<String, Failures>>,
}

impl SignInLimiter {
    /// When sign-in for `username` from `addr` is blocked, how long until it
    /// is allowed again.
    pub fn blocked_for(&self, username: &str, addr: Option<IpAddr>) -> Option<Duration> {
        let now = Instant::now();
        let map = self.lock();
        keys(username, addr)
            .into_iter()
            .zip([MAX_PER_ACCOUNT, MAX_PER_ADDRESS])
            .filter_map(|(key, max)| {
                let f = key.and_then(|k| map.get(&k).copied())?;
                let left = WINDOW.checked_sub(now.duration_since(f.since))?;
                (f.count >= max).then_some(left)
            })
            .max()
    }

    /// Records a failed sign-in.
    pub fn fail(&self, username: &str, addr: Option<IpAddr>) {
        let now = Instant::now();
        let mut map = self.lock();
        for key in keys(username, addr).into_iter().flatten() {
            if !map.contains_key(&key) && map.len() >= MAX_KEYS {
                map.retain(|_, f| now.duration_since(f.since) < WINDOW);
                if map.len() >= MAX_KEYS {
                    let oldest = map
                        .iter()
                        .min_by_key(|(_, f)| f.since)
                        .map(|(k, _)| k.clone());
                    if let Some(oldest) = oldest {
                        map.remove(&oldest);
                    }
                }
            }
            let entry = map.entry(key).or_insert(Failures {
                since: now,
                count: 0,
            });
            if now.duration_since(entry.since) >= WINDOW {
                *entry = Failures {
                    since: now,
                    count: 0,
                };
            }
            entry.count += 1;
        }
    }

    /// Forgets the account's failures after a successful sign-in (the
    /// address's stay).
    pub fn succeed(&self, username: &str) {
        self.lock().remove(&account_key(username));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Failures>> {
        // Each update is a single insert or count bump; recover from poison.
        self.failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The client's address, when the server runs with connect info.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

fn account_key(username: &str) -> String {
    format!("user:{}", username.trim().to_lowercase())
}

fn keys(username: &str, addr: Option<IpAddr>) -> [Option<String>; 2] {
    [
        Some(account_key(username)),
        addr.map(|a| format!("addr:{a}")),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_an_account_after_its_failures_whatever_the_address() {
        let limiter = SignInLimiter::default();
        for i in 0..MAX_PER_ACCOUNT {
            assert!(limiter.blocked_for("Alice", None).is_none(), "attempt {i}");
            limiter.fail("alice", Some(IpAddr::from([10, 0, 0, i as u8])));
        }
        assert!(limiter.blocked_for("alice", None).is_some());
        assert!(limiter.blocked_for("bob", None).is_none());
        limiter.succeed("alice");
        assert!(limiter.blocked_for("alice", None).is_none());
    }

    #[test]
    fn blocks_an_address_trying_many_accounts() {
        let limiter = SignInLimiter::default();
        let addr = Some(IpAddr::from([192, 0, 2, 1]));
        for i in 0..MAX_PER_ADDRESS {
            limiter.fail(&format!("user{i}"), addr);
        }
        assert!(limiter.blocked_for("someone-else", addr).is_some());
        assert!(
            limiter
                .blocked_for("someone-else", Some(IpAddr::from([192, 0, 2, 2])))
                .is_none()
        );
    }

    #[test]
    fn stays_bounded() {
        let limiter = SignInLimiter::default();
        for i in 0..(MAX_KEYS + 10) {
            limiter.fail(&format!("u{i}"), None);
        }
        assert!(limiter.lock().len() <= MAX_KEYS);
    }
}
