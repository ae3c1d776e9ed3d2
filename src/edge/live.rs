//! Live sockets inside a Durable Object, with the hibernation API: each socket's state is its
//! attachment, so an idle hub is evicted from memory and wakes with every subscription intact.
//! Events get the hub's sequence number and stay in a bounded log in the hub's storage, so a
//! client that reconnects with the last number it saw receives what it missed.

use super::d1::D1Store;
use crate::engine::change::Change;
use crate::error::{Code, ParseError};
use crate::live::connection::{on_message, renewed, sessions_used, LiveContext};
use crate::live::delivery::Event;
use crate::live::frames::EventFrames;
use crate::live::protocol::{self, SocketState};
use crate::live::subscriber::{self, Subscriber, Subscribers};
use crate::platform::{now_ms, random_alphanumeric};
use crate::service::sessions as session;
use crate::service::Config;
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;
use worker::worker_sys::ext::WebSocketExt;
use worker::{
    Env, ListOptions, Response, Result, State, WebSocket, WebSocketIncomingMessage, WebSocketPair,
};

/// Events a hub keeps for resuming clients.
pub const LOG_SIZE: u64 = 1000;
const SEQ_KEY: &str = "seq";
const EVENT_PREFIX: &str = "ev:";

fn event_key(seq: u64) -> String {
    format!("{EVENT_PREFIX}{seq:020}")
}

/// The WebSocket handlers of a Durable Object with a `LiveRoom` (its `state` and `env`): both
/// hubs serve live sockets the same way, and the `DurableObject` trait has no defaults to share.
macro_rules! live_socket_handlers {
    () => {
        async fn websocket_message(
            &self,
            ws: worker::WebSocket,
            message: worker::WebSocketIncomingMessage,
        ) -> worker::Result<()> {
            super::live::LiveRoom {
                state: &self.state,
                env: &self.env,
                subscribers: &self.subscribers,
                frames: &self.frames,
            }
            .message(ws, message)
            .await
        }

        async fn websocket_close(
            &self,
            ws: worker::WebSocket,
            code: usize,
            reason: String,
            _was_clean: bool,
        ) -> worker::Result<()> {
            super::live::close(&ws, code, &reason);
            Ok(())
        }

        async fn websocket_error(
            &self,
            _ws: worker::WebSocket,
            _error: worker::Error,
        ) -> worker::Result<()> {
            Ok(())
        }
    };
}
pub(crate) use live_socket_handlers;

pub struct LiveRoom<'a> {
    pub state: &'a State,
    pub env: &'a Env,
    /// The hub's memo of its sockets' states by attachment text (it lives as long as the
    /// Durable Object's instance; hibernation starts it empty).
    pub subscribers: &'a RefCell<Subscribers>,
    /// Held from reading a socket's state to storing it back: a frame's handler awaits D1
    /// (sessions, the registry), and the runtime delivers the next frame meanwhile, so two
    /// subscribes sent at once would otherwise each add to the same old state and one be lost
    /// (seen: the 101st of 100 pipelined subscriptions was accepted).
    pub frames: &'a futures::lock::Mutex<()>,
}

/// A socket's state as stored in its attachment: JSON text, which reads back far faster than
/// an object would (one string crosses from JS, instead of a walk over every field).
fn store_state(ws: &WebSocket, state: &SocketState) -> Result<String> {
    let text = subscriber::encode(state).map_err(|e| worker::Error::RustError(e.to_string()))?;
    ws.serialize_attachment(&text)?;
    Ok(text)
}

/// The attachment's text; a socket accepted before attachments were text holds an object,
/// read the old way and re-encoded.
fn attachment_text(ws: &WebSocket) -> Option<String> {
    let value = ws.as_ref().deserialize_attachment().ok()?;
    if let Some(text) = value.as_string() {
        return Some(text);
    }
    let state: SocketState = serde_wasm_bindgen::from_value(value).ok()?;
    subscriber::encode(&state).ok()
}

/// A change from the event log: JSON text, or a JS object as builds before it logged text.
fn logged_change(value: &wasm_bindgen::JsValue) -> Option<Change> {
    match value.as_string() {
        Some(text) => serde_json::from_str(&text).ok(),
        None => serde_wasm_bindgen::from_value(value.clone()).ok(),
    }
}

fn load_state(ws: &WebSocket) -> Option<SocketState> {
    serde_json::from_str(&attachment_text(ws)?).ok()
}

impl LiveRoom<'_> {
    fn config(&self) -> &'static Config {
        super::config(self.env)
    }

    /// Where the files of events are served: `PUBLIC_URL`'s, or else the mount path's (a URL
    /// relative to the API's host), since no request says which host the subscribers use.
    fn file_urls(&self) -> String {
        let config = self.config();
        let base = config
            .public_url
            .clone()
            .unwrap_or_else(|| config.mount_path.trim_end_matches('/').to_string());
        crate::service::files::url_prefix(&base, &config.app_id)
    }

    fn store(&self) -> Result<D1Store> {
        Ok(D1Store {
            db: self.env.d1("DB")?,
        })
    }

    /// Accepts a WebSocket upgrade into this hub.
    pub fn accept(&self) -> Result<Response> {
        let pair = WebSocketPair::new()?;
        let client_id = random_alphanumeric(16).unwrap_or_else(|_| now_ms().to_string());
        self.state.accept_web_socket(&pair.server);
        store_state(&pair.server, &SocketState::new(client_id))?;
        Response::from_websocket(pair.client)
    }

    pub async fn message(&self, ws: WebSocket, message: WebSocketIncomingMessage) -> Result<()> {
        let _one_frame_at_a_time = self.frames.lock().await;
        let mut state = load_state(&ws)
            .unwrap_or_else(|| SocketState::new(random_alphanumeric(16).unwrap_or_default()));
        let text = match message {
            WebSocketIncomingMessage::String(text) => text,
            WebSocketIncomingMessage::Binary(_) => {
                let e = ParseError::new(Code::InvalidJson, "frames must be JSON text");
                return ws.send(&protocol::error(&e, false, None));
            }
        };
        let store = self.store()?;
        let config = self.config();
        let now = now_ms();
        let registry = match super::schema_cache().get(&store, now).await {
            Ok(registry) => registry,
            Err(e) => return ws.send(&protocol::error(&e, true, None)),
        };
        let ctx = LiveContext {
            store: &store,
            config,
            registry: &registry,
            now_ms: now,
        };
        let reply = on_message(&ctx, &mut state, &text).await;
        store_state(&ws, &state)?;
        for frame in &reply.frames {
            ws.send(frame)?;
        }
        if let Some((request_id, last_seq)) = reply.resume {
            self.resume(&ws, &state, &registry, request_id, last_seq)
                .await?;
        }
        Ok(())
    }

    /// Replays the logged events after `last_seq` to one subscription, or tells the client to
    /// refetch when they are no longer in the log.
    async fn resume(
        &self,
        ws: &WebSocket,
        state: &SocketState,
        registry: &crate::engine::schema::Registry,
        request_id: i64,
        last_seq: u64,
    ) -> Result<()> {
        let storage = self.state.storage();
        let current: u64 = storage.get(SEQ_KEY).await.ok().flatten().unwrap_or(0);
        if last_seq >= current {
            return Ok(());
        }
        if current - last_seq > LOG_SIZE {
            let e = ParseError::new(
                Code::ObjectNotFound,
                format!("Events after {last_seq} are no longer kept: fetch the objects again."),
            );
            return ws.send(&protocol::error(&e, false, Some(request_id)));
        }
        let subscriber = Subscriber::new(state.clone());
        let entries = storage
            .list_with_options(
                ListOptions::new()
                    .start(&event_key(last_seq + 1))
                    .prefix(EVENT_PREFIX),
            )
            .await?;
        for entry in entries.entries() {
            let Ok(pair) = entry.map(|e| js_sys::Array::from(&e)) else {
                continue;
            };
            let seq = pair
                .get(0)
                .as_string()
                .and_then(|k| k.trim_start_matches(EVENT_PREFIX).parse::<u64>().ok())
                .unwrap_or(0);
            let Some(change) = logged_change(&pair.get(1)) else {
                continue;
            };
            let Some(schema) = registry.get(&change.class) else {
                continue;
            };
            let Some(event) = Event::decode(&change, schema, &self.file_urls()) else {
                continue;
            };
            let mut frames = EventFrames::new(schema, &event, seq);
            for frame in subscriber.frames(&mut frames, Some(request_id)) {
                ws.send_with_str(&frame)?;
            }
        }
        Ok(())
    }

    /// Numbers, logs and delivers committed changes to every socket of this hub, in order.
    pub async fn publish(&self, changes: &[Change]) -> Result<()> {
        // Renewed states are stored back below: not while a frame is between its read and write.
        let _between_frames = self.frames.lock().await;
        if changes.is_empty() {
            return Ok(());
        }
        let storage = self.state.storage();
        let mut seq: u64 = storage.get(SEQ_KEY).await.ok().flatten().unwrap_or(0);
        let first = seq + 1;
        for change in changes {
            seq += 1;
            // As JSON text: handing the runtime one string costs a fraction of building the
            // change as JS objects, and this runs before the fan-out.
            let text = serde_json::to_string(change)
                .map_err(|e| worker::Error::RustError(e.to_string()))?;
            storage.put(&event_key(seq), text).await?;
        }
        storage.put(SEQ_KEY, seq).await?;
        if seq > LOG_SIZE {
            // The last publication kept events down to its own seq - LOG_SIZE; drop the ones after.
            let stale: Vec<String> = (first.saturating_sub(LOG_SIZE).max(1)..=seq - LOG_SIZE)
                .map(event_key)
                .collect();
            if !stale.is_empty() {
                storage.delete_multiple(stale).await?;
            }
        }
        let sockets = self.state.get_websockets();
        if sockets.is_empty() {
            return Ok(());
        }
        let store = self.store()?;
        let registry = match super::schema_cache().get(&store, now_ms()).await {
            Ok(registry) => registry,
            Err(_) => return Ok(()),
        };
        // Each change decoded once for every socket.
        let file_urls = self.file_urls();
        let events: Vec<_> = changes
            .iter()
            .enumerate()
            .filter_map(|(i, change)| {
                let schema = registry.get(&change.class)?;
                Some((
                    schema,
                    Event::decode(change, schema, &file_urls)?,
                    first + i as u64,
                ))
            })
            .collect();
        let mut subscribers = self.read_states(&sockets);
        // Sessions ended since the sockets connected stop receiving at once, and roles are
        // current: one batch for all the sockets' sessions.
        let used = sessions_used(subscribers.iter().flatten().map(|s| &s.state));
        let mut refreshed = None;
        if !used.is_empty() {
            if let Ok(live) = session::refresh(&store, &used, now_ms()).await {
                let checked: BTreeSet<String> = used.into_iter().map(|(sid, _)| sid).collect();
                refreshed = Some((checked, live));
                // A socket may have subscribed or left while the sessions were read.
                subscribers = self.read_states(&sockets);
            }
        }
        let mut frames: Vec<EventFrames> = events
            .iter()
            .map(|(schema, event, seq)| EventFrames::new(schema, event, *seq))
            .collect();
        let mut memo = self.subscribers.borrow_mut();
        for (ws, subscriber) in sockets.iter().zip(subscribers) {
            let Some(mut subscriber) = subscriber else {
                continue;
            };
            if let Some((checked, live)) = &refreshed {
                if let Some((next, notices)) = renewed(&subscriber.state, checked, live) {
                    if let Ok(text) = store_state(ws, &next) {
                        subscriber = Rc::new(Subscriber::new(next));
                        memo.insert(text, Rc::clone(&subscriber));
                    }
                    for notice in &notices {
                        let _ = ws.send(notice);
                    }
                }
            }
            for event in &mut frames {
                for frame in subscriber.frames(event, None) {
                    // A socket that went away is cleaned up by the runtime; keep serving the rest.
                    let _ = ws.send_with_str(&frame);
                }
            }
        }
        memo.sweep();
        Ok(())
    }

    /// Every socket's state, from the memo where its attachment is known.
    fn read_states(&self, sockets: &[WebSocket]) -> Vec<Option<Rc<Subscriber>>> {
        let mut memo = self.subscribers.borrow_mut();
        sockets
            .iter()
            .map(|ws| memo.get(&attachment_text(ws)?))
            .collect()
    }
}

/// Answers a client's close with a close frame, as the protocol requires (hibernated sockets
/// are not closed for us). 1005 and 1006 only describe a close and may not be sent.
pub fn close(ws: &WebSocket, code: usize, reason: &str) {
    let code = match u16::try_from(code) {
        Ok(c) if (1000..5000).contains(&c) && c != 1005 && c != 1006 => c,
        _ => 1000,
    };
    let _ = ws.close(Some(code), Some(reason));
}
