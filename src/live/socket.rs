//! What one live socket holds, ready for fan-out: who it speaks for, its subscriptions with
//! their queries compiled once, and the limits that keep it small.
//!
//! The hub keeps a `Socket` in memory for as long as its instance lives and writes every change
//! through to its storage (`stored` says how), so a hub that hibernated rebuilds it from there
//! when the socket is next needed. Identities are kept once per session: a hundred
//! subscriptions that each carried the same `sessionToken`, as the JS SDK sends them, share one.

use super::frames::EventFrames;
use super::matcher::Matcher;
use super::protocol::{Identity, SubscribeRequest, Subscription, MAX_SUBSCRIPTIONS};
use crate::engine::access::{Access, Principal};
use crate::engine::query::count_regexes;
use crate::error::{Code, ParseError, Result};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::rc::Rc;

/// The most a socket may store: its identities and its subscriptions, as their stored text.
/// A hundred realistic subscriptions (a pointer and a price range each, one session) take about
/// 16 KiB of it; one frame's largest query (64 KiB) fits four times.
pub const MAX_SOCKET_BYTES: usize = 256 * 1024;

/// How a subscription reads once its session ended (or when its session is missing from the
/// head): as an anonymous client, never as the socket.
static ANONYMOUS: Access = Access::Client(Principal {
    user_id: None,
    session_id: None,
    roles: Vec::new(),
});

/// Who the socket speaks for, as stored: its own identity and its subscriptions' sessions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Head {
    /// `None` until the client's `connect`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    /// One identity per session that subscriptions carried, by session id, and only while a
    /// subscription uses it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sessions: BTreeMap<String, Identity>,
}

impl Head {
    /// Its stored text.
    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A subscription with what every event needs of it.
#[derive(Debug)]
pub struct Held {
    pub subscription: Subscription,
    /// Compiled once, when subscribed or when the hub restores it after hibernation. `None`
    /// hears nothing: a stored query that no longer compiles (the limits changed since).
    matcher: Option<Matcher>,
    regexes: usize,
    /// The length of its stored text.
    bytes: usize,
}

impl Held {
    fn new(subscription: Subscription, matcher: Option<Matcher>) -> Self {
        Held {
            regexes: count_regexes(&subscription.where_),
            bytes: encode_subscription(&subscription).len(),
            subscription,
            matcher,
        }
    }
}

/// A subscription's stored text.
pub fn encode_subscription(subscription: &Subscription) -> String {
    serde_json::to_string(subscription).unwrap_or_default()
}

/// One socket's state. Cloning it is cheap (the subscriptions are shared), so a frame is
/// applied to a copy and the copy kept only once storage has it.
#[derive(Debug, Clone)]
pub struct Socket {
    pub client_id: String,
    head: Head,
    head_bytes: usize,
    subscriptions: BTreeMap<i64, Rc<Held>>,
    /// The access of the socket's identity and of each session, derived from `head`.
    socket_access: Option<Access>,
    session_access: BTreeMap<String, Access>,
}

impl Socket {
    pub fn new(client_id: String) -> Self {
        Socket::restore(client_id, Head::default(), vec![])
    }

    /// A socket from what storage held, its queries compiled again.
    pub fn restore(client_id: String, head: Head, subscriptions: Vec<Subscription>) -> Self {
        let subscriptions = subscriptions
            .into_iter()
            .map(|s| {
                let matcher = Matcher::compile(&s.where_).ok();
                (s.request_id, Rc::new(Held::new(s, matcher)))
            })
            .collect();
        let mut socket = Socket {
            client_id,
            head: Head::default(),
            head_bytes: 0,
            subscriptions,
            socket_access: None,
            session_access: BTreeMap::new(),
        };
        socket.set_head(head);
        socket
    }

    fn set_head(&mut self, head: Head) {
        self.head_bytes = head.encode().len();
        self.socket_access = head.identity.as_ref().map(Identity::access);
        self.session_access = head
            .sessions
            .iter()
            .map(|(sid, identity)| (sid.clone(), identity.access()))
            .collect();
        self.head = head;
    }

    pub fn head(&self) -> &Head {
        &self.head
    }

    /// The socket's own identity; `None` until it connected.
    pub fn identity(&self) -> Option<&Identity> {
        self.head.identity.as_ref()
    }

    #[cfg(test)]
    pub fn subscriptions(&self) -> impl Iterator<Item = &Subscription> {
        self.subscriptions.values().map(|h| &h.subscription)
    }

    pub(super) fn held(&self) -> impl Iterator<Item = (&i64, &Rc<Held>)> {
        self.subscriptions.iter()
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.subscriptions.len()
    }

    /// What the socket takes in storage: its head and its subscriptions, as stored text.
    #[cfg(test)]
    pub fn stored_bytes(&self) -> usize {
        self.head_bytes + self.subscriptions.values().map(|h| h.bytes).sum::<usize>()
    }

    /// The `$regex` constraints of every subscription but `except`.
    pub fn regexes_held(&self, except: i64) -> usize {
        self.subscriptions
            .iter()
            .filter(|(id, _)| **id != except)
            .map(|(_, h)| h.regexes)
            .sum()
    }

    /// Refuses a new subscription beyond `MAX_SUBSCRIPTIONS` (replacing one is no new one);
    /// cheap, so it runs before anything is compiled or looked up.
    pub fn check_room_for(&self, request_id: i64) -> Result<()> {
        if !self.subscriptions.contains_key(&request_id)
            && self.subscriptions.len() >= MAX_SUBSCRIPTIONS
        {
            return Err(ParseError::new(
                Code::RequestLimitExceeded,
                format!("at most {MAX_SUBSCRIPTIONS} subscriptions per connection"),
            ));
        }
        Ok(())
    }

    /// The socket's identity, from `connect`.
    pub fn connect(&mut self, identity: Identity) -> Result<()> {
        let head = Head {
            identity: Some(identity),
            ..self.head.clone()
        };
        self.check_size(&head, None)?;
        self.set_head(head);
        Ok(())
    }

    /// Adds or replaces a subscription (subscribe and update are the same to the state), with
    /// its compiled query and the identity of the session it carried (`own`). Refused, and
    /// nothing changed, beyond `MAX_SUBSCRIPTIONS` or `MAX_SOCKET_BYTES`.
    pub fn subscribe(
        &mut self,
        request: &SubscribeRequest,
        own: Option<Identity>,
        matcher: Matcher,
    ) -> Result<()> {
        self.check_room_for(request.request_id)?;
        let session = match &own {
            Some(identity) => Some(
                identity
                    .session_id()
                    .ok_or_else(|| {
                        ParseError::internal("a subscription's identity has no session")
                    })?
                    .to_string(),
            ),
            None => None,
        };
        let held = Held::new(
            Subscription {
                request_id: request.request_id,
                class_name: request.class_name.clone(),
                where_: request.where_.clone(),
                keys: request.keys.clone(),
                watch: request.watch.clone(),
                session: session.clone(),
            },
            Some(matcher),
        );
        let mut subscriptions = self.subscriptions.clone();
        subscriptions.insert(request.request_id, Rc::new(held));
        let mut head = self.head.clone();
        if let (Some(sid), Some(identity)) = (session, own) {
            head.sessions.insert(sid, identity);
        }
        prune_sessions(&mut head, &subscriptions);
        self.check_size(&head, Some(&subscriptions))?;
        self.subscriptions = subscriptions;
        self.set_head(head);
        Ok(())
    }

    /// Removes a subscription; `false` when there was none.
    pub fn unsubscribe(&mut self, request_id: i64) -> bool {
        if self.subscriptions.remove(&request_id).is_none() {
            return false;
        }
        let mut head = self.head.clone();
        prune_sessions(&mut head, &self.subscriptions);
        if head != self.head {
            self.set_head(head);
        }
        true
    }

    fn check_size(
        &self,
        head: &Head,
        subscriptions: Option<&BTreeMap<i64, Rc<Held>>>,
    ) -> Result<()> {
        let subscriptions = subscriptions.unwrap_or(&self.subscriptions);
        let bytes = head.encode().len() + subscriptions.values().map(|h| h.bytes).sum::<usize>();
        if bytes > MAX_SOCKET_BYTES {
            return Err(ParseError::new(
                Code::ObjectTooLarge,
                format!(
                    "a connection's subscriptions may take at most {} KiB in all",
                    MAX_SOCKET_BYTES / 1024
                ),
            ));
        }
        Ok(())
    }

    /// Every identity the socket uses: its own and its subscriptions' sessions'.
    pub fn identities(&self) -> impl Iterator<Item = &Identity> {
        self.head.identity.iter().chain(self.head.sessions.values())
    }

    /// Replaces the identity of a session wherever it is used (its user's roles changed).
    pub fn renew(&mut self, session_id: &str, current: &Identity) {
        self.replace(session_id, current);
    }

    /// Forgets a logged-out session wherever it is used: its events stop at once. Its
    /// subscriptions hear as an anonymous client, never as the socket.
    pub fn revoke(&mut self, session_id: &str) -> bool {
        let anonymous = Identity::from_access(&ANONYMOUS);
        self.replace(session_id, &anonymous)
    }

    fn replace(&mut self, session_id: &str, with: &Identity) -> bool {
        let mut head = self.head.clone();
        let mut changed = false;
        let slots = head.identity.iter_mut().chain(
            head.sessions
                .iter_mut()
                .filter(|(sid, _)| sid.as_str() == session_id)
                .map(|(_, identity)| identity),
        );
        for slot in slots {
            if slot.session_id() == Some(session_id) && slot != with {
                *slot = with.clone();
                changed = true;
            }
        }
        if changed {
            self.set_head(head);
        }
        changed
    }

    /// The frames of one event for this socket's subscriptions (only `request_id`'s, when
    /// given). A socket that never connected hears nothing, even on a subscription that carried
    /// its own session.
    pub fn frames(&self, event: &mut EventFrames, request_id: Option<i64>) -> Vec<String> {
        let Some(socket_access) = &self.socket_access else {
            return vec![];
        };
        let held: Box<dyn Iterator<Item = &Rc<Held>>> = match request_id {
            Some(id) => Box::new(self.subscriptions.get(&id).into_iter()),
            None => Box::new(self.subscriptions.values()),
        };
        held.filter_map(|h| {
            let matcher = h.matcher.as_ref()?;
            let access = match &h.subscription.session {
                // A session missing from the head (storage torn between two writes) reads as
                // nobody rather than as the socket.
                Some(sid) => self.session_access.get(sid).unwrap_or(&ANONYMOUS),
                None => socket_access,
            };
            event.frame(&self.client_id, &h.subscription, access, matcher)
        })
        .collect()
    }
}

/// Drops the sessions no subscription uses any more.
fn prune_sessions(head: &mut Head, subscriptions: &BTreeMap<i64, Rc<Held>>) {
    if head.sessions.is_empty() {
        return;
    }
    let used: HashSet<&str> = subscriptions
        .values()
        .filter_map(|h| h.subscription.session.as_deref())
        .collect();
    head.sessions.retain(|sid, _| used.contains(sid.as_str()));
}

/// A hub's sockets in memory, by client id. After hibernation it starts empty and fills as
/// sockets are needed: one socket from its own stored keys when a frame arrives on it, all of
/// them from one listing when an event must reach every socket (`complete` then).
#[derive(Debug, Default)]
pub struct Sockets {
    known: HashMap<String, Rc<Socket>>,
    complete: bool,
}

impl Sockets {
    pub fn get(&self, client_id: &str) -> Option<Rc<Socket>> {
        self.known.get(client_id).cloned()
    }

    pub fn insert(&mut self, socket: Rc<Socket>) {
        self.known.insert(socket.client_id.clone(), socket);
    }

    pub fn remove(&mut self, client_id: &str) -> Option<Rc<Socket>> {
        self.known.remove(client_id)
    }

    /// Whether every socket in storage is in memory too.
    pub fn is_complete(&self) -> bool {
        self.complete
    }

    /// Takes every stored socket (grouped by client id) that is not in memory yet; memory,
    /// written through to storage, is the newer copy of those that are.
    pub fn complete_with(&mut self, stored: impl IntoIterator<Item = Socket>) {
        for socket in stored {
            if !self.known.contains_key(&socket.client_id) {
                self.insert(Rc::new(socket));
            }
        }
        self.complete = true;
    }

    /// Forgets the sockets that are not among `live` (closed while nobody listened, or while
    /// the hub was away) and returns them, so that their storage goes too.
    pub fn forget_all_but(&mut self, live: &HashSet<&str>) -> Vec<Rc<Socket>> {
        let gone: Vec<String> = self
            .known
            .keys()
            .filter(|id| !live.contains(id.as_str()))
            .cloned()
            .collect();
        gone.iter().filter_map(|id| self.known.remove(id)).collect()
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.known.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::change::ChangeKind;
    use crate::engine::schema::ClassSchema;
    use crate::live::delivery::Event;
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

    fn user(user: &str, session: &str) -> Identity {
        Identity::Client {
            user_id: Some(user.into()),
            session_id: Some(session.into()),
            roles: vec!["buyer".into()],
        }
    }

    fn subscribe(socket: &mut Socket, id: i64, where_: Value, own: Option<Identity>) -> Result<()> {
        let matcher = Matcher::compile(&where_)?;
        socket.subscribe(&request(id, where_), own, matcher)
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
    fn a_hundred_subscriptions_with_one_session_keep_one_identity() {
        let mut socket = Socket::new("c1".into());
        socket.connect(user("u1", "s1")).unwrap();
        for id in 0..MAX_SUBSCRIPTIONS as i64 {
            let where_ = json!({"owner": {"__type": "Pointer", "className": "Artisan", "objectId": "a123456789"},
                                "price": {"$lte": id}});
            subscribe(&mut socket, id, where_, Some(user("u1", "s1"))).unwrap();
        }
        assert_eq!(socket.len(), MAX_SUBSCRIPTIONS);
        assert_eq!(socket.head().sessions.len(), 1);
        assert!(
            socket.stored_bytes() < MAX_SOCKET_BYTES / 10,
            "{} bytes",
            socket.stored_bytes()
        );
        let refused = subscribe(&mut socket, 100, json!({}), None).unwrap_err();
        assert_eq!(refused.code, Code::RequestLimitExceeded);
        // Replacing one is no new one.
        subscribe(&mut socket, 7, json!({"price": 1}), None).unwrap();
        assert_eq!(socket.len(), MAX_SUBSCRIPTIONS);
    }

    #[test]
    fn sessions_are_kept_while_a_subscription_uses_them() {
        let mut socket = Socket::new("c1".into());
        socket.connect(Identity::from_access(&ANONYMOUS)).unwrap();
        subscribe(&mut socket, 1, json!({}), Some(user("u1", "s1"))).unwrap();
        subscribe(&mut socket, 2, json!({}), Some(user("u1", "s1"))).unwrap();
        subscribe(&mut socket, 3, json!({}), Some(user("u2", "s2"))).unwrap();
        let sessions = |s: &Socket| s.head().sessions.keys().cloned().collect::<Vec<_>>();
        assert_eq!(sessions(&socket), ["s1", "s2"]);
        assert!(socket.unsubscribe(3));
        assert_eq!(sessions(&socket), ["s1"]);
        // Subscribing again without a token drops the session the old one carried.
        subscribe(&mut socket, 1, json!({}), None).unwrap();
        assert_eq!(sessions(&socket), ["s1"]);
        assert!(socket.unsubscribe(2));
        assert!(sessions(&socket).is_empty());
        assert!(!socket.unsubscribe(2));
    }

    #[test]
    fn a_socket_over_its_bytes_refuses_the_subscription_and_changes_nothing() {
        let mut socket = Socket::new("c1".into());
        socket.connect(Identity::Master).unwrap();
        let big = |n: usize| json!({"$or": (0..n).map(|i| json!({"sku": format!("{i:0>60}")})).collect::<Vec<_>>()});
        let mut id = 0;
        while subscribe(&mut socket, id, big(800), None).is_ok() {
            id += 1;
        }
        assert!(id >= 4, "a frame's largest query fits four times: {id}");
        let before = socket.clone();
        let refused = subscribe(&mut socket, id, big(800), None).unwrap_err();
        assert_eq!(refused.code, Code::ObjectTooLarge);
        assert_eq!(socket.len(), before.len());
        assert_eq!(socket.stored_bytes(), before.stored_bytes());
        assert!(socket.stored_bytes() <= MAX_SOCKET_BYTES);
        // Something smaller still fits, and an unsubscribe makes room.
        subscribe(&mut socket, id, json!({"sku": "x"}), None).unwrap();
        assert!(socket.unsubscribe(0));
        subscribe(&mut socket, id + 1, big(800), None).unwrap();
    }

    #[test]
    fn a_revoked_session_reads_as_nobody_and_a_renewed_one_with_its_new_roles() {
        let schema = ClassSchema::new("Product");
        let event = Event {
            object: json!({"objectId": "p1", "ACL": {"u1": {"read": true}}})
                .as_object()
                .unwrap()
                .clone(),
            ..event()
        };
        let mut socket = Socket::new("c1".into());
        socket.connect(user("u9", "s9")).unwrap();
        subscribe(&mut socket, 1, json!({}), Some(user("u1", "s1"))).unwrap();
        let heard = |s: &Socket| {
            s.frames(&mut EventFrames::new(&schema, &event, 1), None)
                .len()
        };
        assert_eq!(heard(&socket), 1);
        let mut admin = user("u1", "s1");
        if let Identity::Client { roles, .. } = &mut admin {
            roles.push("admin".into());
        }
        socket.renew("s1", &admin);
        assert_eq!(socket.head().sessions["s1"], admin);
        assert!(socket.revoke("s1"));
        assert!(!socket.revoke("s1"));
        assert_eq!(heard(&socket), 0, "not as the socket's user either");
        assert_eq!(socket.identity(), Some(&user("u9", "s9")));
    }

    #[test]
    fn frames_come_from_the_compiled_queries_of_connected_sockets_only() {
        let schema = ClassSchema::new("Product");
        let event = event();
        let mut frames = EventFrames::new(&schema, &event, 3);
        let mut socket = Socket::new("c1".into());
        subscribe(&mut socket, 1, json!({}), None).unwrap();
        assert!(socket.frames(&mut frames, None).is_empty(), "not connected");
        socket.connect(Identity::Master).unwrap();
        subscribe(&mut socket, 2, json!({"price": 7}), None).unwrap();
        let sent = socket.frames(&mut frames, None);
        assert_eq!(sent.len(), 1, "only the query that matches: {sent:?}");
        let frame: Value = serde_json::from_str(&sent[0]).unwrap();
        assert_eq!(frame["requestId"], 1);
        assert_eq!(frame["op"], "create");
        assert!(socket.frames(&mut frames, Some(2)).is_empty());
        assert_eq!(socket.frames(&mut frames, Some(1)).len(), 1);
        // A stored query that no longer compiles hears nothing, and the others still do.
        let mut stored: Vec<Subscription> = socket.subscriptions().cloned().collect();
        stored[1].where_ = json!({"price": {"$bad": 1}});
        let restored = Socket::restore("c1".into(), socket.head().clone(), stored);
        assert_eq!(restored.frames(&mut frames, None).len(), 1);
    }

    #[test]
    fn the_memo_forgets_sockets_that_are_gone_and_keeps_its_own_copy_over_storage() {
        let mut memo = Sockets::default();
        let mut newer = Socket::new("a".into());
        newer.connect(Identity::Master).unwrap();
        memo.insert(Rc::new(newer));
        assert!(!memo.is_complete());
        memo.complete_with([Socket::new("a".into()), Socket::new("b".into())]);
        assert!(memo.is_complete());
        assert_eq!(memo.len(), 2);
        assert!(memo.get("a").unwrap().identity().is_some(), "memory wins");
        let gone = memo.forget_all_but(&HashSet::from(["b"]));
        assert_eq!(gone.len(), 1);
        assert_eq!(gone[0].client_id, "a");
        assert!(memo.get("a").is_none());
        assert!(memo.remove("b").is_some());
        assert_eq!(memo.len(), 0);
    }
}
