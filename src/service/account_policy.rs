//! How accounts behave beyond sign-up and login: which mail adapter sends the account flows'
//! messages, email verification (Parse's `verifyUserEmails`, `preventLoginWithUnverifiedEmail`,
//! `emailVerifyTokenValidityDuration`), password reset (`resetPasswordSuccessOnInvalidEmail`)
//! and the password policy. From `wrangler.toml` `[vars]` and secrets:
//!
//! | var | default | what |
//! |---|---|---|
//! | `MAIL_ADAPTER` | `http` | `dev-outbox` (keep messages locally, listed at `/parse/dev/outbox`), `http` (send through `MAIL_API_URL` with the secret `MAIL_API_KEY`; without a key nothing is sent), `none` |
//! | `MAIL_API_URL` | `https://api.resend.com/emails` | the provider's JSON endpoint |
//! | `MAIL_FROM` | `Artisan Market <no-reply@example.com>` | the sender |
//! | `APP_NAME` | `Artisan Market` | the name mails and pages show |
//! | `VERIFY_USER_EMAILS` | `true` | sign-up and an email change send a verification link |
//! | `PREVENT_LOGIN_WITH_UNVERIFIED_EMAIL` | `false` | a user with an unverified email cannot log in (205), and sign-up opens no session |
//! | `EMAIL_VERIFY_TOKEN_HOURS` | `24` | how long a verification link works |
//! | `PASSWORD_RESET_TOKEN_MINUTES` | `60` | how long a reset link works |
//! | `RESET_PASSWORD_SUCCESS_ON_INVALID_EMAIL` | `true` | a reset request for an unknown email answers as for a known one |
//! | `PASSWORD_MIN_LENGTH` | `8` | shortest password accepted on sign-up, change and reset |

/// Where the account flows' messages go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailAdapter {
    /// Nothing is sent; verification is off and reset requests answer that mail is unavailable.
    None,
    /// Kept in the local database and listed at `GET /parse/dev/outbox`.
    DevOutbox,
    /// An HTTP email API (Resend's JSON shape): `POST url` with `Authorization: Bearer key`.
    HttpApi {
        url: String,
        key: String,
        from: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountPolicy {
    pub mail: MailAdapter,
    pub app_name: String,
    pub verify_user_emails: bool,
    pub prevent_login_with_unverified_email: bool,
    pub verify_token_ttl_ms: i64,
    pub reset_token_ttl_ms: i64,
    pub reset_success_on_invalid_email: bool,
    pub password_min_length: usize,
}

impl Default for AccountPolicy {
    fn default() -> Self {
        AccountPolicy {
            mail: MailAdapter::None,
            app_name: "Artisan Market".into(),
            verify_user_emails: true,
            prevent_login_with_unverified_email: false,
            verify_token_ttl_ms: 24 * 3_600_000,
            reset_token_ttl_ms: 3_600_000,
            reset_success_on_invalid_email: true,
            password_min_length: 8,
        }
    }
}

impl AccountPolicy {
    /// From a lookup of non-empty vars; unset or unparsable ones keep their defaults.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Self {
        let d = AccountPolicy::default();
        let flag = |name: &str, default: bool| match var(name).as_deref().map(str::trim) {
            Some("true" | "1") => true,
            Some("false" | "0") => false,
            _ => default,
        };
        let duration = |name: &str, unit_ms: f64, default: i64| {
            var(name)
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|n| n.is_finite() && *n > 0.0 && *n <= 366.0 * 24.0 * 60.0)
                .map(|n| (n * unit_ms).round() as i64)
                .unwrap_or(default)
        };
        let mail = match var("MAIL_ADAPTER")
            .as_deref()
            .map(str::trim)
            .unwrap_or("http")
        {
            "dev-outbox" => MailAdapter::DevOutbox,
            "http" => match var("MAIL_API_KEY") {
                Some(key) => MailAdapter::HttpApi {
                    url: var("MAIL_API_URL")
                        .unwrap_or_else(|| "https://api.resend.com/emails".into()),
                    key,
                    from: var("MAIL_FROM")
                        .unwrap_or_else(|| "Artisan Market <no-reply@example.com>".into()),
                },
                None => MailAdapter::None,
            },
            _ => MailAdapter::None,
        };
        AccountPolicy {
            mail,
            app_name: var("APP_NAME").unwrap_or(d.app_name),
            verify_user_emails: flag("VERIFY_USER_EMAILS", d.verify_user_emails),
            prevent_login_with_unverified_email: flag(
                "PREVENT_LOGIN_WITH_UNVERIFIED_EMAIL",
                d.prevent_login_with_unverified_email,
            ),
            verify_token_ttl_ms: duration(
                "EMAIL_VERIFY_TOKEN_HOURS",
                3_600_000.0,
                d.verify_token_ttl_ms,
            ),
            reset_token_ttl_ms: duration(
                "PASSWORD_RESET_TOKEN_MINUTES",
                60_000.0,
                d.reset_token_ttl_ms,
            ),
            reset_success_on_invalid_email: flag(
                "RESET_PASSWORD_SUCCESS_ON_INVALID_EMAIL",
                d.reset_success_on_invalid_email,
            ),
            password_min_length: var("PASSWORD_MIN_LENGTH")
                .and_then(|v| v.trim().parse::<usize>().ok())
                .filter(|n| (1..=256).contains(n))
                .unwrap_or(d.password_min_length),
        }
    }

    /// Whether mail can be sent at all.
    pub fn can_mail(&self) -> bool {
        self.mail != MailAdapter::None
    }

    /// Whether sign-up and email changes send verification links.
    pub fn verifies_emails(&self) -> bool {
        self.verify_user_emails && self.can_mail()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn from(pairs: &[(&str, &str)]) -> AccountPolicy {
        let vars: HashMap<&str, &str> = pairs.iter().copied().collect();
        AccountPolicy::from_vars(|k| vars.get(k).map(|v| v.to_string()))
    }

    #[test]
    fn http_mail_needs_its_key_and_the_dev_outbox_is_chosen_by_name() {
        assert_eq!(from(&[]).mail, MailAdapter::None);
        assert!(!from(&[]).verifies_emails());
        assert_eq!(
            from(&[("MAIL_ADAPTER", "dev-outbox")]).mail,
            MailAdapter::DevOutbox
        );
        let http = from(&[("MAIL_API_KEY", "k")]);
        assert_eq!(
            http.mail,
            MailAdapter::HttpApi {
                url: "https://api.resend.com/emails".into(),
                key: "k".into(),
                from: "Artisan Market <no-reply@example.com>".into()
            }
        );
        assert!(http.verifies_emails());
        assert_eq!(
            from(&[("MAIL_ADAPTER", "none"), ("MAIL_API_KEY", "k")]).mail,
            MailAdapter::None
        );
    }

    #[test]
    fn durations_and_lengths_parse_or_keep_their_defaults() {
        let p = from(&[
            ("EMAIL_VERIFY_TOKEN_HOURS", "2"),
            ("PASSWORD_RESET_TOKEN_MINUTES", "0.05"),
            ("PASSWORD_MIN_LENGTH", "12"),
            ("PREVENT_LOGIN_WITH_UNVERIFIED_EMAIL", "true"),
        ]);
        assert_eq!(p.verify_token_ttl_ms, 7_200_000);
        assert_eq!(p.reset_token_ttl_ms, 3_000);
        assert_eq!(p.password_min_length, 12);
        assert!(p.prevent_login_with_unverified_email);
        let bad = from(&[
            ("PASSWORD_RESET_TOKEN_MINUTES", "-1"),
            ("PASSWORD_MIN_LENGTH", "0"),
        ]);
        assert_eq!(bad.reset_token_ttl_ms, 3_600_000);
        assert_eq!(bad.password_min_length, 8);
    }
}
