//! The route table: every operation the API serves, as a method and a path template under the
//! mount path. The router dispatches on it, the request log names its template, and the OpenAPI
//! document is generated from it, so the three cannot drift apart: an operation exists only by
//! being a row here.

/// What serves a route. The dispatcher matches on this exhaustively, so a row cannot lack a
/// handler, and no handler looks at the method or path again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// Answered without credentials, as Parse Server's health is.
    Health,
    /// Answered without credentials, so API tools can fetch it.
    OpenApi,
    /// Its signature is its credential, over the raw body.
    PaymentWebhook,
    /// Creates a `_User` with its first session.
    SignUp,
    Me,
    /// A `_User`; a user fetching itself gets its session token back.
    GetUser,
    /// A `_User` update: a new password is hashed and ends the user's other sessions.
    UpdateUser,
    /// A `_User` and every session of it.
    DeleteUser,
    Login,
    Logout,
    SessionMe,
    /// Mails a password reset link (`POST /requestPasswordReset`).
    PasswordResetRequest,
    /// Mails a new email verification link (`POST /verificationEmailRequest`).
    VerificationEmailRequest,
    /// Checks a username (or email) and password like a login, opening no session.
    VerifyPassword,
    /// The dev mailbox: exists only when `MAIL_ADAPTER` is `dev-outbox`.
    DevOutbox,
    /// Dev only: pays the caller's pending order through the signed payment webhook.
    DevPay,
    /// Objects of the route's class: `/classes/{className}`, `/users`, `/sessions`, `/roles`.
    Find,
    Get,
    Create,
    Update,
    Delete,
    /// A client's `POST /classes/Order` is a checkout; the master key's is a plain create.
    PlaceOrder,
    /// `PUT /classes/Order/:id` with a `status` is a lifecycle step; anything else an update.
    UpdateOrder,
    Checkout,
    /// Any other Cloud Code function: none exists, so it answers 141.
    Function,
    Batch,
    ListSchemas,
    GetSchema,
    CreateSchema,
    UpdateSchema,
    DeleteSchema,
    Purge,
    Config,
    ServerInfo,
    /// Cloud Code webhooks (`/hooks/functions`, `/hooks/triggers`): none are registered here.
    Hooks,
    /// Scheduled Cloud Code jobs: none exist.
    Jobs,
    /// The jobs that could be scheduled, and those in use: none.
    JobData,
    /// `POST /files/:name`: stores a file under a new unique name.
    UploadFile,
    /// `GET`/`HEAD /files/:appId/:name`: the file's bytes. Answered without credentials (the URL
    /// is what a browser's `<img>` loads), as Parse Server serves files.
    GetFile,
    /// `DELETE /files/:name`, master key only.
    DeleteFile,
    /// Cloud Code's log: no Cloud Code runs, so it is empty.
    ScriptLog,
}

/// What a request must carry before its endpoint runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credentials {
    /// Nothing: health checks and the API's description.
    None,
    /// The payment provider's signature over the raw body, instead of an application id.
    Signature,
    /// The application id (and the REST key, when one is configured).
    AppId,
}

impl Endpoint {
    pub fn credentials(self) -> Credentials {
        match self {
            Endpoint::Health | Endpoint::OpenApi | Endpoint::GetFile => Credentials::None,
            Endpoint::PaymentWebhook => Credentials::Signature,
            _ => Credentials::AppId,
        }
    }

    /// Whether this server serves the endpoint at all: the dev mailbox exists only with its
    /// adapter; elsewhere its path is an unknown route.
    pub fn exists(self, config: &crate::service::Config) -> bool {
        match self {
            Endpoint::DevOutbox => {
                config.accounts.mail == crate::service::account_policy::MailAdapter::DevOutbox
            }
            Endpoint::DevPay => config.dev_test_payments && config.payment_webhook_secret.is_some(),
            _ => true,
        }
    }

    /// Sign-up and login open a new session: a stale token the SDK still sends is ignored.
    pub fn ignores_session_token(self) -> bool {
        matches!(self, Endpoint::SignUp | Endpoint::Login)
    }
}

/// One operation: a method and a path whose `{name}` segments match any one segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub endpoint: Endpoint,
    /// The class the route serves when its path names none (`/users` is `_User`).
    pub class: Option<&'static str>,
}

const fn route(method: &'static str, path: &'static str, endpoint: Endpoint) -> Route {
    Route {
        method,
        path,
        endpoint,
        class: None,
    }
}

const fn of(
    class: &'static str,
    method: &'static str,
    path: &'static str,
    endpoint: Endpoint,
) -> Route {
    Route {
        method,
        path,
        endpoint,
        class: Some(class),
    }
}

use Endpoint::*;

/// Every operation, most specific first: the first row that matches a request serves it.
pub static ROUTES: &[Route] = &[
    route("GET", "/health", Health),
    route("GET", "/openapi.json", OpenApi),
    route("POST", "/webhooks/payment", PaymentWebhook),
    of("_User", "POST", "/users", SignUp),
    of("_User", "GET", "/users", Find),
    of("_User", "GET", "/users/me", Me),
    of("_User", "GET", "/users/{objectId}", GetUser),
    of("_User", "PUT", "/users/{objectId}", UpdateUser),
    of("_User", "DELETE", "/users/{objectId}", DeleteUser),
    of("_User", "POST", "/classes/_User", SignUp),
    of("_User", "GET", "/classes/_User", Find),
    of("_User", "GET", "/classes/_User/{objectId}", GetUser),
    of("_User", "PUT", "/classes/_User/{objectId}", UpdateUser),
    of("_User", "DELETE", "/classes/_User/{objectId}", DeleteUser),
    of("_User", "GET", "/login", Login),
    of("_User", "POST", "/login", Login),
    route("POST", "/logout", Logout),
    of("_Session", "GET", "/sessions/me", SessionMe),
    of("_Session", "GET", "/sessions", Find),
    of("_Session", "POST", "/sessions", Create),
    of("_Session", "GET", "/sessions/{objectId}", Get),
    of("_Session", "PUT", "/sessions/{objectId}", Update),
    of("_Session", "DELETE", "/sessions/{objectId}", Delete),
    of("_Role", "GET", "/roles", Find),
    of("_Role", "POST", "/roles", Create),
    of("_Role", "GET", "/roles/{objectId}", Get),
    of("_Role", "PUT", "/roles/{objectId}", Update),
    of("_Role", "DELETE", "/roles/{objectId}", Delete),
    route("POST", "/requestPasswordReset", PasswordResetRequest),
    route(
        "POST",
        "/verificationEmailRequest",
        VerificationEmailRequest,
    ),
    of("_User", "GET", "/verifyPassword", VerifyPassword),
    of("_User", "POST", "/verifyPassword", VerifyPassword),
    route("GET", "/dev/outbox", DevOutbox),
    route("POST", "/dev/pay", DevPay),
    of("Order", "POST", "/classes/Order", PlaceOrder),
    of("Order", "PUT", "/classes/Order/{objectId}", UpdateOrder),
    route("POST", "/functions/checkout", Checkout),
    route("POST", "/functions/{functionName}", Function),
    route("GET", "/classes/{className}", Find),
    route("POST", "/classes/{className}", Create),
    route("GET", "/classes/{className}/{objectId}", Get),
    route("PUT", "/classes/{className}/{objectId}", Update),
    route("DELETE", "/classes/{className}/{objectId}", Delete),
    route("POST", "/batch", Batch),
    route("GET", "/schemas", ListSchemas),
    route("POST", "/schemas", CreateSchema),
    route("GET", "/schemas/{className}", GetSchema),
    route("POST", "/schemas/{className}", CreateSchema),
    route("PUT", "/schemas/{className}", UpdateSchema),
    route("DELETE", "/schemas/{className}", DeleteSchema),
    route("DELETE", "/purge/{className}", Purge),
    route("GET", "/config", Config),
    route("GET", "/serverInfo", ServerInfo),
    route("GET", "/hooks/functions", Hooks),
    route("GET", "/hooks/triggers", Hooks),
    route("GET", "/cloud_code/jobs", Jobs),
    route("GET", "/cloud_code/jobs/data", JobData),
    route("GET", "/scriptlog", ScriptLog),
    route("POST", "/files", UploadFile),
    route("POST", "/files/{filename}", UploadFile),
    route("GET", "/files/{appId}/{filename}", GetFile),
    route("HEAD", "/files/{appId}/{filename}", GetFile),
    route("DELETE", "/files/{filename}", DeleteFile),
];

/// A request matched to its route, with the segments it was matched on.
#[derive(Debug, Clone, PartialEq)]
pub struct Matched<'r> {
    pub route: &'static Route,
    segments: Vec<&'r str>,
}

impl<'r> Matched<'r> {
    /// The value of the path parameter `name` (`""` when the route has none by that name).
    pub fn param(&self, name: &str) -> &'r str {
        template_segments(self.route.path)
            .zip(&self.segments)
            .find(|(t, _)| parameter_name(t) == Some(name))
            .map(|(_, s)| *s)
            .unwrap_or_default()
    }

    /// The class the request is about: the route's own, or the one its path names.
    pub fn class(&self) -> &'r str {
        self.route.class.unwrap_or_else(|| self.param("className"))
    }

    /// The route for a log: its template, with the class name filled in when it is a valid one
    /// (class names say what was used, ids would say who), e.g. `/classes/Product/:objectId`.
    pub fn log_template(&self) -> String {
        let mut out = String::new();
        for (template, segment) in template_segments(self.route.path).zip(&self.segments) {
            out.push('/');
            match parameter_name(template) {
                Some("className")
                    if crate::engine::schema::validate_class_name(segment).is_ok() =>
                {
                    out.push_str(segment)
                }
                Some(name) => {
                    out.push(':');
                    out.push_str(name);
                }
                None => out.push_str(template),
            }
        }
        out
    }
}

/// The first route that serves `method` on `segments` (the path under the mount, split on `/`).
pub fn find<'r>(method: &str, segments: &[&'r str]) -> Option<Matched<'r>> {
    ROUTES
        .iter()
        .find(|r| r.method.eq_ignore_ascii_case(method) && path_matches(r.path, segments))
        .map(|route| Matched {
            route,
            segments: segments.to_vec(),
        })
}

/// The first route at this path whatever its method: what a CORS preflight is about.
pub fn find_any_method<'r>(segments: &[&'r str]) -> Option<Matched<'r>> {
    ROUTES
        .iter()
        .find(|r| path_matches(r.path, segments))
        .map(|route| Matched {
            route,
            segments: segments.to_vec(),
        })
}

fn path_matches(template: &str, segments: &[&str]) -> bool {
    template_segments(template).count() == segments.len()
        && template_segments(template)
            .zip(segments)
            .all(|(t, s)| parameter_name(t).is_some() || t == *s)
}

pub fn template_segments(template: &str) -> impl Iterator<Item = &str> {
    template.split('/').filter(|s| !s.is_empty())
}

/// `Some("objectId")` for the template segment `{objectId}`.
pub fn parameter_name(template_segment: &str) -> Option<&str> {
    template_segment
        .strip_prefix('{')
        .and_then(|s| s.strip_suffix('}'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(method: &str, path: &str) -> Option<Endpoint> {
        let segments: Vec<&str> = template_segments(path).collect();
        find(method, &segments).map(|m| m.route.endpoint)
    }

    #[test]
    fn specific_rows_win_over_the_templates_after_them() {
        assert_eq!(endpoint("GET", "/users/me"), Some(Me));
        assert_eq!(endpoint("GET", "/users/abc"), Some(GetUser));
        assert_eq!(endpoint("GET", "/sessions/me"), Some(SessionMe));
        assert_eq!(endpoint("GET", "/sessions/abc"), Some(Get));
        assert_eq!(endpoint("POST", "/classes/Order"), Some(PlaceOrder));
        assert_eq!(endpoint("GET", "/classes/Order"), Some(Find));
        assert_eq!(endpoint("PUT", "/classes/Order/x1"), Some(UpdateOrder));
        assert_eq!(endpoint("PUT", "/classes/_User/x1"), Some(UpdateUser));
        assert_eq!(endpoint("POST", "/classes/_User"), Some(SignUp));
        assert_eq!(endpoint("POST", "/functions/checkout"), Some(Checkout));
        assert_eq!(endpoint("POST", "/functions/hello"), Some(Function));
    }

    #[test]
    fn unknown_methods_and_paths_match_nothing() {
        assert_eq!(endpoint("PATCH", "/classes/Product"), None);
        assert_eq!(endpoint("GET", "/classes/Product/a/b"), None);
        assert_eq!(endpoint("GET", "/logout"), None);
        assert_eq!(endpoint("GET", ""), None);
    }

    #[test]
    fn parameters_and_the_class_come_from_the_matched_segments() {
        let segments = ["classes", "Product", "abc123"];
        let matched = find("delete", &segments).unwrap();
        assert_eq!(matched.param("className"), "Product");
        assert_eq!(matched.param("objectId"), "abc123");
        assert_eq!(matched.param("nope"), "");
        assert_eq!(matched.class(), "Product");
        assert_eq!(find("GET", &["users", "u1"]).unwrap().class(), "_User");
    }

    #[test]
    fn roles_are_objects_of_the_role_class() {
        let matched = find("GET", &["roles", "r1"]).unwrap();
        assert_eq!((matched.route.endpoint, matched.class()), (Get, "_Role"));
        let matched = find("POST", &["roles"]).unwrap();
        assert_eq!((matched.route.endpoint, matched.class()), (Create, "_Role"));
    }

    #[test]
    fn log_templates_keep_class_names_and_hide_ids() {
        let log = |method: &str, segments: &[&str]| find(method, segments).unwrap().log_template();
        assert_eq!(
            log("GET", &["classes", "Product", "abc123"]),
            "/classes/Product/:objectId"
        );
        assert_eq!(log("GET", &["users", "abc123"]), "/users/:objectId");
        assert_eq!(log("POST", &["login"]), "/login");
        // Not a class name: it could be anything the client typed, so it stays a placeholder.
        assert_eq!(
            log("GET", &["classes", "me@example.com"]),
            "/classes/:className"
        );
        assert_eq!(log("DELETE", &["purge", "_Secret"]), "/purge/:className");
    }

    #[test]
    fn templates_are_well_formed() {
        for route in ROUTES {
            assert!(route.path.starts_with('/'), "{route:?}");
            assert!(
                ["GET", "HEAD", "POST", "PUT", "DELETE"].contains(&route.method),
                "{route:?}"
            );
            let unreachable = ROUTES
                .iter()
                .take_while(|r| !std::ptr::eq(*r, route))
                .any(|r| r.method == route.method && r.path == route.path);
            assert!(!unreachable, "{route:?} repeats an earlier row");
        }
    }
}
