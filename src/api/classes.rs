//! `/classes/:class[/:objectId]`: query, get, create, update, delete.

use super::app::Context;
use super::http::HttpResponse;
use super::request::ParseRequest;
use crate::engine::find::FindOptions;
use crate::engine::objects::Objects;
use crate::engine::write::{Outcome, WritePlan};
use crate::error::{Code, ParseError, Result};
use crate::store::Store;
use serde_json::{json, Map, Value};

pub async fn handle<S: Store>(
    ctx: &mut Context<'_, S>,
    request: &ParseRequest,
    class: &str,
    rest: &[&str],
) -> Result<HttpResponse> {
    let objects = ctx.objects();
    match (request.method.as_str(), rest) {
        ("GET", []) => {
            let options = FindOptions::from_params(&request.params)?;
            Ok(HttpResponse::ok(&objects.find(class, &options).await?))
        }
        ("GET", [id]) => {
            let options = FindOptions::from_params(&request.params)?;
            Ok(HttpResponse::ok(&objects.get(class, id, &options).await?))
        }
        ("POST", []) => {
            execute_adding_fields(ctx, request, |o| o.plan_create(class, &request.body)).await
        }
        ("PUT", [id]) => {
            execute_adding_fields(ctx, request, |o| o.plan_update(class, id, &request.body)).await
        }
        ("DELETE", [id]) => {
            let plan = objects.plan_delete(class, id)?;
            execute(ctx, &plan, request).await
        }
        (method, _) => Err(ParseError::new(
            Code::InvalidJson,
            format!(
                "unknown route: {method} /classes/{class}/{}",
                rest.join("/")
            ),
        )),
    }
}

/// Plans and runs a write that may add fields to its class. Two requests adding the same new
/// field race on its `ALTER TABLE`: the loser's batch fails whole ("duplicate column name") and
/// changes nothing, so it is planned once more against the reloaded registry, where the field now
/// exists (or has another type, which is the client's 111). Found by `make fuzz`.
async fn execute_adding_fields<S: Store>(
    ctx: &mut Context<'_, S>,
    request: &ParseRequest,
    plan: impl Fn(&Objects<'_, S>) -> Result<WritePlan>,
) -> Result<HttpResponse> {
    let first = plan(&ctx.objects())?;
    match execute(ctx, &first, request).await {
        Err(e) if first.schema_changed && e.message.contains("duplicate column name") => {
            ctx.reload_registry().await?;
            let again = plan(&ctx.objects())?;
            execute(ctx, &again, request).await
        }
        other => other,
    }
}

/// Runs a write plan and renders its outcome.
pub async fn execute<S: Store>(
    ctx: &mut Context<'_, S>,
    plan: &WritePlan,
    request: &ParseRequest,
) -> Result<HttpResponse> {
    let outcome = ctx.execute(plan).await?;
    if plan.schema_changed {
        ctx.reload_registry().await?;
    }
    Ok(render(&outcome, &plan.class, &mount_url(ctx, request)))
}

/// The Parse answer for a write: 201 + Location for a create, the update's fields, `{}` for a delete.
pub fn render(outcome: &Outcome, class: &str, base_url: &str) -> HttpResponse {
    match outcome {
        Outcome::Created {
            object_id,
            created_at,
            server_fields,
        } => HttpResponse::json(201, &{
            let mut answer = server_fields.clone();
            answer.insert("objectId".into(), json!(object_id));
            answer.insert("createdAt".into(), json!(created_at));
            Value::Object(answer)
        })
        .with_header(
            "location",
            &format!("{base_url}/classes/{class}/{object_id}"),
        ),
        Outcome::Updated(answer) => HttpResponse::ok(&Value::Object(answer.clone())),
        Outcome::Deleted => HttpResponse::ok(&Value::Object(Map::new())),
    }
}

/// The public URL of the mount path, for `Location` headers.
fn mount_url<S: Store>(ctx: &Context<'_, S>, request: &ParseRequest) -> String {
    format!(
        "{}{}",
        request.origin,
        ctx.config.mount_path.trim_end_matches('/')
    )
}
