//! The text of an event's frames, built for many subscribers at once.
//!
//! A fan-out sends one event to every socket of a hub, and most subscribers see the object the
//! same way: only the protected fields they may not read, their `keys` and which version is
//! shown change it. So each distinct view is serialized once per event, and each subscriber's
//! frame is spliced from it with its own `clientId`, `requestId`, `op` and `seq`. The text is
//! exactly what serializing the frame as a `serde_json::Value` built in that key order gives; the
//! tests hold the two equal.

use super::delivery::{decide, hidden, shown, Delivery, Event, Version};
use super::matcher::Matcher;
use super::protocol::Subscription;
use crate::engine::access::Access;
use crate::engine::schema::ClassSchema;
use std::collections::HashMap;
use std::fmt::Write;
use std::rc::Rc;

/// Everything that makes one view of the object differ from another.
#[derive(Debug, PartialEq, Eq, Hash)]
struct ViewKey {
    version: Version,
    hidden: Vec<String>,
    keys: Option<Vec<String>>,
}

/// One event's frames: the decision per subscriber, the views serialized once each.
pub struct EventFrames<'a> {
    schema: &'a ClassSchema,
    event: &'a Event,
    seq: u64,
    views: HashMap<ViewKey, Rc<str>>,
}

impl<'a> EventFrames<'a> {
    /// `seq` is the hub's sequence number of the event.
    pub fn new(schema: &'a ClassSchema, event: &'a Event, seq: u64) -> Self {
        EventFrames {
            schema,
            event,
            seq,
            views: HashMap::new(),
        }
    }

    /// The frame `subscription` of socket `client_id` receives, if any, as JSON text.
    pub fn frame(
        &mut self,
        client_id: &str,
        subscription: &Subscription,
        access: &Access,
        matcher: &Matcher,
    ) -> Option<String> {
        let Delivery {
            op,
            object,
            with_original,
        } = decide(subscription, access, matcher, self.schema, self.event)?;
        let keys = subscription.keys.as_deref();
        let object = self.view(object, access, keys)?;
        let original = if with_original {
            Some(self.view(Version::Original, access, keys)?)
        } else {
            None
        };
        let client_id = serde_json::to_string(client_id).ok()?;
        let mut out = String::with_capacity(
            client_id.len() + object.len() + original.as_ref().map_or(0, |o| o.len()) + 96,
        );
        // Key order: clientId, object, op, original, requestId, seq.
        out.push_str("{\"clientId\":");
        out.push_str(&client_id);
        out.push_str(",\"object\":");
        out.push_str(&object);
        out.push_str(",\"op\":\"");
        out.push_str(op);
        out.push('"');
        if let Some(original) = &original {
            out.push_str(",\"original\":");
            out.push_str(original);
        }
        let _ = write!(
            out,
            ",\"requestId\":{},\"seq\":{}}}",
            subscription.request_id, self.seq
        );
        Some(out)
    }

    /// The serialized view, made on first use.
    fn view(
        &mut self,
        version: Version,
        access: &Access,
        keys: Option<&[String]>,
    ) -> Option<Rc<str>> {
        let object = match version {
            Version::Current => &self.event.object,
            Version::Original => self.event.original.as_ref()?,
        };
        let key = ViewKey {
            version,
            hidden: hidden(self.schema, access, object),
            keys: keys.map(<[String]>::to_vec),
        };
        if let Some(text) = self.views.get(&key) {
            return Some(Rc::clone(text));
        }
        let text: Rc<str> = shown(self.schema, &key.hidden, keys, object)
            .to_string()
            .into();
        self.views.insert(key, Rc::clone(&text));
        Some(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::access::Principal;
    use crate::engine::change::ChangeKind;
    use crate::engine::schema::FieldType;
    use serde_json::{json, Map, Value};

    fn schema(name: &str) -> ClassSchema {
        let mut s = ClassSchema::new(name);
        s.fields.insert("status".into(), FieldType::String);
        s.fields.insert("email".into(), FieldType::String);
        s.clp
            .insert("protectedFields".into(), json!({"*": ["email"]}));
        s
    }

    fn sub(request_id: i64, keys: Option<Vec<&str>>) -> Subscription {
        Subscription {
            request_id,
            class_name: "_User".into(),
            where_: json!({}),
            keys: keys.map(|k| k.into_iter().map(String::from).collect()),
            watch: None,
            session: None,
        }
    }

    fn user(id: &str) -> Access {
        Access::Client(Principal {
            user_id: Some(id.into()),
            ..Default::default()
        })
    }

    fn object(id: &str, status: &str, readers: &[&str]) -> Map<String, Value> {
        let acl: Map<String, Value> = readers
            .iter()
            .map(|r| (r.to_string(), json!({"read": true})))
            .collect();
        json!({"objectId": id, "status": status, "email": format!("{id}@x.test"), "ACL": acl,
               "note": "quote \" and \u{e9}", "createdAt": "2024-01-01T00:00:00.000Z"})
        .as_object()
        .unwrap()
        .clone()
    }

    /// The frame as the fan-out built it before text splicing: a `Value`, serialized.
    fn reference(
        client_id: &str,
        subscription: &Subscription,
        access: &Access,
        schema: &ClassSchema,
        event: &Event,
        seq: u64,
    ) -> Option<String> {
        let matcher = Matcher::compile(&subscription.where_).unwrap();
        let d = decide(subscription, access, &matcher, schema, event)?;
        let keys = subscription.keys.as_deref();
        let view = |o: &Map<String, Value>| shown(schema, &hidden(schema, access, o), keys, o);
        let object = match d.object {
            Version::Current => &event.object,
            Version::Original => event.original.as_ref().unwrap(),
        };
        let mut frame = Map::new();
        frame.insert("clientId".into(), json!(client_id));
        frame.insert("object".into(), view(object));
        frame.insert("op".into(), json!(d.op));
        if d.with_original {
            frame.insert("original".into(), view(event.original.as_ref().unwrap()));
        }
        frame.insert("requestId".into(), json!(subscription.request_id));
        frame.insert("seq".into(), json!(seq));
        Some(Value::Object(frame).to_string())
    }

    #[test]
    fn spliced_frames_are_the_serialized_frames_and_views_never_leak_between_subscribers() {
        let users = schema("_User");
        let events = [
            Event {
                class: "_User".into(),
                kind: ChangeKind::Updated,
                object: object("u1", "paid", &["*"]),
                original: Some(object("u1", "pending", &["*"])),
            },
            // Lost read access for u2: a leave showing the original.
            Event {
                class: "_User".into(),
                kind: ChangeKind::Updated,
                object: object("u1", "paid", &["u1"]),
                original: Some(object("u1", "paid", &["u1", "u2"])),
            },
            Event {
                class: "_User".into(),
                kind: ChangeKind::Created,
                object: object("u1", "new", &["*"]),
                original: None,
            },
        ];
        let readers = [
            ("c-master", Access::Master),
            ("c-public", Access::public()),
            ("c-self", user("u1")),
            ("c-other", user("u2")),
            ("c-\"odd\"", user("u2")),
        ];
        let subs = [
            sub(1, None),
            sub(2, Some(vec!["status"])),
            sub(-3, Some(vec![])),
        ];
        for (i, event) in events.iter().enumerate() {
            let mut frames = EventFrames::new(&users, event, 40 + i as u64);
            // Twice over, so the second pass is served from the views the first one made.
            for _ in 0..2 {
                for (client, access) in &readers {
                    for s in &subs {
                        let matcher = Matcher::compile(&s.where_).unwrap();
                        let got = frames.frame(client, s, access, &matcher);
                        let want = reference(client, s, access, &users, event, 40 + i as u64);
                        assert_eq!(got, want, "event {i}, {client}, request {}", s.request_id);
                    }
                }
            }
        }
        // What the views hold, spelled out: only the master and the user itself see the email.
        let mut frames = EventFrames::new(&users, &events[0], 9);
        let matcher = Matcher::compile(&json!({})).unwrap();
        let parse = |t: Option<String>| serde_json::from_str::<Value>(&t.unwrap()).unwrap();
        let master = parse(frames.frame("a", &subs[0], &Access::Master, &matcher));
        let other = parse(frames.frame("b", &subs[0], &user("u2"), &matcher));
        let own = parse(frames.frame("c", &subs[0], &user("u1"), &matcher));
        assert_eq!(master["object"]["email"], "u1@x.test");
        assert_eq!(own["object"]["email"], "u1@x.test");
        assert!(other["object"].get("email").is_none());
        assert!(other["original"].get("email").is_none());
        assert_eq!(other["clientId"], "b");
        assert_eq!(other["op"], "update");
        assert_eq!(other["seq"], 9);
    }
}
