//! A live connection against SQLite with the real migrations: connect, subscribe, events, logout.

use crate::auth::token::TokenKey;
use crate::engine::change::{Change, ChangeKind};
use crate::engine::schema::Registry;
use crate::live::connection::{on_message, refresh_sessions, LiveContext};
use crate::live::delivery::Event;
use crate::live::frames::EventFrames;
use crate::live::protocol::SocketState;
use crate::live::subscriber::Subscriber;
use crate::service::sessions as session;
use crate::service::Config;
use crate::store::{Row, Statement, Store};
use crate::testing::SqliteStore;
use futures::executor::block_on;
use serde_json::{json, Value};

/// The frames a change produces for one socket, each with the hub's sequence number.
fn fan_out(state: &SocketState, registry: &Registry, change: &Change, seq: u64) -> Vec<String> {
    let Some(schema) = registry.get(&change.class) else {
        return vec![];
    };
    let Some(event) = Event::decode(change, schema, "/parse/files/artisan-market/") else {
        return vec![];
    };
    Subscriber::new(state.clone()).frames(&mut EventFrames::new(schema, &event, seq), None)
}

const SECRET: &str = "0123456789abcdef0123456789abcdef";
const NOW: i64 = 1_700_000_000_000;

struct Hub {
    store: SqliteStore,
    config: Config,
    registry: Registry,
}

impl Hub {
    fn new() -> Self {
        let store = SqliteStore::migrated();
        let rows = block_on(store.query(&Statement::new(Registry::LOAD_SQL, vec![]))).unwrap();
        let config = Config {
            master_key: Some("mk".into()),
            session_secret: Some(SECRET.into()),
            ..Config::default()
        };
        Hub {
            store,
            config,
            registry: Registry::from_rows(&rows).unwrap(),
        }
    }

    fn send(&self, state: &mut SocketState, frame: Value) -> Vec<Value> {
        let ctx = LiveContext {
            store: &self.store,
            config: &self.config,
            registry: &self.registry,
            now_ms: NOW,
        };
        block_on(on_message(&ctx, state, &frame.to_string())).frames
    }

    /// A user with a live session; returns its token and session id.
    fn sign_in(&self, user: &str) -> (String, String) {
        block_on(self.store.query(&Statement::new(
            format!("INSERT INTO \"_User\" (\"objectId\", \"createdAt\", \"updatedAt\", \"username\") VALUES ('{user}', 'x', 'x', '{user}')"),
            vec![],
        )))
        .unwrap();
        let new = session::create(
            &TokenKey::from_secret(SECRET).unwrap(),
            user,
            "login",
            None,
            NOW,
            60_000,
        )
        .unwrap();
        block_on(self.store.query(&new.statement)).unwrap();
        (new.token, new.session_id)
    }
}

/// The frames of a change for one socket, parsed back from their text.
fn events(state: &SocketState, registry: &Registry, change: &Change, seq: u64) -> Vec<Value> {
    fan_out(state, registry, change, seq)
        .iter()
        .map(|text| serde_json::from_str(text).unwrap())
        .collect()
}

fn order_row(readers: &[&str], status: &str) -> Row {
    json!({"objectId": "o1", "createdAt": "2024-01-01T00:00:00.000Z", "updatedAt": "2024-01-01T00:00:00.000Z",
           "_rperm": json!(readers).to_string(), "_wperm": "[]", "status": status, "totalAmount": 12.5})
        .as_object()
        .unwrap()
        .clone()
}

#[test]
fn the_sdk_handshake_subscribes_and_events_reach_only_readers() {
    let hub = Hub::new();
    let (token, _) = hub.sign_in("b1");
    let mut buyer = SocketState::new("c1".into());
    let connected = hub.send(
        &mut buyer,
        json!({"op": "connect", "applicationId": "artisan-market", "sessionToken": token}),
    );
    assert_eq!(
        connected,
        vec![json!({"op": "connected", "clientId": "c1"})]
    );
    let subscribed = hub.send(&mut buyer, json!({"op": "subscribe", "requestId": 1, "query": {"className": "Order", "where": {"status": "pending"}}}));
    assert_eq!(subscribed[0]["op"], "subscribed");

    let created = Change::new(
        "Order",
        ChangeKind::Created,
        &order_row(&["b1"], "pending"),
        None,
    );
    let frames = events(&buyer, &hub.registry, &created, 9);
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0]["op"], "create");
    assert_eq!(frames[0]["object"]["className"], "Order");
    assert_eq!(frames[0]["object"]["totalAmount"], 12.5);
    assert_eq!(frames[0]["seq"], 9);

    let someone_elses = Change::new(
        "Order",
        ChangeKind::Created,
        &order_row(&["b2"], "pending"),
        None,
    );
    assert!(events(&buyer, &hub.registry, &someone_elses, 10).is_empty());

    let paid = Change::new(
        "Order",
        ChangeKind::Updated,
        &order_row(&["b1"], "paid"),
        Some(&order_row(&["b1"], "pending")),
    );
    assert_eq!(events(&buyer, &hub.registry, &paid, 11)[0]["op"], "leave");
}

#[test]
fn anonymous_clients_cannot_subscribe_to_classes_that_need_a_session() {
    let hub = Hub::new();
    let mut anonymous = SocketState::new("c2".into());
    hub.send(
        &mut anonymous,
        json!({"op": "connect", "applicationId": "artisan-market"}),
    );
    let refused = hub.send(
        &mut anonymous,
        json!({"op": "subscribe", "requestId": 3, "query": {"className": "Order", "where": {}}}),
    );
    assert_eq!(refused[0]["op"], "error");
    assert_eq!(refused[0]["code"], 119);
    assert_eq!(refused[0]["requestId"], 3);
    let products = hub.send(
        &mut anonymous,
        json!({"op": "subscribe", "requestId": 4, "query": {"className": "Product", "where": {}}}),
    );
    assert_eq!(products[0]["op"], "subscribed");
}

#[test]
fn bad_frames_and_bad_credentials_answer_error_frames() {
    let hub = Hub::new();
    let mut socket = SocketState::new("c3".into());
    assert_eq!(
        hub.send(
            &mut socket,
            json!({"op": "subscribe", "requestId": 1, "query": {"className": "Product"}})
        )[0]["op"],
        "error"
    );
    assert_eq!(
        hub.send(
            &mut socket,
            json!({"op": "connect", "applicationId": "wrong"})
        )[0]["code"],
        -403
    );
    assert_eq!(
        hub.send(
            &mut socket,
            json!({"op": "connect", "applicationId": "artisan-market", "sessionToken": "forged"})
        )[0]["code"],
        209
    );
    assert!(socket.identity.is_none());
    hub.send(
        &mut socket,
        json!({"op": "connect", "applicationId": "artisan-market", "masterKey": "mk"}),
    );
    let bad_query = hub.send(&mut socket, json!({"op": "subscribe", "requestId": 2, "query": {"className": "Product", "where": {"x": {"$inQuery": {}}}}}));
    assert_eq!(bad_query[0]["code"], 102);
    assert_eq!(
        hub.send(&mut socket, json!({"op": "unsubscribe", "requestId": 99}))[0]["op"],
        "error"
    );
}

#[test]
fn a_logged_out_session_is_dropped_and_a_demoted_user_loses_its_role() {
    let hub = Hub::new();
    let (token, session_id) = hub.sign_in("b1");
    let mut socket = SocketState::new("c4".into());
    hub.send(
        &mut socket,
        json!({"op": "connect", "applicationId": "artisan-market", "sessionToken": token}),
    );
    let roles = |s: &SocketState| s.identity.as_ref().unwrap().access().acl_keys();
    assert_eq!(roles(&socket), vec!["*", "b1", "role:buyer"]);

    block_on(hub.store.query(&Statement::new(
        "UPDATE \"_User\" SET \"role\" = 'admin' WHERE \"objectId\" = 'b1'",
        vec![],
    )))
    .unwrap();
    let mut states = vec![socket];
    let outcome = block_on(refresh_sessions(&hub.store, &mut states, NOW)).unwrap();
    assert_eq!(outcome, vec![(true, vec![])]);
    assert_eq!(roles(&states[0]), vec!["*", "b1", "role:admin"]);

    block_on(
        hub.store
            .query(&crate::engine::sessions::revoke(&session_id)),
    )
    .unwrap();
    let outcome = block_on(refresh_sessions(&hub.store, &mut states, NOW)).unwrap();
    assert_eq!(outcome[0].1[0]["code"], 209);
    assert_eq!(roles(&states[0]), vec!["*"]);
    // Subscribing on a socket whose session ended is refused too.
    let mut stale = SocketState::new("c5".into());
    let (token, session_id) = hub.sign_in("b2");
    hub.send(
        &mut stale,
        json!({"op": "connect", "applicationId": "artisan-market", "sessionToken": token}),
    );
    block_on(
        hub.store
            .query(&crate::engine::sessions::revoke(&session_id)),
    )
    .unwrap();
    let refused = hub.send(
        &mut stale,
        json!({"op": "subscribe", "requestId": 1, "query": {"className": "Product", "where": {}}}),
    );
    assert_eq!(refused[0]["code"], 209, "{refused:?}");
}

fn user_row(email: &str) -> Row {
    json!({"objectId": "victim", "createdAt": "2024-01-01T00:00:00.000Z", "updatedAt": "2024-01-01T00:00:00.000Z",
           "_rperm": "[\"*\",\"victim\"]", "_wperm": "[\"victim\"]", "username": "victim", "email": email})
        .as_object()
        .unwrap()
        .clone()
}

#[test]
fn a_subscription_cannot_query_or_watch_a_protected_field_nor_hear_of_it_later() {
    let hub = Hub::new();
    let (token, _) = hub.sign_in("spy");
    let mut spy = SocketState::new("c9".into());
    hub.send(
        &mut spy,
        json!({"op": "connect", "applicationId": "artisan-market", "sessionToken": token}),
    );
    for (id, query) in [
        (
            1,
            json!({"className": "_User", "where": {"email": {"$regex": "^vic"}}}),
        ),
        (
            2,
            json!({"className": "_User", "where": {"$or": [{"username": "x"}, {"email": "v@x"}]}}),
        ),
        (
            3,
            json!({"className": "_User", "where": {}, "watch": ["email"]}),
        ),
    ] {
        let refused = hub.send(
            &mut spy,
            json!({"op": "subscribe", "requestId": id, "query": query}),
        );
        assert_eq!(refused[0]["op"], "error", "{query}");
        assert_eq!(refused[0]["code"], 119, "{query}");
    }
    let allowed = hub.send(
        &mut spy,
        json!({"op": "subscribe", "requestId": 4, "query": {"className": "_User", "where": {"username": "victim"}}}),
    );
    assert_eq!(allowed[0]["op"], "subscribed");
    // A subscription kept from before (or replayed with lastSeq) is checked at every event.
    let mut kept = spy.clone();
    let request = crate::live::protocol::SubscribeRequest {
        request_id: 5,
        class_name: "_User".into(),
        where_: json!({"email": {"$regex": "^vic"}}),
        keys: None,
        watch: None,
        session_token: None,
        last_seq: Some(0),
    };
    kept.subscribe(&request, None).unwrap();
    let changed = Change::new(
        "_User",
        ChangeKind::Updated,
        &user_row("vic2@secret.example"),
        Some(&user_row("vic1@secret.example")),
    );
    let frames = events(&kept, &hub.registry, &changed, 12);
    assert!(
        frames.iter().all(|f| f["requestId"] != 5),
        "no event for the protected query: {frames:?}"
    );
    assert!(frames
        .iter()
        .any(|f| f["requestId"] == 4 && f["op"] == "update"));
    assert!(frames.iter().all(|f| f["object"].get("email").is_none()));
}

#[test]
fn an_anonymous_socket_holds_a_bounded_number_of_regexes_over_all_its_subscriptions() {
    use crate::engine::objects::MAX_REGEXES_PER_REQUEST;
    use crate::engine::query::MAX_REGEXES_PER_QUERY;
    let hub = Hub::new();
    let mut socket = SocketState::new("c1".into());
    hub.send(
        &mut socket,
        json!({"op": "connect", "applicationId": "artisan-market"}),
    );
    let full: Vec<Value> = (0..MAX_REGEXES_PER_QUERY)
        .map(|i| json!({"title": {"$regex": format!("^t{i}")}}))
        .collect();
    let subscribe = |socket: &mut SocketState, id: usize| {
        hub.send(
            socket,
            json!({"op": "subscribe", "requestId": id, "query": {"className": "Product", "where": {"$or": full}}}),
        )
    };
    let per_socket = MAX_REGEXES_PER_REQUEST / MAX_REGEXES_PER_QUERY;
    for id in 0..per_socket {
        assert_eq!(subscribe(&mut socket, id)[0]["op"], "subscribed");
    }
    // Replacing a subscription does not count its old query.
    assert_eq!(subscribe(&mut socket, 0)[0]["op"], "subscribed");
    let refused = subscribe(&mut socket, per_socket);
    assert_eq!(refused[0]["op"], "error", "{refused:?}");
    assert_eq!(refused[0]["code"], 102);
    assert_eq!(socket.subscriptions.len(), per_socket);
}
