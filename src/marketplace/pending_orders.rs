//! Unpaid orders and the stock they hold. A checkout takes stock at once (a one-of-a-kind piece
//! must not be sold twice while its buyer pays), so an order nobody pays would hold it forever
//! and one buyer could empty a shop. Two bounds keep that honest: a pending order lapses after
//! `lapse_ms` (the artisan's hub cancels it, which puts its stock back), and a buyer holds at
//! most `max_unpaid_items` units across its pending orders.

use super::order_status::{self, Status};
use crate::engine::change::Change;
use crate::error::{Code, ParseError, Result};
use crate::platform::iso_from_ms;
use crate::store::{SqlValue, Statement, Store, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How long unpaid orders hold stock, and how much of it one buyer may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoldPolicy {
    /// How long a pending order lasts; `0` never lapses.
    pub lapse_ms: i64,
    /// Units one buyer may hold across its pending orders; `0` is no limit.
    pub max_unpaid_items: i64,
}

impl Default for HoldPolicy {
    fn default() -> Self {
        HoldPolicy {
            lapse_ms: 30 * 60 * 1000,
            max_unpaid_items: 20,
        }
    }
}

/// The constraint a checkout trips when its buyer would hold too much (`held_guard`).
pub const OVER_LIMIT: &str = "unpaid_items_over_limit";

/// When an order placed at `now_ms` lapses, as stored in `Order.expiresAt`; `None` never.
pub fn expires_at(policy: &HoldPolicy, now_ms: i64) -> Option<String> {
    (policy.lapse_ms > 0).then(|| iso_from_ms(now_ms.saturating_add(policy.lapse_ms)))
}

/// Aborts the checkout's batch (`OVER_LIMIT`) when, with its orders inserted, the buyer holds
/// more unpaid units than the policy allows. Runs after the inserts, in the same transaction.
pub fn held_guard(policy: &HoldPolicy, buyer: &str) -> Option<Statement> {
    (policy.max_unpaid_items > 0).then(|| {
        Statement::new(
            "INSERT INTO \"_Guard\" (\"held\") SELECT 1 WHERE \
               (SELECT COALESCE(SUM(json_extract(i.value, '$.quantity')), 0) \
                FROM \"Order\" AS o, json_each(o.\"items\") AS i \
                WHERE o.\"buyer\" = ? AND o.\"status\" = 'pending') > ?",
            vec![
                SqlValue::from(buyer),
                SqlValue::Integer(policy.max_unpaid_items),
            ],
        )
    })
}

/// The answer to a checkout refused by `held_guard`.
pub fn over_limit(policy: &HoldPolicy) -> ParseError {
    ParseError::new(
        Code::ValidationError,
        format!(
            "You would hold more than {} unpaid items: pay for or cancel a pending order first.",
            policy.max_unpaid_items
        ),
    )
}

/// Most lapsed orders one sweep cancels; the next alarm takes the rest.
const SWEEP: i64 = 50;

/// Cancels the artisan's pending orders that lapsed by `now_ms`, each in its own transaction
/// (the same compare-and-set as any cancel, so an order paid meanwhile stays paid), putting
/// their stock back. Returns what changed, in commit order, for the artisan's subscribers.
pub async fn expire(store: &impl Store, artisan: &str, now_ms: i64) -> Result<Vec<Change>> {
    let now = iso_from_ms(now_ms);
    let lapsed = store
        .query(&Statement::new(
            "SELECT \"objectId\" FROM \"Order\" WHERE \"artisan\" = ? AND \"status\" = 'pending' \
             AND \"expiresAt\" <= ? ORDER BY \"expiresAt\" LIMIT ?",
            vec![
                SqlValue::from(artisan),
                SqlValue::from(now.as_str()),
                SqlValue::Integer(SWEEP),
            ],
        ))
        .await?;
    let mut changes = Vec::new();
    for row in lapsed {
        let Some(order_id) = row.get("objectId").and_then(Value::as_str) else {
            continue;
        };
        let cancel = order_status::plan(order_id, Status::Pending, Status::Cancelled, now_ms);
        match store.batch(&cancel.statements).await {
            Ok(results) => changes.extend(cancel.changes(&results)),
            // Paid (or cancelled) since it was read: nothing to expire.
            Err(StoreError::Check(what)) if what == "object_not_found" => {}
            Err(other) => return Err(other.into()),
        }
    }
    Ok(changes)
}

/// When the artisan's next pending order lapses (ms since the epoch), if any.
pub async fn next_lapse(store: &impl Store, artisan: &str) -> Result<Option<i64>> {
    let rows = store
        .query(&Statement::new(
            "SELECT MIN(\"expiresAt\") AS next FROM \"Order\" WHERE \"artisan\" = ? AND \"status\" = 'pending'",
            vec![SqlValue::from(artisan)],
        ))
        .await?;
    Ok(rows
        .first()
        .and_then(|r| r.get("next"))
        .and_then(Value::as_str)
        .and_then(crate::platform::ms_from_iso))
}
