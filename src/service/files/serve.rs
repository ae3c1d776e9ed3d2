//! Serving a file (`GET`/`HEAD /files/:appId/:name`): names are unique and files never change,
//! so an answer may be cached for a year, revalidates with its ETag (304), and serves byte
//! ranges (206). Every answer says what it is (`nosniff`), sandboxes itself (CSP), and shows
//! only images inline: nothing served here can run in the API's origin.

use super::bucket::{Body, Bucket, Fetched, Read};
use super::name;
use super::sniff::Kind;
use crate::error::{Code, ParseError, Result};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

/// What the request asked beyond the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conditions {
    /// `If-None-Match`.
    pub if_none_match: Option<String>,
    /// `Range`.
    pub range: Option<String>,
    /// A HEAD: headers only.
    pub head: bool,
}

/// The answer, before any protocol encodes it.
#[derive(Debug, Clone, PartialEq)]
pub struct FileAnswer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Option<Body>,
}

/// A year: the most `max-age` means, for names that never hold other bytes.
pub const CACHE_CONTROL: &str = "public, max-age=31536000, immutable";
/// The sandbox GitHub serves raw user content with: no script, no plugin, no form, no origin.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

fn not_found() -> ParseError {
    ParseError::new(Code::ObjectNotFound, "File not found.")
}

/// Serves `name` of the app `app_id` names in its URL.
pub async fn serve(
    bucket: &dyn Bucket,
    config_app_id: &str,
    app_id: &str,
    name: &str,
    conditions: &Conditions,
) -> Result<FileAnswer> {
    if app_id != config_app_id {
        return Err(ParseError::forbidden("Invalid application ID."));
    }
    if !name::plausible(name) {
        return Err(not_found());
    }
    let tags = conditions
        .if_none_match
        .as_deref()
        .map(entity_tags)
        .unwrap_or_default();
    let range = conditions.range.as_deref().filter(|_| !conditions.head);
    if let Some(range) = range {
        // A range needs the size first; ranges are rare (media players, resumed downloads).
        let head = bucket
            .get(
                name,
                Read {
                    head_only: true,
                    ..Read::default()
                },
            )
            .await?
            .ok_or_else(not_found)?;
        if matches_any(&tags, &head.etag) {
            return Ok(not_modified(&head));
        }
        match resolve_range(range, head.size) {
            Resolved::Whole => {}
            Resolved::Unsatisfiable => {
                let mut answer = answer(416, &head, name, None);
                answer
                    .headers
                    .push(("content-range".into(), format!("bytes */{}", head.size)));
                return Ok(answer);
            }
            Resolved::Part(start, end) => {
                let read = Read {
                    range: Some((start, end - start + 1)),
                    ..Read::default()
                };
                let part = bucket.get(name, read).await?.ok_or_else(not_found)?;
                let mut answer = answer(206, &part, name, part.body.clone());
                set_length(&mut answer, end - start + 1);
                answer.headers.push((
                    "content-range".into(),
                    format!("bytes {start}-{end}/{}", part.size),
                ));
                return Ok(answer);
            }
        }
    }
    let read = Read {
        etag_does_not_match: tags.first().filter(|t| *t != "*").cloned(),
        head_only: conditions.head,
        range: None,
    };
    let fetched = bucket.get(name, read).await?.ok_or_else(not_found)?;
    if matches_any(&tags, &fetched.etag) {
        return Ok(not_modified(&fetched));
    }
    let body = fetched.body.clone();
    let mut answer = answer(200, &fetched, name, body);
    set_length(&mut answer, fetched.size);
    Ok(answer)
}

fn set_length(answer: &mut FileAnswer, length: u64) {
    answer
        .headers
        .push(("content-length".into(), length.to_string()));
}

fn not_modified(fetched: &Fetched) -> FileAnswer {
    FileAnswer {
        status: 304,
        headers: vec![
            ("etag".into(), format!("\"{}\"", fetched.etag)),
            ("cache-control".into(), CACHE_CONTROL.into()),
        ],
        body: None,
    }
}

fn answer(status: u16, fetched: &Fetched, name: &str, body: Option<Body>) -> FileAnswer {
    let kind = Kind::from_mime(&fetched.content_type);
    // Stored types come from sniffing; anything else (an object put there by other means) is
    // served as bytes to save, never as something to render.
    let (content_type, inline) = match kind {
        Some(kind) => (kind.mime(), kind.inline()),
        None => ("application/octet-stream", false),
    };
    let readable = name::readable(name);
    let ascii: String = readable
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!(
        "{}; filename=\"{ascii}\"; filename*=UTF-8''{}",
        if inline { "inline" } else { "attachment" },
        utf8_percent_encode(readable, NON_ALPHANUMERIC)
    );
    FileAnswer {
        status,
        headers: vec![
            ("content-type".into(), content_type.into()),
            ("etag".into(), format!("\"{}\"", fetched.etag)),
            ("cache-control".into(), CACHE_CONTROL.into()),
            ("accept-ranges".into(), "bytes".into()),
            ("x-content-type-options".into(), "nosniff".into()),
            (
                "content-security-policy".into(),
                CONTENT_SECURITY_POLICY.into(),
            ),
            ("content-disposition".into(), disposition),
            ("cross-origin-resource-policy".into(), "cross-origin".into()),
        ],
        body,
    }
}

/// The entity tags of an `If-None-Match`, without `W/` and quotes (a weak comparison, as
/// `If-None-Match` asks); `*` stays `*`.
fn entity_tags(header: &str) -> Vec<String> {
    header
        .split(',')
        .map(|t| {
            t.trim()
                .trim_start_matches("W/")
                .trim_matches('"')
                .to_string()
        })
        .filter(|t| !t.is_empty())
        .collect()
}

fn matches_any(tags: &[String], etag: &str) -> bool {
    tags.iter().any(|t| t == "*" || t == etag)
}

#[derive(Debug, PartialEq, Eq)]
enum Resolved {
    /// No usable range: the whole file (a malformed or multiple range is ignored, as RFC 9110
    /// allows).
    Whole,
    /// Bytes `start..=end`.
    Part(u64, u64),
    Unsatisfiable,
}

/// One `bytes=` range against a file of `size` bytes.
fn resolve_range(header: &str, size: u64) -> Resolved {
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return Resolved::Whole;
    };
    if spec.contains(',') {
        return Resolved::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return Resolved::Whole;
    };
    let number = |s: &str| -> Option<u64> {
        let s = s.trim();
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u64>().ok())
            .flatten()
    };
    match (number(first), number(last), last.trim().is_empty()) {
        // `bytes=-n`: the last n bytes.
        (None, Some(n), _) if first.trim().is_empty() => {
            if n == 0 || size == 0 {
                Resolved::Unsatisfiable
            } else {
                Resolved::Part(size.saturating_sub(n), size - 1)
            }
        }
        (Some(start), None, true) if start < size => Resolved::Part(start, size - 1),
        (Some(start), Some(end), _) if start <= end && start < size => {
            Resolved::Part(start, end.min(size - 1))
        }
        (Some(start), _, _) if start >= size => Resolved::Unsatisfiable,
        _ => Resolved::Whole,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_resolve_against_the_size() {
        use Resolved::*;
        assert_eq!(resolve_range("bytes=0-9", 100), Part(0, 9));
        assert_eq!(resolve_range("bytes=90-", 100), Part(90, 99));
        assert_eq!(resolve_range("bytes=-10", 100), Part(90, 99));
        assert_eq!(resolve_range("bytes=-1000", 100), Part(0, 99));
        assert_eq!(resolve_range("bytes=50-1000", 100), Part(50, 99));
        assert_eq!(resolve_range("bytes=100-", 100), Unsatisfiable);
        assert_eq!(resolve_range("bytes=200-300", 100), Unsatisfiable);
        assert_eq!(resolve_range("bytes=-0", 100), Unsatisfiable);
        assert_eq!(resolve_range("bytes=5-2", 100), Whole);
        assert_eq!(resolve_range("bytes=0-1,5-6", 100), Whole);
        assert_eq!(resolve_range("items=0-1", 100), Whole);
        assert_eq!(resolve_range("bytes=a-b", 100), Whole);
        assert_eq!(resolve_range("bytes=+1-2", 100), Whole);
    }

    #[test]
    fn if_none_match_compares_weakly_and_star_matches_anything() {
        let tags = entity_tags("W/\"abc\", \"def\"");
        assert_eq!(tags, vec!["abc", "def"]);
        assert!(matches_any(&tags, "def"));
        assert!(!matches_any(&tags, "xyz"));
        assert!(matches_any(&entity_tags("*"), "xyz"));
    }
}
