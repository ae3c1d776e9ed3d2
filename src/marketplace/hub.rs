//! What an artisan's hub does, independent of where it runs: the calls it serves and how. At the
//! edge the `ArtisanHub` Durable Object runs them one at a time per artisan; natively (and in
//! tests) `LocalHub` runs them in place.

use super::checkout::{self, CheckoutOutcome, CheckoutRequest};
use super::order_status::{self, Actor, Status};
use crate::engine::change::Change;
use crate::error::{ParseError, Result};
use crate::store::Store;
use futures::future::LocalBoxFuture;
use serde::{Deserialize, Serialize};

/// A request to an artisan's hub.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "call", rename_all = "camelCase")]
pub enum HubCall {
    Checkout(CheckoutRequest),
    Transition(TransitionRequest),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransitionRequest {
    pub order_id: String,
    pub from: String,
    pub to: String,
    pub actor: ActorName,
    pub now_ms: i64,
}

/// `Actor` as it travels to the hub.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ActorName {
    System,
    Admin,
    Artisan,
    Buyer,
}

impl From<ActorName> for Actor {
    fn from(a: ActorName) -> Actor {
        match a {
            ActorName::System => Actor::System,
            ActorName::Admin => Actor::Admin,
            ActorName::Artisan => Actor::Artisan,
            ActorName::Buyer => Actor::Buyer,
        }
    }
}

/// The hub's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "camelCase")]
pub enum HubReply {
    Checkout(CheckoutOutcome),
    Transition { updated_at: String },
}

/// A reply and what the call changed, in commit order, for live subscribers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Served {
    pub reply: HubReply,
    pub changes: Vec<Change>,
}

/// Serves one call against the database.
pub async fn serve(store: &impl Store, call: &HubCall) -> Result<Served> {
    match call {
        HubCall::Checkout(request) => {
            let (outcome, changes) = checkout::execute(store, request).await?;
            Ok(Served {
                reply: HubReply::Checkout(outcome),
                changes,
            })
        }
        HubCall::Transition(t) => {
            let (from, to) = (Status::parse(&t.from)?, Status::parse(&t.to)?);
            order_status::authorize(from, to, t.actor.into())?;
            let tracked = order_status::plan(&t.order_id, from, to, t.now_ms);
            let results = store.batch(&tracked.statements).await.map_err(|e| match e {
                // The compare-and-set matched nothing: someone moved the order first.
                crate::store::StoreError::Check(what) if what == "object_not_found" => ParseError::new(
                    crate::error::Code::ValidationError,
                    "The order changed while you were updating it: reload it and try again.",
                ),
                other => other.into(),
            })?;
            Ok(Served {
                reply: HubReply::Transition {
                    updated_at: crate::platform::iso_from_ms(t.now_ms),
                },
                changes: tracked.changes(&results),
            })
        }
    }
}

/// How the API reaches an artisan's hub.
pub trait HubClient {
    fn call<'a>(&'a self, artisan: &'a str, call: HubCall) -> LocalBoxFuture<'a, Result<Served>>;
}

/// Runs hub calls in place, on the given store: for native tests and single-process use.
pub struct LocalHub<'s, S: Store> {
    pub store: &'s S,
}

impl<S: Store> HubClient for LocalHub<'_, S> {
    fn call<'a>(&'a self, _artisan: &'a str, call: HubCall) -> LocalBoxFuture<'a, Result<Served>> {
        Box::pin(async move { serve(self.store, &call).await })
    }
}
