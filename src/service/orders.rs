//! Orders: placing one, checking out a cart across artisans, moving an order through its
//! lifecycle, and confirming a payment. Checkouts and steps of one artisan run in that
//! artisan's hub, one at a time.

use super::context::Context;
use crate::engine::access::Access;
use crate::engine::change::Change;
use crate::engine::clp::{self, Operation};
use crate::engine::codec::pointer;
use crate::error::{Code, ParseError, Result};
use crate::marketplace::checkout::{
    group_by_artisan, lookup, parse_items, remembered, remembered_outcome, CheckoutOutcome,
    CheckoutRequest,
};
use crate::marketplace::hub::{ActorName, HubCall, HubReply, TransitionRequest};
use crate::marketplace::order_parties::{self, OrderParties};
use crate::store::Store;
use serde_json::{json, Map, Value};

/// Longest idempotency key accepted from a client.
const MAX_KEY_LENGTH: usize = 128;

/// Turns a client's cart into a checkout request: who buys, what, from whom. A retry of a
/// checkout that already happened is answered from its first outcome, read in the same round
/// trip as the products (stock has moved on since, so it must not be checked again).
async fn run_checkout<S: Store>(
    ctx: &Context<'_, S>,
    body: &Map<String, Value>,
    one_artisan: bool,
) -> Result<(CheckoutOutcome, Vec<Change>)> {
    let schema = ctx
        .registry
        .get("Order")
        .ok_or_else(|| ParseError::internal("the Order class is missing"))?;
    clp::check(schema, &ctx.access, Operation::Create)?;
    let buyer = ctx
        .access
        .user_id()
        .ok_or_else(|| ParseError::forbidden("Sign in to place an order."))?
        .to_string();
    let items = parse_items(body)?;
    let idempotency_key = match ctx.client.request_id.as_deref() {
        Some(key) if key.len() > MAX_KEY_LENGTH => {
            return Err(ParseError::new(
                Code::InvalidJson,
                format!("request ids are at most {MAX_KEY_LENGTH} characters"),
            ))
        }
        Some(key) if !key.is_empty() => Some(format!("{buyer}:{key}")),
        _ => None,
    };
    let mut statements = vec![lookup(&items, &ctx.access)];
    statements.extend(idempotency_key.as_deref().map(remembered));
    // The buyer's checkout limit rides alongside the lookup, so it adds no wait of its own. A
    // retry counts too: it is a request like any other, and the limit is far above what a
    // buyer's retries need.
    let guard = ctx.guard();
    let (allowed, results) = futures::join!(guard.checkout(&buyer), ctx.store.batch(&statements));
    allowed?;
    let mut results = results?.into_iter();
    let rows = results.next().unwrap_or_default();
    if let Some(outcome) = results.next().and_then(|rows| remembered_outcome(&rows)) {
        return Ok((outcome, vec![]));
    }
    let carts = group_by_artisan(&items, &rows, body.get("totalAmount"))?;
    if one_artisan && carts.len() > 1 {
        return Err(ParseError::new(
            Code::ValidationError,
            "These products come from several artisans: check them out together with POST /functions/checkout.",
        ));
    }
    let roles = match &ctx.access {
        Access::Client(principal) => principal.roles.clone(),
        Access::Master => vec![],
    };
    let request = CheckoutRequest {
        buyer,
        roles,
        carts,
        idempotency_key,
        now_ms: ctx.now_ms,
        hold: ctx.config.hold,
    };
    let reply = if request.carts.len() == 1 {
        let artisan = request.carts.keys().next().cloned().unwrap_or_default();
        let served = ctx.hubs.call(&artisan, HubCall::Checkout(request)).await?;
        // The hub delivered these to its own dashboards already, in commit order.
        ctx.outbox.push_from_hub(served.changes.clone());
        served
    } else {
        // A cart across artisans commits in one D1 transaction, so it is all-or-nothing without
        // holding several hubs at once; each artisan's hub hears of its part afterwards.
        let served = crate::marketplace::hub::serve(ctx.store, &HubCall::Checkout(request)).await?;
        for change in &served.changes {
            ctx.outbox.push(Some(change.clone()));
        }
        served
    };
    match reply.reply {
        HubReply::Checkout(outcome) => Ok((outcome, reply.changes)),
        other => Err(ParseError::internal(format!(
            "unexpected hub reply {other:?}"
        ))),
    }
}

/// A placed order: its id and the answer to its create.
pub struct Placed {
    pub object_id: String,
    pub answer: Map<String, Value>,
}

/// A client's order with one artisan (Parse's `POST /classes/Order`): a checkout, answered as
/// Parse answers a create.
pub async fn place<S: Store>(ctx: &Context<'_, S>, body: &Map<String, Value>) -> Result<Placed> {
    let (outcome, changes) = run_checkout(ctx, body, true).await?;
    let order = outcome
        .orders
        .first()
        .ok_or_else(|| ParseError::internal("checkout placed no order"))?;
    // The fields the server set (buyer, artisan, items priced, total, status), as Parse answers
    // a create whose beforeSave changed fields; a retried checkout answers the ids only.
    let mut answer = changes
        .iter()
        .find(|c| {
            c.class == "Order"
                && c.row.get("objectId").and_then(Value::as_str) == Some(order.object_id.as_str())
        })
        .zip(ctx.registry.get("Order"))
        .and_then(|(change, schema)| change.decode(schema))
        .map(|(object, _)| object)
        .unwrap_or_default();
    answer.remove("updatedAt");
    answer.insert("objectId".into(), json!(order.object_id));
    answer.insert("createdAt".into(), json!(order.created_at));
    Ok(Placed {
        object_id: order.object_id.clone(),
        answer,
    })
}

/// A cart's checkout (`{items}`): one order per artisan, all or none, grouped by a checkout id.
pub async fn checkout<S: Store>(ctx: &Context<'_, S>, body: &Map<String, Value>) -> Result<Value> {
    let (outcome, _) = run_checkout(ctx, body, false).await?;
    let orders: Vec<Value> = outcome
        .orders
        .iter()
        .map(|o| json!({"objectId": o.object_id, "createdAt": o.created_at, "artisan": pointer("Artisan", &o.artisan)}))
        .collect();
    Ok(json!({"checkoutId": outcome.checkout_id, "orders": orders}))
}

async fn parties<S: Store>(
    ctx: &Context<'_, S>,
    access: &Access,
    order_id: &str,
) -> Result<OrderParties> {
    let rows = ctx
        .store
        .query(&order_parties::lookup(access, order_id))
        .await?;
    order_parties::from_rows(&rows)
}

/// One step of the lifecycle (a body of only `{status}`), by whoever may take it:
/// `{updatedAt}`.
pub async fn change_status<S: Store>(
    ctx: &Context<'_, S>,
    order_id: &str,
    body: &Map<String, Value>,
) -> Result<Value> {
    let to = match (body.get("status"), body.len()) {
        (Some(Value::String(to)), 1) => to.clone(),
        _ => {
            return Err(ParseError::forbidden(
                "Only an order's status can change, and only on its own.",
            ))
        }
    };
    let access = ctx.access.clone();
    let parties = parties(ctx, &access, order_id).await?;
    let user = access.user_id();
    let actor = match &access {
        Access::Master => ActorName::System,
        _ if user.is_some() && user == parties.artisan_user.as_deref() => ActorName::Artisan,
        Access::Client(p) if p.roles.iter().any(|r| r == "admin") => ActorName::Admin,
        _ if user.is_some() && user == parties.buyer.as_deref() => ActorName::Buyer,
        _ => {
            return Err(ParseError::forbidden(
                "Only the buyer, the artisan and admins may change this order.",
            ))
        }
    };
    step(ctx, &parties, order_id, &to, actor).await
}

async fn step<S: Store>(
    ctx: &Context<'_, S>,
    parties: &OrderParties,
    order_id: &str,
    to: &str,
    actor: ActorName,
) -> Result<Value> {
    let transition = TransitionRequest {
        order_id: order_id.to_string(),
        from: parties.status.clone(),
        to: to.to_string(),
        actor,
        now_ms: ctx.now_ms,
    };
    let served = ctx
        .hubs
        .call(&parties.artisan, HubCall::Transition(transition))
        .await?;
    ctx.outbox.push_from_hub(served.changes);
    match served.reply {
        HubReply::Transition { updated_at } => Ok(json!({"updatedAt": updated_at})),
        other => Err(ParseError::internal(format!(
            "unexpected hub reply {other:?}"
        ))),
    }
}

/// An order as the caller may read it (101 when it may not): what a test payment pays.
pub async fn read_as_caller<S: Store>(ctx: &Context<'_, S>, order_id: &str) -> Result<Value> {
    ctx.objects()
        .get(
            "Order",
            order_id,
            &crate::engine::find::FindOptions::default(),
        )
        .await
}

/// The payment provider's confirmation (`{orderId, status: "paid"}`), once the protocol has
/// checked its signature: the order becomes paid.
pub async fn confirm_payment<S: Store>(
    ctx: &Context<'_, S>,
    body: &Map<String, Value>,
) -> Result<Value> {
    let order_id = body
        .get("orderId")
        .and_then(Value::as_str)
        .ok_or_else(|| ParseError::new(Code::ValidationError, "orderId is required"))?;
    if body.get("status").and_then(Value::as_str) != Some("paid") {
        return Err(ParseError::new(
            Code::ValidationError,
            "the payment webhook only confirms payments: status must be paid",
        ));
    }
    let parties = parties(ctx, &Access::Master, order_id).await?;
    order_parties::check_payment(&parties, body, &ctx.config.currency)?;
    step(ctx, &parties, order_id, "paid", ActorName::System).await
}
