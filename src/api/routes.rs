//! The route table: every operation the API serves, as a method and a path template under the
//! mount path. The router dispatches on it, the request log names its template, and the OpenAPI
//! document is generated from it, so the three cannot drift apart: an operation exists only by
//! being a row here.

/// What serves a route. The router matches on this exhaustively, so a row cannot lack a handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// Answered before the application id is checked.
    Health,
    /// Answered before the application id is checked.
    OpenApi,
    /// Answered before the body is decoded: the signature covers the raw bytes.
    PaymentWebhook,
    /// `/users…`: accounts, with the segments after `users`.
    Users,
    /// `/classes/_User…`: the same accounts under their class name.
    UserObjects,
    Login,
    Logout,
    SessionMe,
    /// `/sessions…`: `_Session` objects.
    Sessions,
    /// Password reset and verification mails: no mail is configured, so they answer 108.
    EmailRequest,
    /// A client's `POST /classes/Order` is a checkout; the master key's is a plain create.
    PlaceOrder,
    /// `PUT /classes/Order/:id` with a `status` is a lifecycle step; anything else an update.
    UpdateOrder,
    Checkout,
    /// Any other Cloud Code function: none exists, so it answers 141.
    Function,
    Objects,
    Batch,
    Schemas,
    Purge,
    Config,
    ServerInfo,
}

/// One operation: a method and a path whose `{name}` segments match any one segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub endpoint: Endpoint,
}

const fn route(method: &'static str, path: &'static str, endpoint: Endpoint) -> Route {
    Route {
        method,
        path,
        endpoint,
    }
}

use Endpoint::*;

/// Every operation, most specific first: the first row that matches a request serves it.
pub static ROUTES: &[Route] = &[
    route("GET", "/health", Health),
    route("GET", "/openapi.json", OpenApi),
    route("POST", "/webhooks/payment", PaymentWebhook),
    route("POST", "/users", Users),
    route("GET", "/users", Users),
    route("GET", "/users/me", Users),
    route("GET", "/users/{objectId}", Users),
    route("PUT", "/users/{objectId}", Users),
    route("DELETE", "/users/{objectId}", Users),
    route("POST", "/classes/_User", UserObjects),
    route("GET", "/classes/_User", UserObjects),
    route("GET", "/classes/_User/{objectId}", UserObjects),
    route("PUT", "/classes/_User/{objectId}", UserObjects),
    route("DELETE", "/classes/_User/{objectId}", UserObjects),
    route("GET", "/login", Login),
    route("POST", "/login", Login),
    route("POST", "/logout", Logout),
    route("GET", "/sessions/me", SessionMe),
    route("GET", "/sessions", Sessions),
    route("POST", "/sessions", Sessions),
    route("GET", "/sessions/{objectId}", Sessions),
    route("PUT", "/sessions/{objectId}", Sessions),
    route("DELETE", "/sessions/{objectId}", Sessions),
    route("POST", "/requestPasswordReset", EmailRequest),
    route("POST", "/verificationEmailRequest", EmailRequest),
    route("POST", "/classes/Order", PlaceOrder),
    route("PUT", "/classes/Order/{objectId}", UpdateOrder),
    route("POST", "/functions/checkout", Checkout),
    route("POST", "/functions/{functionName}", Function),
    route("GET", "/classes/{className}", Objects),
    route("POST", "/classes/{className}", Objects),
    route("GET", "/classes/{className}/{objectId}", Objects),
    route("PUT", "/classes/{className}/{objectId}", Objects),
    route("DELETE", "/classes/{className}/{objectId}", Objects),
    route("POST", "/batch", Batch),
    route("GET", "/schemas", Schemas),
    route("POST", "/schemas", Schemas),
    route("GET", "/schemas/{className}", Schemas),
    route("POST", "/schemas/{className}", Schemas),
    route("PUT", "/schemas/{className}", Schemas),
    route("DELETE", "/schemas/{className}", Schemas),
    route("DELETE", "/purge/{className}", Purge),
    route("GET", "/config", Config),
    route("GET", "/serverInfo", ServerInfo),
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

    /// The segment at `index` (`""` past the end): `/classes/Order` rows name their class in
    /// the path rather than in a parameter.
    pub fn segment(&self, index: usize) -> &'r str {
        self.segments.get(index).copied().unwrap_or_default()
    }

    /// The segments from index `from` on: what the handlers of nested routes dispatch on.
    pub fn rest(&self, from: usize) -> &[&'r str] {
        self.segments.get(from..).unwrap_or_default()
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
        assert_eq!(endpoint("GET", "/users/me"), Some(Users));
        assert_eq!(endpoint("GET", "/sessions/me"), Some(SessionMe));
        assert_eq!(endpoint("GET", "/sessions/abc"), Some(Sessions));
        assert_eq!(endpoint("POST", "/classes/Order"), Some(PlaceOrder));
        assert_eq!(endpoint("GET", "/classes/Order"), Some(Objects));
        assert_eq!(endpoint("PUT", "/classes/Order/x1"), Some(UpdateOrder));
        assert_eq!(endpoint("PUT", "/classes/_User/x1"), Some(UserObjects));
        assert_eq!(endpoint("POST", "/functions/checkout"), Some(Checkout));
        assert_eq!(endpoint("POST", "/functions/hello"), Some(Function));
    }

    #[test]
    fn unknown_methods_and_paths_match_nothing() {
        assert_eq!(endpoint("PATCH", "/classes/Product"), None);
        assert_eq!(endpoint("GET", "/classes/Product/a/b"), None);
        assert_eq!(endpoint("GET", "/logout"), None);
        assert_eq!(endpoint("GET", "/roles"), None);
        assert_eq!(endpoint("GET", ""), None);
    }

    #[test]
    fn parameters_and_the_rest_come_from_the_matched_segments() {
        let segments = ["classes", "Product", "abc123"];
        let matched = find("delete", &segments).unwrap();
        assert_eq!(matched.param("className"), "Product");
        assert_eq!(matched.param("objectId"), "abc123");
        assert_eq!(matched.param("nope"), "");
        assert_eq!(matched.rest(2), ["abc123"]);
        assert!(matched.rest(9).is_empty());
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
                ["GET", "POST", "PUT", "DELETE"].contains(&route.method),
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
