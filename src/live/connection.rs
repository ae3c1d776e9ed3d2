//! One live connection's side of the protocol, independent of the socket it runs on: what a
//! client frame does to the socket's state and what is sent back, and how the sessions a socket
//! uses are kept current.

use super::delivery::protected_query_field;
use super::matcher::Matcher;
use super::protocol::{self, ClientMessage, Identity, SubscribeRequest};
use super::socket::Socket;
use crate::auth::secret::same_secret;
use crate::engine::access::{Access, Principal};
use crate::engine::clp::{self, Operation};
use crate::engine::objects::MAX_REGEXES_PER_REQUEST;
use crate::engine::query::count_regexes;
use crate::engine::schema::Registry;
use crate::error::{Code, ParseError, Result};
use crate::service::sessions;
use crate::service::Config;
use crate::store::Store;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// What the hub needs to answer a frame.
pub struct LiveContext<'a, S: Store> {
    pub store: &'a S,
    pub config: &'a Config,
    pub registry: &'a Registry,
    pub now_ms: i64,
}

/// The answer to one client frame.
#[derive(Debug, Default, PartialEq)]
pub struct Reply {
    pub frames: Vec<Value>,
    /// A subscription that asked to resume after this sequence number (`lastSeq`).
    pub resume: Option<(i64, u64)>,
}

impl Reply {
    fn one(frame: Value) -> Self {
        Reply {
            frames: vec![frame],
            resume: None,
        }
    }

    /// What the client is told instead when the new state could not be stored: each answer
    /// becomes an error (with its `requestId`), so the client knows the state it asked for was
    /// not kept, and may try again.
    pub fn unstored(&self) -> Vec<Value> {
        let e = ParseError::internal("the connection's state could not be stored");
        self.frames
            .iter()
            .map(|frame| match frame.get("op").and_then(Value::as_str) {
                Some("connected" | "subscribed" | "unsubscribed") => {
                    protocol::error(&e, true, frame.get("requestId").and_then(Value::as_i64))
                }
                _ => frame.clone(),
            })
            .collect()
    }
}

/// Applies a client frame to `socket`. Errors become `error` frames; a refused subscription
/// changes nothing (but a session found ended on the way is dropped). Nothing here closes the
/// socket.
pub async fn on_message<S: Store>(
    ctx: &LiveContext<'_, S>,
    socket: &mut Socket,
    text: &str,
) -> Reply {
    let message = match protocol::parse_message(text) {
        Ok(m) => m,
        Err(e) => return Reply::one(protocol::error(&e, false, None)),
    };
    match message {
        ClientMessage::Connect {
            application_id,
            session_token,
            master_key,
        } => {
            if application_id.as_deref() != Some(ctx.config.app_id.as_str()) {
                let e = ParseError::new(Code::Unauthorized, "Key in request is not valid");
                return Reply::one(protocol::error(&e, false, None));
            }
            let connected = identify(ctx, session_token.as_deref(), master_key.as_deref())
                .await
                .and_then(|identity| socket.connect(identity));
            match connected {
                Ok(()) => Reply::one(protocol::connected(&socket.client_id)),
                Err(e) => Reply::one(protocol::error(&e, false, None)),
            }
        }
        ClientMessage::Subscribe(request) | ClientMessage::Update(request) => {
            let id = request.request_id;
            match subscribe(ctx, socket, &request).await {
                Ok(()) => Reply {
                    frames: vec![protocol::subscribed(&socket.client_id, id)],
                    resume: request.last_seq.map(|seq| (id, seq)),
                },
                Err(e) => Reply::one(protocol::error(&e, false, Some(id))),
            }
        }
        ClientMessage::Unsubscribe { request_id } => {
            if !socket.unsubscribe(request_id) {
                let e = ParseError::new(
                    Code::InvalidJson,
                    format!("Cannot find subscription with requestId {request_id}"),
                );
                return Reply::one(protocol::error(&e, false, Some(request_id)));
            }
            Reply::one(protocol::unsubscribed(&socket.client_id, request_id))
        }
    }
}

/// The identity a connect or subscribe carries: the master key, a live session, or anonymous.
async fn identify<S: Store>(
    ctx: &LiveContext<'_, S>,
    token: Option<&str>,
    master_key: Option<&str>,
) -> Result<Identity> {
    if same_secret(master_key, ctx.config.master_key.as_deref()) {
        return Ok(Identity::Master);
    }
    match token.filter(|t| !t.is_empty()) {
        None => Ok(Identity::from_access(&Access::public())),
        Some(token) => {
            let access = sessions::authenticate(ctx.store, ctx.config, token, ctx.now_ms).await?;
            Ok(Identity::from_access(&access))
        }
    }
}

async fn subscribe<S: Store>(
    ctx: &LiveContext<'_, S>,
    socket: &mut Socket,
    request: &SubscribeRequest,
) -> Result<()> {
    // A session may have ended, or its roles changed, since the socket connected.
    let refreshed = refresh_sessions(ctx.store, std::slice::from_mut(socket), ctx.now_ms).await?;
    if refreshed.iter().any(|(_, frames)| !frames.is_empty()) {
        return Err(sessions::invalid_token());
    }
    let socket_identity = socket.identity().cloned().ok_or_else(|| {
        ParseError::new(
            Code::InvalidJson,
            "Can not find this client, make sure you connect to server before subscribing",
        )
    })?;
    let schema = ctx.registry.get(&request.class_name).ok_or_else(|| {
        ParseError::forbidden(format!(
            "This user is not allowed to access non-existent class: {}",
            request.class_name
        ))
    })?;
    // The socket's limits, counted before the query is compiled or its session read. Every
    // event re-evaluates every subscription, so one socket's regexes are bounded like one
    // request's.
    socket.check_room_for(request.request_id)?;
    let held = socket.regexes_held(request.request_id);
    if held + count_regexes(&request.where_) > MAX_REGEXES_PER_REQUEST {
        return Err(ParseError::invalid_query(format!(
            "a connection's subscriptions may hold at most {MAX_REGEXES_PER_REQUEST} $regex constraints in all"
        )));
    }
    // Compiled once, here: the socket keeps it for every event.
    let matcher = Matcher::compile(&request.where_)?;
    let own = match request.session_token.as_deref() {
        Some(token) if !token.is_empty() => Some(identify(ctx, Some(token), None).await?),
        _ => None,
    };
    let access = own.as_ref().unwrap_or(&socket_identity).access();
    clp::check(schema, &access, Operation::Find)?;
    if let Some(field) =
        protected_query_field(schema, &access, &request.where_, request.watch.as_deref())
    {
        return Err(ParseError::forbidden(format!(
            "This user is not allowed to query {field} on class {}",
            schema.name
        )));
    }
    socket.subscribe(request, own, matcher)
}

/// Re-reads every session the sockets use, in one batch per 50 sessions: a logged-out or
/// expired session is dropped (its sockets get an error frame and continue anonymously), and a
/// user's roles are current (a demoted admin stops hearing what only admins may read). Returns
/// whether each state changed, and the frames to send it.
pub async fn refresh_sessions<S: Store>(
    store: &S,
    sockets: &mut [Socket],
    now_ms: i64,
) -> Result<Vec<(bool, Vec<Value>)>> {
    let used = sessions_used(sockets.iter());
    if used.is_empty() {
        return Ok(sockets.iter().map(|_| (false, vec![])).collect());
    }
    let live = sessions::refresh(store, &used, now_ms).await?;
    let used: BTreeSet<String> = used.into_iter().map(|(sid, _)| sid).collect();
    Ok(sockets
        .iter_mut()
        .map(|socket| match renewed(socket, &used, &live) {
            Some((next, frames)) => {
                *socket = next;
                (true, frames)
            }
            None => (false, vec![]),
        })
        .collect())
}

/// The sessions the sockets use, as (session id, user id), each once.
pub fn sessions_used<'a>(sockets: impl IntoIterator<Item = &'a Socket>) -> Vec<(String, String)> {
    let mut used: BTreeSet<(String, String)> = BTreeSet::new();
    for socket in sockets {
        for identity in socket.identities() {
            if let Some(pair) = session_of(identity) {
                used.insert((pair.0.to_string(), pair.1.to_string()));
            }
        }
    }
    used.into_iter().collect()
}

fn session_of(identity: &Identity) -> Option<(&str, &str)> {
    match identity {
        Identity::Client {
            session_id: Some(sid),
            user_id: Some(user),
            ..
        } => Some((sid, user)),
        _ => None,
    }
}

/// The socket once the sessions that were `checked` are applied (`live` holds those still
/// live), and the frames to send it; `None` when nothing changes, without copying the socket.
/// Sessions not checked (the socket took them on while the check ran) are left as they are.
pub fn renewed(
    socket: &Socket,
    checked: &BTreeSet<String>,
    live: &BTreeMap<String, Principal>,
) -> Option<(Socket, Vec<Value>)> {
    let current = |sid: &str| {
        live.get(sid)
            .map(|p| Identity::from_access(&Access::Client(p.clone())))
    };
    let mut sessions: Vec<&str> = socket
        .identities()
        .filter_map(session_of)
        .map(|(sid, _)| sid)
        .filter(|sid| checked.contains(*sid))
        .collect();
    let stale = socket.identities().any(|identity| {
        session_of(identity).is_some_and(|(sid, _)| {
            checked.contains(sid) && current(sid).as_ref() != Some(identity)
        })
    });
    if !stale {
        return None;
    }
    sessions.sort_unstable();
    sessions.dedup();
    let mut next = socket.clone();
    let mut revoked = false;
    for sid in sessions {
        match current(sid) {
            Some(identity) => next.renew(sid, &identity),
            None => revoked |= next.revoke(sid),
        }
    }
    let frames = if revoked {
        vec![protocol::error(&sessions::invalid_token(), false, None)]
    } else {
        vec![]
    };
    Some((next, frames))
}
