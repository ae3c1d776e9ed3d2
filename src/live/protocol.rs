//! The Parse LiveQuery protocol: the messages clients send, who a socket or a subscription
//! speaks for, and the messages the server sends.

use crate::engine::access::{Access, Principal};
use crate::error::{Code, ParseError, Result};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// Largest message a client may send.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;
/// Most subscriptions one socket may hold.
pub const MAX_SUBSCRIPTIONS: usize = 100;

/// A client's message, decoded.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientMessage {
    Connect {
        application_id: Option<String>,
        session_token: Option<String>,
        master_key: Option<String>,
    },
    Subscribe(SubscribeRequest),
    Update(SubscribeRequest),
    Unsubscribe {
        request_id: i64,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct SubscribeRequest {
    pub request_id: i64,
    pub class_name: String,
    pub where_: Value,
    pub keys: Option<Vec<String>>,
    pub watch: Option<Vec<String>>,
    pub session_token: Option<String>,
    /// Extension: the last event sequence number the client saw, to receive what it missed.
    pub last_seq: Option<u64>,
}

pub fn parse_message(text: &str) -> Result<ClientMessage> {
    if text.len() > MAX_MESSAGE_BYTES {
        return Err(ParseError::new(Code::ObjectTooLarge, "message too large"));
    }
    let value: Value = serde_json::from_str(text).map_err(|_| ParseError::invalid_json())?;
    let text_field = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(String::from);
    let request_id = || {
        value
            .get("requestId")
            .and_then(Value::as_i64)
            .ok_or_else(|| ParseError::new(Code::InvalidJson, "requestId must be a number"))
    };
    match value.get("op").and_then(Value::as_str) {
        Some("connect") => Ok(ClientMessage::Connect {
            application_id: text_field(&value, "applicationId"),
            session_token: text_field(&value, "sessionToken"),
            master_key: text_field(&value, "masterKey"),
        }),
        Some(op @ ("subscribe" | "update")) => {
            let query = value
                .get("query")
                .ok_or_else(|| ParseError::new(Code::InvalidJson, "subscribe needs a query"))?;
            let class_name = text_field(query, "className")
                .ok_or_else(|| ParseError::new(Code::InvalidJson, "the query needs a className"))?;
            let names = |k: &str| -> Result<Option<Vec<String>>> {
                match query.get(k) {
                    None | Some(Value::Null) => Ok(None),
                    Some(Value::Array(a)) => a
                        .iter()
                        .map(|v| v.as_str().map(String::from))
                        .collect::<Option<Vec<_>>>()
                        .map(Some)
                        .ok_or_else(|| {
                            ParseError::new(
                                Code::InvalidJson,
                                format!("{k} must be a list of field names"),
                            )
                        }),
                    Some(_) => Err(ParseError::new(
                        Code::InvalidJson,
                        format!("{k} must be a list of field names"),
                    )),
                }
            };
            let request = SubscribeRequest {
                request_id: request_id()?,
                class_name,
                where_: query
                    .get("where")
                    .cloned()
                    .unwrap_or(Value::Object(Map::new())),
                keys: names("keys")?.or(names("fields")?),
                watch: names("watch")?,
                session_token: text_field(&value, "sessionToken"),
                last_seq: value.get("lastSeq").and_then(Value::as_u64),
            };
            Ok(if op == "subscribe" {
                ClientMessage::Subscribe(request)
            } else {
                ClientMessage::Update(request)
            })
        }
        Some("unsubscribe") => Ok(ClientMessage::Unsubscribe {
            request_id: request_id()?,
        }),
        _ => Err(ParseError::new(Code::InvalidJson, "unknown op")),
    }
}

/// The `requestId` a client frame carries, if any: what an error about a frame that could not be
/// handled (storage failed) answers to.
pub fn request_id_of(text: &str) -> Option<i64> {
    serde_json::from_str::<Value>(text)
        .ok()?
        .get("requestId")?
        .as_i64()
}

/// Who a socket or subscription speaks for, as stored with the socket (`socket::Head`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Identity {
    Master,
    Client {
        user_id: Option<String>,
        session_id: Option<String>,
        roles: Vec<String>,
    },
}

impl Identity {
    pub fn from_access(access: &Access) -> Self {
        match access {
            Access::Master => Identity::Master,
            Access::Client(p) => Identity::Client {
                user_id: p.user_id.clone(),
                session_id: p.session_id.clone(),
                roles: p.roles.clone(),
            },
        }
    }

    pub fn access(&self) -> Access {
        match self {
            Identity::Master => Access::Master,
            Identity::Client {
                user_id,
                session_id,
                roles,
            } => Access::Client(Principal {
                user_id: user_id.clone(),
                session_id: session_id.clone(),
                roles: roles.clone(),
            }),
        }
    }

    pub fn session_id(&self) -> Option<&str> {
        match self {
            Identity::Client { session_id, .. } => session_id.as_deref(),
            Identity::Master => None,
        }
    }
}

/// A subscription as stored: the client's query, and the session it carried, if any.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    pub request_id: i64,
    pub class_name: String,
    #[serde(rename = "where")]
    pub where_: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keys: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watch: Option<Vec<String>>,
    /// The session of the token the subscription carried: it reads as that session's identity
    /// in the socket's `socket::Head::sessions`; `None` reads as the socket's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
}

pub fn connected(client_id: &str) -> Value {
    json!({"op": "connected", "clientId": client_id})
}

pub fn subscribed(client_id: &str, request_id: i64) -> Value {
    json!({"op": "subscribed", "clientId": client_id, "requestId": request_id})
}

pub fn unsubscribed(client_id: &str, request_id: i64) -> Value {
    json!({"op": "unsubscribed", "clientId": client_id, "requestId": request_id})
}

/// An error frame; `reconnect` tells the SDK whether trying again can help.
pub fn error(e: &ParseError, reconnect: bool, request_id: Option<i64>) -> Value {
    let mut frame = json!({"op": "error", "code": e.code as i32, "error": e.public_message(), "reconnect": reconnect});
    if let Some(id) = request_id {
        frame["requestId"] = Value::from(id);
    }
    frame
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sdk_frames_decode() {
        let connect = parse_message(r#"{"op":"connect","applicationId":"app","javascriptKey":"k","masterKey":"mk","sessionToken":"t"}"#).unwrap();
        assert_eq!(
            connect,
            ClientMessage::Connect {
                application_id: Some("app".into()),
                session_token: Some("t".into()),
                master_key: Some("mk".into())
            }
        );
        let subscribe = parse_message(r#"{"op":"subscribe","requestId":1,"query":{"className":"Item","where":{"objectId":"obj1"},"keys":["stock"],"watch":["stock"]},"sessionToken":"r:abc"}"#).unwrap();
        let ClientMessage::Subscribe(request) = subscribe else {
            panic!()
        };
        assert_eq!(request.keys, Some(vec!["stock".to_string()]));
        assert_eq!(request.session_token.as_deref(), Some("r:abc"));
        assert_eq!(
            parse_message(r#"{"op":"unsubscribe","requestId":1}"#).unwrap(),
            ClientMessage::Unsubscribe { request_id: 1 }
        );
    }

    #[test]
    fn malformed_frames_are_errors_not_panics() {
        for bad in [
            "",
            "nope",
            "[]",
            r#"{"op":"dance"}"#,
            r#"{"op":"subscribe","requestId":"x","query":{}}"#,
            r#"{"op":"subscribe","requestId":1}"#,
            r#"{"op":"subscribe","requestId":1,"query":{"className":"A","keys":"x"}}"#,
        ] {
            assert!(parse_message(bad).is_err(), "{bad}");
        }
    }
}
