//! Times the hand-rolled PBKDF2-HMAC-SHA256 against the `pbkdf2` crate.
//!
//! Run with `cargo run --release --example pbkdf2_speed`.

use artisan_market::auth::password::pbkdf2_hmac_sha256;
use hmac::Hmac;
use sha2::Sha256;
use std::hint::black_box;
use std::time::Instant;

const RUNS: u32 = 5;

/// Best of `RUNS` wall-clock times in milliseconds; the minimum is the least noisy figure.
fn best_ms(mut f: impl FnMut()) -> f64 {
    (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64() * 1000.0
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let password = black_box(b"correct horse battery staple".as_slice());
    let salt = black_box(b"0123456789abcdef".as_slice());
    for iterations in [100_000, 600_000] {
        let mut ours = [0u8; 32];
        let mut theirs = [0u8; 32];
        let fast = best_ms(|| pbkdf2_hmac_sha256(password, salt, iterations, black_box(&mut ours)));
        let reference = best_ms(|| {
            // Cannot fail: `pbkdf2` only errors when the PRF rejects the key length, HMAC never does.
            pbkdf2::pbkdf2::<Hmac<Sha256>>(password, salt, iterations, black_box(&mut theirs))
                .expect("HMAC accepts keys of any length")
        });
        assert_eq!(ours, theirs, "outputs differ at {iterations} iterations");
        println!(
            "{iterations:>7} iterations: ours {fast:8.2} ms, pbkdf2 crate {reference:8.2} ms, \
             speed-up x{:.2}",
            reference / fast
        );
    }
}
