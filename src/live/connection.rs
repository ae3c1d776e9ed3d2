//! One live connection's side of the protocol, independent of the socket it runs on: what a
//! client frame does to the socket's state and what is sent back, and which frames a committed
//! change produces for a socket.

use super::delivery::{frame, Event};
use super::matcher::Matcher;
use super::protocol::{self, ClientMessage, Identity, SocketState, SubscribeRequest};
use crate::api::app::Config;
use crate::auth::session;
use crate::auth::token::TokenKey;
use crate::engine::access::Access;
use crate::engine::change::Change;
use crate::engine::clp::{self, Operation};
use crate::engine::schema::Registry;
use crate::error::{Code, ParseError, Result};
use crate::store::Store;
use serde_json::Value;
use std::collections::BTreeSet;
use subtle::ConstantTimeEq;

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
}

/// Applies a client frame to `state`. Errors become `error` frames; nothing here closes the socket.
pub async fn on_message<S: Store>(
    ctx: &LiveContext<'_, S>,
    state: &mut SocketState,
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
            match identify(ctx, session_token.as_deref(), master_key.as_deref()).await {
                Ok(identity) => {
                    state.identity = Some(identity);
                    Reply::one(protocol::connected(&state.client_id))
                }
                Err(e) => Reply::one(protocol::error(&e, false, None)),
            }
        }
        ClientMessage::Subscribe(request) | ClientMessage::Update(request) => {
            let id = request.request_id;
            match subscribe(ctx, state, &request).await {
                Ok(()) => Reply {
                    frames: vec![protocol::subscribed(&state.client_id, id)],
                    resume: request.last_seq.map(|seq| (id, seq)),
                },
                Err(e) => Reply::one(protocol::error(&e, false, Some(id))),
            }
        }
        ClientMessage::Unsubscribe { request_id } => {
            let before = state.subscriptions.len();
            state.subscriptions.retain(|s| s.request_id != request_id);
            if state.subscriptions.len() == before {
                let e = ParseError::new(
                    Code::InvalidJson,
                    format!("Cannot find subscription with requestId {request_id}"),
                );
                return Reply::one(protocol::error(&e, false, Some(request_id)));
            }
            Reply::one(protocol::unsubscribed(&state.client_id, request_id))
        }
    }
}

/// The identity a connect or subscribe carries: the master key, a live session, or anonymous.
async fn identify<S: Store>(
    ctx: &LiveContext<'_, S>,
    token: Option<&str>,
    master_key: Option<&str>,
) -> Result<Identity> {
    if let (Some(given), Some(expected)) = (master_key, ctx.config.master_key.as_deref()) {
        if bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
            return Ok(Identity::Master);
        }
    }
    match token.filter(|t| !t.is_empty()) {
        None => Ok(Identity::from_access(&Access::public())),
        Some(token) => {
            let secret = ctx
                .config
                .session_secret
                .as_deref()
                .ok_or_else(session::invalid_token)?;
            let access = session::resolve(
                ctx.store,
                &TokenKey::from_secret(secret)?,
                token,
                ctx.now_ms,
            )
            .await?;
            Ok(Identity::from_access(&access))
        }
    }
}

async fn subscribe<S: Store>(
    ctx: &LiveContext<'_, S>,
    state: &mut SocketState,
    request: &SubscribeRequest,
) -> Result<()> {
    // A session may have ended, or its roles changed, since the socket connected.
    let refreshed = refresh_sessions(ctx.store, std::slice::from_mut(state), ctx.now_ms).await?;
    if refreshed.iter().any(|(_, frames)| !frames.is_empty()) {
        return Err(session::invalid_token());
    }
    let socket_identity = state.identity.clone().ok_or_else(|| {
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
    Matcher::compile(&request.where_)?;
    let own = match request.session_token.as_deref() {
        Some(token) if !token.is_empty() => Some(identify(ctx, Some(token), None).await?),
        _ => None,
    };
    let access = own.as_ref().unwrap_or(&socket_identity).access();
    clp::check(schema, &access, Operation::Find)?;
    state.subscribe(request, own)
}

/// The frames a change produces for one socket, each with the hub's sequence number.
pub fn fan_out(state: &SocketState, registry: &Registry, change: &Change, seq: u64) -> Vec<Value> {
    let Some(schema) = registry.get(&change.class) else {
        return vec![];
    };
    let Some(event) = Event::decode(change, schema) else {
        return vec![];
    };
    frames_for(state, schema, &event, seq, None)
}

/// Frames of `event` for the socket's subscriptions (only `request_id`'s, when given).
pub fn frames_for(
    state: &SocketState,
    schema: &crate::engine::schema::ClassSchema,
    event: &Event,
    seq: u64,
    request_id: Option<i64>,
) -> Vec<Value> {
    let Some(socket_identity) = &state.identity else {
        return vec![];
    };
    state
        .subscriptions
        .iter()
        .filter(|s| request_id.is_none_or(|id| s.request_id == id))
        .filter_map(|s| {
            let access = s.identity.as_ref().unwrap_or(socket_identity).access();
            let matcher = Matcher::compile(&s.where_).ok()?;
            frame(&state.client_id, s, &access, &matcher, schema, event, seq)
        })
        .collect()
}

/// Re-reads every session the sockets use, in one batch per 50 sessions: a logged-out or
/// expired session is dropped (its sockets get an error frame and continue anonymously), and a
/// user's roles are current (a demoted admin stops hearing what only admins may read). Returns
/// whether each state changed, and the frames to send it.
pub async fn refresh_sessions<S: Store>(
    store: &S,
    states: &mut [SocketState],
    now_ms: i64,
) -> Result<Vec<(bool, Vec<Value>)>> {
    let mut used: BTreeSet<(String, String)> = BTreeSet::new();
    for state in states.iter() {
        for identity in state.identities() {
            if let Identity::Client {
                session_id: Some(sid),
                user_id: Some(user),
                ..
            } = identity
            {
                used.insert((sid.clone(), user.clone()));
            }
        }
    }
    if used.is_empty() {
        return Ok(states.iter().map(|_| (false, vec![])).collect());
    }
    let used: Vec<(String, String)> = used.into_iter().collect();
    let live = session::refresh(store, &used, now_ms).await?;
    Ok(states
        .iter_mut()
        .map(|state| {
            let before = state.clone();
            let mut revoked = false;
            for (sid, _) in &used {
                match live.get(sid) {
                    Some(principal) => state.renew(
                        sid,
                        &Identity::from_access(&Access::Client(principal.clone())),
                    ),
                    None => revoked |= state.revoke(sid),
                }
            }
            let frames = if revoked {
                vec![protocol::error(&session::invalid_token(), false, None)]
            } else {
                vec![]
            };
            (*state != before, frames)
        })
        .collect())
}
