//! Generators of client input for the property tests. Hostile ones: field and class names,
//! values of every JSON and Parse type, `where` documents with every operator (and unknown
//! ones), query parameters and write bodies, mostly refused. Well-formed ones (at the end): the
//! same on registered fields with values of their types, mostly run. Made-up names and values
//! carry the markers of `fuzz_world`, so a test can tell a value that reached SQL text from one
//! that was bound.

use crate::testing::fuzz::{ARTISAN_USER, BUYER, DATE_MARK, NAME_MARK, NUMBER_MARK, VALUE_MARK};
use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::{json, Map, Value};

/// Names the registry knows (of `fuzz_world`'s classes and the marketplace's): drawn often, so
/// that queries hit real columns, pointers and relations.
pub const KNOWN_FIELDS: [&str; 30] = [
    "objectId",
    "createdAt",
    "updatedAt",
    "str",
    "num",
    "flag",
    "when",
    "obj",
    "arr",
    "ptr",
    "owner",
    "rel",
    "geo",
    "file",
    "bytes",
    "secret",
    "watchers",
    "title",
    "price",
    "stock",
    "images",
    "tags",
    "sku",
    "username",
    "email",
    "role",
    "items",
    "products",
    "buyer",
    "users",
];

/// Classes the generators query and write, besides made-up ones.
pub const KNOWN_CLASSES: [&str; 7] = [
    "Fuzz", "Fenced", "Product", "Order", "_User", "_Role", "Artisan",
];

/// Pieces that break naive SQL or JSON handling.
fn fragment() -> BoxedStrategy<String> {
    prop_oneof![
        6 => prop::sample::select(vec![
            "", "'", "\"", "\"\"", ";", "--", "/*", " OR 1=1", "); DROP TABLE \"Product\"; --", "\\",
            "%", "_", "*", "?", "?1", ":x", "@x", "$1", "[", "]", "\0", "\n", "é", "𝔘", "\u{212A}",
            "\u{202E}", "$", ".", ",", "-", " ", "\\E", "\\Q", "NULL", "json_each(", "'||'",
        ])
        .prop_map(String::from),
        2 => "[a-zA-Z0-9_]{0,8}",
        1 => any::<String>().prop_map(|s| s.chars().take(12).collect()),
        1 => Just("x".repeat(300)),
    ]
    .boxed()
}

/// `mark` wrapped in hostile pieces: always contains `mark`.
fn marked(mark: &'static str) -> BoxedStrategy<String> {
    (vec(fragment(), 0..3), vec(fragment(), 0..3))
        .prop_map(move |(before, after)| format!("{}{mark}{}", before.concat(), after.concat()))
        .boxed()
}

/// A string value a client might send.
pub fn string_value() -> BoxedStrategy<String> {
    prop_oneof![
        8 => marked(VALUE_MARK),
        1 => "[a-z]{0,3}".prop_map(|s| format!("{VALUE_MARK}{s}")),
        1 => Just(format!("{VALUE_MARK}{}", "y".repeat(5000))),
    ]
    .boxed()
}

/// A made-up name: some are valid identifiers the registry lacks, most are hostile.
pub fn made_up_name() -> BoxedStrategy<String> {
    prop_oneof![
        3 => "[a-zA-Z][a-zA-Z0-9_]{0,6}".prop_map(|s| format!("{s}{NAME_MARK}")),
        3 => marked(NAME_MARK),
        1 => Just(format!("{NAME_MARK}{}", "a".repeat(70))),
        1 => marked(NAME_MARK).prop_map(|s| format!("${s}")),
        1 => marked(NAME_MARK).prop_map(|s| format!("_{s}")),
    ]
    .boxed()
}

/// A key a client names: the registry's fields (so queries reach real columns), dotted keys
/// into objects, or made-up names.
pub fn field_name() -> BoxedStrategy<String> {
    prop_oneof![
        6 => prop::sample::select(KNOWN_FIELDS.to_vec()).prop_map(String::from),
        3 => made_up_name(),
        2 => (
            prop::sample::select(vec!["obj", "str", "arr", "ptr", "when", "nqz"]),
            prop_oneof![
                prop::sample::select(vec!["a", "b", "b.c", "s", "a.b.c.d"]).prop_map(String::from),
                made_up_name(),
                Just(String::new()),
            ],
        )
            .prop_map(|(base, path)| format!("{base}.{path}")),
    ]
    .boxed()
}

pub fn class_name() -> BoxedStrategy<String> {
    prop_oneof![
        4 => prop::sample::select(KNOWN_CLASSES.to_vec()).prop_map(String::from),
        1 => made_up_name(),
    ]
    .boxed()
}

/// Numbers: marked ones (their digits show if a number reached SQL text) and the edges of
/// JSON numbers.
pub fn number() -> BoxedStrategy<Value> {
    let marked_int = |n: i64| {
        let digits: i64 = NUMBER_MARK.parse().unwrap_or(98765);
        digits * 1000 + n
    };
    prop_oneof![
        4 => (0i64..1000).prop_map(move |n| json!(marked_int(n))),
        2 => (0i64..1000).prop_map(move |n| json!(-marked_int(n))),
        2 => (0i64..100).prop_map(move |n| json!(marked_int(n) as f64 + 0.25)),
        3 => prop::sample::select(vec![
            json!(0), json!(1), json!(-1), json!(2.5), json!(-0.0), json!(9_007_199_254_740_993i64),
            json!(i64::MAX), json!(i64::MIN), json!(u64::MAX), json!(1e308), json!(-1e308),
            json!(5e-324), json!(0.1), json!(1000), json!(1001),
        ]),
    ]
    .boxed()
}

pub fn object_id() -> BoxedStrategy<String> {
    prop_oneof![
        2 => prop::sample::select(vec![
            "f000000001", "f000000002", "f000000003", BUYER, ARTISAN_USER, "p000000001", "a000000001",
        ])
        .prop_map(String::from),
        3 => "[A-Za-z0-9]{0,7}".prop_map(|s| format!("{VALUE_MARK}{s}")),
        1 => string_value(),
    ]
    .boxed()
}

pub fn pointer() -> BoxedStrategy<Value> {
    (class_name(), object_id())
        .prop_map(|(class, id)| json!({"__type": "Pointer", "className": class, "objectId": id}))
        .boxed()
}

pub fn date() -> BoxedStrategy<Value> {
    prop_oneof![
        3 => (0u32..24, 0u32..60, 0u32..1000).prop_map(|(h, m, ms)| {
            json!({"__type": "Date", "iso": format!("{DATE_MARK}T{h:02}:{m:02}:07.{ms:03}Z")})
        }),
        1 => (0u32..24).prop_map(|h| json!({"__type": "Date", "iso": format!("{DATE_MARK}T{h:02}:00:00+05:30")})),
        1 => string_value().prop_map(|s| json!({"__type": "Date", "iso": s})),
        1 => number().prop_map(|n| json!({"__type": "Date", "iso": n})),
        1 => Just(json!({"__type": "Date"})),
    ]
    .boxed()
}

/// Values with a `__type` other than Date and Pointer, well-formed or not.
pub fn typed() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(json!({"__type": "GeoPoint", "latitude": 1, "longitude": 2})),
        string_value().prop_map(|s| json!({"__type": "File", "name": s, "url": s})),
        string_value().prop_map(|s| json!({"__type": "Bytes", "base64": s})),
        Just(json!({"__type": "Polygon", "coordinates": [[0, 0], [1, 1], [0, 1]]})),
        class_name().prop_map(|c| json!({"__type": "Relation", "className": c})),
        (class_name(), object_id())
            .prop_map(|(c, id)| json!({"__type": "Object", "className": c, "objectId": id})),
        made_up_name().prop_map(|t| json!({"__type": t})),
        number().prop_map(|n| json!({"__type": n})),
    ]
    .boxed()
}

fn scalar() -> BoxedStrategy<Value> {
    prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        3 => number(),
        4 => string_value().prop_map(Value::String),
        2 => pointer(),
        2 => date(),
        1 => typed(),
    ]
    .boxed()
}

/// Any JSON value a client might put where a value belongs.
pub fn value() -> BoxedStrategy<Value> {
    scalar()
        .prop_recursive(3, 12, 4, |inner| {
            prop_oneof![
                vec(inner.clone(), 0..4).prop_map(Value::Array),
                vec((field_name(), inner), 0..3)
                    .prop_map(|entries| Value::Object(entries.into_iter().collect())),
            ]
        })
        .boxed()
}

fn list(max: usize) -> BoxedStrategy<Value> {
    prop_oneof![
        8 => vec(value(), 0..max).prop_map(Value::Array),
        // At the cap, and beyond it.
        1 => number().prop_map(|n| Value::Array(vec![n; 1000])),
        1 => Just(Value::Array(vec![json!(1); 1001])),
        1 => value(),
    ]
    .boxed()
}

/// `$regex` patterns: literals (the SQL forms), real regexes (the engine), broken and huge ones.
pub fn regex_pattern() -> BoxedStrategy<String> {
    let piece = prop_oneof![
        4 => marked(VALUE_MARK).prop_map(|s| s.replace('\0', "")),
        2 => prop::sample::select(vec![
            "^", "$", ".*", ".", "\\Q", "\\E", "(a|b)", "[a-z]+", "[", "(", ")", "\\", "\\d", "\\p{L}",
            "(?i)", "(?=x)", "\\1", "a{1000000}", "a{2,1}", "(?P<n>x)", "\u{212A}", "\0", "%", "_",
            "*", "?", "\\w+\\s*", "(((((((((((a)))))))))))", "x{0,1000}{0,1000}",
        ])
        .prop_map(String::from),
        1 => Just(format!("^{VALUE_MARK}{}", "z".repeat(1000))),
    ];
    vec(piece, 0..5).prop_map(|p| p.concat()).boxed()
}

pub fn regex_options() -> BoxedStrategy<Value> {
    prop_oneof![
        4 => "[imsx]{0,4}".prop_map(Value::String),
        1 => "[imsxuglyQ;]{1,3}".prop_map(Value::String),
        1 => value(),
    ]
    .boxed()
}

/// One entry of a constraint object `{field: {<op>: <operand>}}`, for the operand's type;
/// sometimes the operand is a random value, to reach every error path.
fn constraint_entry(where_: BoxedStrategy<Value>) -> BoxedStrategy<(String, Value)> {
    let comparison = prop::sample::select(vec!["$lt", "$lte", "$gt", "$gte", "$ne", "$eq"]);
    let lists = prop::sample::select(vec!["$in", "$nin", "$all", "$containedBy"]);
    let sub = (class_name(), where_.clone())
        .prop_map(|(class, where_)| json!({"className": class, "where": where_}));
    prop_oneof![
        6 => (comparison, value()).prop_map(|(op, v)| (op.to_string(), v)),
        5 => (lists, list(6)).prop_map(|(op, v)| (op.to_string(), v)),
        2 => prop_oneof![any::<bool>().prop_map(Value::Bool), value()].prop_map(|v| ("$exists".into(), v)),
        4 => prop_oneof![4 => regex_pattern().prop_map(Value::String), 1 => value()]
            .prop_map(|v| ("$regex".into(), v)),
        2 => regex_options().prop_map(|v| ("$options".into(), v)),
        2 => (prop::sample::select(vec!["$inQuery", "$notInQuery"]), prop_oneof![3 => sub.clone(), 1 => value()])
            .prop_map(|(op, v)| (op.to_string(), v)),
        2 => (
            prop::sample::select(vec!["$select", "$dontSelect"]),
            prop_oneof![3 => (sub, field_name()).prop_map(|(q, k)| json!({"query": q, "key": k})), 1 => value()],
        )
            .prop_map(|(op, v)| (op.to_string(), v)),
        1 => (
            prop::sample::select(vec![
                "$text", "$nearSphere", "$within", "$geoWithin", "$maxDistance", "$centerSphere", "$where",
            ]),
            value(),
        )
            .prop_map(|(op, v)| (op.to_string(), v)),
        1 => (made_up_name(), value()).prop_map(|(k, v)| (format!("${k}"), v)),
        1 => (made_up_name(), value()),
    ]
    .boxed()
}

fn constraint(where_: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
    vec(constraint_entry(where_), 1..4)
        .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>()))
        .boxed()
}

/// One top-level entry of a `where`.
fn where_entry(inner: BoxedStrategy<Value>) -> BoxedStrategy<(String, Value)> {
    let logical = prop::sample::select(vec!["$or", "$and", "$nor"]);
    prop_oneof![
        5 => (field_name(), value()),
        6 => (field_name(), constraint(inner.clone())),
        3 => (logical, prop_oneof![4 => vec(inner, 0..4).prop_map(Value::Array), 1 => value()])
            .prop_map(|(op, v)| (op.to_string(), v)),
        1 => (pointer(), prop_oneof![Just("rel".to_string()), Just("users".to_string()), field_name()])
            .prop_map(|(object, key)| ("$relatedTo".into(), json!({"object": object, "key": key}))),
        1 => value().prop_map(|v| ("$relatedTo".into(), v)),
        1 => (
            prop::sample::select(vec!["$text", "ACL", "$where", "$comment", "$expr"]),
            value(),
        )
            .prop_map(|(k, v)| (k.to_string(), v)),
    ]
    .boxed()
}

fn object_of(entries: BoxedStrategy<(String, Value)>, max: usize) -> BoxedStrategy<Value> {
    vec(entries, 0..max)
        .prop_map(|entries| Value::Object(entries.into_iter().collect()))
        .boxed()
}

/// `{"$or": [{"$or": [... leaf ...]}]}` nested `depth` times: up to and beyond the depth cap.
fn deep(leaf: Value, depth: usize, via_subquery: bool) -> Value {
    (0..depth).fold(leaf, |inner, _| {
        if via_subquery {
            json!({"ptr": {"$inQuery": {"className": "Fuzz", "where": inner}}})
        } else {
            json!({"$or": [inner, {"num": 1}]})
        }
    })
}

/// A `where` document.
pub fn where_doc() -> BoxedStrategy<Value> {
    let leaf = object_of(where_entry(Just(json!({})).boxed()), 3);
    let nested = leaf
        .clone()
        .prop_recursive(5, 24, 3, |inner| object_of(where_entry(inner.boxed()), 4))
        .boxed();
    prop_oneof![
        8 => nested,
        1 => (leaf, 5usize..14, any::<bool>()).prop_map(|(l, d, s)| deep(l, d, s)),
    ]
    .boxed()
}

/// A comma-separated list of names (`order`, `keys`, `include`), in one of its wire forms.
fn names_param(include_like: bool) -> BoxedStrategy<Value> {
    let name = if include_like {
        prop_oneof![
            3 => prop::sample::select(vec![
                "ptr", "owner", "ptr.ptr", "ptr.owner", "ptr.ptr.ptr", "ptr.ptr.ptr.ptr", "*", "ptr.*",
                "user", "buyer", "artisan", "artisan.user",
            ])
            .prop_map(String::from),
            1 => field_name(),
        ]
        .boxed()
    } else {
        prop_oneof![
            3 => field_name(),
            1 => field_name().prop_map(|f| format!("-{f}")),
            1 => Just("$score".to_string()),
        ]
        .boxed()
    };
    prop_oneof![
        4 => vec(name.clone(), 0..4).prop_map(|n| Value::String(n.join(","))),
        1 => vec(name, 0..4).prop_map(|n| json!(n)),
        1 => value(),
    ]
    .boxed()
}

fn count_limit_skip(small: std::ops::Range<i64>) -> BoxedStrategy<Value> {
    prop_oneof![
        6 => small.prop_map(|n| json!(n)),
        1 => (0i64..5).prop_map(|n| Value::String(n.to_string())),
        1 => Just(json!(1000)),
        1 => Just(json!(5000)),
        2 => value(),
    ]
    .boxed()
}

/// Query parameters as a request carries them (URL strings or typed SDK body values).
pub fn query_params() -> BoxedStrategy<Map<String, Value>> {
    let where_param = prop_oneof![
        6 => where_doc(),
        2 => where_doc().prop_map(|w| Value::String(w.to_string())),
        1 => string_value().prop_map(|s| Value::String(format!("{{\"a\":{s}"))),
        1 => value(),
    ];
    (
        prop::option::weighted(0.95, where_param),
        prop::option::of(names_param(false)),
        prop::option::weighted(0.3, names_param(false)),
        prop::option::weighted(0.2, names_param(false)),
        prop::option::weighted(0.4, names_param(true)),
        prop::option::weighted(0.7, count_limit_skip(0..8)),
        prop::option::weighted(0.3, count_limit_skip(0..3)),
        prop::option::weighted(
            0.5,
            prop_oneof![Just(json!(1)), Just(json!(true)), Just(json!("1")), value()],
        ),
        prop::option::weighted(0.05, (made_up_name(), value())),
    )
        .prop_map(
            |(where_, order, keys, exclude, include, limit, skip, count, extra)| {
                let mut params = Map::new();
                let mut put = |k: &str, v: Option<Value>| {
                    if let Some(v) = v {
                        params.insert(k.to_string(), v);
                    }
                };
                put("where", where_);
                put("order", order);
                put("keys", keys);
                put("excludeKeys", exclude);
                put("include", include);
                put("limit", limit);
                put("skip", skip);
                put("count", count);
                if let Some((k, v)) = extra {
                    params.insert(k, v);
                }
                params
            },
        )
        .boxed()
}

/// An ACL object: valid keys and permissions mostly, hostile ones sometimes.
pub fn acl() -> BoxedStrategy<Value> {
    let key = prop_oneof![
        3 => prop::sample::select(vec!["*", BUYER, ARTISAN_USER, "role:admin", "role:buyer"]).prop_map(String::from),
        1 => marked(VALUE_MARK),
        1 => marked(VALUE_MARK).prop_map(|s| format!("role:{s}")),
    ];
    let perms = prop_oneof![
        4 => (prop::option::of(any::<bool>()), prop::option::of(any::<bool>())).prop_map(|(r, w)| {
            let mut m = Map::new();
            if let Some(r) = r { m.insert("read".into(), Value::Bool(r)); }
            if let Some(w) = w { m.insert("write".into(), Value::Bool(w)); }
            Value::Object(m)
        }),
        1 => value(),
        1 => (made_up_name(), value()).prop_map(|(k, v)| json!({ k: v })),
    ];
    prop_oneof![
        6 => vec((key, perms), 0..4).prop_map(|e| Value::Object(e.into_iter().collect())),
        1 => value(),
    ]
    .boxed()
}

/// A field operation `{"__op": ...}` with random arguments.
pub fn field_op() -> BoxedStrategy<Value> {
    let op = prop_oneof![
        8 => prop::sample::select(vec![
            "Increment", "Add", "AddUnique", "Remove", "Delete", "AddRelation", "RemoveRelation", "Batch",
        ])
        .prop_map(String::from),
        1 => made_up_name(),
    ];
    let relation_objects = vec(
        prop_oneof![3 => (Just("Fuzz".to_string()), object_id()), 1 => (class_name(), object_id())]
            .prop_map(|(c, id)| json!({"__type": "Pointer", "className": c, "objectId": id})),
        0..3,
    )
    .prop_map(Value::Array);
    (
        op,
        prop::option::of(prop_oneof![3 => number(), 1 => value()]),
        prop::option::of(prop_oneof![2 => list(4), 2 => relation_objects]),
    )
        .prop_map(|(op, amount, objects)| {
            let mut m = Map::new();
            m.insert("__op".into(), Value::String(op.clone()));
            if let Some(a) = amount {
                m.insert("amount".into(), a);
            }
            if let Some(o) = objects {
                if op == "Batch" {
                    m.insert(
                        "ops".into(),
                        json!([{"__op": "AddRelation", "objects": o}, {"__op": "RemoveRelation", "objects": o}]),
                    );
                } else {
                    m.insert("objects".into(), o);
                }
            }
            Value::Object(m)
        })
        .boxed()
}

/// A create or update body.
pub fn write_body() -> BoxedStrategy<Map<String, Value>> {
    let entry = prop_oneof![
        6 => (field_name(), value()),
        4 => (field_name(), field_op()),
        1 => acl().prop_map(|a| ("ACL".to_string(), a)),
        1 => (
            prop::sample::select(vec!["objectId", "createdAt", "updatedAt", "sessionToken", "password", "authData"]),
            value(),
        )
            .prop_map(|(k, v)| (k.to_string(), v)),
    ];
    vec(entry, 0..6)
        .prop_map(|entries| entries.into_iter().collect())
        .boxed()
}

// ---------------------------------------------------------------------------------------------
// Well-formed queries: registered fields with values of their type and operands of the right
// shape, so that most of them compile and run (the hostile generators above mostly exercise
// refusals). Values are still marked, so the binding check holds for them too.

/// A value of `ty`, as the registry types `fuzz_world`'s fields.
fn typed_value(ty: &'static str) -> BoxedStrategy<Value> {
    match ty {
        "string" => string_value().prop_map(Value::String).boxed(),
        "number" => number(),
        "bool" => any::<bool>().prop_map(Value::Bool).boxed(),
        "date" => (0u32..24, 0u32..1000)
            .prop_map(|(h, ms)| json!({"__type": "Date", "iso": format!("{DATE_MARK}T{h:02}:00:00.{ms:03}Z")}))
            .boxed(),
        "fuzz" => prop_oneof![
            prop::sample::select(vec!["f000000001", "f000000002", "f000000003"]).prop_map(String::from),
            object_id(),
        ]
        .prop_map(|id| json!({"__type": "Pointer", "className": "Fuzz", "objectId": id}))
        .boxed(),
        "user" => prop_oneof![Just(BUYER.to_string()), Just(ARTISAN_USER.to_string()), object_id()]
            .prop_map(|id| json!({"__type": "Pointer", "className": "_User", "objectId": id}))
            .boxed(),
        "id" => object_id().prop_map(Value::String).boxed(),
        // Inside an Object or an Array: any scalar.
        _ => prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            number(),
            string_value().prop_map(Value::String),
            prop::sample::select(vec![json!("a"), json!("x"), json!(1), json!(2)]),
        ]
        .boxed(),
    }
}

/// Registered keys and the type of their values.
const TYPED_KEYS: [(&str, &str); 18] = [
    ("str", "string"),
    ("secret", "string"),
    ("title", "string"),
    ("num", "number"),
    ("price", "number"),
    ("flag", "bool"),
    ("when", "date"),
    ("createdAt", "date"),
    ("objectId", "id"),
    ("ptr", "fuzz"),
    ("owner", "user"),
    ("rel", "fuzz"),
    ("arr", "scalar"),
    ("tags", "scalar"),
    ("watchers", "scalar"),
    ("obj.a", "scalar"),
    ("obj.b.c", "scalar"),
    ("obj.s", "scalar"),
];

fn typed_list(ty: &'static str) -> BoxedStrategy<Value> {
    prop_oneof![
        8 => vec(typed_value(ty), 0..12).prop_map(Value::Array),
        1 => typed_value(ty).prop_map(|v| Value::Array(vec![v; 1000])),
    ]
    .boxed()
}

/// A constraint `{<op>: <operand>}` on a key of type `ty`, with operands of the right shape.
fn typed_constraint(ty: &'static str, inner: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
    let comparison = prop::sample::select(vec!["$lt", "$lte", "$gt", "$gte", "$ne", "$eq"]);
    let subquery = |key: &'static str| {
        (
            prop::sample::select(vec!["Fuzz", "Fenced", "Product"]),
            inner.clone(),
        )
            .prop_map(move |(class, where_)| (key, json!({"className": class, "where": where_})))
    };
    prop_oneof![
        4 => (comparison, typed_value(ty)).prop_map(|(op, v)| json!({ op: v })),
        3 => (prop::sample::select(vec!["$in", "$nin"]), typed_list(ty)).prop_map(|(op, v)| json!({ op: v })),
        2 => (prop::sample::select(vec!["$all", "$containedBy"]), typed_list(ty)).prop_map(|(op, v)| json!({ op: v })),
        1 => any::<bool>().prop_map(|b| json!({"$exists": b})),
        3 => (regex_pattern(), "[imsx]{0,2}").prop_map(|(p, o)| json!({"$regex": p, "$options": o})),
        2 => (prop::sample::select(vec!["$inQuery", "$notInQuery"]), subquery("objectId"))
            .prop_map(|(op, (_, q))| json!({ op: q })),
        1 => (
            prop::sample::select(vec!["$select", "$dontSelect"]),
            subquery("str"),
            prop::sample::select(vec!["str", "objectId", "ptr", "num"]),
        )
            .prop_map(|(op, (_, q), key)| json!({ op: {"query": q, "key": key} })),
    ]
    .boxed()
}

fn valid_entry(inner: BoxedStrategy<Value>) -> BoxedStrategy<(String, Value)> {
    let typed = prop::sample::select(TYPED_KEYS.to_vec());
    let inner2 = inner.clone();
    prop_oneof![
        4 => typed.clone().prop_flat_map(|(key, ty)| typed_value(ty).prop_map(move |v| (key.to_string(), v))),
        6 => typed.prop_flat_map(move |(key, ty)| {
            typed_constraint(ty, inner.clone()).prop_map(move |c| (key.to_string(), c))
        }),
        2 => (prop::sample::select(vec!["$or", "$and", "$nor"]), vec(inner2, 1..4))
            .prop_map(|(op, branches)| (op.to_string(), Value::Array(branches))),
        1 => typed_value("fuzz").prop_map(|p| ("$relatedTo".to_string(), json!({"object": p, "key": "rel"}))),
    ]
    .boxed()
}

pub fn valid_where() -> BoxedStrategy<Value> {
    let leaf = vec(valid_entry(Just(json!({})).boxed()), 0..3)
        .prop_map(|e| Value::Object(e.into_iter().collect()))
        .boxed();
    leaf.prop_recursive(3, 16, 3, |inner| {
        vec(valid_entry(inner.boxed()), 0..4).prop_map(|e| Value::Object(e.into_iter().collect()))
    })
    .boxed()
}

/// Parameters a client would send for a real query.
pub fn valid_query_params() -> BoxedStrategy<Map<String, Value>> {
    let names = |pool: Vec<&'static str>| {
        vec(prop::sample::select(pool), 0..3).prop_map(|n| Value::String(n.join(",")))
    };
    (
        valid_where(),
        prop::option::of(names(vec![
            "num",
            "-num",
            "str",
            "-createdAt",
            "when",
            "rel",
            "arr",
            "-objectId",
        ])),
        prop::option::weighted(
            0.3,
            names(vec!["num", "str", "ptr", "ptr.str", "owner", "rel", "obj"]),
        ),
        prop::option::weighted(
            0.3,
            names(vec!["ptr", "owner", "ptr.ptr", "ptr.owner", "ptr.ptr.ptr"]),
        ),
        prop::option::of(prop_oneof![0i64..10, Just(1000), Just(5000)]),
        prop::option::weighted(0.3, 0i64..4),
        any::<bool>(),
    )
        .prop_map(|(where_, order, keys, include, limit, skip, count)| {
            let mut params = Map::new();
            params.insert("where".into(), where_);
            let mut put = |k: &str, v: Option<Value>| {
                if let Some(v) = v {
                    params.insert(k.into(), v);
                }
            };
            put("order", order);
            put("keys", keys);
            put("include", include);
            put("limit", limit.map(Value::from));
            put("skip", skip.map(Value::from));
            put("count", count.then(|| json!(1)));
            params
        })
        .boxed()
}

pub fn valid_class() -> BoxedStrategy<String> {
    prop_oneof![
        7 => Just("Fuzz".to_string()),
        1 => Just("Fenced".to_string()),
        1 => Just("Product".to_string()),
        1 => Just("Order".to_string()),
    ]
    .boxed()
}

/// A write a client would send: registered fields with values of their type, field operations
/// with the right arguments, valid ACLs, and (for the master key) new fields of any type.
pub fn valid_write_body() -> BoxedStrategy<Map<String, Value>> {
    let fuzz_pointers = vec(typed_value("fuzz"), 0..4).prop_map(Value::Array);
    let entry = prop_oneof![
        3 => (prop::sample::select(vec!["str", "secret"]), typed_value("string")).prop_map(|(k, v)| (k.to_string(), v)),
        2 => typed_value("number").prop_map(|v| ("num".to_string(), v)),
        1 => typed_value("bool").prop_map(|v| ("flag".to_string(), v)),
        1 => typed_value("date").prop_map(|v| ("when".to_string(), v)),
        1 => typed_value("fuzz").prop_map(|v| ("ptr".to_string(), v)),
        1 => typed_value("user").prop_map(|v| ("owner".to_string(), v)),
        2 => value().prop_map(|v| ("arr".to_string(), Value::Array(vec![v]))),
        1 => vec((made_up_name(), typed_value("scalar")), 0..3)
            .prop_map(|e| ("obj".to_string(), Value::Object(e.into_iter().collect()))),
        2 => number().prop_map(|n| ("num".to_string(), json!({"__op": "Increment", "amount": n}))),
        3 => (prop::sample::select(vec!["Add", "AddUnique", "Remove"]), vec(typed_value("scalar"), 0..4))
            .prop_map(|(op, o)| ("arr".to_string(), json!({"__op": op, "objects": o}))),
        2 => (prop::sample::select(vec!["AddRelation", "RemoveRelation"]), fuzz_pointers)
            .prop_map(|(op, o)| ("rel".to_string(), json!({"__op": op, "objects": o}))),
        1 => prop::sample::select(vec!["str", "num", "arr", "obj", "ptr", "rel"])
            .prop_map(|k| (k.to_string(), json!({"__op": "Delete"}))),
        1 => acl().prop_map(|a| ("ACL".to_string(), a)),
        2 => ("[a-z][a-zA-Z0-9]{0,5}", value()).prop_map(|(k, v)| (format!("{k}{NAME_MARK}"), v)),
    ];
    vec(entry, 1..6)
        .prop_map(|entries| entries.into_iter().collect())
        .boxed()
}
