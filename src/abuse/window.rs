//! Events counted over a fixed window that opens at the first event and closes a set time later,
//! as Parse Server's rate limiter (express-rate-limit) and its account lockout count. One count
//! and one timestamp per key, whatever the limit: storage stays constant. The price is the usual
//! one of fixed windows: up to twice the limit can pass around the moment one window closes and
//! the next opens.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WindowCount {
    /// Events counted since the window opened.
    pub count: u32,
    /// When the first of them happened.
    pub opened_at_ms: i64,
}

impl WindowCount {
    /// When the window closes (for an empty count, it is already closed).
    pub fn closes_at(&self, window_ms: i64) -> i64 {
        self.opened_at_ms.saturating_add(window_ms)
    }

    /// The count as of `now_ms`: zero once the window has closed.
    pub fn current(&self, window_ms: i64, now_ms: i64) -> u32 {
        if now_ms < self.closes_at(window_ms) {
            self.count
        } else {
            0
        }
    }

    /// The count with one more event at `now_ms`, in a new window if the last one has closed.
    pub fn add(self, window_ms: i64, now_ms: i64) -> WindowCount {
        match self.current(window_ms, now_ms) {
            0 => WindowCount {
                count: 1,
                opened_at_ms: now_ms,
            },
            n => WindowCount {
                count: n.saturating_add(1),
                ..self
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60_000;

    #[test]
    fn the_first_event_opens_the_window() {
        let count = WindowCount::default().add(MINUTE, 1_000);
        assert_eq!(
            count,
            WindowCount {
                count: 1,
                opened_at_ms: 1_000
            }
        );
        assert_eq!(count.closes_at(MINUTE), 61_000);
    }

    #[test]
    fn events_inside_the_window_add_up_without_moving_it() {
        let count = WindowCount::default()
            .add(MINUTE, 0)
            .add(MINUTE, 30_000)
            .add(MINUTE, 59_999);
        assert_eq!(count.current(MINUTE, 59_999), 3);
        assert_eq!(count.opened_at_ms, 0);
    }

    #[test]
    fn a_closed_window_counts_nothing_and_the_next_event_opens_a_new_one() {
        let count = WindowCount::default().add(MINUTE, 0).add(MINUTE, 10);
        assert_eq!(count.current(MINUTE, MINUTE), 0);
        let next = count.add(MINUTE, MINUTE + 5);
        assert_eq!(
            next,
            WindowCount {
                count: 1,
                opened_at_ms: MINUTE + 5
            }
        );
    }

    #[test]
    fn an_empty_count_is_closed() {
        assert_eq!(WindowCount::default().current(MINUTE, 0), 0);
    }
}
