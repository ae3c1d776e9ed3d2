//! The object controller: runs query and write plans against a store, one round trip each
//! (two when a regex needs a probe).

use super::access::{Access, Principal};
use super::change::Change;
use super::clp::{self, Operation, Permission};
use super::find::{FindOptions, FindPlan};
use super::schema::{validate_class_name, Registry};
use super::write::{
    plan_create, plan_delete, plan_update, Extras, Outcome, Rules, WriteContext, WritePlan,
};
use crate::error::{Code, ParseError, Result};
use crate::store::{ident, SqlValue, Statement, Store, StoreError};
use serde_json::{json, Map, Value};

pub struct Objects<'a, S: Store> {
    pub store: &'a S,
    pub registry: &'a Registry,
    pub access: &'a Access,
    pub allow_client_class_creation: bool,
    pub now_ms: i64,
    pub rules: &'a dyn Rules,
    /// What the whole request may still spend on reads (every protocol request has one; `None`
    /// only for the engine's own tests and tools).
    pub budget: Option<&'a RequestBudget>,
    /// Where files are served (`<base>/files/<app id>/`): read File values get their URL from
    /// it. `None` leaves them as stored (the engine's own tests).
    pub file_urls: Option<&'a str>,
}

/// Most `$regex` constraints one request compiles, over all its queries (a `/batch` included).
pub const MAX_REGEXES_PER_REQUEST: usize = 40;
/// Most bytes of query answers one request builds, over all its queries (a `/batch`
/// included): beyond it a query answers 102 instead of building more.
pub const MAX_ANSWER_BYTES_PER_REQUEST: usize = 4 << 20;

/// One request's budget for costly reads: regex compiles, regex probes (each a scan of up to
/// `MAX_PROBE_ROWS` rows), and the size of the answers it builds. A `/batch` shares one.
#[derive(Debug, Default)]
pub struct RequestBudget {
    regexes: std::cell::Cell<usize>,
    probes: std::cell::Cell<usize>,
    answer_bytes: std::cell::Cell<usize>,
}

impl RequestBudget {
    fn spend(cell: &std::cell::Cell<usize>, amount: usize, max: usize, what: &str) -> Result<()> {
        let total = cell.get().saturating_add(amount);
        // Counted even when refused: a budget once overrun stays spent for the request.
        cell.set(total);
        if total > max {
            return Err(ParseError::invalid_query(format!(
                "This request asks for too much at once ({what}): narrow it or split it."
            )));
        }
        Ok(())
    }

    pub fn spend_regexes(&self, n: usize) -> Result<()> {
        Self::spend(&self.regexes, n, MAX_REGEXES_PER_REQUEST, "regexes")
    }

    pub fn spend_probes(&self, n: usize) -> Result<()> {
        Self::spend(
            &self.probes,
            n,
            super::query::MAX_PROBES_PER_QUERY,
            "regexes that need a scan",
        )
    }

    /// Refuses a read once the answers have used up the budget, before it runs.
    pub fn check_answer_room(&self) -> Result<()> {
        Self::spend(
            &self.answer_bytes,
            0,
            MAX_ANSWER_BYTES_PER_REQUEST - 1,
            "the answers would be too large",
        )
    }

    pub fn spend_answer(&self, answer: &Value) -> Result<()> {
        Self::spend(
            &self.answer_bytes,
            json_size(answer),
            MAX_ANSWER_BYTES_PER_REQUEST,
            "the answers would be too large",
        )
    }
}

/// The length of `value` as JSON, counted without building the text.
fn json_size(value: &Value) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    let _ = serde_json::to_writer(&mut count, value);
    count.0
}

impl<S: Store> Objects<'_, S> {
    pub fn write_context(&self) -> WriteContext<'_> {
        WriteContext {
            registry: self.registry,
            access: self.access,
            may_change_schema: self.access.is_master() || self.allow_client_class_creation,
            now_ms: self.now_ms,
            rules: self.rules,
        }
    }

    /// `GET /classes/:class`: `{results, count?}`. A class that does not exist has no rows.
    pub async fn find(&self, class: &str, options: &FindOptions) -> Result<Value> {
        let operation = if options.limit == 0 && options.count {
            Operation::Count
        } else {
            Operation::Find
        };
        self.read(class, options, operation).await
    }

    async fn read(
        &self,
        class: &str,
        options: &FindOptions,
        operation: Operation,
    ) -> Result<Value> {
        let Some(schema) = self.registry.get(class) else {
            self.missing_class(class)?;
            let mut empty = Map::new();
            empty.insert("results".into(), Value::Array(vec![]));
            if options.count {
                empty.insert("count".into(), Value::from(0));
            }
            return Ok(Value::Object(empty));
        };
        let permission = clp::check(schema, self.access, operation)?;
        if let Some(budget) = self.budget {
            budget.check_answer_room()?;
            budget.spend_regexes(super::query::count_regexes(&options.where_))?;
        }
        let mut plan = FindPlan::compile(self.registry, self.access, schema, options, &permission)?;
        if let Some(budget) = self.budget {
            budget.spend_probes(plan.probes.len())?;
        }
        if !plan.probes.is_empty() {
            let probes: Vec<_> = plan.probes.iter().map(|p| p.statement()).collect();
            let rows = self.store.batch(&probes).await?;
            for (probe, rows) in plan.probes.iter().zip(&rows) {
                probe.resolve(rows, &mut plan.where_params)?;
            }
        }
        // One statement needs no transaction: a plain query is the cheaper D1 call.
        let statements = plan.statements();
        let mut answer = match statements.as_slice() {
            [rows] if plan.rows_only() => {
                plan.respond_values(self.store.query_values(rows).await?, None)
            }
            [only] => plan.respond(vec![self.store.query(only).await?]),
            all => plan.respond(self.store.batch(all).await?),
        };
        if let Some(prefix) = self.file_urls {
            super::files::add_urls(&mut answer, prefix);
        }
        if let Some(budget) = self.budget {
            budget.spend_answer(&answer)?;
        }
        Ok(answer)
    }

    /// `GET /classes/:class/:id`: the object, or 101 when it is absent or hidden by its ACL.
    pub async fn get(&self, class: &str, object_id: &str, options: &FindOptions) -> Result<Value> {
        let mut options = options.clone();
        options.where_ = serde_json::json!({ "objectId": object_id });
        options.limit = 1;
        options.skip = 0;
        options.count = false;
        let found = self.read(class, &options, Operation::Get).await?;
        found
            .get("results")
            .and_then(Value::as_array)
            .and_then(|r| r.first())
            .cloned()
            .ok_or_else(ParseError::not_found)
    }

    /// A class that does not exist is invisible to clients that may not create classes (119),
    /// as Parse Server answers; to the others it is simply empty.
    fn missing_class(&self, class: &str) -> Result<()> {
        if self.write_context().may_change_schema {
            Ok(())
        } else {
            Err(ParseError::forbidden(format!(
                "This user is not allowed to access non-existent class: {class}"
            )))
        }
    }

    pub fn plan_create(&self, class: &str, body: &Map<String, Value>) -> Result<WritePlan> {
        plan_create(&self.write_context(), class, body, Extras::default())
    }

    /// A create with what only the server writes (e.g. a password hash).
    pub fn plan_create_with(
        &self,
        class: &str,
        body: &Map<String, Value>,
        extras: Extras,
    ) -> Result<WritePlan> {
        plan_create(&self.write_context(), class, body, extras)
    }

    pub fn plan_update(
        &self,
        class: &str,
        object_id: &str,
        body: &Map<String, Value>,
    ) -> Result<WritePlan> {
        plan_update(&self.write_context(), class, object_id, body, vec![])
    }

    /// An update that also sets internal columns.
    pub fn plan_update_with(
        &self,
        class: &str,
        object_id: &str,
        body: &Map<String, Value>,
        internal: Vec<(String, SqlValue)>,
    ) -> Result<WritePlan> {
        plan_update(&self.write_context(), class, object_id, body, internal)
    }

    pub fn plan_delete(&self, class: &str, object_id: &str) -> Result<WritePlan> {
        plan_delete(&self.write_context(), class, object_id)
    }

    /// Runs one write plan as one transaction (see `commit`), for the engine's own tests.
    #[cfg(test)]
    pub async fn execute(&self, plan: &WritePlan) -> Result<Outcome> {
        let mut committed = commit(self.store, &[plan]).await?;
        committed
            .pop()
            .map(|c| c.outcome)
            .ok_or_else(|| ParseError::internal("a write plan answered nothing"))
    }
}

/// What one committed write plan answers and changed.
#[derive(Debug, Clone)]
pub struct Committed {
    pub outcome: Outcome,
    /// What live subscribers are told; `None` when the plan changed no row.
    pub change: Option<Change>,
    /// Files the write left unreferenced, marked deleted: their bucket objects go next.
    pub dropped_files: Vec<String>,
}

/// Runs write plans as one transaction, in order: the one path every write takes, whatever
/// protocol asked for it. A clash on `_User`'s unique username or email answers Parse's 202 or
/// 203, whichever route created or renamed the account.
pub async fn commit<S: Store>(store: &S, plans: &[&WritePlan]) -> Result<Vec<Committed>> {
    let statements: Vec<Statement> = plans
        .iter()
        .flat_map(|p| p.statements.iter().cloned())
        .collect();
    let results = store.batch(&statements).await.map_err(|e| match &e {
        StoreError::Check(what) if what == "field_locked" => plans
            .iter()
            .find_map(|p| p.locked_error().cloned())
            .unwrap_or_else(|| ParseError::forbidden("A locked field cannot be changed.")),
        StoreError::Check(what) if what == "file_not_found" => ParseError::new(
            Code::UnsavedFile,
            "A File value names a file this server does not hold: upload it first (POST /files/:name) and use the name the upload answered.",
        ),
        _ => account_conflict(plans.iter().any(|p| p.class == "_User"), e),
    })?;
    let mut committed = Vec::with_capacity(plans.len());
    let mut offset = 0;
    for plan in plans {
        let own = results
            .get(offset..offset + plan.statements.len())
            .unwrap_or_default();
        offset += plan.statements.len();
        committed.push(Committed {
            outcome: plan.outcome(own)?,
            change: plan.change(own),
            dropped_files: plan.dropped_files(own),
        });
    }
    Ok(committed)
}

fn account_conflict(on_users: bool, e: StoreError) -> ParseError {
    match &e {
        StoreError::Unique(what) if on_users && what.contains("username") => ParseError::new(
            Code::UsernameTaken,
            "Account already exists for this username.",
        ),
        StoreError::Unique(what) if on_users && what.contains("email") => ParseError::new(
            Code::EmailTaken,
            "Account already exists for this email address.",
        ),
        _ => e.into(),
    }
}

/// A user's own view of its account (protected fields included, as Parse shows a user
/// itself), read after `before` in the same batch: a login's new session, a rehash.
pub async fn self_view<S: Store>(
    store: &S,
    registry: &Registry,
    user_id: &str,
    before: Vec<Statement>,
) -> Result<Value> {
    let access = Access::Client(Principal {
        user_id: Some(user_id.to_string()),
        ..Principal::default()
    });
    let schema = registry
        .get("_User")
        .ok_or_else(|| ParseError::internal("the _User class is missing"))?;
    let options = FindOptions {
        where_: json!({"objectId": user_id}),
        limit: 1,
        ..FindOptions::default()
    };
    let plan = FindPlan::compile(registry, &access, schema, &options, &Permission::Granted)?;
    let skip = before.len();
    let mut statements = before;
    statements.extend(plan.statements());
    let results = store.batch(&statements).await?;
    let found = plan.respond(results.into_iter().skip(skip).collect());
    found["results"]
        .get(0)
        .cloned()
        .ok_or_else(ParseError::not_found)
}

/// Whether an object exists, whoever may read it: for routing (a live room per artisan), never
/// for answering a client with its fields.
pub async fn exists<S: Store>(store: &S, class: &str, object_id: &str) -> Result<bool> {
    validate_class_name(class)?;
    let rows = store
        .query(&Statement::new(
            format!(
                "SELECT 1 AS found FROM {} WHERE \"objectId\" = ?",
                ident(class)
            ),
            vec![SqlValue::from(object_id)],
        ))
        .await?;
    Ok(!rows.is_empty())
}
