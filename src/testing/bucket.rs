//! An in-memory bucket with R2's semantics as the files service uses them: objects by key,
//! an etag per object, conditional reads that leave the body out, ranged reads. Bodies come
//! back as `Body` holding the bytes (`bytes_of` reads them).

use crate::error::{ParseError, Result};
use crate::service::files::bucket::{Body, Bucket, Fetched, Read};
use futures::future::LocalBoxFuture;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

/// An object: its bytes, content type and etag.
type Stored = (Vec<u8>, String, String);

#[derive(Default)]
pub struct MemoryBucket {
    objects: RefCell<BTreeMap<String, Stored>>,
    /// Every call, as `put key`, `get key`, `head key` or `delete key`, for tests that count.
    pub calls: RefCell<Vec<String>>,
    /// When set, every put and delete fails (an outage).
    pub failing: Cell<bool>,
}

impl MemoryBucket {
    pub fn keys(&self) -> Vec<String> {
        self.objects.borrow().keys().cloned().collect()
    }

    pub fn bytes(&self, key: &str) -> Option<Vec<u8>> {
        self.objects.borrow().get(key).map(|(b, _, _)| b.clone())
    }

    pub fn insert(&self, key: &str, bytes: &[u8], content_type: &str) {
        let etag = format!("{:x}", md5ish(bytes));
        self.objects
            .borrow_mut()
            .insert(key.into(), (bytes.to_vec(), content_type.into(), etag));
    }
}

/// The bytes a `Body` from this bucket holds.
pub fn bytes_of(body: &Body) -> Vec<u8> {
    body.0
        .downcast_ref::<Vec<u8>>()
        .cloned()
        .expect("a MemoryBucket body")
}

/// A stand-in for R2's MD5 etag: any stable digest of the bytes will do here.
fn md5ish(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ *b as u64).wrapping_mul(0x100000001b3)
    })
}

impl Bucket for MemoryBucket {
    fn put<'a>(
        &'a self,
        key: &'a str,
        bytes: Vec<u8>,
        content_type: &'a str,
    ) -> LocalBoxFuture<'a, Result<()>> {
        Box::pin(async move {
            self.calls.borrow_mut().push(format!("put {key}"));
            if self.failing.get() {
                return Err(ParseError::internal("the bucket is down"));
            }
            self.insert(key, &bytes, content_type);
            Ok(())
        })
    }

    fn get<'a>(&'a self, key: &'a str, read: Read) -> LocalBoxFuture<'a, Result<Option<Fetched>>> {
        Box::pin(async move {
            let verb = if read.head_only { "head" } else { "get" };
            self.calls.borrow_mut().push(format!("{verb} {key}"));
            let objects = self.objects.borrow();
            let Some((bytes, content_type, etag)) = objects.get(key) else {
                return Ok(None);
            };
            let unchanged = read.etag_does_not_match.as_deref() == Some(etag.as_str());
            let body = if read.head_only || unchanged {
                None
            } else {
                let part = match read.range {
                    Some((offset, length)) => {
                        let start = (offset as usize).min(bytes.len());
                        let end = (start + length as usize).min(bytes.len());
                        bytes[start..end].to_vec()
                    }
                    None => bytes.clone(),
                };
                Some(Body(Rc::new(part)))
            };
            Ok(Some(Fetched {
                size: bytes.len() as u64,
                etag: etag.clone(),
                content_type: content_type.clone(),
                body,
            }))
        })
    }

    fn delete<'a>(&'a self, keys: &'a [String]) -> LocalBoxFuture<'a, Result<()>> {
        Box::pin(async move {
            for key in keys {
                self.calls.borrow_mut().push(format!("delete {key}"));
            }
            if self.failing.get() {
                return Err(ParseError::internal("the bucket is down"));
            }
            let mut objects = self.objects.borrow_mut();
            for key in keys {
                objects.remove(key);
            }
            Ok(())
        })
    }
}
