//! The request log: one JSON line per request, and which requests get one (`REQUEST_LOG`).
//! Built here, portably, so what a line may contain is tested natively; the edge only prints it.

use super::http::{HttpRequest, HttpResponse};
use crate::service::config::RequestLog;
use serde_json::{json, Value};

/// What the request log says about a request beyond its method, path and status: the route it
/// took and who made it. Never credentials or personal data.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestFacts {
    /// The route template, e.g. `/classes/Product/:objectId`; `None` when no route matched.
    pub route: Option<String>,
    /// The user id the request spoke for (the one it signed in, for a login or sign-up),
    /// `"master"` for the master key, `None` when anonymous.
    pub user: Option<String>,
    /// An internal fault's own words (a driver's or the runtime's), for the operator only: the
    /// client is told "Internal server error.".
    pub internal_error: Option<String>,
    /// A GraphQL request's operation: its type and name (or its first root fields), e.g.
    /// `query Browse` or `mutation createOrder`. Never its arguments.
    pub operation: Option<String>,
}

/// The log line of a request, or `None` when the policy skips it. Never the body, the query
/// string, tokens, keys or emails: only what routing and status say, and who asked.
pub fn line(
    policy: RequestLog,
    http: &HttpRequest,
    response: &HttpResponse,
    facts: &RequestFacts,
    latency_ms: i64,
) -> Option<Value> {
    policy.wants(response.status).then(|| {
        let mut line = json!({
            "method": http.method,
            "route": facts.route,
            "path": http.path,
            "user": facts.user,
            "status": response.status,
            "latencyMs": latency_ms,
            "requestId": response.header("x-request-id"),
            "error": (response.status >= 400)
                .then(|| response.body_json().get("code").cloned())
                .flatten(),
        });
        if let Some(detail) = &facts.internal_error {
            line["detail"] = json!(detail);
        }
        if let Some(operation) = &facts.operation {
            line["operation"] = json!(operation);
        }
        line
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> HttpRequest {
        HttpRequest {
            method: "POST".into(),
            path: "/parse/login".into(),
            query: "username=ann%40example.com&password=secret-pass".into(),
            headers: vec![("x-parse-session-token".into(), "r:secret-token".into())],
            body: br#"{"username":"ann@example.com","password":"secret-pass"}"#.to_vec(),
            origin: "http://localhost".into(),
        }
    }

    #[test]
    fn the_policy_picks_the_requests_logged() {
        assert_eq!(RequestLog::parse("errors"), RequestLog::Errors);
        assert_eq!(RequestLog::parse(" OFF "), RequestLog::Off);
        assert_eq!(RequestLog::parse("verbose?"), RequestLog::All);
        assert!(RequestLog::All.wants(200));
        assert!(!RequestLog::Errors.wants(201) && RequestLog::Errors.wants(404));
        assert!(!RequestLog::Off.wants(500));
    }

    #[test]
    fn a_line_names_the_route_and_user_and_nothing_secret() {
        let response = HttpResponse::error(&crate::error::ParseError::new(
            crate::error::Code::ObjectNotFound,
            "Invalid username/password.",
        ))
        .with_header("x-request-id", "abc");
        let facts = RequestFacts {
            route: Some("/login".into()),
            user: Some("u1".into()),
            ..RequestFacts::default()
        };
        let line = line(RequestLog::All, &request(), &response, &facts, 7).unwrap();
        assert_eq!(line["route"], "/login");
        assert_eq!(line["user"], "u1");
        assert_eq!(line["status"], 404);
        assert_eq!(line["error"], 101);
        assert_eq!(line["requestId"], "abc");
        let text = line.to_string();
        for secret in [
            "secret-pass",
            "secret-token",
            "ann@example.com",
            "example.com",
        ] {
            assert!(!text.contains(secret), "{secret} leaked into {text}");
        }
        assert!(super::line(
            RequestLog::Errors,
            &request(),
            &HttpResponse::ok(&json!({})),
            &facts,
            1
        )
        .is_none());
    }
}
