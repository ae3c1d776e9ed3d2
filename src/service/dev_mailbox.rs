//! The dev mailbox adapter: every message is kept in the local database instead of being sent,
//! and listed newest first at `GET /parse/dev/outbox` (master key), where a developer, the web
//! app's mailbox page and the tests read it. `make dev` and `make test` select it
//! (`MAIL_ADAPTER = "dev-outbox"`); no other adapter writes or serves it.

use super::mail::{Mailer, Message};
use crate::marketplace::dev_mailbox;
use crate::platform::iso_from_ms;
use crate::store::Store;
use futures::future::LocalBoxFuture;
use serde_json::{Map, Value};

pub struct DevMailbox<'s, S: Store> {
    pub store: &'s S,
    pub now_ms: i64,
}

impl<S: Store> Mailer for DevMailbox<'_, S> {
    fn send<'a>(&'a self, m: Message) -> LocalBoxFuture<'a, ()> {
        Box::pin(async move {
            let links = Value::from(m.links.clone()).to_string();
            let sent_at = iso_from_ms(self.now_ms);
            let insert = dev_mailbox::insert(&sent_at, &m.to, &m.subject, &m.text, &m.html, &links);
            // A lost dev message shows as a missing one in the mailbox; nothing else depends on it.
            let _ = self.store.batch(&[insert, dev_mailbox::prune()]).await;
        })
    }
}

/// The newest kept messages (to `to` alone, when given), newest first:
/// `{to, subject, text, html, links, sentAt}`.
pub async fn list<S: Store>(store: &S, to: Option<&str>) -> crate::error::Result<Vec<Value>> {
    let rows = store.query(&dev_mailbox::newest_first(to)).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let text = |k: &str| row.get(k).cloned().unwrap_or(Value::Null);
            let links = row
                .get("links")
                .and_then(Value::as_str)
                .and_then(|s| serde_json::from_str(s).ok())
                .unwrap_or(Value::Array(vec![]));
            let mut out = Map::new();
            for key in ["to", "subject", "text", "html"] {
                out.insert(key.into(), text(key));
            }
            out.insert("links".into(), links);
            out.insert("sentAt".into(), text("sentAt"));
            Value::Object(out)
        })
        .collect())
}
