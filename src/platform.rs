//! The two things the engine needs from the host: the time and randomness. On wasm32 they come
//! from JS (`Date.now`, Web Crypto through getrandom); natively from the OS.

use crate::error::{ParseError, Result};

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Date::now() as i64
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0)
    }
}

/// Fills `buf` with cryptographically secure random bytes.
pub fn random_bytes(buf: &mut [u8]) -> Result<()> {
    getrandom::fill(buf).map_err(|e| ParseError::internal(format!("randomness unavailable: {e}")))
}

const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A random string of `len` characters from `[A-Za-z0-9]`, unbiased (bytes ≥ 248 are redrawn so
/// every character is equally likely).
pub fn random_alphanumeric(len: usize) -> Result<String> {
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 32];
    while out.len() < len {
        random_bytes(&mut buf)?;
        for &b in buf.iter().filter(|&&b| b < 248) {
            if out.len() == len {
                break;
            }
            out.push(ALPHANUMERIC[(b % 62) as usize] as char);
        }
    }
    Ok(out)
}

/// A Parse objectId: ten alphanumerics.
pub fn new_object_id() -> Result<String> {
    random_alphanumeric(10)
}

/// ISO-8601 in the exact form Parse emits: milliseconds and a `Z`.
pub fn iso_from_ms(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// Parses any RFC 3339 date into Parse's canonical form, so stored dates compare as text.
pub fn canonical_iso(text: &str) -> Option<String> {
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|d| iso_from_ms(d.timestamp_millis()))
}

/// Milliseconds since the epoch of an RFC 3339 date.
pub fn ms_from_iso(text: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|d| d.timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_ids_are_ten_alphanumerics() {
        let id = new_object_id().unwrap();
        assert_eq!(id.len(), 10);
        assert!(id.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(id, new_object_id().unwrap());
    }

    #[test]
    fn dates_are_rendered_with_milliseconds_and_z() {
        assert_eq!(iso_from_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            canonical_iso("2024-05-01T10:00:00+02:00").as_deref(),
            Some("2024-05-01T08:00:00.000Z")
        );
        assert_eq!(canonical_iso("yesterday"), None);
    }
}
