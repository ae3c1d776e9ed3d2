//! `POST /batch`: many requests in one. Without `transaction` each sub-request stands alone and
//! answers `{success}` or `{error}`; with `transaction: true` every write runs in one D1 batch, so
//! either all of them commit or none does. This reads the batch; the dispatcher runs it.

use super::request::ParseRequest;
use super::routes::{self, Endpoint};
use crate::error::{Code, ParseError, Result};
use crate::service::objects::{not_a_write, Write};
use serde_json::{Map, Value};

/// Most sub-requests one batch may carry (the SDK sends 20 at a time).
pub const MAX_BATCH_REQUESTS: usize = 100;

/// A batch's sub-requests, each a request of its own with the batch's credentials.
pub struct Batch {
    pub requests: Vec<ParseRequest>,
    pub transaction: bool,
}

pub fn parse(request: &ParseRequest, mount_path: &str) -> Result<Batch> {
    let specs = request
        .body
        .get("requests")
        .and_then(Value::as_array)
        .ok_or_else(|| ParseError::new(Code::InvalidJson, "requests must be an array"))?;
    if specs.len() > MAX_BATCH_REQUESTS {
        return Err(ParseError::new(
            Code::InvalidJson,
            format!("a batch holds at most {MAX_BATCH_REQUESTS} requests"),
        ));
    }
    let requests = specs
        .iter()
        .map(|spec| sub_request(request, spec, mount_path))
        .collect::<Result<Vec<_>>>()?;
    let transaction = request
        .body
        .get("transaction")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    Ok(Batch {
        requests,
        transaction,
    })
}

fn sub_request(outer: &ParseRequest, spec: &Value, mount_path: &str) -> Result<ParseRequest> {
    let bad = |why: &str| ParseError::new(Code::InvalidJson, format!("batch request {why}"));
    let method = spec
        .get("method")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("needs a method"))?;
    let path = spec
        .get("path")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("needs a path"))?;
    let mount = mount_path.trim_end_matches('/');
    let path = path.strip_prefix(mount).unwrap_or(path);
    let route: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    if route.first().map(String::as_str) == Some("batch") {
        return Err(bad("cannot nest a batch"));
    }
    let body = match spec.get("body") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(o)) => o.clone(),
        Some(_) => return Err(bad("body must be an object")),
    };
    let method = method.to_ascii_uppercase();
    let (params, body) = if method == "GET" {
        (body, Map::new())
    } else {
        (Map::new(), body)
    };
    Ok(ParseRequest {
        method,
        route,
        params,
        body,
        ..outer.clone()
    })
}

/// A transaction's sub-requests as writes: only creates, updates and deletes of objects.
pub fn writes(requests: &[ParseRequest]) -> Result<Vec<Write>> {
    requests
        .iter()
        .map(|sub| {
            let segments: Vec<&str> = sub.route.iter().map(String::as_str).collect();
            let matched = routes::find(&sub.method, &segments)
                .filter(|m| m.route.path.starts_with("/classes/"))
                .ok_or_else(not_a_write)?;
            let (class, object_id) = (
                matched.class().to_string(),
                matched.param("objectId").to_string(),
            );
            let body = sub.body.clone();
            Ok(match matched.route.endpoint {
                Endpoint::Create | Endpoint::PlaceOrder | Endpoint::SignUp => {
                    Write::Create { class, body }
                }
                Endpoint::Update | Endpoint::UpdateOrder | Endpoint::UpdateUser => Write::Update {
                    class,
                    object_id,
                    body,
                },
                Endpoint::Delete | Endpoint::DeleteUser => Write::Delete { class, object_id },
                _ => return Err(not_a_write()),
            })
        })
        .collect()
}
