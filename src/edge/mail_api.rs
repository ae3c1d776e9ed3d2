//! The HTTP email API adapter: messages are queued during the request and posted after the
//! response (`wait_until`), so a request that mails answers as fast as one that does not (a
//! reset request for a known email must not be slower than for an unknown one). The body is
//! Resend's (`{from, to, subject, text, html}` with `Authorization: Bearer <key>`), which several
//! providers accept; a failed delivery is logged, never shown to the client.

use crate::service::mail::{Mailer, Message};
use futures::future::LocalBoxFuture;
use std::cell::RefCell;
use worker::{Fetch, Headers, Method, Request, RequestInit};

pub struct MailApi {
    pub url: String,
    pub key: String,
    pub from: String,
    queued: RefCell<Vec<Message>>,
}

impl MailApi {
    pub fn new(url: &str, key: &str, from: &str) -> Self {
        MailApi {
            url: url.into(),
            key: key.into(),
            from: from.into(),
            queued: RefCell::new(Vec::new()),
        }
    }

    /// Posts every queued message; run after the response.
    pub fn deliver_queued(&self) -> impl std::future::Future<Output = ()> + 'static {
        let messages = self.queued.take();
        let (url, key, from) = (self.url.clone(), self.key.clone(), self.from.clone());
        async move {
            for m in messages {
                if let Err(e) = post(&url, &key, &from, &m).await {
                    worker::console_error!("mail to the email API failed: {e}");
                }
            }
        }
    }
}

impl Mailer for MailApi {
    fn send<'a>(&'a self, message: Message) -> LocalBoxFuture<'a, ()> {
        self.queued.borrow_mut().push(message);
        Box::pin(async {})
    }
}

async fn post(url: &str, key: &str, from: &str, m: &Message) -> worker::Result<()> {
    let body = serde_json::json!({
        "from": from,
        "to": [m.to],
        "subject": m.subject,
        "text": m.text,
        "html": m.html,
    });
    let headers = Headers::new();
    headers.set("authorization", &format!("Bearer {key}"))?;
    headers.set("content-type", "application/json")?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(body.to_string().into()));
    let response = Fetch::Request(Request::new_with_init(url, &init)?)
        .send()
        .await?;
    if !(200..300).contains(&response.status_code()) {
        return Err(worker::Error::RustError(format!(
            "the email API answered {}",
            response.status_code()
        )));
    }
    Ok(())
}
