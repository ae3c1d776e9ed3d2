//! Who an order concerns and where it stands: what a lifecycle step needs to know before the
//! artisan's hub takes it.

use crate::engine::access::Access;
use crate::error::{Code, ParseError, Result};
use crate::marketplace::validation::price_cents;
use crate::store::{Row, SqlValue, Statement};
use serde_json::Value;

pub struct OrderParties {
    pub status: String,
    pub artisan: String,
    pub buyer: Option<String>,
    /// The user who owns the order's artisan profile.
    pub artisan_user: Option<String>,
    /// What the order costs, as stored (`totalAmount`).
    pub total_amount: Option<Value>,
}

/// The order's status and parties, if `access` may read the order.
pub fn lookup(access: &Access, order_id: &str) -> Statement {
    let mut params = vec![SqlValue::from(order_id)];
    let readable = access.read_predicate("o", &mut params);
    Statement::new(
        format!(
            "SELECT o.\"status\", o.\"artisan\", o.\"buyer\", o.\"totalAmount\", a.\"user\" AS artisanUser FROM \"Order\" AS o \
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
        total_amount: row.get("totalAmount").cloned(),
    })
}

/// Checks a payment's signed `amount` and `currency` against the order: the currency the shop
/// prices in (`CURRENCY`), and the order's total to the cent. Anything else is 142, before the
/// order changes.
pub fn check_payment(
    parties: &OrderParties,
    body: &serde_json::Map<String, Value>,
    currency: &str,
) -> Result<()> {
    let invalid = |message: &str| ParseError::new(Code::ValidationError, message);
    let (Some(amount), Some(paid_in)) = (
        body.get("amount").filter(|a| a.is_number()),
        body.get("currency").and_then(Value::as_str),
    ) else {
        return Err(invalid(
            "the payment must name its amount (a number) and currency",
        ));
    };
    if !paid_in.eq_ignore_ascii_case(currency) {
        return Err(invalid("the payment's currency is not the order's"));
    }
    let due = parties.total_amount.as_ref().map(price_cents);
    match (price_cents(amount), due) {
        (Ok(paid), Some(Ok(due))) if paid == due => Ok(()),
        _ => Err(invalid(
            "the payment's amount does not match the order's total",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn order(total: Value) -> OrderParties {
        OrderParties {
            status: "pending".into(),
            artisan: "a1".into(),
            buyer: Some("u1".into()),
            artisan_user: Some("u2".into()),
            total_amount: Some(total),
        }
    }

    #[test]
    fn a_payment_must_name_the_orders_total_to_the_cent_and_the_shops_currency() {
        let check = |total: Value, body: Value| {
            check_payment(&order(total), body.as_object().unwrap(), "USD").map_err(|e| e.code)
        };
        assert_eq!(
            check(json!(52.1), json!({"amount": 52.10, "currency": "USD"})),
            Ok(())
        );
        assert_eq!(
            check(json!(52.1), json!({"amount": 52.1, "currency": "usd"})),
            Ok(())
        );
        let refused = Err(Code::ValidationError);
        for body in [
            json!({}),
            json!({"amount": 52.1}),
            json!({"currency": "USD"}),
            json!({"amount": "52.10", "currency": "USD"}),
            json!({"amount": 0.01, "currency": "USD"}),
            json!({"amount": 52.11, "currency": "USD"}),
            json!({"amount": 52.1, "currency": "EUR"}),
            json!({"amount": 52.1001, "currency": "USD"}),
        ] {
            assert_eq!(check(json!(52.1), body.clone()), refused, "{body}");
        }
    }
}
