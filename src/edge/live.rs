//! Live sockets inside a Durable Object, with the hibernation API. A socket's attachment holds
//! only its client id; its state (identities, subscriptions) is kept in the hub's storage, one
//! key per part (`live::stored`), and in memory (`live::socket::Sockets`) for as long as the
//! instance lives, so an idle hub is evicted from memory and wakes with every subscription
//! intact. Events get the hub's sequence number and stay in a bounded log in the hub's storage,
//! so a client that reconnects with the last number it saw receives what it missed.

use super::d1::D1Store;
use crate::engine::change::Change;
use crate::error::{Code, ParseError};
use crate::live::connection::{on_message, renewed, sessions_used, LiveContext};
use crate::live::delivery::Event;
use crate::live::frames::EventFrames;
use crate::live::protocol;
use crate::live::socket::{Socket, Sockets};
use crate::live::stored::{self, Writes};
use crate::platform::{now_ms, random_alphanumeric};
use crate::service::sessions as session;
use crate::service::Config;
use std::cell::RefCell;
use std::collections::{BTreeSet, HashSet};
use std::rc::Rc;
use worker::worker_sys::ext::WebSocketExt;
use worker::{
    Env, ListOptions, Response, Result, State, Storage, WebSocket, WebSocketIncomingMessage,
    WebSocketPair,
};

/// Events a hub keeps for resuming clients.
pub const LOG_SIZE: u64 = 1000;
const SEQ_KEY: &str = "seq";
const EVENT_PREFIX: &str = "ev:";

fn event_key(seq: u64) -> String {
    format!("{EVENT_PREFIX}{seq:020}")
}

/// The WebSocket handlers of a Durable Object with a `LiveRoom` (its `state`, `env`, `sockets`
/// and `frames`): both hubs serve live sockets the same way, and the `DurableObject` trait has
/// no defaults to share.
macro_rules! live_socket_handlers {
    () => {
        async fn websocket_message(
            &self,
            ws: worker::WebSocket,
            message: worker::WebSocketIncomingMessage,
        ) -> worker::Result<()> {
            self.live_room().message(ws, message).await
        }

        async fn websocket_close(
            &self,
            ws: worker::WebSocket,
            code: usize,
            reason: String,
            _was_clean: bool,
        ) -> worker::Result<()> {
            self.live_room().close(&ws, code, &reason).await;
            Ok(())
        }

        async fn websocket_error(
            &self,
            ws: worker::WebSocket,
            _error: worker::Error,
        ) -> worker::Result<()> {
            self.live_room().forget(&ws).await;
            Ok(())
        }
    };
}
pub(crate) use live_socket_handlers;

pub struct LiveRoom<'a> {
    pub state: &'a State,
    pub env: &'a Env,
    /// The hub's sockets in memory (it lives as long as the Durable Object's instance;
    /// hibernation starts it empty, and it fills again from storage).
    pub sockets: &'a RefCell<Sockets>,
    /// Held by whatever reads or writes the sockets' state, from reading it to storing it
    /// back: a frame's handler awaits D1 (sessions, the registry), and the runtime delivers the
    /// next frame meanwhile, so two subscribes sent at once would otherwise each add to the same
    /// old state and one be lost (seen: the 101st of 100 pipelined subscriptions was accepted).
    pub frames: &'a futures::lock::Mutex<()>,
}

/// The client id in a socket's attachment; `None` for a socket this build did not accept.
fn client_id(ws: &WebSocket) -> Option<String> {
    let value = ws.as_ref().deserialize_attachment().ok()?.as_string();
    stored::attachment(value.as_deref()).map(str::to_string)
}

/// A socket whose attachment names no state this build knows (one accepted by an older build,
/// should a deploy ever keep a socket open): the client is told to connect again, which the SDKs
/// do on a close, subscribing anew. Never silence.
fn restart(ws: &WebSocket) {
    let e = ParseError::new(Code::Internal, "unknown connection");
    let _ = ws.send(&protocol::error(&e, true, None));
    let _ = ws.close(Some(1012), Some("connect again"));
}

/// A change from the event log: JSON text, or a JS object as builds before it logged text.
fn logged_change(value: &wasm_bindgen::JsValue) -> Option<Change> {
    match value.as_string() {
        Some(text) => serde_json::from_str(&text).ok(),
        None => serde_wasm_bindgen::from_value(value.clone()).ok(),
    }
}

/// Every stored entry under `prefix`, as (key, text); a value that is not text reads as empty
/// text, which no stored form decodes from, so it is named unreadable and deleted.
async fn list_text(storage: &Storage, prefix: &str) -> Result<Vec<(String, String)>> {
    let entries = storage
        .list_with_options(ListOptions::new().prefix(prefix))
        .await?;
    Ok(entries
        .entries()
        .into_iter()
        .filter_map(|entry| {
            let pair = js_sys::Array::from(&entry.ok()?);
            Some((
                pair.get(0).as_string()?,
                pair.get(1).as_string().unwrap_or_default(),
            ))
        })
        .collect())
}

/// Runs what `live::stored` planned: deletes, then puts, at most `KEYS_PER_CALL` keys a call.
async fn write(storage: &Storage, writes: &Writes) -> Result<()> {
    for keys in writes.delete.chunks(stored::KEYS_PER_CALL) {
        storage.delete_multiple(keys.to_vec()).await?;
    }
    for entries in writes.put.chunks(stored::KEYS_PER_CALL) {
        let object = js_sys::Object::new();
        for (key, text) in entries {
            js_sys::Reflect::set(&object, &key.into(), &text.into())?;
        }
        storage.put_multiple_raw(object).await?;
    }
    Ok(())
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

    /// Accepts a WebSocket upgrade into this hub. Nothing is stored until the client's frames
    /// give the socket something to keep.
    pub fn accept(&self) -> Result<Response> {
        let pair = WebSocketPair::new()?;
        let client_id = random_alphanumeric(16).unwrap_or_else(|_| now_ms().to_string());
        self.state.accept_web_socket(&pair.server);
        pair.server.serialize_attachment(&client_id)?;
        Response::from_websocket(pair.client)
    }

    /// A socket's state: from memory, else from its keys in storage (after hibernation), else
    /// new.
    async fn socket(&self, client_id: &str) -> Result<Rc<Socket>> {
        if let Some(socket) = self.sockets.borrow().get(client_id) {
            return Ok(socket);
        }
        let socket = if self.sockets.borrow().is_complete() {
            Socket::new(client_id.to_string())
        } else {
            let storage = self.state.storage();
            let entries = list_text(&storage, &stored::socket_prefix(client_id)).await?;
            let (socket, unreadable) = stored::restore_one(client_id, entries);
            self.delete_unreadable(unreadable).await;
            socket
        };
        let socket = Rc::new(socket);
        self.sockets.borrow_mut().insert(Rc::clone(&socket));
        Ok(socket)
    }

    async fn delete_unreadable(&self, keys: Vec<String>) {
        if keys.is_empty() {
            return;
        }
        worker::console_error!("live hub: deleting {} unreadable stored keys", keys.len());
        let writes = Writes {
            delete: keys,
            put: vec![],
        };
        if let Err(e) = write(&self.state.storage(), &writes).await {
            worker::console_error!("live hub: deleting unreadable keys failed: {e}");
        }
    }

    pub async fn message(&self, ws: WebSocket, message: WebSocketIncomingMessage) -> Result<()> {
        let _one_frame_at_a_time = self.frames.lock().await;
        let text = match message {
            WebSocketIncomingMessage::String(text) => text,
            WebSocketIncomingMessage::Binary(_) => {
                let e = ParseError::new(Code::InvalidJson, "frames must be JSON text");
                return ws.send(&protocol::error(&e, false, None));
            }
        };
        let Some(client_id) = client_id(&ws) else {
            restart(&ws);
            return Ok(());
        };
        // Whatever fails below the protocol (storage, bindings) is still answered.
        let failed = |what: &str, e: &dyn std::fmt::Display| {
            worker::console_error!("live hub: {what} failed: {e}");
            let e = ParseError::internal(what);
            ws.send(&protocol::error(&e, true, protocol::request_id_of(&text)))
        };
        let before = match self.socket(&client_id).await {
            Ok(socket) => socket,
            Err(e) => return failed("reading the connection's state", &e),
        };
        let store = match self.store() {
            Ok(store) => store,
            Err(e) => return failed("reaching the database", &e),
        };
        let config = self.config();
        let now = now_ms();
        let registry = match super::schema_cache().get(&store, now).await {
            Ok(registry) => registry,
            Err(e) => {
                return ws.send(&protocol::error(&e, true, protocol::request_id_of(&text)));
            }
        };
        let ctx = LiveContext {
            store: &store,
            config,
            registry: &registry,
            now_ms: now,
        };
        let mut socket = Socket::clone(&before);
        let reply = on_message(&ctx, &mut socket, &text).await;
        let writes = Writes::between(&before, &socket);
        if !writes.is_empty() {
            if let Err(e) = write(&self.state.storage(), &writes).await {
                // Memory keeps what storage holds: the state before the frame.
                worker::console_error!("live hub: storing a connection's state failed: {e}");
                for frame in reply.unstored() {
                    ws.send(&frame)?;
                }
                return Ok(());
            }
        }
        let socket = Rc::new(socket);
        self.sockets.borrow_mut().insert(Rc::clone(&socket));
        for frame in &reply.frames {
            ws.send(frame)?;
        }
        if let Some((request_id, last_seq)) = reply.resume {
            self.resume(&ws, &socket, &registry, request_id, last_seq)
                .await?;
        }
        Ok(())
    }

    /// A client closed its socket: answers the close and forgets its state.
    pub async fn close(&self, ws: &WebSocket, code: usize, reason: &str) {
        close(ws, code, reason);
        self.forget(ws).await;
    }

    /// Deletes a socket's state, from memory and storage: it closed, or failed. Runs while the
    /// hub hibernated too (the runtime wakes it for the close). Should the delete fail, the
    /// socket stays known, and the next fan-out's sweep tries again.
    pub async fn forget(&self, ws: &WebSocket) {
        let _between_frames = self.frames.lock().await;
        let Some(client_id) = client_id(ws) else {
            return;
        };
        let known = self.sockets.borrow_mut().remove(&client_id);
        let storage = self.state.storage();
        let forgotten = match &known {
            Some(socket) => write(&storage, &Writes::forget(socket)).await,
            None => match list_text(&storage, &stored::socket_prefix(&client_id)).await {
                Ok(entries) => {
                    let writes = Writes {
                        delete: entries.into_iter().map(|(key, _)| key).collect(),
                        put: vec![],
                    };
                    write(&storage, &writes).await
                }
                Err(e) => Err(e),
            },
        };
        if let Err(e) = forgotten {
            worker::console_error!("live hub: forgetting a closed connection failed: {e}");
            if let Some(socket) = known {
                self.sockets.borrow_mut().insert(socket);
            }
        }
    }

    /// Makes memory hold every stored socket (once per instance: one listing after a wake), and
    /// forgets, in memory and storage, the sockets that are not among `live`: closed while the
    /// hub was away (a restart, a lost close), so nothing is kept for a socket that is gone.
    async fn sweep(&self, live: &HashSet<&str>) {
        let storage = self.state.storage();
        if !self.sockets.borrow().is_complete() {
            match list_text(&storage, stored::PREFIX).await {
                Ok(entries) => {
                    let (restored, unreadable) = stored::restore(entries);
                    self.delete_unreadable(unreadable).await;
                    self.sockets.borrow_mut().complete_with(restored);
                }
                Err(e) => {
                    worker::console_error!("live hub: reading the stored connections failed: {e}");
                    return;
                }
            }
        }
        let gone = self.sockets.borrow_mut().forget_all_but(live);
        if gone.is_empty() {
            return;
        }
        let mut writes = Writes::default();
        for socket in &gone {
            writes.delete.extend(Writes::forget(socket).delete);
        }
        if let Err(e) = write(&storage, &writes).await {
            worker::console_error!("live hub: forgetting closed connections failed: {e}");
            let mut sockets = self.sockets.borrow_mut();
            for socket in gone {
                sockets.insert(socket);
            }
        }
    }

    /// Replays the logged events after `last_seq` to one subscription, or tells the client to
    /// refetch when they are no longer in the log.
    async fn resume(
        &self,
        ws: &WebSocket,
        socket: &Socket,
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
            for frame in socket.frames(&mut frames, Some(request_id)) {
                ws.send_with_str(&frame)?;
            }
        }
        Ok(())
    }

    /// Numbers, logs and delivers committed changes to every socket of this hub, in order.
    pub async fn publish(&self, changes: &[Change]) -> Result<()> {
        // Renewed states are stored below: not while a frame is between its read and write.
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
        let mut sockets = Vec::new();
        for ws in self.state.get_websockets() {
            match client_id(&ws) {
                Some(client_id) => sockets.push((ws, client_id)),
                None => restart(&ws),
            }
        }
        let live: HashSet<&str> = sockets.iter().map(|(_, id)| id.as_str()).collect();
        self.sweep(&live).await;
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
        // From memory once the sweep read them all; should its listing have failed, each
        // socket is read on its own.
        let mut states: Vec<(&WebSocket, Rc<Socket>)> = Vec::with_capacity(sockets.len());
        for (ws, client_id) in &sockets {
            match self.socket(client_id).await {
                Ok(socket) => states.push((ws, socket)),
                Err(e) => worker::console_error!("live hub: reading a connection failed: {e}"),
            }
        }
        // Sessions ended since the sockets connected stop receiving at once, and roles are
        // current: one batch for all the sockets' sessions. Nothing else runs meanwhile (the
        // frames lock), so the states read above are still the sockets' own.
        let used = sessions_used(states.iter().map(|(_, socket)| &**socket));
        if !used.is_empty() {
            if let Ok(current) = session::refresh(&store, &used, now_ms()).await {
                let checked: BTreeSet<String> = used.into_iter().map(|(sid, _)| sid).collect();
                for (ws, socket) in &mut states {
                    let Some((next, notices)) = renewed(socket, &checked, &current) else {
                        continue;
                    };
                    // Memory takes the renewal whatever storage does: a revoked session must
                    // stop hearing now; a copy left behind in storage is renewed again at the
                    // next publication after a wake.
                    if let Err(e) = write(&storage, &Writes::between(socket, &next)).await {
                        worker::console_error!("live hub: storing a renewed session failed: {e}");
                    }
                    *socket = Rc::new(next);
                    self.sockets.borrow_mut().insert(Rc::clone(socket));
                    for notice in &notices {
                        let _ = ws.send(notice);
                    }
                }
            }
        }
        let mut frames: Vec<EventFrames> = events
            .iter()
            .map(|(schema, event, seq)| EventFrames::new(schema, event, *seq))
            .collect();
        for (ws, socket) in &states {
            for event in &mut frames {
                for frame in socket.frames(event, None) {
                    // A socket that went away is cleaned up by the runtime; keep serving the rest.
                    let _ = ws.send_with_str(&frame);
                }
            }
        }
        Ok(())
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
