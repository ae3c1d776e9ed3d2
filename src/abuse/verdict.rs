//! A limiter's answer: whether the request may go on, the count behind the answer, and when a
//! refused client may try again.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    pub allowed: bool,
    /// Events counted in the current window (for a lockout: failures since the last reset).
    pub count: u32,
    /// How long a refused client must wait, in milliseconds; 0 when allowed. Relative, so the
    /// clocks of the limiter and the isolate never have to agree.
    pub retry_after_ms: i64,
}

impl Verdict {
    pub fn allowed(count: u32) -> Verdict {
        Verdict {
            allowed: true,
            count,
            retry_after_ms: 0,
        }
    }

    /// Refused until `until_ms` (at least a millisecond from now, so a client always waits).
    pub fn refused(count: u32, until_ms: i64, now_ms: i64) -> Verdict {
        Verdict {
            allowed: false,
            count,
            retry_after_ms: until_ms.saturating_sub(now_ms).max(1),
        }
    }
}
