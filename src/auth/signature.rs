//! Signed webhooks: `sha256=<hex HMAC-SHA256 of the raw body>`, as payment providers send them.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Whether `signature_hex` is the lower-case hex text of the body's HMAC-SHA256 under `secret`,
/// compared in constant time. Nothing else passes: no upper case, no sign, no other length.
pub fn hmac_sha256_hex_matches(secret: &str, body: &[u8], signature_hex: &str) -> bool {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(body);
    let expected = lower_hex(&mac.finalize().into_bytes());
    // `ct_eq` on slices of different lengths is false without comparing; the length of a
    // signature is no secret.
    expected.as_bytes().ct_eq(signature_hex.as_bytes()).into()
}

/// `sha256=<hex HMAC-SHA256 of body under secret>`: the header a payment provider sends (the dev
/// server's test payments sign their webhook call with it).
pub fn hmac_sha256_header(secret: &str, body: &[u8]) -> Option<String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).ok()?;
    mac.update(body);
    Some(format!(
        "sha256={}",
        lower_hex(&mac.finalize().into_bytes())
    ))
}

fn lower_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        text.push(DIGITS[usize::from(b >> 4)] as char);
        text.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = br#"{"orderId":"o1","status":"paid"}"#;

    fn good(secret: &str, body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(body);
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    #[test]
    fn only_the_lower_case_hex_of_the_right_hmac_passes() {
        let good = good("secret", BODY);
        assert!(hmac_sha256_hex_matches("secret", BODY, &good));
        assert!(!hmac_sha256_hex_matches("other", BODY, &good));
        assert!(!hmac_sha256_hex_matches("secret", b"{}", &good));
        assert!(!hmac_sha256_hex_matches("secret", BODY, &good[..62]));
        assert!(!hmac_sha256_hex_matches(
            "secret",
            BODY,
            &format!("{good}00")
        ));
        assert!(!hmac_sha256_hex_matches("secret", BODY, "zz"));
        assert!(!hmac_sha256_hex_matches("secret", BODY, ""));
    }

    #[test]
    fn upper_case_hex_of_the_right_hmac_is_refused() {
        let good = good("secret", BODY);
        let upper = good.to_ascii_uppercase();
        assert_ne!(upper, good, "the HMAC has a letter digit");
        assert!(!hmac_sha256_hex_matches("secret", BODY, &upper));
    }

    #[test]
    fn a_sign_in_place_of_a_leading_zero_digit_is_refused() {
        // `u8::from_str_radix("+f", 16)` is 15: a parser built on it took `+f` for `0f`. Find a
        // body whose HMAC has a byte below 0x10 and write that byte with a sign.
        let (body, good) = (0..10_000)
            .map(|n| format!(r#"{{"orderId":"o1","status":"paid","n":{n}}}"#))
            .map(|body| {
                let good = good("secret", body.as_bytes());
                (body, good)
            })
            .find(|(_, good)| (0..32).any(|i| good.as_bytes()[2 * i] == b'0'))
            .unwrap();
        assert!(hmac_sha256_hex_matches("secret", body.as_bytes(), &good));
        let i = (0..32).find(|i| good.as_bytes()[2 * i] == b'0').unwrap();
        let mut signed = good.clone();
        signed.replace_range(2 * i..2 * i + 1, "+");
        assert!(!hmac_sha256_hex_matches("secret", body.as_bytes(), &signed));
    }
}
