//! Session tokens: HS256-signed JWTs carrying the user id, the session id and an expiry.
//!
//! A token is a signed claim that lets the Worker answer "who is this?" without a database round
//! trip on every request. The session id stays in the token so that a revoked session, looked up
//! by the caller when it matters, can still be refused.
//!
//! Time comes in from the caller as Unix milliseconds (`now_ms`) instead of being read here:
//! chrono's `clock` feature does not work on `wasm32-unknown-unknown`, and an explicit clock makes
//! expiry testable to the millisecond.
//!
//! Every way a presented token can be wrong (malformed, forged, expired, of another kind) answers
//! the same `InvalidSessionToken` (209) error. Telling a client *why* its token failed would help
//! an attacker probe the verifier, and Parse SDKs only look at the code to log the user out.

use chrono::{DateTime, TimeDelta, Utc};
use jwt_compact::alg::{Hs256, Hs256Key};
use jwt_compact::{AlgorithmExt, Claims, Header, TimeOptions, UntrustedToken};
use serde::{Deserialize, Serialize};

use crate::error::{Code, ParseError};

/// RFC 7518 §3.2 requires an HS256 key of at least the hash output size (256 bits). A shorter
/// secret can be brute-forced offline from any single token a client holds.
const MIN_SECRET_BYTES: usize = 32;

/// JWT `exp`/`iat` are whole seconds; a TTL under one second could produce a token that is
/// already expired when issued.
const MIN_TTL_MS: i64 = 1_000;

/// Upper bound on the length of a token we issue or agree to parse. Real tokens are a few hundred
/// bytes; refusing anything larger up front keeps a hostile multi-megabyte header from costing
/// base64 and JSON decoding work (and allocation) before it is rejected anyway.
const MAX_TOKEN_LEN: usize = 4_096;

/// Value of the `kind` claim. Marks the token as a session token, so that any other token this
/// backend may sign with the same secret later (password reset, email verification…) can never
/// be replayed as a session.
const SESSION_KIND: &str = "session";

/// Value of the `ver` claim. Bump it when the claim layout changes so that old tokens are refused
/// (or migrated) deliberately instead of being misread.
const SESSION_VERSION: u32 = 1;

/// What a verified session token says. Only produced by [`verify`], so holding one means the
/// signature, kind and expiry have all been checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionClaims {
    pub user_id: String,
    pub session_id: String,
    /// When the token stops being accepted, in Unix milliseconds. Always a whole second, because
    /// JWT `exp` is in seconds.
    pub expires_at_ms: i64,
}

/// Key that signs and verifies session tokens (HMAC-SHA256).
///
/// Wrapping the jwt-compact key keeps the algorithm choice inside this module: callers cannot
/// hand it to another algorithm, and its `Debug` output never shows the secret.
#[derive(Debug, Clone)]
pub struct TokenKey(Hs256Key);

impl TokenKey {
    /// Builds the key from the `SESSION_SECRET` configuration value.
    ///
    /// A too-short secret is a deployment mistake, so it is an internal (500) error: starting up
    /// with a weak key would silently make every session forgeable.
    pub fn from_secret(secret: &str) -> Result<Self, ParseError> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(ParseError::internal(
                "SESSION_SECRET must be at least 32 bytes",
            ));
        }
        Ok(TokenKey(Hs256Key::new(secret.as_bytes())))
    }
}

/// Custom claims stored next to jwt-compact's standard `exp`/`iat`.
#[derive(Debug, Serialize, Deserialize)]
struct SessionPayload {
    /// User id (the `_User` objectId), under the registered JWT name for the subject.
    sub: String,
    /// Session id, so that a logged-out session can be refused even before its token expires.
    sid: String,
    kind: String,
    ver: u32,
}

/// Signs a session token for `user_id`/`session_id`, valid from `now_ms` for `ttl_ms`.
///
/// The expiry is rounded down to a whole second, so the token never outlives the TTL asked for.
/// Every failure here is a programming or configuration error on our side, hence internal (500).
pub fn issue(
    key: &TokenKey,
    user_id: &str,
    session_id: &str,
    now_ms: i64,
    ttl_ms: i64,
) -> Result<String, ParseError> {
    if user_id.is_empty() || session_id.is_empty() {
        return Err(ParseError::internal(
            "a session token needs a user id and a session id",
        ));
    }
    if ttl_ms < MIN_TTL_MS {
        return Err(ParseError::internal(
            "session token TTL must be at least one second",
        ));
    }
    let now = instant_from_ms(now_ms)?;
    let ttl = TimeDelta::try_milliseconds(ttl_ms)
        .ok_or_else(|| ParseError::internal("session token TTL is out of range"))?;
    // `set_duration_and_issuance` adds with `+`, which panics on overflow; check first.
    if now.checked_add_signed(ttl).is_none() {
        return Err(ParseError::internal("session token expiry is out of range"));
    }

    let options = TimeOptions::new(TimeDelta::zero(), move || now);
    let claims = Claims::new(SessionPayload {
        sub: user_id.to_owned(),
        sid: session_id.to_owned(),
        kind: SESSION_KIND.to_owned(),
        ver: SESSION_VERSION,
    })
    .set_duration_and_issuance(&options, ttl);
    let header = Header::empty().with_token_type("JWT");

    let token = Hs256
        .token(&header, &claims, &key.0)
        .map_err(|err| ParseError::internal(format!("could not sign session token: {err}")))?;
    // Never hand out a token that `verify` would refuse for its size.
    if token.len() > MAX_TOKEN_LEN {
        return Err(ParseError::internal("session token is too long"));
    }
    Ok(token)
}

/// Checks a presented session token at time `now_ms` and returns what it says.
///
/// Any problem with the token itself is `InvalidSessionToken` (209). Only an unusable `now_ms`
/// (outside chrono's range, i.e. a bug in the caller) is an internal error.
pub fn verify(key: &TokenKey, token: &str, now_ms: i64) -> Result<SessionClaims, ParseError> {
    let now = instant_from_ms(now_ms)?;
    check(key, token, now, now_ms).map_err(|_| invalid_session_token())
}

/// Why a token was refused. Never shown to clients (see the module docs); it exists so that the
/// tests can tell a signature rejection from, say, a parse failure that would hide a bug.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rejection {
    /// Not three base64url segments, or a header that is not JSON.
    Malformed,
    /// The header names any algorithm other than HS256, including `none`.
    Algorithm,
    /// The signature is the wrong length or does not match.
    Signature,
    /// Claims missing, unparsable, empty, or of another kind/version.
    Claims,
    Expired,
}

fn check(
    key: &TokenKey,
    token: &str,
    now: DateTime<Utc>,
    now_ms: i64,
) -> Result<SessionClaims, Rejection> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(Rejection::Malformed);
    }
    let untrusted = UntrustedToken::new(token).map_err(|_| Rejection::Malformed)?;
    // The validator compares `alg` to "HS256" before anything else, so `none`, HS512, RS256
    // (the classic key-confusion attack) and friends never reach signature checking.
    let verified = Hs256
        .validator::<SessionPayload>(&key.0)
        .validate(&untrusted)
        .map_err(|err| match err {
            jwt_compact::ValidationError::AlgorithmMismatch { .. } => Rejection::Algorithm,
            jwt_compact::ValidationError::InvalidSignatureLen { .. }
            | jwt_compact::ValidationError::MalformedSignature(_)
            | jwt_compact::ValidationError::InvalidSignature => Rejection::Signature,
            _ => Rejection::Claims,
        })?;
    let claims = verified.claims();

    let options = TimeOptions::new(TimeDelta::zero(), move || now);
    claims
        .validate_expiration(&options)
        .map_err(|err| match err {
            jwt_compact::ValidationError::Expired => Rejection::Expired,
            _ => Rejection::Claims,
        })?;
    let expires_at_ms = claims
        .expiration
        .map(|exp| exp.timestamp_millis())
        .ok_or(Rejection::Claims)?;
    // jwt-compact accepts a token at the exact instant of `exp`; RFC 7519 §4.1.4 says the current
    // time must be *before* it. Follow the RFC, so a TTL of N ms means N ms and not N + 1.
    if now_ms >= expires_at_ms {
        return Err(Rejection::Expired);
    }
    if claims.issued_at.is_none() {
        return Err(Rejection::Claims);
    }

    let payload = &claims.custom;
    if payload.kind != SESSION_KIND
        || payload.ver != SESSION_VERSION
        || payload.sub.is_empty()
        || payload.sid.is_empty()
    {
        return Err(Rejection::Claims);
    }
    Ok(SessionClaims {
        user_id: payload.sub.clone(),
        session_id: payload.sid.clone(),
        expires_at_ms,
    })
}

fn instant_from_ms(ms: i64) -> Result<DateTime<Utc>, ParseError> {
    DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| ParseError::internal("current time is out of range"))
}

fn invalid_session_token() -> ParseError {
    ParseError::new(Code::InvalidSessionToken, "Invalid session token")
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    use hmac::{Hmac, Mac};
    use jwt_compact::alg::{Hs512, Hs512Key};
    use serde_json::{json, Value};
    use sha2::Sha256;

    const SECRET: &str = "0123456789abcdef0123456789abcdef-test-secret";
    const OTHER_SECRET: &str = "fedcba9876543210fedcba9876543210-other-secret";
    /// 2023-11-14T22:13:20Z, on a whole second.
    const NOW: i64 = 1_700_000_000_000;
    const DAY: i64 = 24 * 60 * 60 * 1_000;

    fn key() -> TokenKey {
        TokenKey::from_secret(SECRET).unwrap()
    }

    fn reason(token: &str, now_ms: i64) -> Rejection {
        let now = DateTime::from_timestamp_millis(now_ms).unwrap();
        check(&key(), token, now, now_ms).unwrap_err()
    }

    fn assert_invalid(token: &str) {
        let err = verify(&key(), token, NOW).unwrap_err();
        assert_eq!(err, invalid_session_token(), "token {token:?}");
        assert_eq!(err.code as i32, 209);
    }

    fn b64(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    fn hs256_signature(secret: &str, signed: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(signed.as_bytes());
        b64(&mac.finalize().into_bytes())
    }

    /// Builds a token from raw JSON parts, HMAC-SHA256-signed with `SECRET` whatever the header
    /// claims, to check that the verifier trusts nothing in the token before the signature.
    fn hand_made(header: &Value, payload: &Value) -> String {
        let signed = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(payload.to_string().as_bytes())
        );
        let signature = hs256_signature(SECRET, &signed);
        format!("{signed}.{signature}")
    }

    fn good_payload() -> Value {
        json!({
            "sub": "user1",
            "sid": "r:session1",
            "kind": "session",
            "ver": 1,
            "iat": NOW / 1_000,
            "exp": NOW / 1_000 + 3_600,
        })
    }

    fn segments(token: &str) -> Vec<String> {
        token.split('.').map(str::to_owned).collect()
    }

    #[test]
    fn an_issued_token_verifies_to_the_same_user_and_session() {
        let token = issue(&key(), "user1", "r:session1", NOW, DAY).unwrap();
        let claims = verify(&key(), &token, NOW).unwrap();
        assert_eq!(
            claims,
            SessionClaims {
                user_id: "user1".into(),
                session_id: "r:session1".into(),
                expires_at_ms: NOW + DAY,
            }
        );
        assert!(verify(&key(), &token, NOW + DAY - 1).is_ok());
    }

    #[test]
    fn an_issued_token_is_a_standard_hs256_jwt_with_kind_and_version() {
        let token = issue(&key(), "user1", "r:session1", NOW, DAY).unwrap();
        let parts = segments(&token);
        assert_eq!(parts.len(), 3);
        let header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[0]).unwrap()).unwrap();
        assert_eq!(header, json!({"alg": "HS256", "typ": "JWT"}));
        let payload: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
        assert_eq!(
            payload,
            json!({
                "sub": "user1",
                "sid": "r:session1",
                "kind": "session",
                "ver": 1,
                "iat": NOW / 1_000,
                "exp": (NOW + DAY) / 1_000,
            })
        );
        // The hand-made reference token is byte-for-byte what `issue` would sign, modulo key
        // order, so the helpers below test the real format.
        assert!(verify(&key(), &hand_made(&header, &good_payload()), NOW).is_ok());
    }

    #[test]
    fn a_sub_second_now_rounds_the_expiry_down_never_up() {
        let now = NOW + 999;
        let token = issue(&key(), "user1", "s", now, 1_000).unwrap();
        let claims = verify(&key(), &token, now).unwrap();
        assert_eq!(claims.expires_at_ms, NOW + 1_000);
        assert!(claims.expires_at_ms <= now + 1_000);
    }

    #[test]
    fn a_token_signed_with_another_secret_is_rejected() {
        let other = TokenKey::from_secret(OTHER_SECRET).unwrap();
        let token = issue(&other, "user1", "r:session1", NOW, DAY).unwrap();
        assert_invalid(&token);
        assert_eq!(reason(&token, NOW), Rejection::Signature);
    }

    #[test]
    fn an_expired_token_is_rejected() {
        let token = issue(&key(), "user1", "r:session1", NOW, DAY).unwrap();
        let err = verify(&key(), &token, NOW + 2 * DAY).unwrap_err();
        assert_eq!(err, invalid_session_token());
        assert_eq!(reason(&token, NOW + 2 * DAY), Rejection::Expired);
    }

    #[test]
    fn a_token_is_valid_until_the_millisecond_before_exp_and_rejected_at_exp() {
        let token = issue(&key(), "user1", "r:session1", NOW, 60_000).unwrap();
        let exp = NOW + 60_000;
        assert_eq!(verify(&key(), &token, exp - 1).unwrap().expires_at_ms, exp);
        assert_eq!(
            verify(&key(), &token, exp).unwrap_err(),
            invalid_session_token()
        );
        assert_eq!(reason(&token, exp), Rejection::Expired);
        assert_eq!(reason(&token, exp + 1), Rejection::Expired);
    }

    #[test]
    fn flipping_a_character_of_the_payload_is_rejected() {
        let token = issue(&key(), "user1", "r:session1", NOW, DAY).unwrap();
        let parts = segments(&token);
        let middle = parts[1].as_bytes();
        let i = middle.len() / 2;
        let mut tampered = middle.to_vec();
        tampered[i] = if tampered[i] == b'A' { b'B' } else { b'A' };
        let tampered = format!(
            "{}.{}.{}",
            parts[0],
            String::from_utf8(tampered).unwrap(),
            parts[2]
        );
        assert_ne!(tampered, token);
        assert_invalid(&tampered);
    }

    #[test]
    fn a_payload_re_encoded_with_another_user_id_under_the_old_signature_is_rejected() {
        let token = issue(&key(), "user1", "r:session1", NOW, DAY).unwrap();
        let parts = segments(&token);
        let mut payload: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
        payload["sub"] = json!("admin");
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            b64(payload.to_string().as_bytes()),
            parts[2]
        );
        assert_invalid(&forged);
        assert_eq!(reason(&forged, NOW), Rejection::Signature);
    }

    #[test]
    fn every_single_character_change_or_truncation_of_a_token_is_rejected() {
        let token = issue(&key(), "user1", "r:session1", NOW, DAY).unwrap();
        for i in 0..token.len() {
            for replacement in [b'A', b'z', b'0', b'-', b'_', b'.', b'='] {
                let mut bytes = token.as_bytes().to_vec();
                if bytes[i] == replacement {
                    continue;
                }
                bytes[i] = replacement;
                let changed = String::from_utf8(bytes).unwrap();
                assert!(
                    verify(&key(), &changed, NOW).is_err(),
                    "accepted {changed:?}"
                );
            }
            assert!(verify(&key(), &token[..i], NOW).is_err());
        }
        assert!(verify(&key(), &format!("{token}A"), NOW).is_err());
        assert!(verify(&key(), &format!("{token}."), NOW).is_err());
    }

    #[test]
    fn a_signature_differing_only_in_unused_base64_bits_is_rejected() {
        // The last base64 character of a 32-byte signature carries 2 unused bits. A lenient
        // decoder would accept 4 spellings of one token, which matters if tokens are ever used
        // as cache or revocation keys.
        let token = issue(&key(), "user1", "r:session1", NOW, DAY).unwrap();
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let last = token.as_bytes()[token.len() - 1];
        let index = alphabet.iter().position(|&c| c == last).unwrap();
        for unused_bits in 1..4 {
            let mut changed = token[..token.len() - 1].to_owned();
            changed.push(char::from(alphabet[index ^ unused_bits]));
            assert_invalid(&changed);
        }
    }

    #[test]
    fn an_alg_none_token_is_rejected() {
        let payload = b64(good_payload().to_string().as_bytes());
        for alg in ["none", "None", "NONE", "nOnE"] {
            let header = b64(json!({"alg": alg, "typ": "JWT"}).to_string().as_bytes());
            for token in [
                format!("{header}.{payload}."),
                format!("{header}.{payload}"),
            ] {
                assert_invalid(&token);
            }
            assert_eq!(
                reason(&format!("{header}.{payload}."), NOW),
                Rejection::Algorithm
            );
            // Even with a valid HS256 signature over the same bytes, the header decides.
            let signed = format!("{header}.{payload}");
            let token = format!("{signed}.{}", hs256_signature(SECRET, &signed));
            assert_invalid(&token);
            assert_eq!(reason(&token, NOW), Rejection::Algorithm);
        }
    }

    #[test]
    fn a_token_signed_with_hs512_and_the_same_secret_is_rejected() {
        let options = TimeOptions::new(TimeDelta::zero(), || {
            DateTime::from_timestamp_millis(NOW).unwrap()
        });
        let claims = Claims::new(SessionPayload {
            sub: "user1".into(),
            sid: "r:session1".into(),
            kind: "session".into(),
            ver: 1,
        })
        .set_duration_and_issuance(&options, TimeDelta::hours(1));
        let token = Hs512
            .token(&Header::empty(), &claims, &Hs512Key::new(SECRET))
            .unwrap();
        assert_invalid(&token);
        assert_eq!(reason(&token, NOW), Rejection::Algorithm);
    }

    #[test]
    fn an_rs256_or_other_header_is_rejected_even_with_a_valid_hmac() {
        for alg in [
            "RS256", "ES256", "PS256", "HS384", "HS512", "hs256", "HS256 ", "",
        ] {
            let token = hand_made(&json!({"alg": alg, "typ": "JWT"}), &good_payload());
            assert_invalid(&token);
            assert_eq!(reason(&token, NOW), Rejection::Algorithm, "alg {alg:?}");
        }
        let no_alg = hand_made(&json!({"typ": "JWT"}), &good_payload());
        assert_invalid(&no_alg);
        let numeric_alg = hand_made(&json!({"alg": 256}), &good_payload());
        assert_invalid(&numeric_alg);
    }

    #[test]
    fn a_correctly_signed_token_with_missing_claims_is_rejected() {
        for missing in ["sub", "sid", "kind", "ver", "iat", "exp"] {
            let mut payload = good_payload();
            payload.as_object_mut().unwrap().remove(missing);
            let token = hand_made(&json!({"alg": "HS256"}), &payload);
            assert_invalid(&token);
            assert_eq!(reason(&token, NOW), Rejection::Claims, "without {missing}");
        }
    }

    #[test]
    fn a_correctly_signed_token_of_another_kind_or_version_is_rejected() {
        let changes = [
            ("kind", json!("password_reset")),
            ("kind", json!("")),
            ("ver", json!(2)),
            ("ver", json!("1")),
            ("sub", json!("")),
            ("sid", json!("")),
            ("sub", json!(42)),
            ("exp", json!("never")),
            ("exp", json!(1e300)),
        ];
        for (name, value) in changes {
            let mut payload = good_payload();
            payload[name] = value.clone();
            let token = hand_made(&json!({"alg": "HS256"}), &payload);
            assert_invalid(&token);
            assert_eq!(reason(&token, NOW), Rejection::Claims, "{name} = {value}");
        }
        let not_an_object = hand_made(&json!({"alg": "HS256"}), &json!(["user1"]));
        assert_invalid(&not_an_object);
    }

    #[test]
    fn garbage_and_empty_strings_are_rejected_without_panicking() {
        let huge_a = "a".repeat(1 << 20);
        let huge_dots = ".".repeat(1 << 20);
        let huge_segments = format!("{0}.{0}.{0}", "A".repeat(1 << 20));
        let just_over_the_limit = format!("eyJhbGciOiJIUzI1NiJ9.{}.x", "A".repeat(MAX_TOKEN_LEN));
        let garbage = [
            "",
            " ",
            ".",
            "..",
            "...",
            "a.b",
            "a.b.c",
            "a.b.c.d",
            "====.===.==",
            "e30.e30.",
            "e30.e30.e30",
            "eyJhbGciOiJIUzI1NiJ9..",
            "eyJhbGciOiJIUzI1NiJ9.e30.",
            "eyJhbGciOiJIUzI1NiJ9.e30.AAAA",
            "null",
            "\0\0\0",
            "é.é.é",
            "🦀.🦀.🦀",
            "Bearer eyJhbGciOiJIUzI1NiJ9.e30.x",
            "eyJhbGciOiJIUzI1NiJ9\n.e30.x",
            "////.++++.////",
            "\u{feff}eyJhbGciOiJIUzI1NiJ9.e30.x",
            &huge_a,
            &huge_dots,
            &huge_segments,
            &just_over_the_limit,
        ];
        for token in garbage {
            assert_invalid(token);
        }
        assert_eq!(reason(&huge_segments, NOW), Rejection::Malformed);
    }

    #[test]
    fn a_signature_of_the_wrong_length_is_rejected_without_panicking() {
        let token = issue(&key(), "user1", "r:session1", NOW, DAY).unwrap();
        let parts = segments(&token);
        for signature in ["", "AA", &b64(&[0; 31]), &b64(&[0; 33]), &b64(&[0; 64])] {
            let changed = format!("{}.{}.{signature}", parts[0], parts[1]);
            assert_invalid(&changed);
            assert_eq!(reason(&changed, NOW), Rejection::Signature);
        }
    }

    #[test]
    fn a_short_secret_is_refused() {
        for secret in ["", "short", &"x".repeat(31)] {
            let err = TokenKey::from_secret(secret).unwrap_err();
            assert_eq!(
                err,
                ParseError::internal("SESSION_SECRET must be at least 32 bytes")
            );
        }
        assert!(TokenKey::from_secret(&"x".repeat(32)).is_ok());
    }

    #[test]
    fn the_key_does_not_leak_the_secret_through_debug() {
        assert!(!format!("{:?}", key()).contains("0123456789"));
    }

    #[test]
    fn issuing_with_unusable_arguments_is_an_internal_error_not_a_panic() {
        let cases = [
            ("", "s", NOW, DAY),
            ("u", "", NOW, DAY),
            ("u", "s", NOW, 0),
            ("u", "s", NOW, 999),
            ("u", "s", NOW, -DAY),
            ("u", "s", NOW, i64::MAX),
            ("u", "s", i64::MAX, DAY),
            ("u", "s", i64::MIN, DAY),
        ];
        for (user_id, session_id, now_ms, ttl_ms) in cases {
            let err = issue(&key(), user_id, session_id, now_ms, ttl_ms).unwrap_err();
            assert_eq!(
                err.code,
                Code::Internal,
                "{user_id:?} {session_id:?} {now_ms} {ttl_ms}"
            );
        }
        let huge_id = "u".repeat(MAX_TOKEN_LEN);
        let err = issue(&key(), &huge_id, "s", NOW, DAY).unwrap_err();
        assert_eq!(err.code, Code::Internal);
    }

    #[test]
    fn verifying_at_an_out_of_range_time_is_an_error_not_a_panic() {
        let token = issue(&key(), "user1", "r:session1", NOW, DAY).unwrap();
        for now_ms in [i64::MAX, i64::MIN] {
            assert_eq!(
                verify(&key(), &token, now_ms).unwrap_err().code,
                Code::Internal
            );
        }
    }
}
