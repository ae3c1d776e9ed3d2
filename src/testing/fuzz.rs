//! The database the property tests run against: the real migrations (marketplace classes) plus
//! two classes holding every field type, seeded with rows of awkward but valid values, so that
//! random queries and writes meet real data (a malformed-JSON error from `json_each`, say, only
//! happens when a row is there to be read).
//!
//! It also states what "only bound parameters" means, precisely: every value the generators make
//! carries a marker (`VALUE_MARK`, `NUMBER_MARK`, `DATE_MARK`), and every field or class name they
//! make up carries `NAME_MARK`. The registry's own names carry none, so a marker in SQL text is a
//! user-supplied string that reached SQL outside a parameter.

use crate::engine::access::{Access, Principal};
use crate::engine::ddl;
use crate::engine::objects::Objects;
use crate::engine::schema::{ClassSchema, FieldType, Registry};
use crate::marketplace::rules::MarketplaceRules;
use crate::store::{SqlValue, Statement, Store};
use crate::testing::{SqliteStore, World};
use futures::executor::block_on;
use serde_json::json;

/// In every generated string value (and objectId).
pub const VALUE_MARK: &str = "vqz";
/// In every generated field or class name that the registry does not have.
pub const NAME_MARK: &str = "nqz";
/// In the decimal form of every marked generated number.
pub const NUMBER_MARK: &str = "98765";
/// The day of every generated valid date.
pub const DATE_MARK: &str = "2087-06-05";

/// The seeded users: a buyer (the property tests' signed-in client) and an artisan.
pub const BUYER: &str = "u000000001";
pub const ARTISAN_USER: &str = "u000000002";

/// Fields of `Fuzz`: one of every type, a protected one and a relation.
pub const FUZZ_FIELDS: [(&str, &str); 13] = [
    ("str", "String"),
    ("num", "Number"),
    ("flag", "Boolean"),
    ("when", "Date"),
    ("obj", "Object"),
    ("arr", "Array"),
    ("ptr", "Pointer:Fuzz"),
    ("owner", "Pointer:_User"),
    ("rel", "Relation:Fuzz"),
    ("geo", "GeoPoint"),
    ("file", "File"),
    ("bytes", "Bytes"),
    ("secret", "String"),
];

fn field_type(spec: &str) -> FieldType {
    match spec.split_once(':') {
        Some(("Pointer", target)) => FieldType::Pointer(target.into()),
        Some((_, target)) => FieldType::Relation(target.into()),
        None => FieldType::from_json(&json!({ "type": spec })).expect("a field type"),
    }
}

impl World {
    /// The product's database plus two classes with a field of every type (`Fuzz`) and
    /// pointer permissions (`Fenced`), seeded with rows that cover each kind of value.
    pub fn fuzz() -> Self {
        let store = SqliteStore::migrated();
        let mut fuzz = ClassSchema::new("Fuzz");
        for (name, spec) in FUZZ_FIELDS {
            fuzz.fields.insert(name.into(), field_type(spec));
        }
        fuzz.clp
            .insert("protectedFields".into(), json!({"*": ["secret"]}));
        // Readable only by the users its pointer or array fields name: CLP pointer permissions.
        let mut fenced = ClassSchema::new("Fenced");
        fenced
            .fields
            .insert("owner".into(), FieldType::Pointer("_User".into()));
        fenced.fields.insert("watchers".into(), FieldType::Array);
        fenced.fields.insert("str".into(), FieldType::String);
        for op in ["find", "count", "get"] {
            fenced
                .clp
                .insert(op.into(), json!({"pointerFields": ["owner", "watchers"]}));
        }
        let mut statements = ddl::create_class(&fuzz);
        statements.extend(ddl::create_class(&fenced));
        let now = "2024-01-02T03:04:05.678Z";
        let text = |s: &str| SqlValue::Text(s.into());
        let fuzz_rows: [[SqlValue; 14]; 5] = [
            [
                text("f000000001"),
                SqlValue::Null,
                text("Vase"),
                SqlValue::Integer(1),
                SqlValue::Integer(1),
                text("2024-05-06T07:08:09.000Z"),
                text(r#"{"a":1,"b":{"c":"x"},"s":"t"}"#),
                text(r#"["a","b"]"#),
                text("f000000002"),
                text(BUYER),
                text(r#"{"__type":"GeoPoint","latitude":1,"longitude":2}"#),
                text(r#"{"__type":"File","name":"a.png","url":"http://x/a.png"}"#),
                text(r#"{"__type":"Bytes","base64":"AAAA"}"#),
                text("hidden"),
            ],
            [
                text("f000000002"),
                text(r#"["u000000001"]"#),
                text("not json ["),
                SqlValue::Real(2.5),
                SqlValue::Integer(0),
                SqlValue::Null,
                text(r#"{"a":"x"}"#),
                text("[1,2,3]"),
                text("f000000001"),
                text(ARTISAN_USER),
                SqlValue::Null,
                SqlValue::Null,
                SqlValue::Null,
                SqlValue::Null,
            ],
            [
                text("f000000003"),
                text(r#"["role:buyer"]"#),
                text(""),
                SqlValue::Integer(-3),
                SqlValue::Null,
                text("1999-12-31T23:59:59.999Z"),
                text("{}"),
                text(
                    r#"[{"__type":"Pointer","className":"Fuzz","objectId":"f000000001"},{"x":[1]}]"#,
                ),
                SqlValue::Null,
                SqlValue::Null,
                SqlValue::Null,
                SqlValue::Null,
                SqlValue::Null,
                text("x"),
            ],
            [
                text("f000000004"),
                text(r#"["*"]"#),
                text("ÄÖ 𝔘 \u{212A}"),
                SqlValue::Null,
                SqlValue::Integer(1),
                SqlValue::Null,
                SqlValue::Null,
                text(r#"[[1],true,null,"x",1.5]"#),
                text("missing000"),
                text(ARTISAN_USER),
                SqlValue::Null,
                SqlValue::Null,
                SqlValue::Null,
                SqlValue::Null,
            ],
            [
                text("f000000005"),
                text("[]"),
                text("[1,2]"),
                SqlValue::Integer(9_007_199_254_740_993),
                SqlValue::Integer(0),
                text("2024-05-06T07:08:09.000Z"),
                text(r#"{"a":[1,2],"b":null}"#),
                text("[]"),
                SqlValue::Null,
                SqlValue::Null,
                SqlValue::Null,
                SqlValue::Null,
                SqlValue::Null,
                SqlValue::Null,
            ],
        ];
        for row in fuzz_rows {
            let mut params = row.to_vec();
            params.insert(1, text(now));
            statements.push(Statement::new(
                "INSERT INTO \"Fuzz\" (\"objectId\", \"createdAt\", \"updatedAt\", \"_rperm\", \"str\", \"num\", \
                 \"flag\", \"when\", \"obj\", \"arr\", \"ptr\", \"owner\", \"geo\", \"file\", \"bytes\", \"secret\") \
                 VALUES (?1, ?2, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
                params,
            ));
        }
        let fixed = [
            "INSERT INTO \"_Join:rel:Fuzz\" VALUES ('f000000001', 'f000000002'), ('f000000001', 'f000000003'), ('f000000002', 'f000000001')",
            "INSERT INTO \"Fenced\" (\"objectId\", \"createdAt\", \"updatedAt\", \"owner\", \"watchers\", \"str\") VALUES \
             ('c000000001', '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z', 'u000000001', '[]', 'mine'), \
             ('c000000002', '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z', 'u000000002', \
              '[{\"__type\":\"Pointer\",\"className\":\"_User\",\"objectId\":\"u000000001\"}]', 'watched'), \
             ('c000000003', '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z', NULL, '[\"u000000001\",1]', 'plain')",
            "INSERT INTO \"_User\" (\"objectId\", \"createdAt\", \"updatedAt\", \"_rperm\", \"_wperm\", \"username\", \"email\", \"role\") VALUES \
             ('u000000001', '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z', '[\"*\",\"u000000001\"]', '[\"u000000001\"]', 'ben', 'ben@example.test', 'buyer'), \
             ('u000000002', '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z', '[\"*\",\"u000000002\"]', '[\"u000000002\"]', 'ada', 'ada@example.test', 'artisan')",
            "INSERT INTO \"Artisan\" (\"objectId\", \"createdAt\", \"updatedAt\", \"_wperm\", \"name\", \"user\") VALUES \
             ('a000000001', '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z', '[\"u000000002\"]', 'Ada''s workshop', 'u000000002')",
            "INSERT INTO \"Product\" (\"objectId\", \"createdAt\", \"updatedAt\", \"_wperm\", \"title\", \"sku\", \"price\", \"stock\", \"owner\", \"images\", \"tags\") VALUES \
             ('p000000001', '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z', '[\"u000000002\"]', 'Bowl', 'sku-1', 25, 5, 'a000000001', '[]', '[\"clay\",\"blue\"]'), \
             ('p000000002', '2024-01-02T00:00:00.000Z', '2024-01-02T00:00:00.000Z', '[\"u000000002\"]', 'Rug', 'sku-2', 120.5, 1, 'a000000001', NULL, NULL)",
            "INSERT INTO \"Order\" (\"objectId\", \"createdAt\", \"updatedAt\", \"_rperm\", \"_wperm\", \"buyer\", \"artisan\", \"items\", \"products\", \"totalAmount\", \"status\") VALUES \
             ('o000000001', '2024-01-03T00:00:00.000Z', '2024-01-03T00:00:00.000Z', '[\"u000000001\",\"u000000002\",\"role:admin\"]', '[]', 'u000000001', 'a000000001', \
              '[{\"product\":{\"__type\":\"Pointer\",\"className\":\"Product\",\"objectId\":\"p000000001\"},\"quantity\":2,\"unitPrice\":25}]', \
              '[{\"__type\":\"Pointer\",\"className\":\"Product\",\"objectId\":\"p000000001\"}]', 50, 'pending')",
            "INSERT INTO \"_Role\" (\"objectId\", \"createdAt\", \"updatedAt\", \"name\") VALUES ('r000000001', '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z', 'admin')",
            "INSERT INTO \"_Join:users:_Role\" VALUES ('r000000001', 'u000000002')",
        ];
        statements.extend(fixed.into_iter().map(|sql| Statement::new(sql, vec![])));
        block_on(store.batch(&statements)).expect("seeding the property tests' world");
        World::on(store)
    }

    /// The engine over this world's store, as the client `access` at a fixed time, with the
    /// marketplace's rules.
    pub fn objects<'a>(
        &'a self,
        registry: &'a Registry,
        access: &'a Access,
    ) -> Objects<'a, SqliteStore> {
        Objects {
            store: &self.store,
            registry,
            access,
            allow_client_class_creation: false,
            now_ms: 1_700_000_000_000,
            rules: &MarketplaceRules,
            budget: None,
            file_urls: None,
        }
    }
}

/// The three kinds of client a request may speak for.
pub fn access(kind: u8) -> Access {
    match kind % 3 {
        0 => Access::Master,
        1 => Access::public(),
        _ => Access::Client(Principal {
            user_id: Some(BUYER.into()),
            session_id: None,
            roles: vec!["buyer".into()],
        }),
    }
}

/// Panics when `statement` carries a user-supplied value in its SQL text, or when its `?`
/// placeholders do not match its parameters one for one. `names_allowed` admits made-up names
/// as quoted identifiers (a write that adds a field); queries admit none.
pub fn assert_bound(statement: &Statement, names_allowed: bool) {
    let sql = &statement.sql;
    let outside_identifiers = if names_allowed {
        strip_valid_identifiers(sql)
    } else {
        sql.clone()
    };
    let lower = outside_identifiers.to_lowercase();
    for mark in [VALUE_MARK, NAME_MARK, NUMBER_MARK, DATE_MARK] {
        assert!(
            !lower.contains(mark),
            "user-supplied text ({mark}) in SQL: {sql}"
        );
    }
    let placeholders = count_placeholders(sql);
    assert!(
        placeholders.anonymous == 0 || placeholders.numbered == 0,
        "mixed ? and ?NNN placeholders: {sql}"
    );
    let expected = placeholders.anonymous.max(placeholders.highest);
    assert_eq!(
        expected,
        statement.params.len(),
        "placeholders and parameters differ in number: {sql} with {:?}",
        statement.params
    );
}

/// Whether a quoted identifier is one the engine derives from validated names: a field or class
/// name, a relation's join table (`_Join:<field>:<class>`) or its index (`..._related`).
fn is_derived_identifier(name: &str) -> bool {
    let name = name.strip_suffix("_related").unwrap_or(name);
    match name.strip_prefix("_Join:").and_then(|r| r.split_once(':')) {
        Some((field, class)) => {
            crate::engine::schema::validate_field_name(field).is_ok()
                && crate::engine::schema::validate_class_name(class).is_ok()
        }
        None => crate::engine::schema::validate_class_name(name).is_ok(),
    }
}

/// The SQL with every `"identifier"` derived from validated names removed.
fn strip_valid_identifiers(sql: &str) -> String {
    let mut out = String::new();
    let mut rest = sql;
    while let Some(start) = rest.find('"') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('"') {
            Some(end) if is_derived_identifier(&after[..end]) => {
                rest = &after[end + 1..];
            }
            _ => {
                out.push('"');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

struct Placeholders {
    anonymous: usize,
    numbered: usize,
    highest: usize,
}

/// Counts `?` and `?NNN` outside string literals and quoted identifiers.
fn count_placeholders(sql: &str) -> Placeholders {
    let mut counts = Placeholders {
        anonymous: 0,
        numbered: 0,
        highest: 0,
    };
    let mut quote: Option<char> = None;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '?') => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                match digits.parse::<usize>() {
                    Ok(n) => {
                        counts.numbered += 1;
                        counts.highest = counts.highest.max(n);
                    }
                    Err(_) => counts.anonymous += 1,
                }
            }
            _ => {}
        }
    }
    counts
}

#[test]
fn the_world_seeds_and_its_checker_tells_bound_from_inlined() {
    let world = World::fuzz();
    assert!(world.registry().get("Fuzz").is_some());
    assert_bound(
        &Statement::new("SELECT 1 WHERE a = ? AND b = '?'", vec![SqlValue::Null]),
        false,
    );
    let inlined = std::panic::catch_unwind(|| {
        assert_bound(&Statement::new("SELECT 1 WHERE a = 'vqz'", vec![]), false)
    });
    assert!(inlined.is_err());
    let unbound = std::panic::catch_unwind(|| {
        assert_bound(&Statement::new("SELECT ? + ?", vec![SqlValue::Null]), false)
    });
    assert!(unbound.is_err());
    assert_bound(
        &Statement::new("ALTER TABLE \"Fuzz\" ADD COLUMN \"nqzA\" TEXT", vec![]),
        true,
    );
}
