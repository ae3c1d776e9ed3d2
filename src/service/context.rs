//! What every service call runs with: the backends the edge supplies for one request
//! (`Services`), and who is asking, with the schema registry they are asking against
//! (`Context`). Every write of every protocol goes through `Context::execute`.

use super::config::Config;
use super::files::bucket::Bucket;
use super::files::cleanup::drop_objects;
use super::files::name::url_prefix;
use super::health::DurableObjectPinger;
use super::mail::Mailer;
use super::outbox::Outbox;
use super::schema_cache::SchemaCache;
use super::sessions;
use crate::abuse::guard::Guard;
use crate::abuse::limiter::Limiter;
use crate::engine::access::Access;
use crate::engine::objects::{self, Committed, Objects, RequestBudget};
use crate::engine::schema::Registry;
use crate::engine::write::{Outcome, WritePlan};
use crate::error::{Code, ParseError, Result};
use crate::marketplace::hub::HubClient;
use crate::store::Store;
use std::rc::Rc;

/// Everything a request's services reach besides the request; the edge builds one per request
/// (and the native tests one per test world).
pub struct Services<'a, S: Store> {
    pub store: &'a S,
    pub config: &'a Config,
    pub schema_cache: &'a SchemaCache,
    /// How to reach an artisan's hub (a Durable Object at the edge, in place natively).
    pub hubs: &'a dyn HubClient,
    /// Receives the changes the request committed, for the live hubs.
    pub outbox: &'a Outbox,
    /// The abuse limiters (a Durable Object per key at the edge).
    pub limiter: &'a dyn Limiter,
    /// Reaches the Durable Object namespaces for the health check.
    pub durable_objects: &'a dyn DurableObjectPinger,
    /// Sends the account flows' mail (the configured adapter).
    pub mailer: &'a dyn Mailer,
    /// Where file bytes live (an R2 bucket at the edge).
    pub bucket: &'a dyn Bucket,
}

/// What a protocol knows of its client beyond its credentials.
#[derive(Debug, Clone, Default)]
pub struct Client {
    /// The address as Cloudflare saw it (`CF-Connecting-IP`), for the abuse limits.
    pub ip: Option<String>,
    pub installation_id: Option<String>,
    /// The client's idempotency key (`X-Parse-Request-Id`, `Idempotency-Key`).
    pub request_id: Option<String>,
    /// The session token the client sent, handed back where Parse hands it back.
    pub session_token: Option<String>,
    /// `scheme://host[:port]` the client called: mailed links start with it when no
    /// `PUBLIC_URL` is configured.
    pub origin: String,
    /// The public URL of the mount path as this client reaches it (`PUBLIC_URL`, or the
    /// request's origin and the mount path): file URLs start with it. `None`: the mount path
    /// alone, a URL relative to the API's host.
    pub base_url: Option<String>,
}

impl<'a, S: Store> Services<'a, S> {
    /// The client a session token speaks for; a bad, expired or revoked one is 209.
    pub async fn authenticate(&self, token: &str, now_ms: i64) -> Result<Access> {
        sessions::authenticate(self.store, self.config, token, now_ms).await
    }

    /// A context for `access`, on this isolate's schema registry.
    pub async fn context(
        &self,
        access: Access,
        client: Client,
        now_ms: i64,
    ) -> Result<Context<'a, S>> {
        let registry = self.schema_cache.get(self.store, now_ms).await?;
        let base = client
            .base_url
            .clone()
            .unwrap_or_else(|| self.config.mount_path.trim_end_matches('/').to_string());
        Ok(Context {
            file_urls: url_prefix(&base, &self.config.app_id),
            bucket: self.bucket,
            store: self.store,
            config: self.config,
            schema_cache: self.schema_cache,
            registry,
            access,
            client,
            now_ms,
            hubs: self.hubs,
            outbox: self.outbox,
            limiter: self.limiter,
            mailer: self.mailer,
            password_hashes: 0,
            read_budget: RequestBudget::default(),
        })
    }
}

/// Most passwords one request may hash or check (logins, sign-ups, password changes): each
/// costs about half a second of CPU, so a `/batch` of them would hold the isolate for a minute.
pub const MAX_PASSWORD_HASHES_PER_REQUEST: u32 = 2;

/// One caller's view of the services.
pub struct Context<'a, S: Store> {
    pub store: &'a S,
    pub config: &'a Config,
    schema_cache: &'a SchemaCache,
    pub registry: Rc<Registry>,
    pub access: Access,
    pub client: Client,
    pub now_ms: i64,
    pub hubs: &'a dyn HubClient,
    pub outbox: &'a Outbox,
    limiter: &'a dyn Limiter,
    pub mailer: &'a dyn Mailer,
    /// Passwords this request has hashed so far (see `MAX_PASSWORD_HASHES_PER_REQUEST`).
    password_hashes: u32,
    /// What this request's reads may still spend (regexes, probes, answer bytes).
    read_budget: RequestBudget,
    /// Where file bytes live.
    pub bucket: &'a dyn Bucket,
    /// `<base URL>/files/<app id>/`: a File value's URL is this and its name.
    pub file_urls: String,
}

impl<S: Store> Context<'_, S> {
    /// Takes one password hash from the request's budget, or refuses (155) without hashing.
    pub fn spend_password_hash(&mut self) -> Result<()> {
        if self.password_hashes >= MAX_PASSWORD_HASHES_PER_REQUEST {
            return Err(ParseError::new(
                Code::RequestLimitExceeded,
                format!(
                    "A request may log in, sign up or change a password at most {MAX_PASSWORD_HASHES_PER_REQUEST} times: send the others in requests of their own."
                ),
            ));
        }
        self.password_hashes += 1;
        Ok(())
    }

    /// Runs a write plan as one transaction and queues what it changed for live subscribers.
    pub async fn execute(&mut self, plan: &WritePlan) -> Result<Outcome> {
        let mut committed = self.execute_all(&[plan]).await?;
        committed
            .pop()
            .ok_or_else(|| ParseError::internal("a write plan answered nothing"))
    }

    /// Runs write plans as one transaction (all commit or none does), queues what they changed,
    /// and re-reads the registry when one of them changed the schema.
    /// A write that sets a username or email first passes the taken-name limit, and a clash
    /// counts against it (see `Guard::name_claim`), whichever route it came by.
    /// Files the writes left unreferenced are deleted from the bucket once the batch committed.
    pub async fn execute_all(&mut self, plans: &[&WritePlan]) -> Result<Vec<Outcome>> {
        let claims_name = plans.iter().any(|p| p.claims_account_name);
        if claims_name {
            self.guard().name_claim().await?;
        }
        let committed = match objects::commit(self.store, plans).await {
            Err(e) if claims_name && matches!(e.code, Code::UsernameTaken | Code::EmailTaken) => {
                self.guard().name_taken().await;
                return Err(e);
            }
            other => other?,
        };
        if plans.iter().any(|p| p.schema_changed) {
            self.reload_registry().await?;
        }
        let mut dropped = Vec::new();
        let outcomes = committed
            .into_iter()
            .map(
                |Committed {
                     mut outcome,
                     change,
                     dropped_files,
                 }| {
                    self.outbox.push(change);
                    dropped.extend(dropped_files);
                    self.add_file_urls(&mut outcome);
                    outcome
                },
            )
            .collect();
        if !dropped.is_empty() {
            // The write has committed: a failure here leaves files marked deleted, which the
            // sweep deletes later, and must not turn the write's answer into an error.
            let _ = drop_objects(self.store, self.bucket, &dropped).await;
        }
        Ok(outcomes)
    }

    /// The URLs of the File values an answer carries (the results of an Add or Remove on an
    /// array of files; fields the rules set).
    fn add_file_urls(&self, outcome: &mut Outcome) {
        let fields = match outcome {
            Outcome::Created { server_fields, .. } => server_fields,
            Outcome::Updated(fields) => fields,
            Outcome::Deleted => return,
        };
        crate::engine::files::add_urls_to_fields(fields, &self.file_urls);
    }

    /// The abuse limits as this client meets them; the master key is exempt.
    pub fn guard(&self) -> Guard<'_> {
        Guard::new(
            self.limiter,
            &self.config.limits,
            self.client.ip.as_deref(),
            self.access.is_master(),
        )
    }

    /// The engine's object operations for this caller.
    pub fn objects(&self) -> Objects<'_, S> {
        Objects {
            store: self.store,
            registry: &self.registry,
            access: &self.access,
            allow_client_class_creation: self.config.allow_client_class_creation,
            now_ms: self.now_ms,
            rules: &crate::marketplace::MarketplaceRules,
            budget: Some(&self.read_budget),
            file_urls: Some(&self.file_urls),
        }
    }

    /// Re-reads the registry after this request changed it, so the next statement sees the change.
    pub async fn reload_registry(&mut self) -> Result<()> {
        self.schema_cache.invalidate();
        self.registry = self.schema_cache.get(self.store, self.now_ms).await?;
        Ok(())
    }

    /// Operations only the master key may run answer 403 to anyone else, as Parse Server does.
    pub fn require_master(&self) -> Result<()> {
        if self.access.is_master() {
            Ok(())
        } else {
            Err(ParseError::new(
                Code::Unauthorized,
                "unauthorized: master key is required",
            ))
        }
    }
}
