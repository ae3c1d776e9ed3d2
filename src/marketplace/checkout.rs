//! Checkout: a cart becomes one order per artisan, priced from current product prices, with stock
//! taken in the same D1 transaction as the orders. The database refuses negative stock, so no
//! interleaving of requests can oversell; the idempotency key is written in that transaction too,
//! so a retried checkout can never create a second order, even after a crash.

use super::pending_orders::{self, HoldPolicy};
use super::validation::price_cents;
use crate::engine::access::{Access, Principal};
use crate::engine::change::{Change, ChangeKind, Tracked};
use crate::error::{Code, ParseError, Result};
use crate::platform::{iso_from_ms, new_object_id};
use crate::store::{Row, SqlValue, Statement, Store, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Most distinct products one checkout may hold.
pub const MAX_ITEMS: usize = 50;
/// Most units of one product per checkout.
pub const MAX_QUANTITY: i64 = 1000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub product: String,
    pub quantity: i64,
}

/// What a buyer asks for, as the hub receives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckoutRequest {
    pub buyer: String,
    /// The buyer's roles (names without `role:`): with its id, what it may read. A product it
    /// cannot read is absent to its checkout.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Items per artisan id; one entry for an order, several for a multi-artisan cart.
    pub carts: BTreeMap<String, Vec<Item>>,
    /// `<buyer>:<X-Parse-Request-Id or Idempotency-Key>`, when the client sent one.
    pub idempotency_key: Option<String>,
    pub now_ms: i64,
    /// How long the orders hold their stock unpaid, and how much one buyer may hold.
    #[serde(default)]
    pub hold: HoldPolicy,
}

/// What a checkout created: one order per artisan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckoutOutcome {
    pub checkout_id: String,
    pub orders: Vec<PlacedOrder>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlacedOrder {
    pub object_id: String,
    pub created_at: String,
    pub artisan: String,
}

fn invalid(message: impl Into<String>) -> ParseError {
    ParseError::new(Code::ValidationError, message)
}

/// Reads the items of an order body: `{items: [{product, quantity}]}` or the seed's short form
/// `{product, quantity}`. Products are pointers (or bare ids); repeated products are merged.
pub fn parse_items(body: &Map<String, Value>) -> Result<Vec<Item>> {
    for forged in [
        "buyer",
        "artisan",
        "status",
        "unitPrice",
        "products",
        "checkoutId",
    ] {
        if body.contains_key(forged) {
            return Err(ParseError::forbidden(format!(
                "{forged} is set by the server, not by the client."
            )));
        }
    }
    let raw: Vec<&Value> = match (body.get("items"), body.get("product")) {
        (Some(Value::Array(items)), None) => items.iter().collect(),
        (None, Some(_)) => vec![&Value::Null],
        _ => {
            return Err(invalid(
                "an order needs items: [{product, quantity}] (or product and quantity)",
            ))
        }
    };
    let mut merged: Vec<Item> = Vec::new();
    for entry in raw {
        let source = if entry.is_null() {
            Value::Object(body.clone())
        } else {
            entry.clone()
        };
        if !entry.is_null() {
            let fields = entry
                .as_object()
                .ok_or_else(|| invalid("each item must be an object {product, quantity}"))?;
            if fields.contains_key("unitPrice") {
                return Err(ParseError::forbidden(
                    "unitPrice is set by the server, not by the client.",
                ));
            }
            if let Some(other) = fields
                .keys()
                .find(|k| !matches!(k.as_str(), "product" | "quantity"))
            {
                return Err(invalid(format!(
                    "items hold a product and a quantity, not {other}"
                )));
            }
        }
        let product = match source.get("product") {
            Some(Value::String(id)) => id.clone(),
            Some(p) if p.get("className").and_then(Value::as_str) == Some("Product") => p
                .get("objectId")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            _ => return Err(invalid("each item needs a product: a pointer to a Product")),
        };
        if product.is_empty()
            || product.len() > 32
            || !product.chars().all(|c| c.is_ascii_alphanumeric())
        {
            return Err(invalid("each item needs a product: a pointer to a Product"));
        }
        let quantity = match source.get("quantity") {
            None => 1.0,
            Some(q) => q
                .as_f64()
                .ok_or_else(|| invalid("quantity must be a whole number of at least 1"))?,
        };
        if quantity < 1.0 || quantity.fract() != 0.0 || quantity > MAX_QUANTITY as f64 {
            return Err(invalid(format!(
                "quantity must be a whole number from 1 to {MAX_QUANTITY}"
            )));
        }
        match merged.iter_mut().find(|i| i.product == product) {
            Some(item) => item.quantity = (item.quantity + quantity as i64).min(MAX_QUANTITY + 1),
            None => merged.push(Item {
                product,
                quantity: quantity as i64,
            }),
        }
    }
    if merged.is_empty() || merged.len() > MAX_ITEMS {
        return Err(invalid(format!(
            "an order holds from 1 to {MAX_ITEMS} products"
        )));
    }
    if merged.iter().any(|i| i.quantity > MAX_QUANTITY) {
        return Err(invalid(format!(
            "quantity must be a whole number from 1 to {MAX_QUANTITY}"
        )));
    }
    Ok(merged)
}

/// The read that routes a cart: each product's artisan, price and stock, of the products
/// `buyer` may read (any other is absent, as a `GET` would answer).
pub fn lookup(items: &[Item], buyer: &Access) -> Statement {
    let ids: Vec<&str> = items.iter().map(|i| i.product.as_str()).collect();
    let mut params = vec![SqlValue::Text(json!(ids).to_string())];
    let readable = buyer.read_predicate("p", &mut params);
    Statement::new(
        format!(
            "SELECT p.\"objectId\", p.\"title\", p.\"owner\", p.\"price\", p.\"stock\" FROM \"Product\" AS p \
             WHERE p.\"objectId\" IN (SELECT value FROM json_each(?)) AND {readable}"
        ),
        params,
    )
}

impl CheckoutRequest {
    /// The buyer as the ACLs know it.
    pub fn access(&self) -> Access {
        Access::Client(Principal {
            user_id: Some(self.buyer.clone()),
            session_id: None,
            roles: self.roles.clone(),
        })
    }
}

/// Groups a cart by artisan from the lookup's rows, failing early (with the product's name) on a
/// missing, unpriced or sold-out product. The transaction re-checks all of it.
pub fn group_by_artisan(
    items: &[Item],
    rows: &[Row],
    client_total: Option<&Value>,
) -> Result<BTreeMap<String, Vec<Item>>> {
    let mut carts: BTreeMap<String, Vec<Item>> = BTreeMap::new();
    let mut total_cents = 0i64;
    for item in items {
        let row = rows
            .iter()
            .find(|r| r.get("objectId").and_then(Value::as_str) == Some(item.product.as_str()))
            .ok_or_else(|| {
                ParseError::new(
                    Code::ObjectNotFound,
                    format!("Product {} not found.", item.product),
                )
            })?;
        let title = row
            .get("title")
            .and_then(Value::as_str)
            .unwrap_or(&item.product);
        let artisan = row
            .get("owner")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid(format!("{title} has no artisan and cannot be sold")))?;
        let cents = row
            .get("price")
            .map(price_cents)
            .transpose()?
            .ok_or_else(|| invalid(format!("{title} has no price")))?;
        let stock = row.get("stock").and_then(Value::as_f64).unwrap_or(0.0) as i64;
        if stock < item.quantity {
            return Err(sold_out(Some(title), stock));
        }
        total_cents += cents * item.quantity;
        carts
            .entry(artisan.to_string())
            .or_default()
            .push(item.clone());
    }
    if let Some(total) = client_total {
        let claimed = price_cents(total).map_err(|_| invalid("totalAmount must be a price"))?;
        if claimed != total_cents {
            return Err(invalid(format!(
                "totalAmount {total} does not match the current prices: {}",
                total_cents as f64 / 100.0
            )));
        }
    }
    Ok(carts)
}

fn sold_out(title: Option<&str>, left: i64) -> ParseError {
    match title {
        Some(title) if left <= 0 => invalid(format!("Sold out: {title} is no longer available.")),
        Some(title) => invalid(format!("Sold out: only {left} of {title} left.")),
        None => {
            invalid("Sold out: a product in this order is no longer available in that quantity.")
        }
    }
}

/// The statements of a checkout, all in one transaction: per artisan, take each item's stock
/// (the CHECK constraint refuses to go below zero; a guard refuses a product that is not that
/// artisan's), then insert the order priced by SQL from the same rows; last, the idempotency key.
pub fn plan(request: &CheckoutRequest, checkout_id: &str, orders: &[PlacedOrder]) -> Tracked {
    let now = iso_from_ms(request.now_ms);
    let expires_at = pending_orders::expires_at(&request.hold, request.now_ms);
    let mut statements = Tracked::default();
    let all: Vec<&str> = request
        .carts
        .values()
        .flatten()
        .map(|i| i.product.as_str())
        .collect();
    statements.push_before(
        "Product",
        Statement::new(
            "SELECT * FROM \"Product\" WHERE \"objectId\" IN (SELECT value FROM json_each(?))",
            vec![SqlValue::Text(json!(all).to_string())],
        ),
    );
    let buyer = request.access();
    for order in orders {
        let items = &request.carts[&order.artisan];
        for item in items {
            let mut params = vec![
                SqlValue::Integer(item.quantity),
                SqlValue::from(now.as_str()),
                SqlValue::from(item.product.as_str()),
                SqlValue::from(order.artisan.as_str()),
            ];
            // A product hidden from the buyer since the lookup is absent here too (101).
            let readable = buyer.read_predicate("\"Product\"", &mut params);
            statements.push_after("Product", ChangeKind::Updated, Statement::new(
                format!("UPDATE \"Product\" SET \"stock\" = \"stock\" - ?, \"updatedAt\" = ? WHERE \"objectId\" = ? AND \"owner\" = ? AND {readable} RETURNING *"),
                params,
            ));
            statements.push(Statement::new(
                "INSERT INTO \"_Guard\" (\"missing\") SELECT 1 WHERE changes() = 0",
                vec![],
            ));
        }
        let cart = SqlValue::Text(serde_json::to_string(items).unwrap_or_else(|_| "[]".into()));
        // Prices are read inside the transaction, from the rows whose stock it just took, and
        // summed in integer cents.
        statements.push_after("Order", ChangeKind::Created, Statement::new(
            "INSERT INTO \"Order\" (\"objectId\", \"createdAt\", \"updatedAt\", \"_rperm\", \"_wperm\", \"buyer\", \"artisan\", \
               \"items\", \"products\", \"totalAmount\", \"status\", \"checkoutId\", \"expiresAt\") \
             SELECT ?1, ?2, ?2, json_array(?3, a.\"user\", 'role:admin'), '[]', ?3, a.\"objectId\", \
               (SELECT json_group_array(json_object( \
                  'product', json_object('__type', 'Pointer', 'className', 'Product', 'objectId', p.\"objectId\"), \
                  'quantity', json_extract(c.value, '$.quantity'), 'unitPrice', p.\"price\") ORDER BY c.key) \
                FROM json_each(?4) AS c JOIN \"Product\" AS p ON p.\"objectId\" = json_extract(c.value, '$.product')), \
               (SELECT json_group_array(json_object('__type', 'Pointer', 'className', 'Product', 'objectId', json_extract(c.value, '$.product')) ORDER BY c.key) \
                FROM json_each(?4) AS c), \
               (SELECT SUM(CAST(ROUND(p.\"price\" * 100) AS INTEGER) * json_extract(c.value, '$.quantity')) / 100.0 \
                FROM json_each(?4) AS c JOIN \"Product\" AS p ON p.\"objectId\" = json_extract(c.value, '$.product')), \
               'pending', ?5, ?7 \
             FROM \"Artisan\" AS a WHERE a.\"objectId\" = ?6 RETURNING *",
            vec![
                SqlValue::from(order.object_id.as_str()),
                SqlValue::from(now.as_str()),
                SqlValue::from(request.buyer.as_str()),
                cart,
                SqlValue::from(checkout_id),
                SqlValue::from(order.artisan.as_str()),
                expires_at
                    .clone()
                    .map(SqlValue::Text)
                    .unwrap_or(SqlValue::Null),
            ],
        ));
        statements.push(Statement::new(
            "INSERT INTO \"_Guard\" (\"missing\") SELECT 1 WHERE changes() = 0",
            vec![],
        ));
    }
    statements.extend_plain(pending_orders::held_guard(&request.hold, &request.buyer));
    if let Some(key) = &request.idempotency_key {
        let outcome = CheckoutOutcome {
            checkout_id: checkout_id.to_string(),
            orders: orders.to_vec(),
        };
        statements.push(Statement::new(
            "INSERT INTO \"_Idempotency\" (\"key\", \"outcome\", \"createdAt\") VALUES (?, ?, ?)",
            vec![
                SqlValue::from(key.as_str()),
                SqlValue::Text(serde_json::to_string(&outcome).unwrap_or_default()),
                SqlValue::from(now.as_str()),
            ],
        ));
    }
    statements
}

/// Runs a checkout: one transaction; a retry with the same key answers the first outcome.
pub async fn execute(
    store: &impl Store,
    request: &CheckoutRequest,
) -> Result<(CheckoutOutcome, Vec<Change>)> {
    if let Some(previous) = previous_outcome(store, request).await? {
        return Ok((previous, vec![]));
    }
    let checkout_id = new_object_id()?;
    let created_at = iso_from_ms(request.now_ms);
    let orders = request
        .carts
        .keys()
        .map(|artisan| {
            Ok(PlacedOrder {
                object_id: new_object_id()?,
                created_at: created_at.clone(),
                artisan: artisan.clone(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let tracked = plan(request, &checkout_id, &orders);
    match store.batch(&tracked.statements).await {
        Ok(results) => Ok((
            CheckoutOutcome {
                checkout_id,
                orders,
            },
            tracked.changes(&results),
        )),
        Err(StoreError::Check(what)) if what.starts_with("stock_") => Err(sold_out(None, 0)),
        Err(StoreError::Check(what)) if what == pending_orders::OVER_LIMIT => {
            Err(pending_orders::over_limit(&request.hold))
        }
        Err(StoreError::Check(what)) if what == "object_not_found" => Err(ParseError::new(
            Code::ObjectNotFound,
            "A product of this order is not found, or not sold by its artisan any more.",
        )),
        // A concurrent retry with the same key committed first: answer what it created.
        Err(StoreError::Unique(what)) if what.contains("_Idempotency") => {
            previous_outcome(store, request)
                .await?
                .map(|outcome| (outcome, vec![]))
                .ok_or_else(|| ParseError::new(Code::DuplicateRequest, "Duplicate request"))
        }
        Err(other) => Err(other.into()),
    }
}

async fn previous_outcome(
    store: &impl Store,
    request: &CheckoutRequest,
) -> Result<Option<CheckoutOutcome>> {
    let Some(key) = &request.idempotency_key else {
        return Ok(None);
    };
    Ok(remembered_outcome(&store.query(&remembered(key)).await?))
}

/// Forgets the keys remembered before `cutoff_iso`: a retry older than that is a new checkout.
pub fn forget_keys_before(cutoff_iso: &str) -> Statement {
    Statement::new(
        "DELETE FROM \"_Idempotency\" WHERE \"createdAt\" < ?",
        vec![SqlValue::from(cutoff_iso)],
    )
}

/// The query for the outcome a key already produced.
pub fn remembered(key: &str) -> Statement {
    Statement::new(
        "SELECT \"outcome\" FROM \"_Idempotency\" WHERE \"key\" = ?",
        vec![SqlValue::from(key)],
    )
}

pub fn remembered_outcome(rows: &[Row]) -> Option<CheckoutOutcome> {
    rows.first()
        .and_then(|r| r.get("outcome"))
        .and_then(Value::as_str)
        .and_then(|text| serde_json::from_str(text).ok())
}
