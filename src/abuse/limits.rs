//! The configured limits, from `wrangler.toml` `[vars]`. Every count of 0 disables its limit;
//! durations are minutes and may be fractions (`0.05` is three seconds), which keeps tests fast.
//! A value that does not parse falls back to the default, as the other vars do.
//!
//! | var | default | what |
//! |---|---|---|
//! | `LOGIN_LOCKOUT_THRESHOLD` | 5 | failed logins of one account that lock it |
//! | `LOGIN_LOCKOUT_MINUTES` | 15 | how long failures are remembered and a lock lasts |
//! | `LOGIN_IP_LIMIT` | 50 | failed logins from one address before its logins are refused |
//! | `LOGIN_IP_WINDOW_MINUTES` | 15 | the window of `LOGIN_IP_LIMIT` |
//! | `SIGNUP_IP_LIMIT` | 20 | sign-ups from one address per window |
//! | `SIGNUP_IP_WINDOW_MINUTES` | 60 | the window of `SIGNUP_IP_LIMIT` |
//! | `PASSWORD_IP_LIMIT` | 100 | logins and password changes (each hashes a password) from one address per window |
//! | `PASSWORD_IP_WINDOW_MINUTES` | 15 | the window of `PASSWORD_IP_LIMIT` |
//! | `TAKEN_NAME_IP_LIMIT` | 20 | sign-ups and account changes from one address refused because the username or email is taken (202, 203), per window |
//! | `TAKEN_NAME_IP_WINDOW_MINUTES` | 60 | the window of `TAKEN_NAME_IP_LIMIT` |
//! | `ACCOUNT_MAIL_IP_LIMIT` | 10 | password reset and verification requests from one address per window |
//! | `ACCOUNT_MAIL_LIMIT` | 3 | password reset and verification requests for one email per window |
//! | `ACCOUNT_MAIL_WINDOW_MINUTES` | 60 | the window of both |
//! | `CHECKOUT_LIMIT` | 20 | checkouts (either route) of one buyer per window |
//! | `CHECKOUT_WINDOW_MINUTES` | 10 | the window of `CHECKOUT_LIMIT` |
//! | `FILE_UPLOAD_LIMIT` | 60 | file uploads of one user (or, when the public may upload, one address) per window |
//! | `FILE_UPLOAD_WINDOW_MINUTES` | 10 | the window of `FILE_UPLOAD_LIMIT` |
//!
//! The defaults: five failures then fifteen minutes is OWASP's and Parse's usual advice and
//! costs a typing user nothing; 50 failures per address leaves room for a campus or a carrier
//! NAT full of users while a password sprayer gets 200 guesses an hour from one address; 20
//! accounts an hour is far more than a household opens; 20 checkouts in ten minutes is far more
//! than a buyer places (each pending order holds stock, so this bounds hoarding by one account);
//! 20 taken names an hour is more than a person mistypes or retries, while it stops a client from
//! listing which usernames and emails exist by renaming itself (each refusal names a taken one);
//! 10 account mails an hour from one address and 3 to one mailbox let a person retry a reset
//! that went to spam, while nobody floods a mailbox or uses the server to send mail in bulk;
//! 100 password checks in fifteen minutes is a login every nine seconds from one address, and
//! bounds the hashing (about half a second of CPU each) one address can ask for. 60 uploads in
//! ten minutes is a product's photos many times over, and bounds what one account can make the
//! bucket hold before the uploads it never attaches expire.

use super::lockout::Lockout;
use super::rate_limit::RateLimit;

const MINUTE_MS: f64 = 60_000.0;
/// Longest duration accepted (a year), so no arithmetic on it can overflow.
const MAX_MINUTES: f64 = 366.0 * 24.0 * 60.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub login_lockout: Lockout,
    /// Failed logins per client address.
    pub login_per_client: RateLimit,
    pub signup_per_client: RateLimit,
    /// Logins and password changes per client address, successful or not: each hashes.
    pub password_per_client: RateLimit,
    /// Refusals that a username or email is taken, per client address: each tells that a name
    /// exists, so they are what an enumeration spends.
    pub taken_name_per_client: RateLimit,
    /// Password reset and verification requests per client address, and per email asked
    /// about: each sends a mail to someone, so they bound the mail one client can cause.
    pub account_mail_per_client: RateLimit,
    pub account_mail_per_account: RateLimit,
    /// Checkouts per buyer, counted over both checkout routes.
    pub checkout_per_buyer: RateLimit,
    /// File uploads per user (per address for public uploads).
    pub upload_per_user: RateLimit,
}

impl Default for Limits {
    fn default() -> Self {
        let minutes = |m: f64| (m * MINUTE_MS) as i64;
        Limits {
            login_lockout: Lockout {
                threshold: 5,
                duration_ms: minutes(15.0),
            },
            login_per_client: RateLimit {
                max: 50,
                window_ms: minutes(15.0),
            },
            signup_per_client: RateLimit {
                max: 20,
                window_ms: minutes(60.0),
            },
            password_per_client: RateLimit {
                max: 100,
                window_ms: minutes(15.0),
            },
            taken_name_per_client: RateLimit {
                max: 20,
                window_ms: minutes(60.0),
            },
            account_mail_per_client: RateLimit {
                max: 10,
                window_ms: minutes(60.0),
            },
            account_mail_per_account: RateLimit {
                max: 3,
                window_ms: minutes(60.0),
            },
            checkout_per_buyer: RateLimit {
                max: 20,
                window_ms: minutes(10.0),
            },
            upload_per_user: RateLimit {
                max: 60,
                window_ms: minutes(10.0),
            },
        }
    }
}

impl Limits {
    /// Every limit off: for tests of something else, and the base of tests' own limits.
    #[cfg(test)]
    pub const DISABLED: Limits = Limits {
        login_lockout: Lockout::DISABLED,
        login_per_client: RateLimit::DISABLED,
        signup_per_client: RateLimit::DISABLED,
        password_per_client: RateLimit::DISABLED,
        taken_name_per_client: RateLimit::DISABLED,
        account_mail_per_client: RateLimit::DISABLED,
        account_mail_per_account: RateLimit::DISABLED,
        checkout_per_buyer: RateLimit::DISABLED,
        upload_per_user: RateLimit::DISABLED,
    };

    /// Limits from a variable lookup; unset or unparsable vars keep their defaults.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Self {
        let d = Limits::default();
        let count = |name: &str, default: u32| {
            var(name)
                .and_then(|v| v.trim().parse::<u32>().ok())
                .unwrap_or(default)
        };
        let millis = |name: &str, default: i64| {
            var(name)
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|m| m.is_finite() && (0.0..=MAX_MINUTES).contains(m))
                .map(|m| (m * MINUTE_MS).round() as i64)
                .unwrap_or(default)
        };
        let rate = |max: &str, window: &str, d: RateLimit| RateLimit {
            max: count(max, d.max),
            window_ms: millis(window, d.window_ms),
        };
        Limits {
            login_lockout: Lockout {
                threshold: count("LOGIN_LOCKOUT_THRESHOLD", d.login_lockout.threshold),
                duration_ms: millis("LOGIN_LOCKOUT_MINUTES", d.login_lockout.duration_ms),
            },
            login_per_client: rate(
                "LOGIN_IP_LIMIT",
                "LOGIN_IP_WINDOW_MINUTES",
                d.login_per_client,
            ),
            signup_per_client: rate(
                "SIGNUP_IP_LIMIT",
                "SIGNUP_IP_WINDOW_MINUTES",
                d.signup_per_client,
            ),
            password_per_client: rate(
                "PASSWORD_IP_LIMIT",
                "PASSWORD_IP_WINDOW_MINUTES",
                d.password_per_client,
            ),
            taken_name_per_client: rate(
                "TAKEN_NAME_IP_LIMIT",
                "TAKEN_NAME_IP_WINDOW_MINUTES",
                d.taken_name_per_client,
            ),
            account_mail_per_client: rate(
                "ACCOUNT_MAIL_IP_LIMIT",
                "ACCOUNT_MAIL_WINDOW_MINUTES",
                d.account_mail_per_client,
            ),
            account_mail_per_account: rate(
                "ACCOUNT_MAIL_LIMIT",
                "ACCOUNT_MAIL_WINDOW_MINUTES",
                d.account_mail_per_account,
            ),
            checkout_per_buyer: rate(
                "CHECKOUT_LIMIT",
                "CHECKOUT_WINDOW_MINUTES",
                d.checkout_per_buyer,
            ),
            upload_per_user: rate(
                "FILE_UPLOAD_LIMIT",
                "FILE_UPLOAD_WINDOW_MINUTES",
                d.upload_per_user,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn from(pairs: &[(&str, &str)]) -> Limits {
        let vars: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Limits::from_vars(|name| vars.get(name).cloned())
    }

    #[test]
    fn unset_vars_give_the_defaults() {
        let limits = from(&[]);
        assert_eq!(limits, Limits::default());
        assert_eq!(
            limits.login_lockout,
            Lockout {
                threshold: 5,
                duration_ms: 15 * 60_000
            }
        );
    }

    #[test]
    fn minutes_may_be_fractions() {
        let limits = from(&[
            ("LOGIN_LOCKOUT_MINUTES", "0.05"),
            ("CHECKOUT_WINDOW_MINUTES", "2.5"),
        ]);
        assert_eq!(limits.login_lockout.duration_ms, 3_000);
        assert_eq!(limits.checkout_per_buyer.window_ms, 150_000);
    }

    #[test]
    fn a_zero_count_disables_its_limit() {
        let limits = from(&[
            ("LOGIN_LOCKOUT_THRESHOLD", "0"),
            ("LOGIN_IP_LIMIT", "0"),
            ("SIGNUP_IP_LIMIT", "0"),
            ("CHECKOUT_LIMIT", "0"),
        ]);
        assert!(!limits.login_lockout.is_enabled());
        assert!(!limits.login_per_client.is_enabled());
        assert!(!limits.signup_per_client.is_enabled());
        assert!(!limits.checkout_per_buyer.is_enabled());
    }

    #[test]
    fn wrangler_toml_documents_the_defaults_as_they_are_in_code() {
        let toml = include_str!("../../wrangler.toml");
        let vars: HashMap<String, String> = toml
            .lines()
            .skip_while(|l| l.trim() != "[vars]")
            .skip(1)
            .take_while(|l| !l.trim_start().starts_with('['))
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim().to_string(), v.trim().trim_matches('"').to_string()))
            .collect();
        for name in [
            "LOGIN_LOCKOUT_THRESHOLD",
            "LOGIN_LOCKOUT_MINUTES",
            "LOGIN_IP_LIMIT",
            "LOGIN_IP_WINDOW_MINUTES",
            "SIGNUP_IP_LIMIT",
            "SIGNUP_IP_WINDOW_MINUTES",
            "PASSWORD_IP_LIMIT",
            "PASSWORD_IP_WINDOW_MINUTES",
            "CHECKOUT_LIMIT",
            "CHECKOUT_WINDOW_MINUTES",
            "FILE_UPLOAD_LIMIT",
            "FILE_UPLOAD_WINDOW_MINUTES",
        ] {
            assert!(
                vars.contains_key(name),
                "{name} is not in wrangler.toml [vars]"
            );
        }
        assert_eq!(
            Limits::from_vars(|name| vars.get(name).cloned()),
            Limits::default()
        );
    }

    #[test]
    fn unparsable_negative_or_absurd_values_keep_the_defaults() {
        let limits = from(&[
            ("LOGIN_LOCKOUT_THRESHOLD", "five"),
            ("LOGIN_LOCKOUT_MINUTES", "-1"),
            ("SIGNUP_IP_LIMIT", "-3"),
            ("SIGNUP_IP_WINDOW_MINUTES", "NaN"),
            ("CHECKOUT_WINDOW_MINUTES", "1e30"),
        ]);
        assert_eq!(limits, Limits::default());
    }
}
