//! The order lifecycle: `pending → paid → shipped → delivered`, and `pending | paid → cancelled`.
//! Who may take each step is decided here; the step itself is a compare-and-set in SQL, and a
//! cancel puts the stock back in the same transaction.

use crate::engine::change::{ChangeKind, Tracked};
use crate::error::{Code, ParseError, Result};
use crate::platform::iso_from_ms;
use crate::store::{SqlValue, Statement};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pending,
    Paid,
    Shipped,
    Delivered,
    Cancelled,
}

impl Status {
    /// Every status, in lifecycle order.
    pub const ALL: [Status; 5] = [
        Status::Pending,
        Status::Paid,
        Status::Shipped,
        Status::Delivered,
        Status::Cancelled,
    ];

    pub fn parse(text: &str) -> Result<Status> {
        Ok(match text {
            "pending" => Status::Pending,
            "paid" => Status::Paid,
            "shipped" => Status::Shipped,
            "delivered" => Status::Delivered,
            "cancelled" => Status::Cancelled,
            other => {
                return Err(ParseError::new(
                    Code::ValidationError,
                    format!(
                    "unknown order status {other}: pending, paid, shipped, delivered or cancelled"
                ),
                ))
            }
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Paid => "paid",
            Status::Shipped => "shipped",
            Status::Delivered => "delivered",
            Status::Cancelled => "cancelled",
        }
    }
}

/// Who asks for a step, relative to the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// The master key or a verified payment webhook.
    System,
    Admin,
    /// The user of the order's artisan.
    Artisan,
    Buyer,
}

/// Checks that `actor` may move an order from `from` to `to`.
pub fn authorize(from: Status, to: Status, actor: Actor) -> Result<()> {
    use Actor::*;
    use Status::*;
    let legal = matches!(
        (from, to),
        (Pending, Paid) | (Paid, Shipped) | (Shipped, Delivered) | (Pending | Paid, Cancelled)
    );
    if !legal {
        return Err(ParseError::new(
            Code::ValidationError,
            format!(
                "An order cannot go from {} to {}.",
                from.as_str(),
                to.as_str()
            ),
        ));
    }
    let allowed = match (to, from) {
        (Paid, _) => actor == System,
        (Shipped | Delivered, _) => matches!(actor, System | Admin | Artisan),
        (Cancelled, Pending) => true,
        (Cancelled, _) => matches!(actor, System | Admin | Artisan),
        _ => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(ParseError::forbidden(format!(
            "You may not move this order from {} to {}.",
            from.as_str(),
            to.as_str()
        )))
    }
}

/// The step as statements: a compare-and-set on the status (a concurrent step makes it match
/// nothing, and the guard aborts), then, for a cancel, the stock put back.
pub fn plan(order_id: &str, from: Status, to: Status, now_ms: i64) -> Tracked {
    let now = iso_from_ms(now_ms);
    let items = "SELECT json_extract(value, '$.product.objectId') AS product, SUM(json_extract(value, '$.quantity')) AS quantity \
                 FROM json_each((SELECT \"items\" FROM \"Order\" WHERE \"objectId\" = ?)) GROUP BY 1";
    let mut statements = Tracked::default();
    statements.push_before(
        "Order",
        Statement::new(
            "SELECT * FROM \"Order\" WHERE \"objectId\" = ?",
            vec![SqlValue::from(order_id)],
        ),
    );
    statements.push_after(
        "Order",
        ChangeKind::Updated,
        Statement::new(
            "UPDATE \"Order\" SET \"status\" = ?, \"updatedAt\" = ? WHERE \"objectId\" = ? AND \"status\" = ? RETURNING *",
            vec![SqlValue::from(to.as_str()), SqlValue::from(now.as_str()), SqlValue::from(order_id), SqlValue::from(from.as_str())],
        ),
    );
    statements.push(Statement::new(
        "INSERT INTO \"_Guard\" (\"missing\") SELECT 1 WHERE changes() = 0",
        vec![],
    ));
    if to == Status::Cancelled {
        statements.push_before(
            "Product",
            Statement::new(
                format!("SELECT * FROM \"Product\" WHERE \"objectId\" IN (SELECT product FROM ({items}))"),
                vec![SqlValue::from(order_id)],
            ),
        );
        statements.push_after(
            "Product",
            ChangeKind::Updated,
            Statement::new(
                format!(
                    "UPDATE \"Product\" SET \"stock\" = \"stock\" + i.quantity, \"updatedAt\" = ? \
                     FROM ({items}) AS i WHERE \"Product\".\"objectId\" = i.product RETURNING *"
                ),
                vec![SqlValue::from(now.as_str()), SqlValue::from(order_id)],
            ),
        );
    }
    statements
}

#[cfg(test)]
mod tests {
    use super::*;
    use Actor::*;
    use Status::*;

    #[test]
    fn the_happy_path_is_paid_by_the_system_then_shipped_and_delivered_by_the_artisan() {
        assert!(authorize(Pending, Paid, System).is_ok());
        assert!(authorize(Paid, Shipped, Artisan).is_ok());
        assert!(authorize(Shipped, Delivered, Artisan).is_ok());
    }

    #[test]
    fn a_buyer_cancels_only_while_pending() {
        assert!(authorize(Pending, Cancelled, Buyer).is_ok());
        assert_eq!(
            authorize(Paid, Cancelled, Buyer).unwrap_err().code,
            Code::OperationForbidden
        );
        assert!(authorize(Paid, Cancelled, Artisan).is_ok());
    }

    #[test]
    fn nobody_but_the_system_marks_an_order_paid() {
        for actor in [Admin, Artisan, Buyer] {
            assert_eq!(
                authorize(Pending, Paid, actor).unwrap_err().code,
                Code::OperationForbidden
            );
        }
    }

    #[test]
    fn illegal_steps_are_validation_errors_whoever_asks() {
        for (from, to) in [
            (Pending, Shipped),
            (Delivered, Cancelled),
            (Cancelled, Pending),
            (Shipped, Paid),
            (Paid, Paid),
        ] {
            assert_eq!(
                authorize(from, to, System).unwrap_err().code,
                Code::ValidationError
            );
        }
        assert!(Status::parse("lost").is_err());
    }
}
