//! `POST /batch`: many requests in one. Without `transaction` each sub-request stands alone and
//! answers `{success}` or `{error}`; with `transaction: true` every write runs in one D1 batch, so
//! either all of them commit or none does.

use super::app::Context;
use super::classes::render;
use super::http::HttpResponse;
use super::request::ParseRequest;
use super::router::route;
use crate::engine::write::WritePlan;
use crate::error::{Code, ParseError, Result};
use crate::store::Store;
use serde_json::{json, Map, Value};

/// Most sub-requests one batch may carry (the SDK sends 20 at a time).
pub const MAX_BATCH_REQUESTS: usize = 100;

pub async fn handle<S: Store>(
    ctx: &mut Context<'_, S>,
    request: &ParseRequest,
) -> Result<HttpResponse> {
    let requests = request
        .body
        .get("requests")
        .and_then(Value::as_array)
        .ok_or_else(|| ParseError::new(Code::InvalidJson, "requests must be an array"))?;
    if requests.len() > MAX_BATCH_REQUESTS {
        return Err(ParseError::new(
            Code::InvalidJson,
            format!("a batch holds at most {MAX_BATCH_REQUESTS} requests"),
        ));
    }
    let subs = requests
        .iter()
        .map(|r| sub_request(ctx, request, r))
        .collect::<Result<Vec<_>>>()?;
    let transaction = request
        .body
        .get("transaction")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if transaction {
        return transactional(ctx, request, &subs).await;
    }
    let mut answers = Vec::with_capacity(subs.len());
    for sub in &subs {
        answers.push(match Box::pin(route(ctx, sub)).await {
            Ok(response) => json!({ "success": response.body_json() }),
            Err(e) => json!({ "error": e.to_json() }),
        });
    }
    Ok(HttpResponse::ok(&Value::Array(answers)))
}

/// A sub-request as a request of its own, with the batch's credentials.
fn sub_request<S: Store>(
    ctx: &Context<'_, S>,
    outer: &ParseRequest,
    spec: &Value,
) -> Result<ParseRequest> {
    let bad = |why: &str| ParseError::new(Code::InvalidJson, format!("batch request {why}"));
    let method = spec
        .get("method")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("needs a method"))?;
    let path = spec
        .get("path")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("needs a path"))?;
    let mount = ctx.config.mount_path.trim_end_matches('/');
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

/// All writes as one D1 batch. Updates and deletes carry a guard, so a missing object aborts
/// the whole transaction instead of committing the others.
async fn transactional<S: Store>(
    ctx: &mut Context<'_, S>,
    outer: &ParseRequest,
    subs: &[ParseRequest],
) -> Result<HttpResponse> {
    let mut plans: Vec<WritePlan> = Vec::with_capacity(subs.len());
    let objects = ctx.objects();
    for sub in subs {
        let route: Vec<&str> = sub.route.iter().map(String::as_str).collect();
        let mut plan = match (sub.method.as_str(), route.as_slice()) {
            ("POST", ["classes", class]) => objects.plan_create(class, &sub.body)?,
            ("PUT", ["classes", class, id]) => objects.plan_update(class, id, &sub.body)?,
            ("DELETE", ["classes", class, id]) => objects.plan_delete(class, id)?,
            _ => {
                return Err(ParseError::new(
                    Code::InvalidJson,
                    "a transactional batch may only create, update and delete objects",
                ))
            }
        };
        plan.guard_row_exists();
        plans.push(plan);
    }
    drop(objects);
    let statements: Vec<_> = plans
        .iter()
        .flat_map(|p| p.statements.iter().cloned())
        .collect();
    let results = ctx.store.batch(&statements).await?;
    let mut answers = Vec::with_capacity(plans.len());
    let mut offset = 0;
    let mount = format!(
        "{}{}",
        outer.origin,
        ctx.config.mount_path.trim_end_matches('/')
    );
    for plan in &plans {
        let own = &results[offset..offset + plan.statements.len()];
        offset += plan.statements.len();
        let outcome = plan.outcome(own)?;
        ctx.outbox.push(plan.change(own));
        answers.push(json!({ "success": render(&outcome, &plan.class, &mount).body_json() }));
    }
    if plans.iter().any(|p| p.schema_changed) {
        ctx.reload_registry().await?;
    }
    Ok(HttpResponse::ok(&Value::Array(answers)))
}
