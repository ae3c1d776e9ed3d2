//! Exports for bench/pbkdf2/run.mjs, which loads this crate's wasm (wasm32-unknown-unknown, no
//! wasm-bindgen) and times each export: the product's password check against the `pbkdf2`
//! crate's `pbkdf2_hmac::<Sha256>`, at the same iteration count, on the same password and salt.
//! The product derives with that same function since the hand-made core lost this comparison
//! (commit "bench: make bench-pbkdf2 …" has its figures), so the two now show what a login costs
//! beyond the bare derivation, and the product's CPU time in wasm at a given count.
//!
//! The product crate's own wasm-bindgen exports (its fetch handler) come along in the module;
//! run.mjs stubs their imports, which nothing here calls.

use artisan_market::auth::password::{verify_password, Verification};
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use sha2::Sha256;
use std::hint::black_box;

const PASSWORD: &str = "correct horse battery staple";
const SALT: &[u8; 16] = b"0123456789abcdef";

fn phc(iterations: u32, hash: &[u8; 32]) -> String {
    format!(
        "$pbkdf2-sha256$i={iterations}${}${}",
        STANDARD_NO_PAD.encode(SALT),
        STANDARD_NO_PAD.encode(hash)
    )
}

fn crate_hash(iterations: u32) -> [u8; 32] {
    let mut out = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(
        black_box(PASSWORD.as_bytes()),
        black_box(SALT),
        iterations,
        &mut out,
    );
    out
}

/// The product's path of a login: `verify_password` on a stored hash of `iterations`. The
/// stored hash is wrong (zeros), which costs the same derivation and answers `Invalid` (0).
#[no_mangle]
pub extern "C" fn product(iterations: u32) -> u32 {
    let stored = phc(iterations, &[0u8; 32]);
    match verify_password(black_box(PASSWORD), &stored, iterations) {
        Verification::Invalid => 0,
        Verification::Valid { .. } => 1,
    }
}

/// `pbkdf2::pbkdf2_hmac::<Sha256>` on the same input; answers a byte of the result.
#[no_mangle]
pub extern "C" fn pbkdf2_crate(iterations: u32) -> u32 {
    u32::from(crate_hash(iterations)[0])
}

/// 1 when the product accepts the `pbkdf2` crate's hash of the password at `iterations`: both
/// compute the same function here, in wasm.
#[no_mangle]
pub extern "C" fn agree(iterations: u32) -> u32 {
    let stored = phc(iterations, &crate_hash(iterations));
    u32::from(
        verify_password(PASSWORD, &stored, iterations)
            == Verification::Valid {
                needs_rehash: false,
            },
    )
}
