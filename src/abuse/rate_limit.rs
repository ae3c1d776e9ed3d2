//! A rate limit: at most `max` events per fixed window of `window_ms` (see `window`). Sign-ups per
//! client address and checkouts per buyer are counted as they are allowed (`hit`); failed logins
//! per address are counted after the fact (`record`) and checked before each login (`check`).

use super::verdict::Verdict;
use super::window::WindowCount;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RateLimit {
    /// Events allowed per window; 0 disables the limit.
    pub max: u32,
    pub window_ms: i64,
}

impl RateLimit {
    #[cfg(test)]
    pub const DISABLED: RateLimit = RateLimit {
        max: 0,
        window_ms: 0,
    };

    pub fn is_enabled(&self) -> bool {
        self.max > 0 && self.window_ms > 0
    }

    /// Whether one more event would be allowed now, without counting it.
    pub fn check(&self, counted: &WindowCount, now_ms: i64) -> Verdict {
        let count = counted.current(self.window_ms, now_ms);
        if !self.is_enabled() || count < self.max {
            Verdict::allowed(count)
        } else {
            Verdict::refused(count, counted.closes_at(self.window_ms), now_ms)
        }
    }

    /// Counts the event if it is allowed; a refused one is not counted, so a client hammering a
    /// closed door does not keep it closed past the window.
    pub fn hit(&self, counted: WindowCount, now_ms: i64) -> (Verdict, WindowCount) {
        let verdict = self.check(&counted, now_ms);
        if !self.is_enabled() || !verdict.allowed {
            return (verdict, counted);
        }
        let counted = counted.add(self.window_ms, now_ms);
        (Verdict::allowed(counted.count), counted)
    }

    /// Counts an event that already happened (a failed login), whatever the limit says; the
    /// verdict tells whether the next event will be allowed.
    pub fn record(&self, counted: WindowCount, now_ms: i64) -> (Verdict, WindowCount) {
        if !self.is_enabled() {
            return (Verdict::allowed(0), counted);
        }
        let counted = counted.add(self.window_ms, now_ms);
        (self.check(&counted, now_ms), counted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60_000;
    const THREE_A_MINUTE: RateLimit = RateLimit {
        max: 3,
        window_ms: MINUTE,
    };

    /// Hits at each of `times`, returning the verdicts and the final count.
    fn hits(limit: RateLimit, times: &[i64]) -> (Vec<Verdict>, WindowCount) {
        let mut counted = WindowCount::default();
        let mut verdicts = Vec::new();
        for &t in times {
            let (verdict, next) = limit.hit(counted, t);
            verdicts.push(verdict);
            counted = next;
        }
        (verdicts, counted)
    }

    #[test]
    fn up_to_max_events_are_allowed_and_the_next_is_refused_until_the_window_closes() {
        let (verdicts, _) = hits(THREE_A_MINUTE, &[0, 10_000, 20_000, 30_000]);
        assert!(verdicts[..3].iter().all(|v| v.allowed));
        assert_eq!(
            verdicts[3],
            Verdict {
                allowed: false,
                count: 3,
                retry_after_ms: 30_000
            }
        );
    }

    #[test]
    fn refused_events_are_not_counted() {
        let (_, counted) = hits(THREE_A_MINUTE, &[0, 1, 2, 3, 4, 5]);
        assert_eq!(counted.count, 3);
    }

    #[test]
    fn a_new_window_allows_max_events_again() {
        let (verdicts, _) = hits(
            THREE_A_MINUTE,
            &[0, 1, 2, 3, MINUTE, MINUTE + 1, MINUTE + 2],
        );
        assert!(!verdicts[3].allowed);
        assert!(verdicts[4..].iter().all(|v| v.allowed));
    }

    #[test]
    fn check_does_not_count() {
        let counted = WindowCount::default().add(MINUTE, 0);
        for _ in 0..10 {
            assert!(THREE_A_MINUTE.check(&counted, 5).allowed);
        }
        assert_eq!(counted.count, 1);
    }

    #[test]
    fn record_counts_past_the_limit_and_tells_whether_the_next_event_may_pass() {
        let mut counted = WindowCount::default();
        let mut last = Verdict::allowed(0);
        for t in 0..4 {
            (last, counted) = THREE_A_MINUTE.record(counted, t);
        }
        assert_eq!(counted.count, 4);
        assert!(!last.allowed);
        assert_eq!(last.retry_after_ms, MINUTE - 3);
        let (after, _) = THREE_A_MINUTE.record(counted, MINUTE);
        assert!(after.allowed);
        assert_eq!(after.count, 1);
    }

    #[test]
    fn a_disabled_limit_allows_everything_and_counts_nothing() {
        for limit in [
            RateLimit::DISABLED,
            RateLimit {
                max: 0,
                window_ms: MINUTE,
            },
            RateLimit {
                max: 3,
                window_ms: 0,
            },
        ] {
            let (verdicts, counted) = hits(limit, &[0; 10]);
            assert!(verdicts.iter().all(|v| v.allowed), "{limit:?}");
            assert_eq!(counted, WindowCount::default());
            assert_eq!(limit.record(counted, 0).1, WindowCount::default());
        }
    }
}
