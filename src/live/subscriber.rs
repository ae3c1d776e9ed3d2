//! A socket's state made ready for fan-out, and the memo that keeps it between fan-outs.
//!
//! A socket's state lives in its attachment (so it survives hibernation), stored as JSON text.
//! Reading it back and compiling its queries for every socket at every event cost more than the
//! event itself, so a hub memoizes the ready form by the attachment's exact text: a state that
//! changes has another text and is parsed again, so the memo can never disagree with the
//! attachment, whichever isolate wrote it and whenever the hub last hibernated.

use super::frames::EventFrames;
use super::matcher::Matcher;
use super::protocol::SocketState;
use crate::engine::access::Access;
use std::collections::HashMap;
use std::rc::Rc;

/// The attachment text of a socket state.
pub fn encode(state: &SocketState) -> serde_json::Result<String> {
    serde_json::to_string(state)
}

/// A socket state with what every event needs of it worked out once.
#[derive(Debug)]
pub struct Subscriber {
    pub state: SocketState,
    /// For each of `state.subscriptions`: the access it reads with and its compiled query.
    /// `None` hears nothing: the socket never connected, or the query no longer compiles.
    prepared: Vec<Option<(Access, Matcher)>>,
}

impl Subscriber {
    pub fn new(state: SocketState) -> Self {
        let prepared = state
            .subscriptions
            .iter()
            .map(|s| {
                // A socket that never connected hears nothing, even on a subscription that
                // carried its own session.
                let socket = state.identity.as_ref()?;
                let access = s.identity.as_ref().unwrap_or(socket).access();
                Some((access, Matcher::compile(&s.where_).ok()?))
            })
            .collect();
        Subscriber { state, prepared }
    }

    /// The frames of one event for this socket's subscriptions (only `request_id`'s, when given).
    pub fn frames(&self, event: &mut EventFrames, request_id: Option<i64>) -> Vec<String> {
        self.state
            .subscriptions
            .iter()
            .zip(&self.prepared)
            .filter(|(s, _)| request_id.is_none_or(|id| s.request_id == id))
            .filter_map(|(s, prepared)| {
                let (access, matcher) = prepared.as_ref()?;
                event.frame(&self.state.client_id, s, access, matcher)
            })
            .collect()
    }
}

/// A hub's memo of subscribers by attachment text. Entries a fan-out did not ask for are
/// dropped when it ends, so it holds the sockets of the last fan-out and the states written
/// since. A hit costs one hash
/// of the text: each entry notes the fan-out that last used it, rather than moving between maps.
#[derive(Debug, Default)]
pub struct Subscribers {
    entries: HashMap<String, (Rc<Subscriber>, u64)>,
    /// The current fan-out, counted by sweeps.
    round: u64,
}

impl Subscribers {
    /// The subscriber an attachment text describes; `None` when the text is not a socket state.
    pub fn get(&mut self, attachment: &str) -> Option<Rc<Subscriber>> {
        if let Some((known, used)) = self.entries.get_mut(attachment) {
            *used = self.round;
            return Some(Rc::clone(known));
        }
        let state: SocketState = serde_json::from_str(attachment).ok()?;
        let subscriber = Rc::new(Subscriber::new(state));
        self.insert(attachment.to_string(), Rc::clone(&subscriber));
        Some(subscriber)
    }

    /// Remembers a state the hub just wrote as `attachment`.
    pub fn insert(&mut self, attachment: String, subscriber: Rc<Subscriber>) {
        self.entries.insert(attachment, (subscriber, self.round));
    }

    /// Ends a fan-out: what it did not ask for is forgotten.
    pub fn sweep(&mut self) {
        let round = self.round;
        self.entries.retain(|_, (_, used)| *used == round);
        self.round += 1;
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::change::ChangeKind;
    use crate::engine::schema::ClassSchema;
    use crate::live::delivery::Event;
    use crate::live::protocol::{Identity, SubscribeRequest};
    use serde_json::{json, Value};

    fn request(id: i64, where_: Value) -> SubscribeRequest {
        SubscribeRequest {
            request_id: id,
            class_name: "Product".into(),
            where_,
            keys: None,
            watch: None,
            session_token: None,
            last_seq: None,
        }
    }

    fn event() -> Event {
        Event {
            class: "Product".into(),
            kind: ChangeKind::Created,
            object: json!({"objectId": "p1", "price": 5})
                .as_object()
                .unwrap()
                .clone(),
            original: None,
        }
    }

    #[test]
    fn the_memo_follows_the_attachment_text() {
        let mut state = SocketState::new("c1".into());
        state.identity = Some(Identity::Master);
        state.subscribe(&request(1, json!({})), None).unwrap();
        let first = encode(&state).unwrap();
        let mut memo = Subscribers::default();
        let a = memo.get(&first).unwrap();
        assert!(Rc::ptr_eq(&a, &memo.get(&first).unwrap()), "parsed once");
        // A changed state is another text: parsed anew, never the old subscriber.
        state
            .subscribe(&request(2, json!({"price": 7})), None)
            .unwrap();
        let second = encode(&state).unwrap();
        let b = memo.get(&second).unwrap();
        assert_eq!(b.state, state);
        assert_eq!(a.state.subscriptions.len(), 1);
        // A sweep keeps what the fan-out used, and only that.
        memo.sweep();
        assert_eq!(memo.len(), 2);
        assert!(Rc::ptr_eq(&b, &memo.get(&second).unwrap()));
        memo.sweep();
        assert_eq!(
            memo.len(),
            1,
            "the first state, unused in the last fan-out, is gone"
        );
        memo.sweep();
        assert!(memo.is_empty());
        assert!(memo.get("not a state").is_none());
    }

    #[test]
    fn frames_come_from_the_compiled_queries_of_connected_sockets_only() {
        let schema = ClassSchema::new("Product");
        let event = event();
        let mut state = SocketState::new("c1".into());
        state.subscribe(&request(1, json!({})), None).unwrap();
        let mut frames = EventFrames::new(&schema, &event, 3);
        // Not connected: nothing, even with a subscription.
        assert!(Subscriber::new(state.clone())
            .frames(&mut frames, None)
            .is_empty());
        state.identity = Some(Identity::Master);
        state
            .subscribe(&request(2, json!({"price": 7})), None)
            .unwrap();
        state
            .subscribe(&request(3, json!({"price": {"$bad": 1}})), None)
            .unwrap();
        let subscriber = Subscriber::new(state);
        let sent = subscriber.frames(&mut frames, None);
        assert_eq!(sent.len(), 1, "only the query that matches: {sent:?}");
        let frame: Value = serde_json::from_str(&sent[0]).unwrap();
        assert_eq!(frame["requestId"], 1);
        assert_eq!(frame["op"], "create");
        assert!(subscriber.frames(&mut frames, Some(2)).is_empty());
    }
}
