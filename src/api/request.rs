//! A Parse request decoded from HTTP: the effective method, the route under the mount path, the
//! credentials, and the parameters, wherever the client put them.
//!
//! The JS SDK POSTs every call as `text/plain` JSON with `_method`, `_ApplicationId`,
//! `_SessionToken`… in the body and query parameters (`where` as an object) beside them, so the
//! body is parsed as JSON whatever the content type, and query parameters come from the URL and
//! the body alike.

use super::http::HttpRequest;
use crate::error::{Code, ParseError, Result};
use crate::service::files::Sent;
use base64::Engine;
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value};

/// Deepest JSON nesting accepted in a body: a bound on work for every handler.
pub const MAX_JSON_DEPTH: usize = 32;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParseRequest {
    /// GET, POST, PUT or DELETE, after `_method`.
    pub method: String,
    /// Path segments under the mount path, percent-decoded (`["classes", "Product", "id"]`).
    pub route: Vec<String>,
    pub app_id: Option<String>,
    pub master_key: Option<String>,
    /// REST API key or JavaScript key, checked only when the server configures one.
    pub client_key: Option<String>,
    pub session_token: Option<String>,
    pub installation_id: Option<String>,
    pub request_id: Option<String>,
    /// Query parameters: the URL's, overlaid with the body's for a GET.
    pub params: Map<String, Value>,
    /// The body's fields, without the SDK's `_`-prefixed envelope fields.
    pub body: Map<String, Value>,
    /// `scheme://host[:port]` the client called, for `Location` headers.
    pub origin: String,
    /// The client's address as Cloudflare saw it (`CF-Connecting-IP`), for the abuse limits.
    pub client_ip: Option<String>,
    /// A file upload's bytes (`POST /files/:name`), raw or from the JS SDK's base64 form.
    pub file: Option<Sent>,
}

/// The largest bodies read: a JSON request's, and a file upload's (raw or base64 in JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyLimits {
    pub json: usize,
    /// A file upload's body (the base64 JSON form is a third larger than the file).
    pub file: usize,
    /// The largest file, which a refusal names.
    pub file_max: usize,
}

/// Whether this is a file's download: `GET <mount>/files/:appId/:name`.
pub fn is_file_download(method: &str, path: &str, mount: &str) -> bool {
    method.eq_ignore_ascii_case("GET")
        && path
            .strip_prefix(mount.trim_end_matches('/'))
            .and_then(|rest| rest.strip_prefix("/files/"))
            .is_some_and(|rest| rest.split('/').filter(|s| !s.is_empty()).count() == 2)
}

/// Whether `path` (under `mount`) is a file upload: `POST <mount>/files/:name`. Its body may be
/// larger than other requests', and is read as bytes.
pub fn is_file_upload(method: &str, path: &str, mount: &str) -> bool {
    method.eq_ignore_ascii_case("POST")
        && path
            .strip_prefix(mount.trim_end_matches('/'))
            .is_some_and(|rest| rest.starts_with("/files/") || rest == "/files")
}

/// Envelope fields the SDK puts in the body; never object fields.
const ENVELOPE: [&str; 10] = [
    "_method",
    "_ApplicationId",
    "_JavaScriptKey",
    "_ClientKey",
    "_MasterKey",
    "_SessionToken",
    "_ClientVersion",
    "_InstallationId",
    "_context",
    "_RevocableSession",
];

/// Decodes `http` if its path is under `mount`; `None` when it is not ours.
#[cfg(test)]
pub fn decode(
    http: &HttpRequest,
    mount: &str,
    max_body_bytes: usize,
) -> Option<Result<ParseRequest>> {
    decode_with(
        http,
        mount,
        BodyLimits {
            json: max_body_bytes,
            file: max_body_bytes,
            file_max: max_body_bytes,
        },
    )
}

/// `decode`, with a file upload's own body limit.
pub fn decode_with(
    http: &HttpRequest,
    mount: &str,
    limits: BodyLimits,
) -> Option<Result<ParseRequest>> {
    let rest = http.path.strip_prefix(mount.trim_end_matches('/'))?;
    if !(rest.is_empty() || rest.starts_with('/')) {
        return None;
    }
    let route = rest
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect();
    let upload = is_file_upload(&http.method, &http.path, mount);
    Some(decode_under_mount(http, route, limits, upload))
}

fn decode_under_mount(
    http: &HttpRequest,
    route: Vec<String>,
    limits: BodyLimits,
    upload: bool,
) -> Result<ParseRequest> {
    let max_body_bytes = if upload { limits.file } else { limits.json };
    if http.body.len() > max_body_bytes {
        if upload {
            return Err(crate::service::files::too_large(limits.file_max));
        }
        return Err(ParseError::new(
            Code::ObjectTooLarge,
            format!("Request body is larger than the limit of {max_body_bytes} bytes"),
        ));
    }
    // Parse Server's rule: an upload with the application id in a header has the file as its
    // body; without one, the body is the JS SDK's JSON (`base64`, `_ContentType`, and the
    // envelope: `_ApplicationId`, `_SessionToken`…).
    let raw_file = upload && http.header("x-parse-application-id").is_some();
    let mut body = if raw_file {
        Map::new()
    } else {
        parse_body(&http.body)?
    };
    let envelope = |body: &mut Map<String, Value>, key: &str| match body.remove(key) {
        Some(Value::String(s)) => Some(s),
        _ => None,
    };
    let override_method = envelope(&mut body, "_method");
    let header = |name: &str| http.header(name).map(str::to_string);
    let mut request = ParseRequest {
        method: http.method.to_ascii_uppercase(),
        route,
        app_id: envelope(&mut body, "_ApplicationId").or_else(|| header("x-parse-application-id")),
        master_key: envelope(&mut body, "_MasterKey").or_else(|| header("x-parse-master-key")),
        client_key: envelope(&mut body, "_JavaScriptKey")
            .or_else(|| header("x-parse-rest-api-key"))
            .or_else(|| header("x-parse-javascript-key")),
        session_token: envelope(&mut body, "_SessionToken")
            .or_else(|| header("x-parse-session-token")),
        installation_id: envelope(&mut body, "_InstallationId")
            .or_else(|| header("x-parse-installation-id")),
        request_id: header("x-parse-request-id").or_else(|| header("idempotency-key")),
        params: query_params(&http.query),
        body: Map::new(),
        origin: http.origin.clone(),
        client_ip: header("cf-connecting-ip"),
        file: None,
    };
    if upload {
        let name = request.route.get(1).cloned().unwrap_or_default();
        request.file = Some(if raw_file {
            Sent {
                name,
                bytes: http.body.clone(),
                declared_type: header("content-type"),
            }
        } else {
            sent_as_json(name, &mut body)?
        });
    }
    for key in ENVELOPE {
        body.remove(key);
    }
    if request.method == "POST" {
        if let Some(method) = override_method {
            request.method = method.to_ascii_uppercase();
        }
    }
    if request.method == "GET" {
        request.params.extend(body);
    } else {
        request.body = body;
    }
    Ok(request)
}

/// A file in the JS SDK's JSON form: `{"base64": "…", "_ContentType": "image/png", "fileData":
/// {metadata, tags}}` (metadata and tags are not kept). The base64 may be a data URL's.
fn sent_as_json(name: String, body: &mut Map<String, Value>) -> Result<Sent> {
    let declared_type = match body.remove("_ContentType") {
        Some(Value::String(t)) => Some(t),
        _ => None,
    };
    body.remove("fileData");
    let text = match body.remove("base64") {
        Some(Value::String(text)) => text,
        _ => {
            return Err(ParseError::new(
                Code::FileSaveError,
                "Invalid file upload: the body has no base64 data.",
            ))
        }
    };
    let data = text.rsplit(',').next().unwrap_or_default().trim();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data)
        .map_err(|_| {
            ParseError::new(
                Code::FileSaveError,
                "Invalid file upload: the base64 data does not decode.",
            )
        })?;
    Ok(Sent {
        name,
        bytes,
        declared_type,
    })
}

/// The body as a JSON object; empty bodies are `{}`. Anything else is "Invalid JSON" (107), and
/// so is an object naming a key twice: parsers disagree on which one counts (serde keeps the last,
/// others the first), so a body that means two things to two readers means nothing here.
pub fn parse_body(bytes: &[u8]) -> Result<Map<String, Value>> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    if nesting_depth(bytes) > MAX_JSON_DEPTH {
        return Err(ParseError::new(
            Code::InvalidJson,
            format!("JSON nested deeper than {MAX_JSON_DEPTH} levels"),
        ));
    }
    let map = match serde_json::from_slice(bytes) {
        Ok(Value::Object(map)) => map,
        _ => return Err(ParseError::invalid_json()),
    };
    if serde_json::from_slice::<UniqueKeys>(bytes).is_err() {
        return Err(ParseError::new(
            Code::InvalidJson,
            "Invalid JSON: an object names the same key twice",
        ));
    }
    Ok(map)
}

/// A JSON document in which no object names a key twice; it keeps nothing else.
struct UniqueKeys;

impl<'de> serde::Deserialize<'de> for UniqueKeys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_any(UniqueKeys)
    }
}

impl<'de> serde::de::Visitor<'de> for UniqueKeys {
    type Value = UniqueKeys;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("JSON")
    }

    fn visit_bool<E>(self, _: bool) -> std::result::Result<Self, E> {
        Ok(UniqueKeys)
    }

    fn visit_i64<E>(self, _: i64) -> std::result::Result<Self, E> {
        Ok(UniqueKeys)
    }

    fn visit_u64<E>(self, _: u64) -> std::result::Result<Self, E> {
        Ok(UniqueKeys)
    }

    fn visit_f64<E>(self, _: f64) -> std::result::Result<Self, E> {
        Ok(UniqueKeys)
    }

    fn visit_str<E>(self, _: &str) -> std::result::Result<Self, E> {
        Ok(UniqueKeys)
    }

    fn visit_unit<E>(self) -> std::result::Result<Self, E> {
        Ok(UniqueKeys)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<Self, A::Error> {
        while seq.next_element::<UniqueKeys>()?.is_some() {}
        Ok(UniqueKeys)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Self, A::Error> {
        let mut seen = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key) {
                return Err(serde::de::Error::custom("duplicate key"));
            }
            map.next_value::<UniqueKeys>()?;
        }
        Ok(UniqueKeys)
    }
}

/// The deepest `{`/`[` nesting outside strings, found before parsing so a hostile body cannot make
/// the parser recurse deeply.
fn nesting_depth(bytes: &[u8]) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &b in bytes {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// The query string's parameters, decoded as WHATWG's `URLSearchParams` decodes them (`+` is a
/// space, a `%` not followed by two hex digits stays as it is); the last of a repeated name wins.
fn query_params(query: &str) -> Map<String, Value> {
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(method: &str, path: &str, query: &str, body: &str) -> HttpRequest {
        HttpRequest {
            method: method.into(),
            path: path.into(),
            query: query.into(),
            headers: vec![("x-parse-application-id".into(), "app".into())],
            body: body.as_bytes().to_vec(),
            origin: "http://localhost".into(),
        }
    }

    #[test]
    fn a_body_naming_a_key_twice_at_any_depth_is_invalid_json() {
        for body in [
            r#"{"orderId":"nonexistent","status":"paid","orderId":"real"}"#,
            r#"{"a":{"b":1,"b":2}}"#,
            r#"{"requests":[{"method":"POST","body":{"x":1,"\u0078":2}}]}"#,
        ] {
            let e = parse_body(body.as_bytes()).unwrap_err();
            assert_eq!(e.code, Code::InvalidJson, "{body}");
        }
        let ok = parse_body(br#"{"a":{"b":1},"b":[{"a":1},{"a":2}],"n":1.5e300,"t":null}"#);
        assert_eq!(ok.unwrap().len(), 4);
    }

    #[test]
    fn the_sdk_envelope_turns_a_post_into_a_query() {
        let req = decode(
            &http("POST", "/parse/classes/Product", "", r#"{"_method":"GET","_ApplicationId":"app2","_SessionToken":"t","where":{"a":1},"limit":5}"#),
            "/parse",
            1024,
        )
        .unwrap()
        .unwrap();
        assert_eq!(req.method, "GET");
        assert_eq!(req.route, vec!["classes", "Product"]);
        assert_eq!(req.app_id.as_deref(), Some("app2"));
        assert_eq!(req.session_token.as_deref(), Some("t"));
        assert_eq!(req.params["where"], serde_json::json!({"a": 1}));
        assert!(req.body.is_empty());
    }

    #[test]
    fn url_parameters_are_strings_and_headers_carry_credentials() {
        let req = decode(
            &http("GET", "/parse/classes/A%20B", "where=%7B%7D&limit=3", ""),
            "/parse",
            1024,
        )
        .unwrap()
        .unwrap();
        assert_eq!(req.route, vec!["classes", "A B"]);
        assert_eq!(req.params["limit"], "3");
        assert_eq!(req.app_id.as_deref(), Some("app"));
    }

    #[test]
    fn a_percent_sign_before_a_plus_is_kept_and_the_plus_is_a_space_as_whatwg_decodes_queries() {
        // `u8::from_str_radix("+a", 16)` is 10: the hand-written decoder read `%+a` as a newline.
        let params = query_params("where=%+a&b=%-1&c=%zz%4&d=100%&e=a%20b+c&f=%7B%22a%22%3A1%7D");
        assert_eq!(params["where"], "% a");
        assert_eq!(params["b"], "%-1");
        assert_eq!(params["c"], "%zz%4");
        assert_eq!(params["d"], "100%");
        assert_eq!(params["e"], "a b c");
        assert_eq!(params["f"], r#"{"a":1}"#);
    }

    #[test]
    fn query_names_and_values_decode_alike_and_empty_pairs_are_skipped() {
        let params = query_params("&a+b%3D=x%3Dy&&flag&=v&%C3%A9=%E2%82%AC&bad=%FF");
        assert_eq!(params["a b="], "x=y");
        assert_eq!(params["flag"], "");
        assert_eq!(params[""], "v");
        assert_eq!(params["é"], "€");
        assert_eq!(params["bad"], "\u{FFFD}");
        assert_eq!(params.len(), 5);
    }

    #[test]
    fn path_segments_decode_escapes_but_keep_plus_signs_and_bad_escapes() {
        let req = decode(
            &http("GET", "/parse/functions/a+b%+a%2Fc%4/x%zz%41", "", ""),
            "/parse",
            1024,
        )
        .unwrap()
        .unwrap();
        assert_eq!(req.route, vec!["functions", "a+b%+a/c%4", "x%zzA"]);
    }

    #[test]
    fn paths_outside_the_mount_are_not_ours() {
        assert!(decode(&http("GET", "/parsely", "", ""), "/parse", 1024).is_none());
        assert!(decode(&http("GET", "/other", "", ""), "/parse", 1024).is_none());
        assert!(decode(&http("GET", "/parse", "", ""), "/parse", 1024).is_some());
    }

    #[test]
    fn bad_bodies_are_107_and_big_ones_413() {
        let err = |body: &str, max| {
            decode(&http("POST", "/parse/x", "", body), "/parse", max)
                .unwrap()
                .unwrap_err()
        };
        assert_eq!(err("{", 1024).code, Code::InvalidJson);
        assert_eq!(err("[1]", 1024).code, Code::InvalidJson);
        assert_eq!(err(&"[".repeat(100), 1024).code, Code::InvalidJson);
        assert_eq!(err("{\"a\":\"xxxxxxxx\"}", 4).status(), 413);
    }

    #[test]
    fn brackets_inside_strings_do_not_count_as_nesting() {
        assert_eq!(nesting_depth(br#"{"a":"[[[[\"[[["}"#), 1);
    }
}
