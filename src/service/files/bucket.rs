//! The object store port: where file bytes live. At the edge it is an R2 bucket
//! (src/edge/r2.rs); in native tests an in-memory bucket (src/testing/bucket.rs). Keys are the
//! files' names; objects are written once and never overwritten (names are unique).

use crate::error::Result;
use futures::future::LocalBoxFuture;
use std::any::Any;
use std::rc::Rc;

/// An object's bytes as the bucket hands them over, opaque to everything but the bucket's own
/// adapter: at the edge a stream the runtime sends to the client without copying it through
/// wasm memory, in tests the bytes themselves. Responses carry it untouched.
#[derive(Clone)]
pub struct Body(pub Rc<dyn Any>);

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Body(…)")
    }
}

impl PartialEq for Body {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// What to read of an object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Read {
    /// Bytes `offset..offset + length` only (already checked against the object's size).
    pub range: Option<(u64, u64)>,
    /// Leave the body out when the object's etag is this one (a revalidation that will be 304).
    pub etag_does_not_match: Option<String>,
    /// Metadata only (a HEAD, or the size a range needs first).
    pub head_only: bool,
}

/// An object read from the bucket.
#[derive(Debug, Clone, PartialEq)]
pub struct Fetched {
    /// The whole object's size, whatever range was read.
    pub size: u64,
    /// The object's etag, without quotes.
    pub etag: String,
    pub content_type: String,
    /// `None` for a metadata read, and when `etag_does_not_match` matched.
    pub body: Option<Body>,
}

pub trait Bucket {
    /// Stores `bytes` under `key` with its content type.
    fn put<'a>(
        &'a self,
        key: &'a str,
        bytes: Vec<u8>,
        content_type: &'a str,
    ) -> LocalBoxFuture<'a, Result<()>>;

    /// Reads `key`; `None` when there is no such object.
    fn get<'a>(&'a self, key: &'a str, read: Read) -> LocalBoxFuture<'a, Result<Option<Fetched>>>;

    /// Deletes `keys` (at most 1000); a missing key is no error.
    fn delete<'a>(&'a self, keys: &'a [String]) -> LocalBoxFuture<'a, Result<()>>;
}
