//! Checkout and the order lifecycle against SQLite with the real migrations.

use crate::error::Code;
use crate::marketplace::checkout::{
    execute, group_by_artisan, lookup, parse_items, CheckoutRequest, Item,
};
use crate::marketplace::order_status::{plan as step, Status};
use crate::marketplace::pending_orders::{expire, next_lapse, HoldPolicy};
use crate::store::{SqlValue, Statement, Store};
use crate::testing::SqliteStore;
use futures::executor::block_on;
use serde_json::{json, Value};
use std::collections::BTreeMap;

fn sql(store: &SqliteStore, text: &str) -> Vec<crate::store::Row> {
    block_on(store.query(&Statement::new(text, vec![]))).unwrap()
}

/// Two artisans (a1 owned by user ua, a2 by ub) and three products.
fn shop() -> SqliteStore {
    let store = SqliteStore::migrated();
    for text in [
        "INSERT INTO \"Artisan\" (\"objectId\", \"createdAt\", \"updatedAt\", \"name\", \"user\") VALUES ('a1', 'x', 'x', 'Ana', 'ua'), ('a2', 'x', 'x', 'Bo', 'ub')",
        "INSERT INTO \"Product\" (\"objectId\", \"createdAt\", \"updatedAt\", \"title\", \"sku\", \"price\", \"stock\", \"owner\") VALUES \
         ('bowl', 'x', 'x', 'Bowl', 'S1', 19.99, 1, 'a1'), ('mug', 'x', 'x', 'Mug', 'S2', 0.1, 5, 'a1'), ('rug', 'x', 'x', 'Rug', 'S3', 120, 2, 'a2')",
    ] {
        sql(&store, text);
    }
    store
}

fn request(carts: &[(&str, &[(&str, i64)])], key: Option<&str>) -> CheckoutRequest {
    let carts: BTreeMap<String, Vec<Item>> = carts
        .iter()
        .map(|(artisan, items)| {
            (
                artisan.to_string(),
                items
                    .iter()
                    .map(|(p, q)| Item {
                        product: p.to_string(),
                        quantity: *q,
                    })
                    .collect(),
            )
        })
        .collect();
    CheckoutRequest {
        buyer: "buyer1".into(),
        roles: vec![],
        carts,
        idempotency_key: key.map(String::from),
        now_ms: NOW,
        hold: HoldPolicy {
            lapse_ms: LAPSE,
            max_unpaid_items: 0,
        },
    }
}

const NOW: i64 = 1_700_000_000_000;
const LAPSE: i64 = 60_000;

fn stock(store: &SqliteStore, product: &str) -> i64 {
    let rows = block_on(store.query(&Statement::new(
        "SELECT \"stock\" FROM \"Product\" WHERE \"objectId\" = ?",
        vec![SqlValue::from(product)],
    )))
    .unwrap();
    rows[0]["stock"].as_i64().unwrap()
}

fn orders(store: &SqliteStore) -> Vec<crate::store::Row> {
    sql(store, "SELECT * FROM \"Order\" ORDER BY \"artisan\"")
}

#[test]
fn an_order_is_priced_in_cents_from_current_prices_and_takes_stock() {
    let store = shop();
    let (outcome, changes) = block_on(execute(
        &store,
        &request(&[("a1", &[("bowl", 1), ("mug", 3)])], None),
    ))
    .unwrap();
    assert_eq!(outcome.orders.len(), 1);
    // Live subscribers hear of both products' stock and of the new order, with the originals.
    let kinds: Vec<(&str, Option<i64>)> = changes
        .iter()
        .map(|c| {
            (
                c.class.as_str(),
                c.before.as_ref().and_then(|b| b["stock"].as_i64()),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![("Product", Some(1)), ("Product", Some(5)), ("Order", None)]
    );
    let order = &orders(&store)[0];
    assert_eq!(order["totalAmount"], json!(20.29));
    assert_eq!(order["status"], "pending");
    assert_eq!(order["buyer"], "buyer1");
    let items: Value = serde_json::from_str(order["items"].as_str().unwrap()).unwrap();
    assert_eq!(
        items[1],
        json!({"product": {"__type": "Pointer", "className": "Product", "objectId": "mug"}, "quantity": 3, "unitPrice": 0.1})
    );
    let readers: Value = serde_json::from_str(order["_rperm"].as_str().unwrap()).unwrap();
    assert_eq!(readers, json!(["buyer1", "ua", "role:admin"]));
    assert_eq!((stock(&store, "bowl"), stock(&store, "mug")), (0, 2));
}

#[test]
fn a_one_of_a_kind_piece_sells_once() {
    let store = shop();
    assert!(block_on(execute(&store, &request(&[("a1", &[("bowl", 1)])], None))).is_ok());
    let err = block_on(execute(&store, &request(&[("a1", &[("bowl", 1)])], None))).unwrap_err();
    assert_eq!(err.code, Code::ValidationError);
    assert!(err.message.starts_with("Sold out"));
    assert_eq!(stock(&store, "bowl"), 0);
    assert_eq!(orders(&store).len(), 1);
}

#[test]
fn a_retried_checkout_answers_the_first_outcome_and_creates_nothing() {
    let store = shop();
    let (first, _) = block_on(execute(
        &store,
        &request(&[("a1", &[("mug", 1)])], Some("buyer1:req-1")),
    ))
    .unwrap();
    let (again, changes) = block_on(execute(
        &store,
        &request(&[("a1", &[("mug", 1)])], Some("buyer1:req-1")),
    ))
    .unwrap();
    assert!(changes.is_empty());
    assert_eq!(first, again);
    assert_eq!(orders(&store).len(), 1);
    assert_eq!(stock(&store, "mug"), 4);
}

#[test]
fn a_cart_across_artisans_is_all_or_nothing() {
    let store = shop();
    let err = block_on(execute(
        &store,
        &request(&[("a1", &[("mug", 1)]), ("a2", &[("rug", 3)])], None),
    ))
    .unwrap_err();
    assert!(err.message.starts_with("Sold out"));
    assert_eq!((stock(&store, "mug"), stock(&store, "rug")), (5, 2));
    assert!(orders(&store).is_empty());
    let (outcome, _) = block_on(execute(
        &store,
        &request(&[("a1", &[("mug", 1)]), ("a2", &[("rug", 2)])], None),
    ))
    .unwrap();
    assert_eq!(outcome.orders.len(), 2);
    let placed = orders(&store);
    assert_eq!(placed[0]["checkoutId"], placed[1]["checkoutId"]);
    assert_eq!(placed[1]["totalAmount"], json!(240));
}

#[test]
fn a_product_of_another_artisan_is_refused_in_the_transaction() {
    let store = shop();
    let err = block_on(execute(&store, &request(&[("a1", &[("rug", 1)])], None))).unwrap_err();
    assert_eq!(err.code, Code::ObjectNotFound);
    assert_eq!(stock(&store, "rug"), 2);
}

#[test]
fn cancelling_puts_the_stock_back_once() {
    let store = shop();
    let (outcome, _) = block_on(execute(&store, &request(&[("a1", &[("mug", 2)])], None))).unwrap();
    let id = &outcome.orders[0].object_id;
    let cancel = step(id, Status::Pending, Status::Cancelled, 1);
    let results = block_on(store.batch(&cancel.statements)).unwrap();
    assert_eq!(stock(&store, "mug"), 5);
    let changes = cancel.changes(&results);
    assert_eq!(changes[0].before.as_ref().unwrap()["status"], "pending");
    assert_eq!(changes[0].row["status"], "cancelled");
    assert_eq!(
        (
            changes[1].before.as_ref().unwrap()["stock"].as_i64(),
            changes[1].row["stock"].as_i64()
        ),
        (Some(3), Some(5))
    );
    // A second cancel from the stale status matches nothing and changes nothing.
    assert!(
        block_on(store.batch(&step(id, Status::Pending, Status::Cancelled, 2).statements)).is_err()
    );
    assert_eq!(stock(&store, "mug"), 5);
}

#[test]
fn routing_groups_by_artisan_and_checks_the_client_total() {
    let store = shop();
    let items = vec![
        Item {
            product: "bowl".into(),
            quantity: 1,
        },
        Item {
            product: "rug".into(),
            quantity: 1,
        },
    ];
    let rows = block_on(store.query(&lookup(&items, &request(&[], None).access()))).unwrap();
    let carts = group_by_artisan(&items, &rows, Some(&json!(139.99))).unwrap();
    assert_eq!(carts.keys().collect::<Vec<_>>(), ["a1", "a2"]);
    assert_eq!(
        group_by_artisan(&items, &rows, Some(&json!(1)))
            .unwrap_err()
            .code,
        Code::ValidationError
    );
    let too_many = vec![Item {
        product: "rug".into(),
        quantity: 3,
    }];
    assert!(group_by_artisan(&too_many, &rows, None)
        .unwrap_err()
        .message
        .contains("only 2 of Rug left"));
    let missing = vec![Item {
        product: "nope".into(),
        quantity: 1,
    }];
    assert_eq!(
        group_by_artisan(&missing, &rows, None).unwrap_err().code,
        Code::ObjectNotFound
    );
}

#[test]
fn order_bodies_accept_items_or_the_short_form_and_refuse_forged_fields() {
    let pointer = json!({"__type": "Pointer", "className": "Product", "objectId": "bowl"});
    let items = parse_items(
        json!({"items": [{"product": pointer, "quantity": 2}, {"product": "bowl"}]})
            .as_object()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        items,
        vec![Item {
            product: "bowl".into(),
            quantity: 3
        }]
    );
    let short = parse_items(
        json!({"product": pointer, "quantity": 1})
            .as_object()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(short.len(), 1);
    for bad in [
        json!({"items": []}),
        json!({"items": [{"product": pointer, "quantity": 0}]}),
        json!({"items": [{"product": pointer, "quantity": 1.5}]}),
        json!({"items": [{"product": {"__type": "Pointer", "className": "Artisan", "objectId": "a1"}}]}),
        json!({}),
    ] {
        assert_eq!(
            parse_items(bad.as_object().unwrap()).unwrap_err().code,
            Code::ValidationError,
            "{bad}"
        );
    }
    let forged = parse_items(
        json!({"product": pointer, "buyer": "someone"})
            .as_object()
            .unwrap(),
    )
    .unwrap_err();
    assert_eq!(forged.code, Code::OperationForbidden);
    let priced = parse_items(
        json!({"items": [{"product": pointer, "quantity": 1, "unitPrice": 0.01}]})
            .as_object()
            .unwrap(),
    )
    .unwrap_err();
    assert_eq!(priced.code, Code::OperationForbidden);
}

#[test]
fn an_unpaid_order_lapses_at_its_time_and_puts_its_stock_back() {
    let store = shop();
    let (outcome, _) = block_on(execute(&store, &request(&[("a1", &[("mug", 2)])], None))).unwrap();
    let id = outcome.orders[0].object_id.clone();
    assert_eq!(orders(&store)[0]["expiresAt"], "2023-11-14T22:14:20.000Z");
    assert_eq!(
        block_on(next_lapse(&store, "a1")).unwrap(),
        Some(NOW + LAPSE)
    );
    assert!(block_on(expire(&store, "a1", NOW + LAPSE - 1))
        .unwrap()
        .is_empty());
    assert_eq!(stock(&store, "mug"), 3);
    let changes = block_on(expire(&store, "a1", NOW + LAPSE)).unwrap();
    assert_eq!(changes[0].row["objectId"], Value::from(id));
    assert_eq!(changes[0].row["status"], "cancelled");
    assert_eq!(stock(&store, "mug"), 5);
    assert_eq!(block_on(next_lapse(&store, "a1")).unwrap(), None);
    // Another artisan's sweep never touches this artisan's orders.
    assert!(block_on(expire(&store, "a2", NOW + 10 * LAPSE))
        .unwrap()
        .is_empty());
}

#[test]
fn a_paid_order_never_lapses() {
    let store = shop();
    let (outcome, _) = block_on(execute(&store, &request(&[("a1", &[("mug", 1)])], None))).unwrap();
    let paid = step(
        &outcome.orders[0].object_id,
        Status::Pending,
        Status::Paid,
        NOW + 1,
    );
    block_on(store.batch(&paid.statements)).unwrap();
    assert!(block_on(expire(&store, "a1", NOW + 10 * LAPSE))
        .unwrap()
        .is_empty());
    assert_eq!(orders(&store)[0]["status"], "paid");
    assert_eq!(stock(&store, "mug"), 4);
}

#[test]
fn a_buyer_cannot_hold_more_unpaid_items_than_the_limit() {
    let store = shop();
    let limited = |carts: &[(&str, &[(&str, i64)])]| CheckoutRequest {
        hold: HoldPolicy {
            lapse_ms: LAPSE,
            max_unpaid_items: 3,
        },
        ..request(carts, None)
    };
    let (first, _) = block_on(execute(&store, &limited(&[("a1", &[("mug", 2)])]))).unwrap();
    let refused = block_on(execute(&store, &limited(&[("a2", &[("rug", 2)])]))).unwrap_err();
    assert_eq!(refused.code, Code::ValidationError);
    assert!(
        refused.message.contains("more than 3 unpaid items"),
        "{}",
        refused.message
    );
    assert_eq!(stock(&store, "rug"), 2, "a refused checkout takes nothing");
    block_on(execute(&store, &limited(&[("a2", &[("rug", 1)])]))).unwrap();
    // Paying (or cancelling) frees the buyer's allowance.
    let paid = step(
        &first.orders[0].object_id,
        Status::Pending,
        Status::Paid,
        NOW + 1,
    );
    block_on(store.batch(&paid.statements)).unwrap();
    block_on(execute(&store, &limited(&[("a2", &[("rug", 1)])]))).unwrap();
    assert_eq!(stock(&store, "rug"), 0);
}

#[test]
fn a_product_the_buyer_cannot_read_is_absent_to_its_checkout_and_no_message_names_it() {
    let store = shop();
    // Only its artisan (ua) may read the bowl.
    sql(
        &store,
        "UPDATE \"Product\" SET \"_rperm\" = '[\"ua\"]' WHERE \"objectId\" = 'bowl'",
    );
    let buyer = request(&[], None).access();
    let items = vec![Item {
        product: "bowl".into(),
        quantity: 1000,
    }];
    let rows = block_on(store.query(&lookup(&items, &buyer))).unwrap();
    assert!(
        rows.is_empty(),
        "the lookup sees only what the buyer may read"
    );
    for total in [None, Some(json!(0.01))] {
        let e = group_by_artisan(&items, &rows, total.as_ref()).unwrap_err();
        assert_eq!(e.code, Code::ObjectNotFound);
        assert!(
            !e.message.contains("Bowl") && !e.message.contains("19.99"),
            "{}",
            e.message
        );
    }
    // Hidden after the lookup: the transaction itself refuses it, and takes no stock.
    let e = block_on(execute(&store, &request(&[("a1", &[("bowl", 1)])], None))).unwrap_err();
    assert_eq!(e.code, Code::ObjectNotFound);
    assert!(!e.message.contains("Bowl"), "{}", e.message);
    assert_eq!(stock(&store, "bowl"), 1);
    assert!(orders(&store).is_empty());
    // Its artisan's own account may buy it.
    let mut own = request(&[("a1", &[("bowl", 1)])], None);
    own.buyer = "ua".into();
    assert!(block_on(execute(&store, &own)).is_ok());
    assert_eq!(stock(&store, "bowl"), 0);
}
