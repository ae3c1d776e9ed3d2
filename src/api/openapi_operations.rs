//! One OpenAPI operation per route: its parameters, body, answers and who may call it. The
//! caller a class operation needs follows from the class-level permissions (never shown).

use super::batch::MAX_BATCH_REQUESTS;
use super::openapi_audience::{Caller, DocContext};
use super::openapi_components::ERRORS;
use super::openapi_types::{answer, reference, schema_ref};
use super::routes::{template_segments, Endpoint, Route};
use crate::engine::schema::ClassSchema;
use serde_json::{json, Map, Value};

fn body(schema: Value) -> Value {
    json!({"required": true, "content": {"application/json": {"schema": schema}}})
}

/// A class's schema by name, or any object when the class is not in the document.
fn class_ref(class: Option<&ClassSchema>, suffix: &str) -> Value {
    match class {
        Some(c) => schema_ref(&format!("{}{suffix}", c.name)),
        None => json!({"type": "object"}),
    }
}

/// What one operation says, before the parts every operation shares.
struct Spec {
    summary: String,
    tag: String,
    caller: Caller,
    query: &'static [&'static str],
    /// Header (and, for `GET /login`, query) parameters of this operation only.
    extra_parameters: Vec<Value>,
    body: Option<Value>,
    success: Vec<(&'static str, Value)>,
}

impl Spec {
    fn new(summary: impl Into<String>, tag: &str, caller: Caller) -> Self {
        Spec {
            summary: summary.into(),
            tag: tag.into(),
            caller,
            query: &[],
            extra_parameters: vec![],
            body: None,
            success: vec![],
        }
    }

    fn answers(mut self, status: &'static str, response: Value) -> Self {
        self.success.push((status, response));
        self
    }

    fn with_body(mut self, schema: Value) -> Self {
        self.body = Some(body(schema));
        self
    }
}

const FIND: &[&str] = &crate::engine::find::FIND_PARAMETERS;
const GET: &[&str] = &["keys", "excludeKeys", "include"];

/// The operation `route` serves at `path` (a concrete path when the route is per class).
pub fn operation(
    doc: &DocContext,
    route: &Route,
    path: &str,
    class: Option<&ClassSchema>,
) -> Value {
    let spec = spec(doc, route, class);
    let mut parameters: Vec<Value> = template_segments(path)
        .filter_map(super::routes::parameter_name)
        .map(|name| reference("parameters", name))
        .collect();
    parameters.extend(spec.query.iter().map(|name| reference("parameters", name)));
    parameters.extend(spec.extra_parameters);
    let mut responses = Map::new();
    for (status, response) in spec.success {
        responses.insert(status.into(), response);
    }
    let public = matches!(route.endpoint, Endpoint::Health | Endpoint::OpenApi);
    if !public {
        for (status, name) in ERRORS {
            responses.insert(status.to_string(), reference("responses", name));
        }
    }
    let operation_id = std::iter::once(route.method.to_ascii_lowercase())
        .chain(template_segments(path).map(|s| s.replace(['{', '}', '.'], "")))
        .collect::<Vec<_>>()
        .join("_");
    let mut operation = json!({
        "operationId": operation_id,
        "summary": spec.summary,
        "tags": [spec.tag],
        "parameters": parameters,
        "responses": responses,
        "security": match route.endpoint {
            // Answered without any key; the master key widens the document.
            Endpoint::OpenApi => json!([{}, {"masterKey": []}]),
            Endpoint::Health | Endpoint::PaymentWebhook | Endpoint::GetFile => json!([]),
            _ => spec.caller.security(doc),
        },
    });
    if let Some(body) = spec.body {
        operation["requestBody"] = body;
    }
    operation
}

fn spec(doc: &DocContext, route: &Route, class: Option<&ClassSchema>) -> Spec {
    let name = class.map_or("objects", |c| c.name.as_str());
    let caller = |op: &str| class.map_or(Caller::Anyone, |c| Caller::for_operation(c, op));
    let ids = |class: Option<&ClassSchema>| class_ref(class, "");
    let idempotency = || {
        ["X-Parse-Request-Id", "Idempotency-Key"].map(|header| {
            json!({"name": header, "in": "header", "required": false,
                   "description": "A retry with the same key answers the first order and creates nothing.",
                   "schema": {"type": "string", "maxLength": 128}})
        })
    };
    let with_token = |schema: Value| json!({"allOf": [schema, {"type": "object", "properties": {"sessionToken": {"type": "string"}}}]});
    match (route.endpoint, route.method) {
        (Endpoint::Health, _) => Spec::new("Checks D1 and every Durable Object namespace", "Server", Caller::Anyone)
            .answers("200", answer("Every dependency answered.", schema_ref("Parse.Health")))
            .answers("503", answer("A dependency failed; `checks` names it.", schema_ref("Parse.Health"))),
        (Endpoint::OpenApi, _) => Spec::new("This document", "Server", Caller::Anyone)
            .answers("200", answer("The OpenAPI document.", json!({"type": "object"}))),
        (Endpoint::PaymentWebhook, _) => {
            let mut spec = Spec::new("The payment provider confirms an order is paid", "Orders", Caller::Anyone)
                .with_body(json!({"type": "object", "required": ["orderId", "status", "amount", "currency"], "properties": {
                    "orderId": {"type": "string"}, "status": {"type": "string", "enum": ["paid"]},
                    "amount": {"type": "number", "description": "The order's totalAmount, to the cent."},
                    "currency": {"type": "string", "description": "The shop's CURRENCY (ISO 4217)."}}}))
                .answers("200", answer("The order is paid.", schema_ref("Parse.Updated")));
            spec.extra_parameters.push(json!({"name": "X-Payment-Signature", "in": "header", "required": true,
                "description": "`sha256=` and the hex HMAC-SHA256 of the raw body with PAYMENT_WEBHOOK_SECRET.",
                "schema": {"type": "string", "pattern": "^sha256=[0-9a-f]{64}$"}}));
            spec
        }
        (Endpoint::SignUp, _) => Spec::new("Signs up: creates a user and its first session", "Users", caller("create"))
            .with_body(class_ref(class, ".create"))
            .answers("201", created(with_token(schema_ref("Parse.Created")))),
        (Endpoint::Me, _) => Spec::new("The signed-in user", "Users", Caller::SignedIn)
            .answers("200", answer("The user, with its session token.", with_token(ids(class)))),
        (Endpoint::Login, method) => with_credentials(
            Spec::new("Logs in with a username (or email) and password", "Users", Caller::Anyone)
                .answers("200", answer("The user, with a new session token.", with_token(ids(class.or(doc.class("_User")))))),
            method,
        ),
        (Endpoint::Logout, _) => Spec::new("Ends the session of the token sent", "Users", Caller::SignedIn)
            .answers("200", answer("Logged out.", schema_ref("Parse.Empty"))),
        (Endpoint::SessionMe, _) => Spec::new("The current session", "Sessions", Caller::SignedIn)
            .answers("200", answer("The session, with its token.", with_token(ids(class)))),
        (Endpoint::PasswordResetRequest, _) => Spec::new("Mails a password reset link to the account with this email; answers the same for an unknown email (108 when no mail is configured)", "Users", Caller::Anyone)
            .with_body(json!({"type": "object", "required": ["email"], "properties": {"email": {"type": "string"}}}))
            .answers("200", answer("Requested.", schema_ref("Parse.Empty"))),
        (Endpoint::VerificationEmailRequest, _) => Spec::new("Mails a new verification link to an unverified account with this email; answers the same otherwise", "Users", Caller::Anyone)
            .with_body(json!({"type": "object", "required": ["email"], "properties": {"email": {"type": "string"}}}))
            .answers("200", answer("Requested.", schema_ref("Parse.Empty"))),
        (Endpoint::VerifyPassword, method) => with_credentials(
            Spec::new("Checks a username (or email) and password, as a login does, without opening a session", "Users", Caller::Anyone)
                .answers("200", answer("The user.", ids(class.or(doc.class("_User"))))),
            method,
        ),
        (Endpoint::DevOutbox, _) => {
            let mut spec = Spec::new("The dev mailbox: the newest 100 messages the server would have mailed, newest first, to `to` alone when given (only with MAIL_ADAPTER=dev-outbox)", "Server", Caller::MasterOnly)
            .answers("200", answer("The messages.", json!({"type": "object", "properties": {"results": {"type": "array", "items": {"type": "object", "properties": {
                "to": {"type": "string"}, "subject": {"type": "string"}, "text": {"type": "string"}, "html": {"type": "string"},
                "links": {"type": "array", "items": {"type": "string"}}, "sentAt": {"type": "string", "format": "date-time"}}}}}})));
            spec.extra_parameters.push(json!({"name": "to", "in": "query", "required": false, "schema": {"type": "string"}, "description": "Only the messages to this address."}));
            spec
        }
        (Endpoint::DevPay, _) => Spec::new("Dev only (DEV_TEST_PAYMENTS=true, as make dev runs): the signed-in buyer pays its pending order through the signed payment webhook", "Orders", Caller::SignedIn)
            .with_body(json!({"type": "object", "required": ["orderId"], "properties": {"orderId": {"type": "string"}}}))
            .answers("200", answer("Paid.", schema_ref("Parse.Updated"))),
        (Endpoint::PlaceOrder, _) => {
            let mut spec = Spec::new("Places an order with one artisan (a checkout); with the master key, creates a raw Order", "Orders", caller("create"))
                .with_body(json!({"anyOf": [schema_ref("Parse.Cart"), schema_ref("Parse.CartItem"), class_ref(class, ".create")]}))
                .answers("201", created(ids(class)));
            spec.extra_parameters.extend(idempotency());
            spec
        }
        (Endpoint::UpdateOrder, _) => Spec::new("Moves an order through its lifecycle (a body of only `status`), or updates it", "Orders", caller("update"))
            .with_body(json!({"anyOf": [schema_ref("Parse.OrderStep"), class_ref(class, ".update")]}))
            .answers("200", answer("Updated.", schema_ref("Parse.Updated"))),
        (Endpoint::Checkout, _) => {
            let caller = doc.class("Order").map_or(Caller::SignedIn, |c| Caller::for_operation(c, "create"));
            let mut spec = Spec::new("Checks out a cart: one order per artisan, all or none", "Orders", caller)
                .with_body(schema_ref("Parse.Cart"))
                .answers("200", answer("The orders placed.", schema_ref("Parse.CheckoutResult")));
            spec.extra_parameters.extend(idempotency());
            spec
        }
        (Endpoint::Function, _) => Spec::new("Any other Cloud Code function: none exists (answers 141)", "Server", Caller::Anyone)
            .with_body(json!({"type": "object"})),
        (Endpoint::Find | Endpoint::Get | Endpoint::Create | Endpoint::Update | Endpoint::Delete
            | Endpoint::GetUser | Endpoint::UpdateUser | Endpoint::DeleteUser, _) => {
            let tag = match class.map(|c| c.name.as_str()) {
                Some("_User") => "Users",
                Some("_Session") => "Sessions",
                Some("_Role") => "Roles",
                _ => name,
            };
            match route.endpoint {
                Endpoint::Find => Spec { query: FIND, ..Spec::new(format!("Queries {name}"), tag, caller("find")) }
                    .answers("200", answer("The matching objects.", json!({"type": "object", "required": ["results"], "properties": {
                        "results": {"type": "array", "items": ids(class)}, "count": {"type": "integer"}}}))),
                Endpoint::Create => Spec::new(format!("Creates a {name}"), tag, caller("create"))
                    .with_body(class_ref(class, ".create"))
                    .answers("201", created(schema_ref("Parse.Created"))),
                Endpoint::Get | Endpoint::GetUser => Spec { query: GET, ..Spec::new(format!("Gets a {name}"), tag, caller("get")) }
                    .answers("200", answer("The object.", ids(class))),
                Endpoint::Update | Endpoint::UpdateUser => Spec::new(format!("Updates a {name}"), tag, caller("update"))
                    .with_body(class_ref(class, ".update"))
                    .answers("200", answer("`updatedAt`, and the result of each Increment, Add, AddUnique or Remove.", schema_ref("Parse.Updated"))),
                _ => Spec::new(format!("Deletes a {name}"), tag, caller("delete"))
                    .answers("200", answer("Deleted.", schema_ref("Parse.Empty"))),
            }
        }
        (Endpoint::Batch, _) => Spec::new(format!("Up to {MAX_BATCH_REQUESTS} requests in one; `transaction: true` commits their writes all or none"), "Batch", Caller::Anyone)
            .with_body(schema_ref("Parse.Batch"))
            .answers("200", answer("One answer per request, in order.", json!({"type": "array", "items": {"type": "object", "properties": {
                "success": {}, "error": schema_ref("Parse.Error")}}}))),
        (Endpoint::ListSchemas | Endpoint::GetSchema | Endpoint::CreateSchema | Endpoint::UpdateSchema | Endpoint::DeleteSchema, method) => {
            let spec = Spec::new(format!("{method} on the schema registry"), "Schemas", Caller::MasterOnly);
            match route.endpoint {
                Endpoint::ListSchemas => spec.answers("200", answer("Every class.", json!({"type": "object", "properties": {
                    "results": {"type": "array", "items": schema_ref("Parse.ClassSchema")}}}))),
                Endpoint::CreateSchema | Endpoint::UpdateSchema => spec.with_body(schema_ref("Parse.ClassSchema"))
                    .answers("200", answer("The class as stored.", schema_ref("Parse.ClassSchema"))),
                Endpoint::GetSchema => spec.answers("200", answer("The class.", schema_ref("Parse.ClassSchema"))),
                _ => spec.answers("200", answer("Dropped (an empty class only).", schema_ref("Parse.Empty"))),
            }
        }
        (Endpoint::Purge, _) => Spec::new("Deletes every object of a class, keeping the class", "Schemas", Caller::MasterOnly)
            .answers("200", answer("Purged.", schema_ref("Parse.Empty"))),
        (Endpoint::Config, _) => Spec::new("Parse Config parameters (none are set)", "Server", Caller::Anyone)
            .answers("200", answer("The parameters.", json!({"type": "object", "properties": {"params": {"type": "object"}, "masterKeyOnly": {"type": "object"}}}))),
        (Endpoint::Hooks, _) => Spec::new("Cloud Code webhooks: none are registered on this server", "Server", Caller::MasterOnly)
            .answers("200", answer("An empty list.", json!({"type": "array", "maxItems": 0}))),
        (Endpoint::Jobs, _) => Spec::new("Scheduled Cloud Code jobs: none exist on this server", "Server", Caller::MasterOnly)
            .answers("200", answer("An empty list.", json!({"type": "array", "maxItems": 0}))),
        (Endpoint::JobData, _) => Spec::new("The Cloud Code jobs that could be scheduled: none", "Server", Caller::MasterOnly)
            .answers("200", answer("No jobs.", json!({"type": "object", "properties": {"jobs": {"type": "array"}, "in_use": {"type": "array"}}}))),
        (Endpoint::ScriptLog, _) => Spec::new("Cloud Code's log: no Cloud Code runs here, so it is empty", "Server", Caller::MasterOnly)
            .answers("200", answer("An empty list.", json!({"type": "array", "maxItems": 0}))),
        (Endpoint::UploadFile, _) => {
            let files = &doc.config.files;
            let caller = match (files.enable_for_public, files.enable_for_authenticated_user) {
                (true, _) => Caller::Anyone,
                (false, true) => Caller::SignedIn,
                (false, false) => Caller::MasterOnly,
            };
            let types: Vec<&str> = files.allowed.iter().map(|k| k.mime()).collect();
            let binary = json!({"schema": {"type": "string", "format": "binary"}});
            let mut spec = Spec::new(
                format!("Uploads a file (its type decided by its bytes: {}; at most {} bytes); stores it under a new unique name", types.join(", "), files.max_bytes),
                "Files",
                caller,
            )
            .answers("201", created_file());
            let mut content = serde_json::Map::new();
            for t in &types {
                content.insert(t.to_string(), binary.clone());
            }
            content.insert("application/octet-stream".into(), binary);
            spec.body = Some(json!({"required": true, "description": "The file's bytes. The JS SDK's form, a JSON body `{base64, _ContentType, _ApplicationId, _SessionToken}` sent without the X-Parse-Application-Id header, is accepted too.", "content": content}));
            spec
        }
        (Endpoint::GetFile, method) => Spec::new(
            if method == "HEAD" { "A file's headers" } else { "A file's bytes: cached for a year, revalidated with its ETag (304), byte ranges (206)" },
            "Files",
            Caller::Anyone,
        )
        .answers("200", json!({"description": "The file.", "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}}))
        .answers("206", json!({"description": "The bytes a `Range` asked for.", "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}}))
        .answers("304", json!({"description": "Not modified since the `If-None-Match` ETag."}))
        .answers("416", answer("The range starts past the file's end.", schema_ref("Parse.Error"))),
        (Endpoint::DeleteFile, _) => Spec::new("Deletes a file", "Files", Caller::MasterOnly)
            .answers("200", answer("Deleted.", schema_ref("Parse.Empty"))),
        (Endpoint::ServerInfo, _) => Spec::new("What this server supports", "Server", Caller::Anyone)
            .answers("200", answer("Version and features.", json!({"type": "object", "properties": {"parseServerVersion": {"type": "string"}, "features": {"type": "object"}}}))),
    }
}

/// Where a login-like call takes its username (or email) and password: the body of a POST, the
/// query of a GET.
fn with_credentials(spec: Spec, method: &str) -> Spec {
    if method == "POST" {
        return spec.with_body(schema_ref("Parse.Login"));
    }
    let mut spec = spec;
    for (field, required) in [("username", false), ("email", false), ("password", true)] {
        spec.extra_parameters.push(json!({"name": field, "in": "query", "required": required, "schema": {"type": "string"}}));
    }
    spec
}

/// A file upload's 201: its name and URL, which `Location` repeats.
fn created_file() -> Value {
    let mut response = answer("Stored.", schema_ref("Parse.FileSaved"));
    response["headers"] =
        json!({"Location": {"description": "The file's URL.", "schema": {"type": "string"}}});
    response
}

/// A 201 answer, with the `Location` of the new object.
fn created(schema: Value) -> Value {
    let mut response = answer("Created.", schema);
    response["headers"] =
        json!({"Location": {"description": "The new object's URL.", "schema": {"type": "string"}}});
    response
}
