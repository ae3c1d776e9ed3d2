//! Who an order concerns and where it stands: what a lifecycle step needs to know before the
//! artisan's hub takes it.

use crate::engine::access::Access;
use crate::error::{Code, ParseError, Result};
use crate::store::{Row, SqlValue, Statement};
use serde_json::Value;

pub struct OrderParties {
    pub status: String,
    pub artisan: String,
    pub buyer: Option<String>,
    /// The user who owns the order's artisan profile.
    pub artisan_user: Option<String>,
}

/// The order's status and parties, if `access` may read the order.
pub fn lookup(access: &Access, order_id: &str) -> Statement {
    let mut params = vec![SqlValue::from(order_id)];
    let readable = access.read_predicate("o", &mut params);
    Statement::new(
        format!(
            "SELECT o.\"status\", o.\"artisan\", o.\"buyer\", a.\"user\" AS artisanUser FROM \"Order\" AS o \
             LEFT JOIN \"Artisan\" AS a ON a.\"objectId\" = o.\"artisan\" WHERE o.\"objectId\" = ? AND {readable}"
        ),
        params,
    )
}

/// The parties from `lookup`'s rows; no row is 101 (absent, or hidden from the caller).
pub fn from_rows(rows: &[Row]) -> Result<OrderParties> {
    let row = rows.first().ok_or_else(ParseError::not_found)?;
    let text = |k: &str| row.get(k).and_then(Value::as_str).map(String::from);
    Ok(OrderParties {
        status: text("status").unwrap_or_default(),
        // Only a master-key write can leave an order without its artisan (checkout always sets
        // one); such an order has no hub to step it through, which is the data's fault, not ours.
        artisan: text("artisan").ok_or_else(|| {
            ParseError::new(
                Code::ValidationError,
                "This order has no artisan, so its status cannot change.",
            )
        })?,
        buyer: text("buyer"),
        artisan_user: text("artisanUser"),
    })
}
