//! What serves each endpoint of the route table: decode the request's parts, call a service,
//! encode its answer. The router has already matched the route and checked the credentials.

use super::answers::{created, write_answer};
use super::batch;
use super::http::HttpResponse;
use super::request::ParseRequest;
use super::routes::{self, Endpoint, Matched};
use crate::engine::find::FindOptions;
use crate::error::{Code, ParseError, Result};
use crate::service::{
    accounts, dev_mailbox, email_verification, files, objects, orders, password_reset, schemas,
    Context,
};
use crate::store::Store;
use serde_json::{json, Value};

/// Serves a matched request; a batch's sub-requests come back in here, each matched on its own.
pub async fn dispatch<S: Store>(
    ctx: &mut Context<'_, S>,
    matched: &Matched<'_>,
    request: &ParseRequest,
) -> Result<HttpResponse> {
    let class = matched.class();
    let id = matched.param("objectId");
    let body = &request.body;
    let base = ctx.config.public_base(&request.origin);
    let options = || FindOptions::from_params(&request.params);
    Ok(match matched.route.endpoint {
        Endpoint::Find => HttpResponse::ok(&objects::find(ctx, class, &options()?).await?),
        Endpoint::Get => HttpResponse::ok(&objects::get(ctx, class, id, &options()?).await?),
        Endpoint::Create => write_answer(&objects::create(ctx, class, body).await?, class, &base),
        Endpoint::Update => {
            write_answer(&objects::update(ctx, class, id, body).await?, class, &base)
        }
        Endpoint::Delete => write_answer(&objects::delete(ctx, class, id).await?, class, &base),
        Endpoint::SignUp => {
            let account = accounts::sign_up(ctx, body).await?;
            created(
                account.answer,
                &format!("{base}/users/{}", account.object_id),
            )
        }
        Endpoint::Me => HttpResponse::ok(&accounts::me(ctx).await?),
        Endpoint::GetUser => HttpResponse::ok(&accounts::get_user(ctx, id, &options()?).await?),
        Endpoint::UpdateUser => {
            write_answer(&accounts::update_user(ctx, id, body).await?, class, &base)
        }
        Endpoint::DeleteUser => write_answer(&accounts::delete_user(ctx, id).await?, class, &base),
        Endpoint::Login => {
            // The SDK sends credentials in the query of a GET or the body of a POST.
            let mut credentials = request.params.clone();
            credentials.extend(body.clone());
            HttpResponse::ok(&accounts::log_in(ctx, &credentials).await?)
        }
        Endpoint::Logout => {
            accounts::log_out(ctx).await?;
            HttpResponse::ok(&json!({}))
        }
        Endpoint::SessionMe => HttpResponse::ok(&accounts::current_session(ctx).await?),
        Endpoint::PasswordResetRequest => {
            password_reset::request(ctx, body).await?;
            HttpResponse::ok(&json!({}))
        }
        Endpoint::VerificationEmailRequest => {
            email_verification::request_again(ctx, body).await?;
            HttpResponse::ok(&json!({}))
        }
        Endpoint::VerifyPassword => {
            let mut credentials = request.params.clone();
            credentials.extend(body.clone());
            HttpResponse::ok(&accounts::verify_password_of(ctx, &credentials).await?)
        }
        Endpoint::DevOutbox if matched.route.endpoint.exists(ctx.config) => {
            ctx.require_master()?;
            let to = request.params.get("to").and_then(Value::as_str);
            HttpResponse::ok(&json!({"results": dev_mailbox::list(ctx.store, to).await?}))
        }
        Endpoint::DevPay if matched.route.endpoint.exists(ctx.config) => {
            super::payment_webhook::test_payment(ctx, body).await?
        }
        Endpoint::PlaceOrder if ctx.access.is_master() => {
            write_answer(&objects::create(ctx, class, body).await?, class, &base)
        }
        Endpoint::PlaceOrder => {
            let order = orders::place(ctx, body).await?;
            created(
                order.answer,
                &format!("{base}/classes/Order/{}", order.object_id),
            )
        }
        Endpoint::UpdateOrder if body.contains_key("status") => {
            HttpResponse::ok(&orders::change_status(ctx, id, body).await?)
        }
        Endpoint::UpdateOrder => {
            write_answer(&objects::update(ctx, class, id, body).await?, class, &base)
        }
        Endpoint::Checkout => {
            HttpResponse::ok(&json!({"result": orders::checkout(ctx, body).await?}))
        }
        Endpoint::Function => {
            return Err(ParseError::new(
                Code::ScriptFailed,
                format!("Invalid function: \"{}\"", matched.param("functionName")),
            ))
        }
        Endpoint::Batch => run_batch(ctx, request, &base).await?,
        Endpoint::ListSchemas => HttpResponse::ok(&schemas::list(ctx)?),
        Endpoint::GetSchema => HttpResponse::ok(&schemas::get(ctx, class)?),
        Endpoint::CreateSchema => HttpResponse::ok(&schemas::create(ctx, class, body).await?),
        Endpoint::UpdateSchema => HttpResponse::ok(&schemas::update(ctx, class, body).await?),
        Endpoint::DeleteSchema => HttpResponse::ok(&schemas::drop_class(ctx, class).await?),
        Endpoint::Purge => HttpResponse::ok(&schemas::purge(ctx, class).await?),
        Endpoint::Config => HttpResponse::ok(&json!({"params": {}, "masterKeyOnly": {}})),
        Endpoint::ServerInfo => HttpResponse::ok(&server_info()),
        Endpoint::Hooks | Endpoint::Jobs | Endpoint::ScriptLog => {
            ctx.require_master()?;
            HttpResponse::ok(&json!([]))
        }
        Endpoint::JobData => {
            ctx.require_master()?;
            HttpResponse::ok(&json!({"jobs": [], "in_use": []}))
        }
        Endpoint::UploadFile => {
            let sent = match &request.file {
                Some(sent) if !sent.name.is_empty() => sent.clone(),
                // Parse Server's answer to `POST /files` (and to a batch naming it).
                _ => {
                    return Err(ParseError::new(
                        Code::InvalidFileName,
                        "Filename not provided.",
                    ))
                }
            };
            let saved = files::upload(ctx, ctx.bucket, sent, &base).await?;
            created(
                json!({"name": saved.name, "url": saved.url})
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
                &saved.url,
            )
        }
        Endpoint::DeleteFile => {
            files::delete(ctx, ctx.bucket, matched.param("filename")).await?;
            HttpResponse::ok(&json!({}))
        }
        // The router serves these before any context exists; only a batch can name them here.
        Endpoint::Health
        | Endpoint::OpenApi
        | Endpoint::PaymentWebhook
        | Endpoint::DevOutbox
        | Endpoint::DevPay
        | Endpoint::GetFile => {
            return Err(ParseError::new(
                Code::InvalidJson,
                format!(
                    "{} /{} cannot be part of a batch",
                    request.method,
                    request.route.join("/")
                ),
            ))
        }
    })
}

/// What this server supports, in Parse Server's shape: Parse Dashboard shows or hides its pages
/// and dialogs by these flags, so each says what is really there.
fn server_info() -> Value {
    json!({
        "parseServerVersion": "8.0.0",
        "features": {
            "globalConfig": {"create": false, "read": true, "update": false, "delete": false},
            "hooks": {"create": false, "read": true, "update": false, "delete": false},
            "cloudCode": {"jobs": false},
            "logs": {"level": false, "size": false, "order": false, "until": false, "from": false},
            "push": {"immediatePush": false, "scheduledPush": false, "storedPushData": false, "pushAudiences": false, "localization": false},
            "schemas": {
                "addField": true,
                "removeField": true,
                "addClass": true,
                "removeClass": true,
                "clearAllDataFromClass": true,
                "exportClass": false,
                "editClassLevelPermissions": true,
                "editPointerPermissions": true,
            },
        },
    })
}

async fn run_batch<S: Store>(
    ctx: &mut Context<'_, S>,
    request: &ParseRequest,
    base: &str,
) -> Result<HttpResponse> {
    let batch = batch::parse(request, &ctx.config.mount_path)?;
    if batch.transaction {
        let writes = batch::writes(&batch.requests)?;
        let outcomes = objects::write_all(ctx, &writes).await?;
        let answers = writes
            .iter()
            .zip(&outcomes)
            .map(|(write, outcome)| json!({ "success": write_answer(outcome, write.class(), base).body_json() }))
            .collect();
        return Ok(HttpResponse::ok(&Value::Array(answers)));
    }
    let mut answers = Vec::with_capacity(batch.requests.len());
    for sub in &batch.requests {
        let segments: Vec<&str> = sub.route.iter().map(String::as_str).collect();
        let answer = match routes::find(&sub.method, &segments) {
            Some(matched) => Box::pin(dispatch(ctx, &matched, sub)).await,
            None => Err(ParseError::new(
                Code::InvalidJson,
                format!("unknown route: {} /{}", sub.method, sub.route.join("/")),
            )),
        };
        answers.push(match answer {
            Ok(response) => json!({ "success": response.body_json() }),
            Err(e) => json!({ "error": e.to_json() }),
        });
    }
    Ok(HttpResponse::ok(&Value::Array(answers)))
}
