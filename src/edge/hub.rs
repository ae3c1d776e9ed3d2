//! `ArtisanHub`, the Durable Object of one artisan: it runs that artisan's hub calls one at a
//! time (the database guarantees correctness; the hub gives each artisan one ordered stream of
//! events), answers retried checkouts from its storage for a day, and lets its unpaid orders
//! lapse (`marketplace::pending_orders`): its alarm wakes at the next lapse or key expiry.

use super::d1::D1Store;
use super::live::LiveRoom;
use crate::engine::change::{Change, ChangeKind};
use crate::error::{ParseError, Result as ParseResult};
use crate::live::socket::Sockets;
use crate::marketplace::hub::{serve, HubCall, HubClient, Served};
use crate::marketplace::pending_orders;
use crate::platform::now_ms;
use futures::future::LocalBoxFuture;
use futures::lock::Mutex;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use worker::{
    durable_object, DurableObject, Env, Method, ObjectNamespace, Request, RequestInit, Response,
    Result, State,
};

/// How long a hub remembers a checkout's idempotency key.
const KEY_TTL_MS: i64 = 24 * 3600 * 1000;
const KEY_PREFIX: &str = "idem:";
/// The artisan this hub serves, remembered from its first order (a Durable Object is not told
/// the name it was created from).
const ARTISAN_KEY: &str = "artisan";

#[durable_object]
pub struct ArtisanHub {
    state: State,
    env: Env,
    /// One call at a time: awaits on D1 would otherwise let calls interleave.
    turn: Mutex<()>,
    /// Its live sockets' states (see `LiveRoom`).
    sockets: RefCell<Sockets>,
    /// One socket frame at a time (see `LiveRoom::frames`), apart from `turn`, so a slow frame
    /// never holds up a checkout.
    frames: futures::lock::Mutex<()>,
    /// Whether this instance has stored its artisan's id already (one write per instance, not
    /// one per checkout).
    artisan_stored: std::cell::Cell<bool>,
}

#[derive(Serialize, Deserialize)]
struct Remembered {
    served: Served,
    expires_at_ms: i64,
}

/// The hub's answer on the wire: the reply, or the Parse error to pass on.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
enum Wire {
    Ok(Served),
    Err { code: i32, error: String },
}

impl DurableObject for ArtisanHub {
    fn new(state: State, env: Env) -> Self {
        ArtisanHub {
            state,
            env,
            turn: Mutex::new(()),
            sockets: RefCell::default(),
            frames: futures::lock::Mutex::new(()),
            artisan_stored: std::cell::Cell::new(false),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        if let Some(pong) = super::health::answer_ping(&req) {
            return pong;
        }
        let room = self.live_room();
        if req.headers().get("upgrade")?.is_some() {
            return room.accept();
        }
        if req.path() == "/publish" {
            let changes: Vec<Change> = req.json().await?;
            let _turn = self.turn.lock().await;
            self.watch_lapses(&changes).await;
            room.publish(&changes).await?;
            return Response::ok("");
        }
        let call: HubCall = match req.json().await {
            Ok(call) => call,
            Err(e) => {
                return Response::from_json(&Wire::Err {
                    code: 107,
                    error: format!("bad hub call: {e}"),
                })
            }
        };
        let _turn = self.turn.lock().await;
        let wire = match self.run(&call).await {
            Ok(served) => {
                self.watch_lapses(&served.changes).await;
                // This artisan's dashboards hear of it before the next call runs: commit order.
                if let Err(e) = room.publish(&served.changes).await {
                    worker::console_error!("artisan hub: publishing committed changes failed: {e}");
                }
                Wire::Ok(served)
            }
            Err(e) => Wire::Err {
                code: e.code as i32,
                error: e.message,
            },
        };
        Response::from_json(&wire)
    }

    super::live::live_socket_handlers!();

    async fn alarm(&self) -> Result<Response> {
        let now = now_ms();
        let storage = self.state.storage();
        let keys = storage
            .list_with_options(worker::ListOptions::new().prefix(KEY_PREFIX))
            .await?;
        let mut expired = Vec::new();
        let mut next: Option<i64> = None;
        for entry in keys.entries() {
            let Ok(pair) = entry.map(|e| js_sys::Array::from(&e)) else {
                continue;
            };
            let key = pair.get(0).as_string().unwrap_or_default();
            let remembered: Option<Remembered> = serde_wasm_bindgen::from_value(pair.get(1)).ok();
            match remembered {
                Some(r) if r.expires_at_ms > now => {
                    next = Some(next.map_or(r.expires_at_ms, |n| n.min(r.expires_at_ms)))
                }
                _ => expired.push(key),
            }
        }
        if !expired.is_empty() {
            storage.delete_multiple(expired).await?;
        }
        // The database's copy of the keys (the crash-safe one) ages out on the same schedule.
        if let Ok(db) = self.env.d1("DB") {
            let cutoff = crate::platform::iso_from_ms(now - KEY_TTL_MS);
            let forget = crate::marketplace::checkout::forget_keys_before(&cutoff);
            if let Err(e) = crate::store::Store::batch(&D1Store { db }, &[forget]).await {
                worker::console_error!(
                    "artisan hub: forgetting old idempotency keys failed: {e:?}"
                );
            }
        }
        if let Some(lapse) = self.expire_lapsed(now).await {
            next = Some(next.map_or(lapse, |n| n.min(lapse)));
        }
        if let Some(at) = next {
            storage.set_alarm(super::alarm_at(at)).await?;
        }
        Response::ok("")
    }
}

impl ArtisanHub {
    /// Its live sockets, served as every hub serves them.
    fn live_room(&self) -> LiveRoom<'_> {
        LiveRoom {
            state: &self.state,
            env: &self.env,
            sockets: &self.sockets,
            frames: &self.frames,
        }
    }

    /// Remembers whose hub this is, and wakes the alarm in time for each new order's lapse.
    async fn watch_lapses(&self, changes: &[Change]) {
        let storage = self.state.storage();
        for change in changes {
            if change.class != "Order" || change.kind != ChangeKind::Created {
                continue;
            }
            if let Some(artisan) = change.row.get("artisan").and_then(|a| a.as_str()) {
                if !self.artisan_stored.get() {
                    match storage.put(ARTISAN_KEY, artisan).await {
                        Ok(()) => self.artisan_stored.set(true),
                        Err(e) => {
                            worker::console_error!(
                                "artisan hub: remembering its artisan failed: {e}"
                            )
                        }
                    }
                }
            }
            let lapse = change
                .row
                .get("expiresAt")
                .and_then(|e| e.as_str())
                .and_then(crate::platform::ms_from_iso);
            if let Some(at) = lapse {
                let sooner =
                    !matches!(storage.get_alarm().await, Ok(Some(current)) if current <= at);
                if sooner {
                    if let Err(e) = storage.set_alarm(super::alarm_at(at)).await {
                        worker::console_error!("artisan hub: setting the lapse alarm failed: {e}");
                    }
                }
            }
        }
    }

    /// Cancels this artisan's lapsed unpaid orders (their stock goes back), tells every
    /// subscriber, and answers when the next pending order lapses.
    async fn expire_lapsed(&self, now: i64) -> Option<i64> {
        let artisan: String = self.state.storage().get(ARTISAN_KEY).await.ok().flatten()?;
        let store = D1Store {
            db: self.env.d1("DB").ok()?,
        };
        let _turn = self.turn.lock().await;
        match pending_orders::expire(&store, &artisan, now).await {
            Ok(changes) if !changes.is_empty() => {
                let room = self.live_room();
                if let Err(e) = room.publish(&changes).await {
                    worker::console_error!("artisan hub: publishing lapsed orders failed: {e}");
                }
                // The global live hub hears of them too; this hub has delivered its own.
                let from_hub = vec![true; changes.len()];
                super::publish(self.env.clone(), changes, from_hub).await;
            }
            Ok(_) => {}
            Err(e) => worker::console_error!("artisan hub: expiring unpaid orders failed: {e}"),
        }
        match pending_orders::next_lapse(&store, &artisan).await {
            Ok(next) => next,
            Err(e) => {
                worker::console_error!("artisan hub: reading the next lapse failed: {e}");
                // Try again in a minute rather than never.
                Some(now + 60_000)
            }
        }
    }

    async fn run(&self, call: &HubCall) -> ParseResult<Served> {
        let key = match call {
            HubCall::Checkout(c) => c
                .idempotency_key
                .as_ref()
                .map(|k| format!("{KEY_PREFIX}{k}")),
            _ => None,
        };
        let storage = self.state.storage();
        if let Some(key) = &key {
            if let Ok(Some(remembered)) = storage.get::<Remembered>(key).await {
                if remembered.expires_at_ms > now_ms() {
                    // A retry changes nothing, so live subscribers hear nothing new.
                    return Ok(Served {
                        changes: vec![],
                        ..remembered.served
                    });
                }
            }
        }
        let db = self
            .env
            .d1("DB")
            .map_err(|e| ParseError::internal(format!("D1 binding: {e}")))?;
        let served = serve(&D1Store { db }, call).await?;
        if let Some(key) = &key {
            let expires_at_ms = now_ms() + KEY_TTL_MS;
            // Best effort: the database holds the key too, so a lost write here costs a query.
            if let Err(e) = storage
                .put(
                    key,
                    Remembered {
                        served: served.clone(),
                        expires_at_ms,
                    },
                )
                .await
            {
                worker::console_error!("artisan hub: remembering a checkout's outcome failed: {e}");
            }
            if matches!(storage.get_alarm().await, Ok(None)) {
                if let Err(e) = storage.set_alarm(super::alarm_at(expires_at_ms)).await {
                    worker::console_error!("artisan hub: setting the expiry alarm failed: {e}");
                }
            }
        }
        Ok(served)
    }
}

/// Reaches hubs through the `ARTISAN_HUB` namespace, one object per artisan id.
pub struct DurableHubs {
    pub namespace: ObjectNamespace,
}

impl HubClient for DurableHubs {
    fn call<'a>(
        &'a self,
        artisan: &'a str,
        call: HubCall,
    ) -> LocalBoxFuture<'a, ParseResult<Served>> {
        Box::pin(async move {
            let unavailable =
                |e: worker::Error| ParseError::internal(format!("artisan hub unavailable: {e}"));
            let stub = self
                .namespace
                .id_from_name(artisan)
                .and_then(|id| id.get_stub())
                .map_err(unavailable)?;
            let body =
                serde_json::to_string(&call).map_err(|e| ParseError::internal(e.to_string()))?;
            let mut init = RequestInit::new();
            init.with_method(Method::Post).with_body(Some(body.into()));
            // Stub requests need an absolute URL; the host is never resolved.
            let request =
                Request::new_with_init("https://artisan-hub/call", &init).map_err(unavailable)?;
            let mut response = stub
                .fetch_with_request(request)
                .await
                .map_err(unavailable)?;
            let wire: Wire = response.json().await.map_err(unavailable)?;
            match wire {
                Wire::Ok(served) => Ok(served),
                Wire::Err { code, error } => {
                    Err(ParseError::new(crate::error::Code::from_i32(code), error))
                }
            }
        })
    }
}
