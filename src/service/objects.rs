//! Objects of any class: query, get, create, update, delete, and several writes as one
//! transaction. The engine plans; this runs the plans for a caller.

use super::context::Context;
use crate::engine::find::FindOptions;
use crate::engine::objects::Objects;
use crate::engine::write::{Outcome, WritePlan};
use crate::error::{Code, ParseError, Result};
use crate::store::Store;
use serde_json::{Map, Value};

/// `{results, count?}` of the objects of `class` the caller may find.
pub async fn find<S: Store>(
    ctx: &Context<'_, S>,
    class: &str,
    options: &FindOptions,
) -> Result<Value> {
    let mut found = ctx.objects().find(class, options).await?;
    if let Some(results) = found.get_mut("results").and_then(Value::as_array_mut) {
        with_session_tokens(ctx, class, results)?;
    }
    Ok(found)
}

/// One object, or 101 when it is absent or hidden from the caller.
pub async fn get<S: Store>(
    ctx: &Context<'_, S>,
    class: &str,
    object_id: &str,
    options: &FindOptions,
) -> Result<Value> {
    let mut found = ctx.objects().get(class, object_id, options).await?;
    with_session_tokens(ctx, class, std::slice::from_mut(&mut found))?;
    Ok(found)
}

/// `_Session` objects carry their token for the master key, as Parse Server's do.
fn with_session_tokens<S: Store>(
    ctx: &Context<'_, S>,
    class: &str,
    objects: &mut [Value],
) -> Result<()> {
    if class == "_Session" && ctx.access.is_master() {
        super::sessions::add_tokens(ctx.config, objects, ctx.now_ms)?;
    }
    Ok(())
}

pub async fn create<S: Store>(
    ctx: &mut Context<'_, S>,
    class: &str,
    body: &Map<String, Value>,
) -> Result<Outcome> {
    execute_adding_fields(ctx, |o| o.plan_create(class, body)).await
}

pub async fn update<S: Store>(
    ctx: &mut Context<'_, S>,
    class: &str,
    object_id: &str,
    body: &Map<String, Value>,
) -> Result<Outcome> {
    execute_adding_fields(ctx, |o| o.plan_update(class, object_id, body)).await
}

pub async fn delete<S: Store>(
    ctx: &mut Context<'_, S>,
    class: &str,
    object_id: &str,
) -> Result<Outcome> {
    let plan = ctx.objects().plan_delete(class, object_id)?;
    ctx.execute(&plan).await
}

/// One write of a transaction.
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    Create {
        class: String,
        body: Map<String, Value>,
    },
    Update {
        class: String,
        object_id: String,
        body: Map<String, Value>,
    },
    Delete {
        class: String,
        object_id: String,
    },
}

/// Every write in one transaction: all commit or none does. Updates and deletes carry a
/// guard, so a missing object aborts the whole transaction instead of committing the others.
/// Users are created only by sign-up (its password, its rate limit, its session) and sessions
/// only by sign-up and login, so a transaction creating either is refused whole.
pub async fn write_all<S: Store>(
    ctx: &mut Context<'_, S>,
    writes: &[Write],
) -> Result<Vec<Outcome>> {
    if let Some(class) = writes.iter().find_map(|w| match w {
        Write::Create { class, .. } if class == "_User" || class == "_Session" => Some(class),
        _ => None,
    }) {
        return Err(created_only_by_sign_up(class));
    }
    let plans = {
        let objects = ctx.objects();
        writes
            .iter()
            .map(|write| {
                let mut plan = match write {
                    Write::Create { class, body } => objects.plan_create(class, body)?,
                    Write::Update {
                        class,
                        object_id,
                        body,
                    } => objects.plan_update(class, object_id, body)?,
                    Write::Delete { class, object_id } => objects.plan_delete(class, object_id)?,
                };
                plan.guard_row_exists();
                Ok(plan)
            })
            .collect::<Result<Vec<WritePlan>>>()?
    };
    let plans: Vec<&WritePlan> = plans.iter().collect();
    ctx.execute_all(&plans).await
}

/// Plans and runs a write that may add fields to its class. Two requests adding the same new
/// field race on its `ALTER TABLE`: the loser's batch fails whole ("duplicate column name") and
/// changes nothing, so it is planned once more against the reloaded registry, where the field now
/// exists (or has another type, which is the client's 111). Found by `make fuzz`.
async fn execute_adding_fields<S: Store>(
    ctx: &mut Context<'_, S>,
    plan: impl Fn(&Objects<'_, S>) -> Result<WritePlan>,
) -> Result<Outcome> {
    let first = plan(&ctx.objects())?;
    match ctx.execute(&first).await {
        Err(e) if first.schema_changed && e.message.contains("duplicate column name") => {
            ctx.reload_registry().await?;
            let again = plan(&ctx.objects())?;
            ctx.execute(&again).await
        }
        other => other,
    }
}

/// A `_User` or `_Session` create outside sign-up and login: Parse's 207 for a user, 119 for a
/// session.
fn created_only_by_sign_up(class: &str) -> ParseError {
    if class == "_User" {
        ParseError::new(
            Code::MustCreateUserThroughSignup,
            "A user is created by signing up (POST /users), never inside a transactional batch.",
        )
    } else {
        ParseError::forbidden(
            "A session is created by signing up or logging in, never inside a transactional batch.",
        )
    }
}

/// A transaction may only create, update and delete objects.
pub fn not_a_write() -> ParseError {
    ParseError::new(
        Code::InvalidJson,
        "a transactional batch may only create, update and delete objects",
    )
}

impl Write {
    pub fn class(&self) -> &str {
        match self {
            Write::Create { class, .. }
            | Write::Update { class, .. }
            | Write::Delete { class, .. } => class,
        }
    }
}
