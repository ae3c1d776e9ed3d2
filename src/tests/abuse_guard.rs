//! The gates on an in-memory limiter with a test clock: lockout, throttles, exemptions, disabled
//! limits, the calls each path costs, and what an unreachable limiter means.

use crate::abuse::guard::{Account, Guard};
use crate::abuse::ledger::LimitCall;
use crate::abuse::limiter::{Limiter, LocalLimiter, Unreachable};
use crate::abuse::limits::Limits;
use crate::abuse::lockout::Lockout;
use crate::abuse::rate_limit::RateLimit;
use crate::abuse::verdict::Verdict;
use crate::error::Code;
use futures::executor::block_on;
use futures::future::LocalBoxFuture;
use std::cell::RefCell;

const MINUTE: i64 = 60_000;
const T0: i64 = 1_700_000_000_000;

fn tight() -> Limits {
    Limits {
        login_lockout: Lockout {
            threshold: 3,
            duration_ms: 15 * MINUTE,
        },
        login_per_client: RateLimit {
            max: 4,
            window_ms: 15 * MINUTE,
        },
        signup_per_client: RateLimit {
            max: 2,
            window_ms: 60 * MINUTE,
        },
        password_per_client: RateLimit {
            max: 3,
            window_ms: 15 * MINUTE,
        },
        taken_name_per_client: RateLimit {
            max: 2,
            window_ms: 60 * MINUTE,
        },
        checkout_per_buyer: RateLimit {
            max: 2,
            window_ms: 10 * MINUTE,
        },
        upload_per_user: RateLimit {
            max: 2,
            window_ms: 10 * MINUTE,
        },
        ..Limits::DISABLED
    }
}

/// A limiter that records every call it passes on to a `LocalLimiter`.
#[derive(Default)]
struct Recording {
    inner: LocalLimiter,
    calls: RefCell<Vec<(String, LimitCall)>>,
}

impl Limiter for Recording {
    fn call<'a>(
        &'a self,
        key: &'a str,
        call: LimitCall,
    ) -> LocalBoxFuture<'a, Result<Verdict, Unreachable>> {
        self.calls.borrow_mut().push((key.to_string(), call));
        self.inner.call(key, call)
    }
}

impl Recording {
    fn at(now: i64) -> Self {
        let recording = Recording::default();
        recording.inner.set_now(now);
        recording
    }

    fn take(&self) -> Vec<String> {
        self.calls.borrow_mut().drain(..).map(|(k, _)| k).collect()
    }
}

/// A limiter nobody can reach.
struct Down;

impl Limiter for Down {
    fn call<'a>(
        &'a self,
        _key: &'a str,
        _call: LimitCall,
    ) -> LocalBoxFuture<'a, Result<Verdict, Unreachable>> {
        Box::pin(async { Err(Unreachable("down".into())) })
    }
}

fn guard<'a>(limiter: &'a dyn Limiter, limits: &'a Limits, ip: &str) -> Guard<'a> {
    Guard::new(limiter, limits, Some(ip), false)
}

#[test]
fn an_account_is_locked_after_threshold_failures_even_for_the_right_password() {
    let limiter = LocalLimiter::default();
    limiter.set_now(T0);
    let limits = tight();
    let guard = guard(&limiter, &limits, "203.0.113.1");
    let account = Account::User("u1");
    for expected_before in 0..3 {
        assert_eq!(block_on(guard.login_account(&account)), Ok(expected_before));
        block_on(guard.login_failed(&account));
    }
    let refused = block_on(guard.login_account(&account)).unwrap_err();
    assert_eq!(refused.code, Code::RequestLimitExceeded);
    assert_eq!(refused.status(), 429);
    assert_eq!(
        refused.message,
        "Your account is locked due to multiple failed login attempts. Please try again after 15 minute(s)"
    );
    assert_eq!(refused.retry_after_secs, Some(15 * 60));
}

#[test]
fn a_lock_ends_after_its_duration() {
    let limiter = LocalLimiter::default();
    limiter.set_now(T0);
    let limits = tight();
    let guard = guard(&limiter, &limits, "203.0.113.1");
    let account = Account::User("u1");
    for _ in 0..3 {
        block_on(guard.login_failed(&account));
    }
    limiter.set_now(T0 + 14 * MINUTE + 30_000);
    let refused = block_on(guard.login_account(&account)).unwrap_err();
    assert!(refused.message.ends_with("after 1 minute(s)"), "{refused}");
    assert_eq!(refused.retry_after_secs, Some(30));
    limiter.set_now(T0 + 15 * MINUTE);
    assert_eq!(block_on(guard.login_account(&account)), Ok(0));
}

#[test]
fn a_successful_login_forgets_the_accounts_failures() {
    let limiter = LocalLimiter::default();
    limiter.set_now(T0);
    let limits = tight();
    let guard = guard(&limiter, &limits, "203.0.113.1");
    let account = Account::User("u1");
    block_on(guard.login_failed(&account));
    block_on(guard.login_failed(&account));
    let before = block_on(guard.login_account(&account)).unwrap();
    assert_eq!(before, 2);
    block_on(guard.login_succeeded(&account, before));
    block_on(guard.login_failed(&account));
    block_on(guard.login_failed(&account));
    assert_eq!(block_on(guard.login_account(&account)), Ok(2));
}

#[test]
fn unknown_names_lock_like_accounts_whatever_their_case() {
    let limiter = LocalLimiter::default();
    limiter.set_now(T0);
    let limits = tight();
    let guard = guard(&limiter, &limits, "203.0.113.1");
    for name in ["Nobody", "nobody", " NOBODY "] {
        block_on(guard.login_failed(&Account::Unknown(name)));
    }
    let refused = block_on(guard.login_account(&Account::Unknown("noBody"))).unwrap_err();
    assert_eq!(refused.code, Code::RequestLimitExceeded);
    assert!(
        limiter.keys().iter().all(|k| !k.contains("obody")),
        "names are stored hashed: {:?}",
        limiter.keys()
    );
}

#[test]
fn a_client_that_fails_too_often_is_refused_for_every_account_and_others_are_not() {
    let limiter = LocalLimiter::default();
    limiter.set_now(T0);
    let limits = tight();
    let noisy = guard(&limiter, &limits, "203.0.113.1");
    for i in 0..4 {
        assert_eq!(block_on(noisy.login_client()), Ok(()));
        block_on(noisy.login_failed(&Account::User(&format!("u{i}"))));
    }
    let refused = block_on(noisy.login_client()).unwrap_err();
    assert_eq!(refused.code, Code::RequestLimitExceeded);
    assert_eq!(
        refused.message,
        "Too many failed logins from your network. Please try again after 15 minute(s)"
    );
    let other = guard(&limiter, &limits, "198.51.100.2");
    assert_eq!(block_on(other.login_client()), Ok(()));
    limiter.set_now(T0 + 15 * MINUTE);
    assert_eq!(block_on(noisy.login_client()), Ok(()));
}

#[test]
fn sign_ups_are_limited_per_client() {
    let limiter = LocalLimiter::default();
    limiter.set_now(T0);
    let limits = tight();
    let home = guard(&limiter, &limits, "203.0.113.1");
    assert_eq!(block_on(home.sign_up()), Ok(()));
    assert_eq!(block_on(home.sign_up()), Ok(()));
    let refused = block_on(home.sign_up()).unwrap_err();
    assert_eq!(
        refused.message,
        "Too many sign-ups from your network. Please try again after 60 minute(s)"
    );
    assert_eq!(
        block_on(guard(&limiter, &limits, "203.0.113.2").sign_up()),
        Ok(())
    );
}

#[test]
fn checkouts_are_limited_per_buyer_wherever_they_come_from() {
    let limiter = LocalLimiter::default();
    limiter.set_now(T0);
    let limits = tight();
    assert_eq!(
        block_on(guard(&limiter, &limits, "203.0.113.1").checkout("b1")),
        Ok(())
    );
    assert_eq!(
        block_on(guard(&limiter, &limits, "203.0.113.2").checkout("b1")),
        Ok(())
    );
    let refused = block_on(guard(&limiter, &limits, "203.0.113.3").checkout("b1")).unwrap_err();
    assert_eq!(refused.code, Code::RequestLimitExceeded);
    assert_eq!(
        block_on(guard(&limiter, &limits, "203.0.113.1").checkout("b2")),
        Ok(())
    );
}

#[test]
fn the_usual_login_costs_two_checks_and_nothing_after_the_password() {
    let limiter = Recording::at(T0);
    let limits = tight();
    let guard = guard(&limiter, &limits, "203.0.113.1");
    let account = Account::User("u1");
    block_on(guard.login_client()).unwrap();
    let before = block_on(guard.login_account(&account)).unwrap();
    block_on(guard.login_succeeded(&account, before));
    assert_eq!(
        limiter.take(),
        ["login-ip:203.0.113.1", "login-account:user:u1"]
    );
    block_on(guard.login_failed(&account));
    assert_eq!(limiter.take().len(), 2, "a failure counts for both keys");
    let before = block_on(guard.login_account(&account)).unwrap();
    block_on(guard.login_succeeded(&account, before));
    assert_eq!(
        limiter.take(),
        ["login-account:user:u1", "login-account:user:u1"],
        "a success after failures resets them"
    );
}

#[test]
fn the_master_key_is_exempt_and_costs_no_call() {
    let limiter = Recording::at(T0);
    let limits = tight();
    let master = Guard::new(&limiter, &limits, Some("203.0.113.1"), true);
    for _ in 0..10 {
        block_on(master.login_failed(&Account::User("u1")));
        assert_eq!(block_on(master.login_account(&Account::User("u1"))), Ok(0));
        assert_eq!(block_on(master.login_client()), Ok(()));
        assert_eq!(block_on(master.sign_up()), Ok(()));
        assert_eq!(block_on(master.password_check()), Ok(()));
        assert_eq!(block_on(master.checkout("b1")), Ok(()));
    }
    assert!(limiter.take().is_empty());
}

#[test]
fn disabled_limits_cost_no_call() {
    let limiter = Recording::at(T0);
    let limits = Limits::DISABLED;
    let guard = guard(&limiter, &limits, "203.0.113.1");
    for _ in 0..10 {
        block_on(guard.login_failed(&Account::User("u1")));
        assert_eq!(block_on(guard.login_account(&Account::User("u1"))), Ok(0));
        assert_eq!(block_on(guard.login_client()), Ok(()));
        assert_eq!(block_on(guard.sign_up()), Ok(()));
        assert_eq!(block_on(guard.password_check()), Ok(()));
        assert_eq!(block_on(guard.checkout("b1")), Ok(()));
        assert_eq!(block_on(guard.file_upload(Some("u1"))), Ok(()));
        block_on(guard.name_taken());
        assert_eq!(block_on(guard.name_claim()), Ok(()));
    }
    assert!(limiter.take().is_empty());
}

#[test]
fn an_unreachable_limiter_keeps_accounts_closed_and_throttles_open() {
    let limits = tight();
    let guard = guard(&Down, &limits, "203.0.113.1");
    let closed = block_on(guard.login_account(&Account::User("u1"))).unwrap_err();
    assert_eq!(closed.code, Code::Internal);
    assert_eq!(block_on(guard.login_client()), Ok(()));
    assert_eq!(block_on(guard.sign_up()), Ok(()));
    assert_eq!(block_on(guard.checkout("b1")), Ok(()));
    block_on(guard.login_failed(&Account::User("u1")));
    block_on(guard.login_succeeded(&Account::User("u1"), 3));
}

#[test]
fn clients_without_an_address_share_one_key() {
    let limiter = Recording::at(T0);
    let limits = tight();
    block_on(Guard::new(&limiter, &limits, None, false).sign_up()).unwrap();
    block_on(Guard::new(&limiter, &limits, Some("garbage"), false).sign_up()).unwrap();
    assert_eq!(limiter.take(), ["signup-ip:unknown", "signup-ip:unknown"]);
}
