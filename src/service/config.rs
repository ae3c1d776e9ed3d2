//! The server's settings: `wrangler.toml` `[vars]` and secrets, read once per isolate.

use super::account_policy::AccountPolicy;
use super::files::policy::FilePolicy;
use crate::abuse::limits::Limits;
use crate::marketplace::pending_orders::HoldPolicy;

/// Settings from `wrangler.toml` `[vars]` and secrets.
#[derive(Debug, Clone)]
pub struct Config {
    pub app_id: String,
    pub mount_path: String,
    /// `None` disables master-key access entirely.
    pub master_key: Option<String>,
    /// `X-Parse-REST-API-Key` / JavaScript key, checked only when configured.
    pub client_key: Option<String>,
    pub session_secret: Option<String>,
    /// HMAC key of the payment provider's webhook; unset disables the webhook.
    pub payment_webhook_secret: Option<String>,
    /// `DEV_TEST_PAYMENTS=true` (make dev only, never in wrangler.toml): `POST /dev/pay` lets a
    /// buyer pay its own pending order through the signed payment webhook, for local demos.
    pub dev_test_payments: bool,
    pub allow_client_class_creation: bool,
    pub max_body_bytes: usize,
    pub pbkdf2_iterations: u32,
    /// Session lifetime.
    pub session_ttl_ms: i64,
    /// Adds `X-D1-Round-Trips` to every response, for the benchmark harness.
    pub bench_mode: bool,
    /// Abuse limits: login lockout, throttles on failed logins, sign-ups and checkouts.
    pub limits: Limits,
    /// Which requests get a line in the request log.
    pub request_log: RequestLog,
    /// How long unpaid orders hold stock, and how much one buyer may hold.
    pub hold: HoldPolicy,
    /// The API's public URL, mount path included (`https://api.example.com/parse`), as Parse's
    /// `publicServerURL`: absolute URLs (`Location`, the OpenAPI `servers`) start with it.
    /// Unset: they start with the request's own origin, which the client chose.
    pub public_url: Option<String>,
    /// The ISO 4217 code prices and orders are in; a payment confirmation must name it.
    pub currency: String,
    /// Mail, email verification, password reset and the password policy.
    pub accounts: AccountPolicy,
    /// Who may upload files, how large, which types; how long unattached uploads are kept.
    pub files: FilePolicy,
    /// Lets GraphQL introspection (`__schema`, `__type`) answer callers without the master key,
    /// showing them what the OpenAPI document shows them (`GRAPHQL_PUBLIC_INTROSPECTION`).
    pub graphql_public_introspection: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            app_id: "artisan-market".into(),
            mount_path: "/parse".into(),
            master_key: None,
            client_key: None,
            session_secret: None,
            payment_webhook_secret: None,
            dev_test_payments: false,
            allow_client_class_creation: false,
            max_body_bytes: 1024 * 1024,
            pbkdf2_iterations: crate::auth::password::DEFAULT_ITERATIONS,
            session_ttl_ms: 365 * 24 * 3600 * 1000,
            bench_mode: false,
            limits: Limits::default(),
            request_log: RequestLog::default(),
            hold: HoldPolicy::default(),
            public_url: None,
            currency: "USD".into(),
            accounts: AccountPolicy::default(),
            files: FilePolicy::default(),
            graphql_public_introspection: false,
        }
    }
}

impl Config {
    /// Builds the config from a variable lookup (the Worker's env, or a map in tests).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Self {
        let d = Config::default();
        let non_empty = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let minutes = |name: &str, default_ms: i64| {
            non_empty(name)
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|m| m.is_finite() && *m >= 0.0)
                .map(|m| (m * 60_000.0).round() as i64)
                .unwrap_or(default_ms)
        };
        let hold = HoldPolicy {
            lapse_ms: minutes("PENDING_ORDER_MINUTES", d.hold.lapse_ms),
            max_unpaid_items: non_empty("UNPAID_ITEMS_LIMIT")
                .and_then(|v| v.trim().parse::<i64>().ok())
                .filter(|n| *n >= 0)
                .unwrap_or(d.hold.max_unpaid_items),
        };
        Config {
            hold,
            app_id: non_empty("APP_ID").unwrap_or(d.app_id),
            mount_path: non_empty("MOUNT_PATH").unwrap_or(d.mount_path),
            master_key: non_empty("MASTER_KEY"),
            client_key: non_empty("REST_API_KEY"),
            session_secret: non_empty("SESSION_SECRET"),
            payment_webhook_secret: non_empty("PAYMENT_WEBHOOK_SECRET"),
            dev_test_payments: non_empty("DEV_TEST_PAYMENTS").is_some_and(|v| v.trim() == "true"),
            allow_client_class_creation: non_empty("ALLOW_CLIENT_CLASS_CREATION")
                .is_some_and(|v| v == "true" || v == "1"),
            max_body_bytes: non_empty("MAX_BODY_BYTES")
                .and_then(|v| v.parse().ok())
                .unwrap_or(d.max_body_bytes),
            pbkdf2_iterations: non_empty("PBKDF2_ITERATIONS")
                .and_then(|v| v.parse().ok())
                .filter(|n| *n >= 1)
                .unwrap_or(d.pbkdf2_iterations),
            session_ttl_ms: non_empty("SESSION_TTL_DAYS")
                .and_then(|v| v.parse::<i64>().ok())
                .map(|days| days * 24 * 3600 * 1000)
                .unwrap_or(d.session_ttl_ms),
            bench_mode: non_empty("BENCH_MODE").is_some_and(|v| v == "true" || v == "1"),
            limits: Limits::from_vars(non_empty),
            request_log: non_empty("REQUEST_LOG")
                .map(|v| RequestLog::parse(&v))
                .unwrap_or_default(),
            public_url: non_empty("PUBLIC_URL")
                .map(|v| v.trim().trim_end_matches('/').to_string())
                .filter(|v| v.starts_with("https://") || v.starts_with("http://")),
            currency: non_empty("CURRENCY")
                .map(|v| v.trim().to_ascii_uppercase())
                .unwrap_or(d.currency),
            accounts: AccountPolicy::from_vars(non_empty),
            files: FilePolicy::from_vars(|name| match name {
                // An empty allow-list is a choice (no uploads but the master key's).
                "FILE_UPLOAD_ALLOWED_TYPES" => var(name),
                _ => non_empty(name),
            }),
            graphql_public_introspection: non_empty("GRAPHQL_PUBLIC_INTROSPECTION")
                .is_some_and(|v| v.trim() == "true" || v.trim() == "1"),
        }
    }

    /// The absolute URL of the mount path: `PUBLIC_URL`, or else `origin` (the request's
    /// `scheme://host[:port]`) followed by the mount path.
    pub fn public_base(&self, origin: &str) -> String {
        match &self.public_url {
            Some(url) => url.clone(),
            None => format!("{origin}{}", self.mount_path.trim_end_matches('/')),
        }
    }
}

/// Which requests are logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RequestLog {
    /// Every request (the default).
    #[default]
    All,
    /// Only answers with status 400 or above.
    Errors,
    Off,
}

impl RequestLog {
    /// `all`, `errors` or `off`; anything else keeps the default, so a typo never silences logs.
    pub fn parse(value: &str) -> Self {
        match value.trim().to_ascii_lowercase().as_str() {
            "errors" => RequestLog::Errors,
            "off" | "none" | "false" => RequestLog::Off,
            _ => RequestLog::All,
        }
    }

    pub fn wants(self, status: u16) -> bool {
        match self {
            RequestLog::All => true,
            RequestLog::Errors => status >= 400,
            RequestLog::Off => false,
        }
    }
}
