//! Parse files: uploads (who may, how large, which types by content, under which name), serving
//! them (immutable caching, revalidation, byte ranges, headers that keep a browser from running
//! anything), the master key's delete, and the end of files nothing references. The bytes go
//! through the `Bucket` port (R2 at the edge); the registry and references are D1's
//! (`engine::files`).

pub mod bucket;
pub mod cleanup;
pub mod name;
pub mod policy;
mod serve;
pub mod sniff;

pub use bucket::{Body, Bucket};
pub use cleanup::drop_objects;
pub use name::url_prefix;
pub use policy::FilePolicy;
pub use serve::{serve, Conditions, FileAnswer};

use super::context::Context;
use crate::engine::access::Access;
use crate::engine::files as registry;
use crate::error::{Code, ParseError, Result};
use crate::store::Store;
use sniff::Kind;

/// A file as a client sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// The name in the URL (`POST /files/:name`).
    pub name: String,
    pub bytes: Vec<u8>,
    /// The `Content-Type` it claimed (never trusted; kept for the refusal's message).
    pub declared_type: Option<String>,
}

/// A stored file: what the upload answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub name: String,
    pub url: String,
}

fn save_error(message: impl Into<String>) -> ParseError {
    ParseError::new(Code::FileSaveError, message)
}

/// Who may upload, as Parse Server's `fileUpload` options say: the master key always; a
/// signed-in user when `enableForAuthenticatedUser`; a client without a session when
/// `enableForPublic`. (Parse's anonymous users, `enableForAnonymousUser`, cannot sign up on
/// this server, so no session is ever one.)
fn may_upload(policy: &FilePolicy, access: &Access) -> Result<()> {
    match access {
        Access::Master => Ok(()),
        client if client.user_id().is_some() => match policy.enable_for_authenticated_user {
            true => Ok(()),
            false => Err(save_error("File upload by authenticated user is disabled.")),
        },
        _ if policy.enable_for_public => Ok(()),
        _ => Err(save_error("File upload by public is disabled.")),
    }
}

/// `POST /files/:name`: checks who uploads, the rate limit, the size and the type (by its
/// bytes), then stores the file under a new unique name and registers it as pending (no object
/// references it yet). Answers the name and its URL.
pub async fn upload<S: Store>(
    ctx: &Context<'_, S>,
    bucket: &dyn Bucket,
    sent: Sent,
    base_url: &str,
) -> Result<Saved> {
    let policy = &ctx.config.files;
    may_upload(policy, &ctx.access)?;
    ctx.guard().file_upload(ctx.access.user_id()).await?;
    if sent.bytes.is_empty() {
        return Err(save_error("Invalid file upload."));
    }
    if sent.bytes.len() > policy.max_bytes {
        return Err(too_large(policy.max_bytes));
    }
    let kind = accepted_kind(policy, &ctx.access, &sent)?;
    let readable = name::sanitize(&sent.name, kind)?;
    let stored = name::unique(&readable)?;
    let size = sent.bytes.len() as u64;
    let register = registry::register(&registry::Upload {
        name: &stored,
        user: ctx.access.user_id(),
        content_type: kind.mime(),
        size,
        now_ms: ctx.now_ms,
    });
    // The registry row and the bytes at once. A row whose bytes failed stays pending and
    // expires; bytes whose row failed are deleted here, so nothing is left that no sweep knows.
    let (registered, put) = futures::join!(
        ctx.store.batch(std::slice::from_ref(&register)),
        bucket.put(&stored, sent.bytes, kind.mime())
    );
    if let Err(e) = registered {
        if put.is_ok() {
            let _ = bucket.delete(std::slice::from_ref(&stored)).await;
        }
        return Err(e.into());
    }
    put.map_err(|e| ParseError::internal(format!("storing a file failed: {}", e.message)))?;
    ctx.outbox.request_file_sweep();
    Ok(Saved {
        url: registry::url(&url_prefix(base_url, &ctx.config.app_id), &stored),
        name: stored,
    })
}

pub fn too_large(max: usize) -> ParseError {
    ParseError::new(
        Code::FileTooLarge,
        format!("File is larger than the limit of {max} bytes."),
    )
}

/// The kind of an upload, by its content, if the policy accepts it.
fn accepted_kind(policy: &FilePolicy, access: &Access, sent: &Sent) -> Result<Kind> {
    let refused = |what: &str| {
        let accepted: Vec<&str> = policy.allowed.iter().map(|k| k.mime()).collect();
        save_error(format!(
            "File upload of this type is not allowed: its content is {what}. Accepted: {}.",
            if accepted.is_empty() {
                "none".to_string()
            } else {
                accepted.join(", ")
            }
        ))
    };
    match sniff::sniff(&sent.bytes) {
        Some(kind) if policy.allowed.contains(&kind) || access.is_master() => Ok(kind),
        Some(kind) => Err(refused(kind.mime())),
        None => Err(refused(sniff::describe_unknown(&sent.bytes))),
    }
}

/// `DELETE /files/:name` (master key only): marks it deleted, deletes the bytes, then forgets
/// it. Objects that still name it keep their File values, whose URLs now answer 404, as on
/// Parse Server. A name the server never held deletes nothing and answers the same.
pub async fn delete<S: Store>(ctx: &Context<'_, S>, bucket: &dyn Bucket, name: &str) -> Result<()> {
    ctx.require_master()?;
    if !name::plausible(name) {
        return Err(ParseError::new(Code::InvalidFileName, "Invalid file name."));
    }
    ctx.store
        .batch(&[registry::mark_deleted(name, ctx.now_ms)])
        .await?;
    let names = vec![name.to_string()];
    bucket.delete(&names).await.map_err(|e| {
        ParseError::new(
            Code::FileDeleteError,
            format!("Could not delete file: {}", e.message),
        )
    })?;
    ctx.store.batch(&[registry::forget(&names)]).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::access::Principal;

    fn user() -> Access {
        Access::Client(Principal {
            user_id: Some("u1".into()),
            ..Principal::default()
        })
    }

    #[test]
    fn who_may_upload_follows_the_file_upload_options() {
        let policy = FilePolicy::default();
        assert!(may_upload(&policy, &Access::Master).is_ok());
        assert!(may_upload(&policy, &user()).is_ok());
        let e = may_upload(&policy, &Access::public()).unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (Code::FileSaveError, "File upload by public is disabled.")
        );
        let closed = FilePolicy {
            enable_for_authenticated_user: false,
            enable_for_public: true,
            ..FilePolicy::default()
        };
        assert!(may_upload(&closed, &user()).is_err());
        assert!(may_upload(&closed, &Access::public()).is_ok());
        assert!(may_upload(&closed, &Access::Master).is_ok());
    }

    #[test]
    fn the_type_is_the_contents_whatever_was_declared() {
        let policy = FilePolicy::default();
        let sent = |bytes: &[u8], declared: &str| Sent {
            name: "x".into(),
            bytes: bytes.to_vec(),
            declared_type: Some(declared.into()),
        };
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert_eq!(
            accepted_kind(&policy, &user(), &sent(png, "text/html")),
            Ok(Kind::Png)
        );
        let e = accepted_kind(
            &policy,
            &user(),
            &sent(b"<svg onload=alert(1)>", "image/png"),
        )
        .unwrap_err();
        assert_eq!(e.code, Code::FileSaveError);
        assert!(e.message.contains("SVG"), "{}", e.message);
        let pdf = sent(b"%PDF-1.4", "application/pdf");
        assert!(accepted_kind(&policy, &user(), &pdf).is_err());
        assert_eq!(accepted_kind(&policy, &Access::Master, &pdf), Ok(Kind::Pdf));
        assert!(accepted_kind(&policy, &Access::Master, &sent(b"<html>", "image/png")).is_err());
    }

    #[test]
    fn file_urls_are_under_the_app_id() {
        assert_eq!(
            url_prefix("https://api.test/parse", "artisan-market"),
            "https://api.test/parse/files/artisan-market/"
        );
    }
}
