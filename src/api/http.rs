//! Plain HTTP request and response values: what the edge glue converts to and from the `worker`
//! crate's types, so routing and handlers run (and are tested) natively.

use crate::error::ParseError;
use crate::service::files::{Body, FileAnswer};
use serde_json::{json, Value};

#[derive(Debug, Clone, Default)]
pub struct HttpRequest {
    pub method: String,
    /// The URL's path, still percent-encoded.
    pub path: String,
    /// The URL's query string without `?`.
    pub query: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// `scheme://host[:port]` of the URL.
    pub origin: String,
}

impl HttpRequest {
    /// Splits a URL as the runtime serializes it (`scheme://host[:port]/path?query`) into its
    /// origin, path and query, without a full URL parse: the runtime has parsed it already.
    pub fn split_url(url: &str) -> (&str, &str, &str) {
        let host = url.find("://").map_or(0, |i| i + 3);
        let path_start = url[host..].find('/').map_or(url.len(), |i| host + i);
        let (origin, rest) = url.split_at(path_start);
        let rest = rest.split('#').next().unwrap_or_default();
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        (origin, if path.is_empty() { "/" } else { path }, query)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// A file's bytes as the bucket handed them over, sent instead of `body` (the edge streams
    /// them to the client without copying them through wasm).
    pub stream: Option<Body>,
}

impl HttpResponse {
    pub fn json(status: u16, value: &Value) -> Self {
        HttpResponse {
            status,
            headers: vec![
                (
                    "content-type".into(),
                    "application/json; charset=utf-8".into(),
                ),
                // A browser never runs a JSON answer as a script or page, whatever it holds.
                ("x-content-type-options".into(), "nosniff".into()),
            ],
            // `to_vec` writes straight into the buffer; `to_string` goes through `fmt`.
            body: serde_json::to_vec(value).unwrap_or_default(),
            stream: None,
        }
    }

    /// A served file: its headers, and its bytes as a stream.
    pub fn file(answer: FileAnswer) -> Self {
        HttpResponse {
            status: answer.status,
            headers: answer.headers,
            body: vec![],
            stream: answer.body,
        }
    }

    pub fn ok(value: &Value) -> Self {
        Self::json(200, value)
    }

    pub fn error(e: &ParseError) -> Self {
        let response = Self::json(e.status(), &e.to_json());
        match e.retry_after_secs {
            Some(secs) => response.with_header("retry-after", &secs.to_string()),
            None => response,
        }
    }

    /// Parse Server's answer to a missing or wrong application id (or master key where required).
    pub fn unauthorized(message: &str) -> Self {
        Self::json(403, &json!({ "error": message }))
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers
            .push((name.to_ascii_lowercase(), value.to_string()));
        self
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn body_json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// Whether the answer holds a session token (sign-up, login, `/users/me`, `/sessions/me`, the
/// master key's view of `_Session`): it must never be stored by a cache.
pub fn carries_session_token(response: &HttpResponse) -> bool {
    const KEY: &[u8] = b"\"sessionToken\"";
    response.body.windows(KEY.len()).any(|w| w == KEY)
}

/// `Cache-Control: no-store`, for answers that hold a token or depend on who asked (a session
/// or the master key): no browser or proxy cache keeps them.
pub fn mark_no_store(response: &mut HttpResponse) {
    response.headers.retain(|(k, _)| k != "cache-control");
    response
        .headers
        .push(("cache-control".into(), "no-store".into()));
}

/// The headers Parse Server sends so browser apps on any origin can call it.
pub fn add_cors(response: &mut HttpResponse) {
    const ALLOW_HEADERS: &str =
        "X-Parse-Master-Key, X-Parse-REST-API-Key, X-Parse-Javascript-Key, \
        X-Parse-Application-Id, X-Parse-Client-Version, X-Parse-Session-Token, X-Requested-With, \
        X-Parse-Revocable-Session, X-Parse-Request-Id, X-Parse-Installation-Id, Idempotency-Key, \
        Content-Type, Pragma, Cache-Control, X-Parse-Upload-Mode, X-Parse-File-Directory, \
        X-Parse-File-Metadata, X-Parse-File-Tags, X-Parse-File-Max-Upload-Size, Range, If-None-Match";
    for (name, value) in [
        ("access-control-allow-origin", "*"),
        (
            "access-control-allow-methods",
            "GET, HEAD, PUT, POST, DELETE, OPTIONS",
        ),
        ("access-control-allow-headers", ALLOW_HEADERS),
        (
            "access-control-expose-headers",
            "X-Parse-Job-Status-Id, X-Parse-Push-Status-Id, X-Request-Id, Retry-After, Location, \
            ETag, Content-Range, Accept-Ranges, Content-Length",
        ),
        ("access-control-max-age", "86400"),
    ] {
        response.headers.push((name.into(), value.into()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_url_separates_origin_path_and_query() {
        assert_eq!(
            HttpRequest::split_url("http://127.0.0.1:8787/parse/classes/A?where=%7B%7D&limit=2"),
            (
                "http://127.0.0.1:8787",
                "/parse/classes/A",
                "where=%7B%7D&limit=2"
            )
        );
        assert_eq!(
            HttpRequest::split_url("https://example.com/"),
            ("https://example.com", "/", "")
        );
        assert_eq!(
            HttpRequest::split_url("https://example.com"),
            ("https://example.com", "/", "")
        );
        assert_eq!(
            HttpRequest::split_url("https://example.com/a?b=?c#frag"),
            ("https://example.com", "/a", "b=?c")
        );
    }
}
