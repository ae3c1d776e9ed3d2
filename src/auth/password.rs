//! Password hashing: PBKDF2-HMAC-SHA256 stored as a PHC string.
//!
//! `$pbkdf2-sha256$i=<iterations>$<salt>$<hash>`, salt and hash in unpadded standard base64 (the
//! PHC "B64" alphabet). The iteration count travels with the hash so it can be raised later:
//! [`verify_password`] reports `needs_rehash` for hashes made with fewer iterations than wanted.
//!
//! The derivation is the `pbkdf2` crate's `pbkdf2_hmac::<Sha256>`. A hand-rolled core on the raw
//! SHA-256 compression function (precomputed pad states, two compressions per iteration) was
//! measured against it in wasm, as a Worker runs it (`make bench-pbkdf2`), and did not win by the
//! 10 % that would justify keeping its code.

use crate::error::ParseError;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256.
pub const DEFAULT_ITERATIONS: u32 = 600_000;

const ALGORITHM: &str = "pbkdf2-sha256";
const SALT_LEN: usize = 16;
const HASH_LEN: usize = 32;

/// Outcome of checking a password against a stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    Invalid,
    /// `needs_rehash` asks the caller to store a fresh hash while it still has the plaintext,
    /// because the stored one used fewer iterations than currently wanted.
    Valid {
        needs_rehash: bool,
    },
}

/// Hashes `password` with a fresh random salt into a PHC string.
///
/// Fails only when the platform cannot supply randomness; a predictable salt is never used.
pub fn hash_password(password: &str, iterations: u32) -> Result<String, ParseError> {
    // PBKDF2 needs at least one iteration; clamping keeps every string we emit verifiable.
    let iterations = iterations.max(1);
    let mut salt = [0u8; SALT_LEN];
    getrandom::fill(&mut salt)
        .map_err(|e| ParseError::internal(format!("Could not generate a salt: {e}")))?;
    let hash = derive(password.as_bytes(), &salt, iterations);
    Ok(format!(
        "${ALGORITHM}$i={iterations}${}${}",
        STANDARD_NO_PAD.encode(salt),
        STANDARD_NO_PAD.encode(hash)
    ))
}

/// Checks `password` against a PHC string made by [`hash_password`].
///
/// Anything that does not parse is `Invalid` rather than an error: a corrupt stored hash must
/// not let anyone in, and the caller answers it like a wrong password.
pub fn verify_password(password: &str, phc: &str, wanted_iterations: u32) -> Verification {
    let Some(stored) = Stored::parse(phc) else {
        return Verification::Invalid;
    };
    let computed = derive(password.as_bytes(), &stored.salt, stored.iterations);
    if bool::from(computed.ct_eq(&stored.hash)) {
        Verification::Valid {
            needs_rehash: stored.iterations < wanted_iterations,
        }
    } else {
        Verification::Invalid
    }
}

/// Spends the time of a real [`verify_password`] so a login for an unknown user takes as long
/// as one with a wrong password, and response times do not reveal which usernames exist.
pub fn dummy_verify(password: &str, iterations: u32) {
    let out = derive(password.as_bytes(), &[0u8; SALT_LEN], iterations);
    // The result is unused, so without this the optimiser may delete the whole computation.
    std::hint::black_box(out.ct_eq(&[0u8; HASH_LEN]));
}

/// PBKDF2-HMAC-SHA256 (RFC 8018), one 32-byte block. `iterations` of 0 behaves as 1.
fn derive(password: &[u8], salt: &[u8], iterations: u32) -> [u8; HASH_LEN] {
    let mut out = [0u8; HASH_LEN];
    pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, iterations, &mut out);
    out
}

/// The parts of a stored PHC string.
struct Stored {
    iterations: u32,
    salt: Vec<u8>,
    hash: [u8; HASH_LEN],
}

impl Stored {
    fn parse(phc: &str) -> Option<Self> {
        let mut parts = phc.split('$');
        if parts.next() != Some("") || parts.next() != Some(ALGORITHM) {
            return None;
        }
        let digits = parts.next()?.strip_prefix("i=")?;
        // `u32::from_str` would also take a sign; only plain digits are ever written.
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let iterations = digits.parse().ok().filter(|&i| i > 0)?;
        let salt = STANDARD_NO_PAD
            .decode(parts.next()?)
            .ok()
            .filter(|s| !s.is_empty())?;
        let hash = STANDARD_NO_PAD
            .decode(parts.next()?)
            .ok()?
            .try_into()
            .ok()?;
        if parts.next().is_some() {
            return None;
        }
        Some(Stored {
            iterations,
            salt,
            hash,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hmac::Hmac;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn derive_hex(password: &[u8], salt: &[u8], iterations: u32) -> String {
        hex(&derive(password, salt, iterations))
    }

    /// The `pbkdf2` crate's generic PBKDF2 over `Hmac<Sha256>`, as an independent reference.
    fn reference(password: &[u8], salt: &[u8], iterations: u32) -> String {
        let mut out = [0u8; 32];
        pbkdf2::pbkdf2::<Hmac<Sha256>>(password, salt, iterations, &mut out)
            .expect("HMAC accepts keys of any length");
        hex(&out)
    }

    #[test]
    fn well_known_test_vectors_match() {
        let cases = [
            (
                1,
                "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b",
            ),
            (
                2,
                "ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43",
            ),
            (
                4096,
                "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a",
            ),
        ];
        for (iterations, expected) in cases {
            assert_eq!(
                derive_hex(b"password", b"salt", iterations),
                expected,
                "c={iterations}"
            );
        }
        assert_eq!(
            derive_hex(
                b"passwordPASSWORDpassword",
                b"saltSALTsaltSALTsaltSALTsaltSALTsalt",
                4096
            ),
            "348c89dbcbd32b2f32d814b8116e84cf2b17347ebc1800181c4e2a1fb8dd53e1"
        );
    }

    #[test]
    fn rfc_7914_pbkdf2_vector_matches() {
        // RFC 7914 §11 gives 64 bytes; the first 32 are the single block computed here.
        assert_eq!(
            derive_hex(b"passwd", b"salt", 1),
            "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
        );
    }

    #[test]
    fn zero_iterations_behave_like_one_as_in_the_pbkdf2_crate() {
        assert_eq!(
            derive_hex(b"password", b"salt", 0),
            derive_hex(b"password", b"salt", 1)
        );
        assert_eq!(
            derive_hex(b"password", b"salt", 0),
            reference(b"password", b"salt", 0)
        );
    }

    #[test]
    fn a_hash_is_a_phc_string_with_a_16_byte_salt_and_32_byte_hash() {
        let phc = hash_password("hunter2", 1000).expect("randomness");
        let parts: Vec<&str> = phc.split('$').collect();
        assert_eq!(parts[..3], ["", "pbkdf2-sha256", "i=1000"]);
        assert_eq!(parts.len(), 5);
        assert_eq!(STANDARD_NO_PAD.decode(parts[3]).expect("salt").len(), 16);
        assert_eq!(STANDARD_NO_PAD.decode(parts[4]).expect("hash").len(), 32);
        // Unpadded: 16 bytes are 22 characters and 32 bytes are 43, where padding would add '='.
        assert_eq!((parts[3].len(), parts[4].len()), (22, 43), "{phc}");
    }

    #[test]
    fn the_stored_hash_is_the_pbkdf2_of_the_stored_salt() {
        let phc = hash_password("hunter2", 1000).expect("randomness");
        let parts: Vec<&str> = phc.split('$').collect();
        let salt = STANDARD_NO_PAD.decode(parts[3]).expect("salt");
        let hash = STANDARD_NO_PAD.decode(parts[4]).expect("hash");
        assert_eq!(hex(&hash), reference(b"hunter2", &salt, 1000));
    }

    #[test]
    fn the_same_password_hashes_differently_each_time() {
        let a = hash_password("hunter2", 10).expect("randomness");
        let b = hash_password("hunter2", 10).expect("randomness");
        assert_ne!(a, b);
    }

    #[test]
    fn a_hashed_password_verifies() {
        let phc = hash_password("correct horse battery staple", 1000).expect("randomness");
        assert_eq!(
            verify_password("correct horse battery staple", &phc, 1000),
            Verification::Valid {
                needs_rehash: false
            }
        );
    }

    #[test]
    fn a_wrong_password_is_invalid() {
        let phc = hash_password("correct horse battery staple", 1000).expect("randomness");
        assert_eq!(
            verify_password("correct horse battery stapl", &phc, 1000),
            Verification::Invalid
        );
        assert_eq!(verify_password("", &phc, 1000), Verification::Invalid);
    }

    #[test]
    fn a_hash_from_the_pbkdf2_crate_verifies() {
        let salt = b"0123456789abcdef";
        let mut hash = [0u8; 32];
        pbkdf2::pbkdf2::<Hmac<Sha256>>(b"secret", salt, 2000, &mut hash).expect("any key length");
        let phc = format!(
            "$pbkdf2-sha256$i=2000${}${}",
            STANDARD_NO_PAD.encode(salt),
            STANDARD_NO_PAD.encode(hash)
        );
        assert_eq!(
            verify_password("secret", &phc, 2000),
            Verification::Valid {
                needs_rehash: false
            }
        );
    }

    #[test]
    fn a_hash_with_fewer_iterations_than_wanted_needs_rehash() {
        let phc = hash_password("hunter2", 1000).expect("randomness");
        assert_eq!(
            verify_password("hunter2", &phc, 2000),
            Verification::Valid { needs_rehash: true }
        );
        assert_eq!(
            verify_password("hunter2", &phc, 500),
            Verification::Valid {
                needs_rehash: false
            }
        );
    }

    #[test]
    fn a_wrong_password_is_invalid_even_when_a_rehash_would_be_due() {
        let phc = hash_password("hunter2", 1000).expect("randomness");
        assert_eq!(
            verify_password("hunter3", &phc, 2000),
            Verification::Invalid
        );
    }

    #[test]
    fn zero_iterations_are_hashed_as_one() {
        let phc = hash_password("hunter2", 0).expect("randomness");
        assert!(phc.starts_with("$pbkdf2-sha256$i=1$"), "{phc}");
        assert_eq!(
            verify_password("hunter2", &phc, 1),
            Verification::Valid {
                needs_rehash: false
            }
        );
    }

    #[test]
    fn malformed_phc_strings_are_invalid_without_panicking() {
        let good = hash_password("pw", 10).expect("randomness");
        let parts: Vec<&str> = good.split('$').collect();
        let (salt, hash) = (parts[3], parts[4]);
        let short_hash = STANDARD_NO_PAD.encode([0u8; 31]);
        let long_hash = STANDARD_NO_PAD.encode([0u8; 33]);
        let malformed = [
            String::new(),
            "$".into(),
            "$$$$".into(),
            "not a hash".into(),
            "pbkdf2-sha256$i=10$x$y".into(),
            format!("pbkdf2-sha256$i=10${salt}${hash}"),
            format!("$pbkdf2-sha512$i=10${salt}${hash}"),
            format!("$pbkdf2-sha256$i=10${salt}"),
            format!("$pbkdf2-sha256$i=10${salt}${hash}$"),
            format!("$pbkdf2-sha256$i=10${salt}${hash}$extra"),
            format!("$pbkdf2-sha256$10${salt}${hash}"),
            format!("$pbkdf2-sha256$i=${salt}${hash}"),
            format!("$pbkdf2-sha256$i=0${salt}${hash}"),
            format!("$pbkdf2-sha256$i=+10${salt}${hash}"),
            format!("$pbkdf2-sha256$i=-10${salt}${hash}"),
            format!("$pbkdf2-sha256$i=1e3${salt}${hash}"),
            format!("$pbkdf2-sha256$i=99999999999${salt}${hash}"),
            format!("$pbkdf2-sha256$i=10,l=32${salt}${hash}"),
            format!("$pbkdf2-sha256$i=10$${hash}"),
            format!("$pbkdf2-sha256$i=10${salt}$"),
            format!("$pbkdf2-sha256$i=10${salt}=${hash}"),
            format!("$pbkdf2-sha256$i=10${salt}${hash}="),
            format!("$pbkdf2-sha256$i=10$!!!!${hash}"),
            format!(
                "$pbkdf2-sha256$i=10${salt}${}",
                hash.replace(|c: char| c.is_alphanumeric(), "_")
            ),
            format!("$pbkdf2-sha256$i=10${salt}${short_hash}"),
            format!("$pbkdf2-sha256$i=10${salt}${long_hash}"),
            format!("$pbkdf2-sha256$i=10${salt}${}", &hash[..hash.len() - 1]),
            format!("$pbkdf2-sha256$i=10${salt}${hash}\n"),
            format!(" $pbkdf2-sha256$i=10${salt}${hash}"),
            "$pbkdf2-sha256$i=10$ü$ß".into(),
        ];
        for phc in &malformed {
            assert_eq!(
                verify_password("pw", phc, 10),
                Verification::Invalid,
                "{phc:?}"
            );
        }
        assert_eq!(
            verify_password("pw", &good, 10),
            Verification::Valid {
                needs_rehash: false
            }
        );
    }

    #[test]
    fn unicode_passwords_round_trip_byte_for_byte() {
        let password = "Pässwörd 密码 🔑";
        let phc = hash_password(password, 1000).expect("randomness");
        assert_eq!(
            verify_password(password, &phc, 1000),
            Verification::Valid {
                needs_rehash: false
            }
        );
        // No Unicode normalisation: the decomposed "ä" (a + U+0308) is a different password.
        let decomposed = "Pa\u{308}sswörd 密码 🔑";
        assert_eq!(
            verify_password(decomposed, &phc, 1000),
            Verification::Invalid
        );
    }

    #[test]
    fn passwords_longer_than_a_block_round_trip() {
        let password = "x".repeat(100);
        let phc = hash_password(&password, 100).expect("randomness");
        assert_eq!(
            verify_password(&password, &phc, 100),
            Verification::Valid {
                needs_rehash: false
            }
        );
        assert_eq!(
            verify_password(&"x".repeat(99), &phc, 100),
            Verification::Invalid
        );
    }

    #[test]
    fn dummy_verify_runs_for_any_input() {
        dummy_verify("", 1);
        dummy_verify("anything at all", 100);
        dummy_verify(&"y".repeat(500), 0);
    }
}
