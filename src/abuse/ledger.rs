//! What the limiter of one key remembers and how it answers a call: a pure function from the
//! stored entry, the call and the time to a verdict and the entry to store. The `RateLimiter`
//! Durable Object runs it on its storage, `LocalLimiter` on a map; both therefore count alike.

use super::lockout::{Lockout, LockoutState};
use super::rate_limit::RateLimit;
use super::verdict::Verdict;
use super::window::WindowCount;
use serde::{Deserialize, Serialize};

/// A call to the limiter of one key. The limit travels with each call, so the limiter keeps no
/// configuration of its own and a changed var applies at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase")]
pub enum LimitCall {
    /// Counts a request if the limit allows it (a sign-up, a checkout).
    Hit { limit: RateLimit },
    /// Whether the limit allows one more, without counting (a login, before its password is
    /// checked).
    Check { limit: RateLimit },
    /// Counts an event that happened, whatever the limit (a failed login from an address).
    Record { limit: RateLimit },
    /// Whether the account is locked, and its failures so far.
    CheckLock { lockout: Lockout },
    /// Counts a failed login of the account.
    Fail { lockout: Lockout },
    /// Forgets the account's failures (a successful login).
    Reset,
}

/// One key's entry: a count over a window, and a lock (0 when none).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub counted: WindowCount,
    pub locked_until_ms: i64,
    /// When the entry has nothing left to say and may be deleted.
    pub expires_at_ms: i64,
}

impl Entry {
    fn lockout_state(&self) -> LockoutState {
        LockoutState {
            failures: self.counted,
            locked_until_ms: self.locked_until_ms,
        }
    }
}

/// Answers `call` for a key whose stored entry is `stored`, returning the verdict and the entry
/// to store in its place (`None`: nothing to remember, delete it).
pub fn apply(stored: Option<Entry>, call: &LimitCall, now_ms: i64) -> (Verdict, Option<Entry>) {
    let entry = stored
        .filter(|e| e.expires_at_ms > now_ms)
        .unwrap_or_default();
    let counted = |limit: &RateLimit, counted: WindowCount| Entry {
        counted,
        locked_until_ms: 0,
        expires_at_ms: counted.closes_at(limit.window_ms),
    };
    let locked = |lockout: &Lockout, state: LockoutState| Entry {
        counted: state.failures,
        locked_until_ms: state.locked_until_ms,
        expires_at_ms: state.expires_at(lockout),
    };
    let (verdict, next) = match call {
        LimitCall::Hit { limit } => {
            let (verdict, next) = limit.hit(entry.counted, now_ms);
            (verdict, counted(limit, next))
        }
        LimitCall::Check { limit } => (limit.check(&entry.counted, now_ms), entry),
        LimitCall::Record { limit } => {
            let (verdict, next) = limit.record(entry.counted, now_ms);
            (verdict, counted(limit, next))
        }
        LimitCall::CheckLock { lockout } => (lockout.check(&entry.lockout_state(), now_ms), entry),
        LimitCall::Fail { lockout } => {
            let (verdict, next) = lockout.fail(entry.lockout_state(), now_ms);
            (verdict, locked(lockout, next))
        }
        LimitCall::Reset => (Verdict::allowed(0), Entry::default()),
    };
    let worth_keeping =
        (next.counted.count > 0 || next.locked_until_ms > now_ms) && next.expires_at_ms > now_ms;
    (verdict, worth_keeping.then_some(next))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const MINUTE: i64 = 60_000;
    const LIMIT: RateLimit = RateLimit {
        max: 2,
        window_ms: MINUTE,
    };
    const LOCKOUT: Lockout = Lockout {
        threshold: 3,
        duration_ms: 15 * MINUTE,
    };

    /// Runs the calls at the given times on one key, returning the last verdict and the entry.
    fn run(calls: &[(LimitCall, i64)]) -> (Verdict, Option<Entry>) {
        calls
            .iter()
            .fold((Verdict::allowed(0), None), |(_, entry), (call, t)| {
                apply(entry, call, *t)
            })
    }

    #[test]
    fn hits_are_counted_and_refused_past_the_limit() {
        let hit = LimitCall::Hit { limit: LIMIT };
        let (verdict, entry) = run(&[(hit, 0), (hit, 1), (hit, 2)]);
        assert!(!verdict.allowed);
        assert_eq!(verdict.retry_after_ms, MINUTE - 2);
        assert_eq!(
            entry.map(|e| (e.counted.count, e.expires_at_ms)),
            Some((2, MINUTE))
        );
    }

    #[test]
    fn a_check_changes_nothing_and_remembers_nothing_new() {
        let (verdict, entry) = run(&[(LimitCall::Check { limit: LIMIT }, 5)]);
        assert_eq!(verdict, Verdict::allowed(0));
        assert_eq!(entry, None);
    }

    #[test]
    fn recorded_failures_close_the_door_that_check_looks_at() {
        let record = LimitCall::Record { limit: LIMIT };
        let check = LimitCall::Check { limit: LIMIT };
        assert!(run(&[(record, 0), (check, 1)]).0.allowed);
        let (verdict, _) = run(&[(record, 0), (record, 1), (check, 2)]);
        assert!(!verdict.allowed);
    }

    #[test]
    fn an_account_locks_at_the_threshold_and_a_reset_forgets_its_failures() {
        let fail = LimitCall::Fail { lockout: LOCKOUT };
        let check = LimitCall::CheckLock { lockout: LOCKOUT };
        let (verdict, _) = run(&[(fail, 0), (fail, 1), (check, 2)]);
        assert_eq!(verdict, Verdict::allowed(2));
        let (verdict, entry) = run(&[(fail, 0), (fail, 1), (fail, 2), (check, 3)]);
        assert!(!verdict.allowed);
        assert_eq!(entry.map(|e| e.expires_at_ms), Some(2 + 15 * MINUTE));
        let (verdict, entry) = run(&[(fail, 0), (fail, 1), (LimitCall::Reset, 2), (check, 3)]);
        assert_eq!(verdict, Verdict::allowed(0));
        assert_eq!(entry, None);
    }

    #[test]
    fn an_expired_entry_is_treated_as_absent_and_not_kept() {
        let hit = LimitCall::Hit { limit: LIMIT };
        let (_, entry) = run(&[(hit, 0), (hit, 1)]);
        let (verdict, _) = apply(entry, &hit, MINUTE);
        assert_eq!(verdict, Verdict::allowed(1));
        let (_, kept) = apply(entry, &LimitCall::Check { limit: LIMIT }, MINUTE);
        assert_eq!(kept, None);
    }

    #[test]
    fn a_disabled_limit_stores_nothing() {
        let call = LimitCall::Hit {
            limit: RateLimit::DISABLED,
        };
        assert_eq!(run(&[(call, 0), (call, 1)]), (Verdict::allowed(0), None));
        let fail = LimitCall::Fail {
            lockout: Lockout::DISABLED,
        };
        assert_eq!(run(&[(fail, 0)]), (Verdict::allowed(0), None));
    }

    #[test]
    fn calls_and_verdicts_have_a_stable_wire_form() {
        let call = LimitCall::Fail { lockout: LOCKOUT };
        assert_eq!(
            serde_json::to_value(call).unwrap(),
            json!({"op": "fail", "lockout": {"threshold": 3, "durationMs": 900000}})
        );
        assert_eq!(
            serde_json::from_value::<LimitCall>(json!({"op": "reset"})).unwrap(),
            LimitCall::Reset
        );
        assert_eq!(
            serde_json::to_value(Verdict::allowed(2)).unwrap(),
            json!({"allowed": true, "count": 2, "retryAfterMs": 0})
        );
    }
}
