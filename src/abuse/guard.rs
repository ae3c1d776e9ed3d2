//! The limits as the handlers meet them: what is counted under which key, when, and what a
//! refusal or an unreachable limiter means for the request.
//!
//! Keys, one `RateLimiter` Durable Object each (see src/edge/rate_limiter.rs for why):
//! `login-ip:<client>`, `login-account:<account>`, `signup-ip:<client>`, `password-ip:<client>`,
//! `checkout-buyer:<user id>`, `upload-user:<user id>`, `upload-ip:<client>`.
//!
//! When the limiter cannot answer, the account lockout **fails closed** and every other limit
//! **fails open**. A lock that gives way when its limiter is slow would give way exactly when an
//! attacker floods the locked account's limiter, so an account whose limiter is unreachable
//! cannot log in (500, which the SDKs retry). Since each account has its own limiter, that
//! outage covers one account, usually the one under attack, never every login. The throttles
//! (failed logins and sign-ups per address, checkouts per buyer) only bound volume: losing them
//! for a while costs less than refusing honest users, and the lockout still guards passwords.
//!
//! The master key is exempt from every limit: it is the operator's own tooling.

use super::client_ip::client_key;
use super::ledger::LimitCall;
use super::limiter::Limiter;
use super::limits::Limits;
use super::verdict::Verdict;
use crate::error::{ParseError, Result};
use sha2::{Digest, Sha256};

/// The account a login names, as the lockout keys it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Account<'a> {
    /// An existing user, by objectId: its username and its email share one count.
    User(&'a str),
    /// A name no user has. It is locked out like a real one, so a lockout never tells an
    /// attacker which names exist.
    Unknown(&'a str),
}

impl Account<'_> {
    fn key(&self) -> String {
        match self {
            Account::User(id) => format!("login-account:user:{id}"),
            // Hashed: the limiter never stores what someone typed (often an email address), and
            // the key stays short whatever its length.
            Account::Unknown(name) => {
                let digest = Sha256::digest(name.trim().to_lowercase().as_bytes());
                let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
                format!("login-account:name:{hex}")
            }
        }
    }
}

/// One request's view of the limits.
pub struct Guard<'a> {
    limiter: &'a dyn Limiter,
    limits: &'a Limits,
    /// The client's key (see `client_ip`).
    client: String,
    /// The master key skips every limit.
    exempt: bool,
}

/// "N minute(s)", rounded up, at least one: what a refused client is told to wait.
fn minutes(retry_after_ms: i64) -> i64 {
    ((retry_after_ms + 59_999) / 60_000).max(1)
}

fn refused(verdict: &Verdict, message: &str) -> ParseError {
    ParseError::limit_exceeded(
        format!(
            "{message}. Please try again after {} minute(s)",
            minutes(verdict.retry_after_ms)
        ),
        verdict.retry_after_ms,
    )
}

/// Parse Server's own lockout message.
const LOCKED: &str = "Your account is locked due to multiple failed login attempts";

impl<'a> Guard<'a> {
    /// `client_ip` is the request's `CF-Connecting-IP`; `exempt` is true for the master key.
    pub fn new(
        limiter: &'a dyn Limiter,
        limits: &'a Limits,
        client_ip: Option<&str>,
        exempt: bool,
    ) -> Self {
        Guard {
            limiter,
            limits,
            client: client_key(client_ip),
            exempt,
        }
    }

    /// Before a login's password is checked: refused once this client has failed too often.
    pub async fn login_client(&self) -> Result<()> {
        let limit = self.limits.login_per_client;
        if self.exempt || !limit.is_enabled() {
            return Ok(());
        }
        let key = format!("login-ip:{}", self.client);
        match self.limiter.call(&key, LimitCall::Check { limit }).await {
            Ok(v) if !v.allowed => Err(refused(&v, "Too many failed logins from your network")),
            _ => Ok(()),
        }
    }

    /// Before a login's password is checked: refused while the account is locked, and when its
    /// limiter cannot say (fails closed). Answers the account's failures so far.
    pub async fn login_account(&self, account: &Account<'_>) -> Result<u32> {
        let lockout = self.limits.login_lockout;
        if self.exempt || !lockout.is_enabled() {
            return Ok(0);
        }
        match self
            .limiter
            .call(&account.key(), LimitCall::CheckLock { lockout })
            .await
        {
            Ok(v) if v.allowed => Ok(v.count),
            Ok(v) => Err(refused(&v, LOCKED)),
            Err(_) => Err(ParseError::internal(
                "Logins to this account are unavailable for a moment: please try again.",
            )),
        }
    }

    /// After a wrong password: counts it for the account and the client, both at once. Best
    /// effort: the login has failed already, a lost count only gives one more try.
    pub async fn login_failed(&self, account: &Account<'_>) {
        if self.exempt {
            return;
        }
        let (lockout, limit) = (self.limits.login_lockout, self.limits.login_per_client);
        let account_key = account.key();
        let client_key = format!("login-ip:{}", self.client);
        let for_account = async {
            if lockout.is_enabled() {
                let _ = self
                    .limiter
                    .call(&account_key, LimitCall::Fail { lockout })
                    .await;
            }
        };
        let for_client = async {
            if limit.is_enabled() {
                let _ = self
                    .limiter
                    .call(&client_key, LimitCall::Record { limit })
                    .await;
            }
        };
        futures::join!(for_account, for_client);
    }

    /// After the right password: forgets the account's failures. Only an account that had some
    /// costs a call, so the usual login makes none here. Best effort: a missed reset leaves
    /// failures that age out on their own.
    pub async fn login_succeeded(&self, account: &Account<'_>, failures_before: u32) {
        if self.exempt || failures_before == 0 {
            return;
        }
        let _ = self.limiter.call(&account.key(), LimitCall::Reset).await;
    }

    /// Before a sign-up is hashed and written: counts it against the client's sign-ups.
    pub async fn sign_up(&self) -> Result<()> {
        let limit = self.limits.signup_per_client;
        if self.exempt || !limit.is_enabled() {
            return Ok(());
        }
        let key = format!("signup-ip:{}", self.client);
        match self.limiter.call(&key, LimitCall::Hit { limit }).await {
            Ok(v) if !v.allowed => Err(refused(&v, "Too many sign-ups from your network")),
            _ => Ok(()),
        }
    }

    /// Before a login or a password change hashes a password: counts it against the client's
    /// password checks, successful or not.
    pub async fn password_check(&self) -> Result<()> {
        let limit = self.limits.password_per_client;
        if self.exempt || !limit.is_enabled() {
            return Ok(());
        }
        let key = format!("password-ip:{}", self.client);
        match self.limiter.call(&key, LimitCall::Hit { limit }).await {
            Ok(v) if !v.allowed => Err(refused(&v, "Too many logins from your network")),
            _ => Ok(()),
        }
    }

    /// Before a file upload: counts it against the user's uploads (the client's, for an upload
    /// without a session).
    pub async fn file_upload(&self, user: Option<&str>) -> Result<()> {
        let limit = self.limits.upload_per_user;
        if self.exempt || !limit.is_enabled() {
            return Ok(());
        }
        let key = match user {
            Some(user) => format!("upload-user:{user}"),
            None => format!("upload-ip:{}", self.client),
        };
        match self.limiter.call(&key, LimitCall::Hit { limit }).await {
            Ok(v) if !v.allowed => Err(refused(&v, "Too many file uploads")),
            _ => Ok(()),
        }
    }

    /// Before a write that sets a username or email: refused once this client has been told too
    /// often that a name is taken, so nobody lists the accounts by trying names.
    pub async fn name_claim(&self) -> Result<()> {
        let limit = self.limits.taken_name_per_client;
        if self.exempt || !limit.is_enabled() {
            return Ok(());
        }
        let key = format!("taken-name-ip:{}", self.client);
        match self.limiter.call(&key, LimitCall::Check { limit }).await {
            Ok(v) if !v.allowed => Err(refused(
                &v,
                "Too many usernames or emails that are taken from your network",
            )),
            _ => Ok(()),
        }
    }

    /// After a write was refused because its username or email is taken: counts it. Best
    /// effort, as a failed login's count.
    pub async fn name_taken(&self) {
        let limit = self.limits.taken_name_per_client;
        if self.exempt || !limit.is_enabled() {
            return;
        }
        let key = format!("taken-name-ip:{}", self.client);
        let _ = self.limiter.call(&key, LimitCall::Record { limit }).await;
    }

    /// Before a password reset or verification mail is requested for a mailbox (`mailbox` is
    /// its normalised email): counted against the client and against the mailbox, whether or
    /// not an account has that email (so the answer never tells).
    pub async fn account_mail(&self, mailbox: &str) -> Result<()> {
        if self.exempt {
            return Ok(());
        }
        let (per_client, per_account) = (
            self.limits.account_mail_per_client,
            self.limits.account_mail_per_account,
        );
        let client_key = format!("mail-ip:{}", self.client);
        let digest = Sha256::digest(mailbox.as_bytes());
        let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        let account_key = format!("mail-account:{hex}");
        let hit = |key: String, limit: crate::abuse::rate_limit::RateLimit| async move {
            if !limit.is_enabled() {
                return Ok(());
            }
            match self.limiter.call(&key, LimitCall::Hit { limit }).await {
                Ok(v) if !v.allowed => Err(v),
                _ => Ok(()),
            }
        };
        let (client, account) =
            futures::join!(hit(client_key, per_client), hit(account_key, per_account));
        match client.and(account) {
            Ok(()) => Ok(()),
            Err(v) => Err(refused(&v, "Too many account emails requested")),
        }
    }

    /// Before a checkout (either route): counts it against the buyer's checkouts.
    pub async fn checkout(&self, buyer: &str) -> Result<()> {
        let limit = self.limits.checkout_per_buyer;
        if self.exempt || !limit.is_enabled() {
            return Ok(());
        }
        let key = format!("checkout-buyer:{buyer}");
        match self.limiter.call(&key, LimitCall::Hit { limit }).await {
            Ok(v) if !v.allowed => Err(refused(&v, "Too many checkouts")),
            _ => Ok(()),
        }
    }
}
