//! The one test world: a store with the product's migrations, the settings, the isolate's
//! caches, and the services built from them exactly as the edge builds them per request, with
//! hubs running in place and no Durable Objects to ping.

use super::{MemoryBucket, SqliteStore};
use crate::abuse::limiter::LocalLimiter;
use crate::api::http::{HttpRequest, HttpResponse};
use crate::api::request_log::RequestFacts;
use crate::api::router;
use crate::engine::schema::Registry;
use crate::marketplace::hub::LocalHub;
use crate::service::dev_mailbox::DevMailbox;
use crate::service::health::{DurableObjectPinger, NoDurableObjects};
use crate::service::outbox::Outbox;
use crate::service::schema_cache::SchemaCache;
use crate::service::{Config, Services};
use crate::store::{Statement, Store};
use futures::executor::block_on;

pub struct World<S: Store = SqliteStore> {
    pub store: S,
    pub config: Config,
    pub schema_cache: SchemaCache,
    /// Kept across requests, as an isolate's (or the Durable Object's) counts are.
    pub limiter: LocalLimiter,
    pub durable_objects: Box<dyn DurableObjectPinger>,
    /// The file bucket, kept across requests as R2 keeps it.
    pub bucket: MemoryBucket,
}

impl World {
    /// A fresh database with every migration applied, and the default settings.
    pub fn new() -> Self {
        World::on(SqliteStore::migrated())
    }

    /// A world with what sign-up and the master key need: a session secret, the master key
    /// `master`, fast password hashing, and abuse limits out of reach.
    pub fn signing_up() -> World {
        World::new().with_config(Config {
            session_secret: Some("s".repeat(32)),
            master_key: Some("master".into()),
            pbkdf2_iterations: 1_000,
            limits: crate::abuse::limits::Limits::DISABLED,
            ..Config::default()
        })
    }
}

impl<S: Store> World<S> {
    pub fn on(store: S) -> Self {
        World {
            store,
            config: Config::default(),
            schema_cache: SchemaCache::default(),
            limiter: LocalLimiter::default(),
            durable_objects: Box::new(NoDurableObjects),
            bucket: MemoryBucket::default(),
        }
    }

    pub fn with_config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    pub fn with_durable_objects(mut self, pinger: impl DurableObjectPinger + 'static) -> Self {
        self.durable_objects = Box::new(pinger);
        self
    }

    /// Runs `f` with one request's services.
    pub fn services<T>(&self, f: impl FnOnce(&Services<'_, S>) -> T) -> T {
        self.services_in(&self.schema_cache, f)
    }

    /// Runs `f` with one request's services in an isolate whose schema cache is `cache`.
    pub fn services_in<T>(&self, cache: &SchemaCache, f: impl FnOnce(&Services<'_, S>) -> T) -> T {
        let hubs = LocalHub { store: &self.store };
        let outbox = Outbox::default();
        let mailer = DevMailbox {
            store: &self.store,
            now_ms: crate::platform::now_ms(),
        };
        f(&Services {
            store: &self.store,
            config: &self.config,
            schema_cache: cache,
            hubs: &hubs,
            outbox: &outbox,
            limiter: &self.limiter,
            durable_objects: self.durable_objects.as_ref(),
            mailer: &mailer,
            bucket: &self.bucket,
        })
    }

    /// One HTTP request through the whole REST stack.
    pub fn handle(&self, http: &HttpRequest) -> HttpResponse {
        self.handle_logged(http).0
    }

    /// One HTTP request, and what its log line says.
    pub fn handle_logged(&self, http: &HttpRequest) -> (HttpResponse, RequestFacts) {
        self.services(|services| block_on(router::handle_logged(services, http)))
    }

    /// One REST call with the app id: `path` is below the mount path, `body` is sent as JSON
    /// (`None`: no body), `headers` are added (names in lower case).
    pub fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<&serde_json::Value>,
        headers: &[(&str, &str)],
    ) -> HttpResponse {
        let mut all = vec![(
            "x-parse-application-id".to_string(),
            "artisan-market".to_string(),
        )];
        all.extend(headers.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        self.handle(&HttpRequest {
            method: method.into(),
            path: format!("/parse{path}"),
            query: query.into(),
            headers: all,
            body: body.map(|b| b.to_string().into_bytes()).unwrap_or_default(),
            origin: "http://localhost".into(),
        })
    }

    /// The schema registry as the database holds it now.
    pub fn registry(&self) -> Registry {
        let rows = block_on(
            self.store
                .query(&Statement::new(Registry::LOAD_SQL, vec![])),
        )
        .expect("the registry loads");
        Registry::from_rows(&rows).expect("the registry parses")
    }
}
