//! Account lockout, as Parse Server's `accountLockout {threshold, duration}`: `threshold` failed
//! logins within `duration` lock the account for `duration`; while locked every login is
//! refused, the right password included. Failures are counted over a window of the same
//! `duration`, as Parse counts them. (A successful login forgets them: `ledger`'s `Reset`.)

use super::verdict::Verdict;
use super::window::WindowCount;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Lockout {
    /// Failures that lock the account; 0 disables lockout.
    pub threshold: u32,
    /// How long failures are remembered, and how long a lock lasts.
    pub duration_ms: i64,
}

/// What a lockout remembers of one account.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LockoutState {
    pub failures: WindowCount,
    /// 0 when not locked.
    pub locked_until_ms: i64,
}

impl LockoutState {
    /// When there is nothing left to remember.
    pub fn expires_at(&self, lockout: &Lockout) -> i64 {
        self.failures
            .closes_at(lockout.duration_ms)
            .max(self.locked_until_ms)
    }
}

impl Lockout {
    #[cfg(test)]
    pub const DISABLED: Lockout = Lockout {
        threshold: 0,
        duration_ms: 0,
    };

    pub fn is_enabled(&self) -> bool {
        self.threshold > 0 && self.duration_ms > 0
    }

    /// Refused while locked; otherwise allowed, with the failures counted so far.
    pub fn check(&self, state: &LockoutState, now_ms: i64) -> Verdict {
        if !self.is_enabled() {
            Verdict::allowed(0)
        } else if now_ms < state.locked_until_ms {
            Verdict::refused(self.threshold, state.locked_until_ms, now_ms)
        } else {
            Verdict::allowed(state.failures.current(self.duration_ms, now_ms))
        }
    }

    /// Counts a failed login; the one that reaches the threshold locks the account for
    /// `duration` from now. Nothing is counted while locked (no password is checked then), and
    /// a lock is never extended, so an attacker cannot keep an account locked past its duration
    /// without failing `threshold` times again after it.
    pub fn fail(&self, state: LockoutState, now_ms: i64) -> (Verdict, LockoutState) {
        if !self.is_enabled() || now_ms < state.locked_until_ms {
            return (self.check(&state, now_ms), state);
        }
        let failures = state.failures.add(self.duration_ms, now_ms);
        let next = if failures.count >= self.threshold {
            LockoutState {
                failures: WindowCount::default(),
                locked_until_ms: now_ms.saturating_add(self.duration_ms),
            }
        } else {
            LockoutState {
                failures,
                locked_until_ms: 0,
            }
        };
        (self.check(&next, now_ms), next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60_000;
    const FIVE_IN_15: Lockout = Lockout {
        threshold: 5,
        duration_ms: 15 * MINUTE,
    };

    fn failed(lockout: &Lockout, times: impl IntoIterator<Item = i64>) -> LockoutState {
        times
            .into_iter()
            .fold(LockoutState::default(), |state, t| lockout.fail(state, t).1)
    }

    #[test]
    fn failures_below_the_threshold_do_not_lock() {
        let state = failed(&FIVE_IN_15, 0..4);
        assert_eq!(FIVE_IN_15.check(&state, 10), Verdict::allowed(4));
    }

    #[test]
    fn the_failure_that_reaches_the_threshold_locks_for_the_duration() {
        let state = failed(&FIVE_IN_15, [0, 1, 2, 3, 1_000]);
        assert_eq!(state.locked_until_ms, 1_000 + 15 * MINUTE);
        assert_eq!(
            FIVE_IN_15.check(&state, 2_000),
            Verdict {
                allowed: false,
                count: 5,
                retry_after_ms: 15 * MINUTE - 1_000
            }
        );
    }

    #[test]
    fn the_lock_ends_after_the_duration_and_counting_starts_again() {
        let state = failed(&FIVE_IN_15, 0..5);
        let unlocked_at = 4 + 15 * MINUTE;
        assert!(!FIVE_IN_15.check(&state, unlocked_at - 1).allowed);
        assert_eq!(FIVE_IN_15.check(&state, unlocked_at), Verdict::allowed(0));
        let (verdict, _) = FIVE_IN_15.fail(state, unlocked_at);
        assert_eq!(verdict, Verdict::allowed(1));
    }

    #[test]
    fn failures_while_locked_neither_count_nor_extend_the_lock() {
        let state = failed(&FIVE_IN_15, 0..5);
        let later = failed(&FIVE_IN_15, 0..5);
        let (verdict, after) = FIVE_IN_15.fail(later, 10 * MINUTE);
        assert_eq!(after, state);
        assert!(!verdict.allowed);
    }

    #[test]
    fn failures_older_than_the_duration_are_forgotten() {
        let state = failed(&FIVE_IN_15, [0, 1, 2, 3]);
        let (verdict, state) = FIVE_IN_15.fail(state, 15 * MINUTE);
        assert_eq!(verdict, Verdict::allowed(1));
        assert_eq!(state.locked_until_ms, 0);
    }

    #[test]
    fn a_disabled_lockout_never_locks() {
        for lockout in [
            Lockout::DISABLED,
            Lockout {
                threshold: 0,
                duration_ms: MINUTE,
            },
            Lockout {
                threshold: 5,
                duration_ms: 0,
            },
        ] {
            let state = failed(&lockout, 0..100);
            assert_eq!(state, LockoutState::default());
            assert!(lockout.check(&state, 100).allowed);
        }
    }

    #[test]
    fn nothing_is_left_to_remember_once_the_lock_and_the_failures_have_expired() {
        let counting = failed(&FIVE_IN_15, [0, 60_000]);
        assert_eq!(counting.expires_at(&FIVE_IN_15), 15 * MINUTE);
        let locked = failed(&FIVE_IN_15, [0, 1, 2, 3, 4]);
        assert_eq!(locked.expires_at(&FIVE_IN_15), 4 + 15 * MINUTE);
    }
}
