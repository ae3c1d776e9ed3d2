//! Comparing secrets (keys, application ids) without telling an attacker how much matched.

use subtle::ConstantTimeEq;

/// Compares secrets in constant time; a missing configured secret never matches.
pub fn same_secret(given: Option<&str>, expected: Option<&str>) -> bool {
    match (given, expected) {
        (Some(g), Some(e)) => g.as_bytes().ct_eq(e.as_bytes()).into(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_equal_configured_secret_matches() {
        assert!(same_secret(Some("k1"), Some("k1")));
        assert!(!same_secret(Some("k1"), Some("k2")));
        assert!(!same_secret(Some("k1"), None));
        assert!(!same_secret(None, None));
        assert!(!same_secret(Some(""), Some("k")));
    }
}
