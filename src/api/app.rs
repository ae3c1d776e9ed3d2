//! The application: configuration, the isolate's schema cache, and the request context handed to
//! every handler.

use super::request_log::RequestLog;
use crate::abuse::guard::Guard;
use crate::abuse::limiter::Limiter;
use crate::abuse::limits::Limits;
use crate::engine::access::Access;
use crate::engine::change::Change;
use crate::engine::objects::Objects;
use crate::engine::schema::Registry;
use crate::error::Result;
use crate::marketplace::hub::HubClient;
use crate::store::{Statement, Store};
use std::cell::RefCell;
use std::rc::Rc;

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
            allow_client_class_creation: false,
            max_body_bytes: 1024 * 1024,
            pbkdf2_iterations: crate::auth::password::DEFAULT_ITERATIONS,
            session_ttl_ms: 365 * 24 * 3600 * 1000,
            bench_mode: false,
            limits: Limits::default(),
            request_log: RequestLog::default(),
        }
    }
}

impl Config {
    /// Builds the config from a variable lookup (the Worker's env, or a map in tests).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Self {
        let d = Config::default();
        let non_empty = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        Config {
            app_id: non_empty("APP_ID").unwrap_or(d.app_id),
            mount_path: non_empty("MOUNT_PATH").unwrap_or(d.mount_path),
            master_key: non_empty("MASTER_KEY"),
            client_key: non_empty("REST_API_KEY"),
            session_secret: non_empty("SESSION_SECRET"),
            payment_webhook_secret: non_empty("PAYMENT_WEBHOOK_SECRET"),
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
        }
    }
}

/// The schema registry as this isolate last read it. Another isolate's schema change is seen
/// within `TTL_MS`; this isolate's own changes invalidate it at once.
#[derive(Default)]
pub struct SchemaCache {
    cached: RefCell<Option<(Rc<Registry>, i64)>>,
}

impl SchemaCache {
    const TTL_MS: i64 = 5_000;

    pub async fn get(&self, store: &impl Store, now_ms: i64) -> Result<Rc<Registry>> {
        if let Some((registry, loaded_at)) = self.cached.borrow().as_ref() {
            if now_ms - loaded_at < Self::TTL_MS {
                return Ok(registry.clone());
            }
        }
        let rows = store
            .query(&Statement::new(Registry::LOAD_SQL, vec![]))
            .await?;
        let registry = Rc::new(Registry::from_rows(&rows)?);
        *self.cached.borrow_mut() = Some((registry.clone(), now_ms));
        Ok(registry)
    }

    pub fn invalidate(&self) {
        *self.cached.borrow_mut() = None;
    }
}

/// Everything a handler needs for one request.
pub struct Context<'a, S: Store> {
    pub store: &'a S,
    pub config: &'a Config,
    pub schema_cache: &'a SchemaCache,
    pub registry: Rc<Registry>,
    pub access: Access,
    pub now_ms: i64,
    /// How to reach an artisan's hub (a Durable Object at the edge).
    pub hubs: &'a dyn HubClient,
    /// Committed changes, published to live subscribers once the response is on its way.
    pub outbox: &'a Outbox,
    /// The abuse limiters (a Durable Object per key at the edge).
    pub limiter: &'a dyn Limiter,
}

/// Changes a request committed, in commit order.
#[derive(Default)]
pub struct Outbox {
    /// Each change, and whether an artisan's hub made it (and so delivered it already).
    changes: RefCell<Vec<(Change, bool)>>,
}

impl Outbox {
    pub fn push(&self, change: Option<Change>) {
        self.add(change, false);
    }

    /// Changes an artisan's hub committed and delivered to its own sockets.
    pub fn push_from_hub(&self, changes: Vec<Change>) {
        for change in changes {
            self.add(Some(change), true);
        }
    }

    fn add(&self, change: Option<Change>, from_hub: bool) {
        // Sessions are never published: they are credentials.
        if let Some(change) = change.filter(|c| c.class != "_Session") {
            self.changes.borrow_mut().push((change, from_hub));
        }
    }

    /// The changes in commit order, and for each whether a hub made it.
    pub fn take_split(&self) -> (Vec<Change>, Vec<bool>) {
        std::mem::take(&mut *self.changes.borrow_mut())
            .into_iter()
            .unzip()
    }
}

impl<S: Store> Context<'_, S> {
    /// Runs a write plan as one transaction and queues what it changed for live subscribers.
    pub async fn execute(
        &self,
        plan: &crate::engine::write::WritePlan,
    ) -> Result<crate::engine::write::Outcome> {
        let results = self.store.batch(&plan.statements).await?;
        let outcome = plan.outcome(&results)?;
        self.outbox.push(plan.change(&results));
        Ok(outcome)
    }

    /// The abuse limits as `request` meets them; the master key is exempt.
    pub fn guard(&self, request: &super::request::ParseRequest) -> Guard<'_> {
        Guard::new(
            self.limiter,
            &self.config.limits,
            request.client_ip.as_deref(),
            self.access.is_master(),
        )
    }

    pub fn objects(&self) -> Objects<'_, S> {
        Objects {
            store: self.store,
            registry: &self.registry,
            access: &self.access,
            allow_client_class_creation: self.config.allow_client_class_creation,
            now_ms: self.now_ms,
            rules: &crate::marketplace::MarketplaceRules,
        }
    }

    /// Re-reads the registry after this request changed it, so the next statement sees the change.
    pub async fn reload_registry(&mut self) -> Result<()> {
        self.schema_cache.invalidate();
        self.registry = self.schema_cache.get(self.store, self.now_ms).await?;
        Ok(())
    }
}
