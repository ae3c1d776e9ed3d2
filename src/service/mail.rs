//! Mail: the messages the account flows send, and the port they are sent through.
//!
//! Two adapters: the dev mailbox (`service::dev_mailbox`, which `make dev` and the tests select:
//! every message is kept in the local database and listed at `GET /parse/dev/outbox`) and an
//! HTTP email API for deployments (`edge::mail_api`). Sending never fails a request: a sign-up
//! is not undone, and a reset request answers the same, whether or not its mail went out (an
//! answer that differed would tell who has an account); an adapter reports its own failures.

use futures::future::LocalBoxFuture;

/// One message, in text and HTML, with the links it carries (which the dev mailbox lists, so a
/// developer or a test follows them without parsing the body).
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub links: Vec<String>,
}

/// Where messages go. `send` queues or delivers; it never fails its caller.
pub trait Mailer {
    fn send<'a>(&'a self, message: Message) -> LocalBoxFuture<'a, ()>;
}

/// No adapter: nothing is sent (the flows that need mail answer that it is not configured).
pub struct NoMail;

impl Mailer for NoMail {
    fn send<'a>(&'a self, _: Message) -> LocalBoxFuture<'a, ()> {
        Box::pin(async {})
    }
}

/// HTML-escapes text for the mail bodies and pages.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A message whose one call to action is `link`: the same words in text and HTML.
fn with_link(to: &str, subject: String, lines: &[String], action: &str, link: &str) -> Message {
    let text = format!("{}\n\n{link}\n", lines.join("\n\n"));
    let paragraphs: String = lines
        .iter()
        .map(|l| format!("<p>{}</p>", escape_html(l)))
        .collect();
    let html = format!(
        "<!doctype html><html><body style=\"font-family:sans-serif\">{paragraphs}<p><a href=\"{href}\">{action}</a></p><p style=\"color:#666\">{href}</p></body></html>",
        href = escape_html(link),
        action = escape_html(action),
    );
    Message {
        to: to.to_string(),
        subject,
        text,
        html,
        links: vec![link.to_string()],
    }
}

/// "Please verify your email" with its link.
pub fn verification(app_name: &str, to: &str, link: &str, valid_for: &str) -> Message {
    with_link(
        to,
        format!("Please verify your email for {app_name}"),
        &[
            "Hi,".to_string(),
            format!("You are being asked to confirm the email address {to} with {app_name}."),
            format!("Follow this link within {valid_for} to confirm it:"),
        ],
        "Confirm my email",
        link,
    )
}

/// "Reset your password" with its link.
pub fn password_reset(app_name: &str, to: &str, link: &str, valid_for: &str) -> Message {
    with_link(
        to,
        format!("Password reset for {app_name}"),
        &[
            "Hi,".to_string(),
            format!("You requested to reset your password for {app_name}."),
            format!(
                "Follow this link within {valid_for} to choose a new one. If you did not ask for this, ignore this message: your password stays as it is."
            ),
        ],
        "Choose a new password",
        link,
    )
}

/// "About N hours" / "N minutes": how long a link lives, in words.
pub fn duration_words(ms: i64) -> String {
    let minutes = (ms / 60_000).max(1);
    match minutes {
        m if m % (24 * 60) == 0 && m >= 24 * 60 => plural(m / (24 * 60), "day"),
        m if m % 60 == 0 => plural(m / 60, "hour"),
        m => plural(m, "minute"),
    }
}

fn plural(n: i64, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_carries_its_link_in_text_html_and_links_with_markup_escaped() {
        let m = password_reset(
            "Bob's <Shop>",
            "a@b.test",
            "https://x.test/r?token=a&b=c",
            "1 hour",
        );
        assert_eq!(m.subject, "Password reset for Bob's <Shop>");
        assert!(m.text.contains("https://x.test/r?token=a&b=c"));
        assert!(m.html.contains("href=\"https://x.test/r?token=a&amp;b=c\""));
        assert!(m.html.contains("Bob&#39;s &lt;Shop&gt;"));
        assert!(!m.html.contains("<Shop>"));
        assert_eq!(m.links, vec!["https://x.test/r?token=a&b=c"]);
    }

    #[test]
    fn durations_read_as_words() {
        assert_eq!(duration_words(60 * 60_000), "1 hour");
        assert_eq!(duration_words(24 * 60 * 60_000), "1 day");
        assert_eq!(duration_words(48 * 60 * 60_000), "2 days");
        assert_eq!(duration_words(90 * 60_000), "90 minutes");
        assert_eq!(duration_words(1), "1 minute");
    }
}
