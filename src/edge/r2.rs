//! The files bucket over R2 (the `FILES` binding): the `Bucket` port at the edge. A read's
//! body stays a JS stream, handed to the response as it is, so file bytes never pass through
//! wasm on the way out.

use crate::error::{ParseError, Result};
use crate::service::files::bucket::{Body, Bucket, Fetched, Read};
use futures::future::LocalBoxFuture;
use std::rc::Rc;
use worker::{Conditional, Data, HttpMetadata, Object, Range, ResponseBody};

pub struct R2Files {
    pub bucket: Option<worker::Bucket>,
    /// The URL prefix files are served under (`…/files/<app id>/`), for evicting a deleted
    /// file from this colo's cache; `None` when the edge cache is off.
    pub evict_prefix: Option<String>,
}

fn failed(what: &str, e: worker::Error) -> ParseError {
    ParseError::internal(format!("R2 {what} failed: {e}"))
}

impl R2Files {
    fn bucket(&self) -> Result<&worker::Bucket> {
        self.bucket
            .as_ref()
            .ok_or_else(|| ParseError::internal("no FILES bucket is bound to this worker"))
    }
}

fn fetched(object: &Object) -> Fetched {
    let body = object
        .body()
        .and_then(|b| b.response_body().ok())
        .and_then(|b| match b {
            ResponseBody::Stream(stream) => Some(Body(Rc::new(stream))),
            _ => None,
        });
    Fetched {
        size: object.size(),
        etag: object.etag(),
        content_type: object.http_metadata().content_type.unwrap_or_default(),
        body,
    }
}

impl Bucket for R2Files {
    fn put<'a>(
        &'a self,
        key: &'a str,
        bytes: Vec<u8>,
        content_type: &'a str,
    ) -> LocalBoxFuture<'a, Result<()>> {
        Box::pin(async move {
            self.bucket()?
                .put(key, Data::Bytes(bytes))
                .http_metadata(HttpMetadata {
                    content_type: Some(content_type.to_string()),
                    ..HttpMetadata::default()
                })
                .execute()
                .await
                .map_err(|e| failed("put", e))?;
            Ok(())
        })
    }

    fn get<'a>(&'a self, key: &'a str, read: Read) -> LocalBoxFuture<'a, Result<Option<Fetched>>> {
        Box::pin(async move {
            let bucket = self.bucket()?;
            if read.head_only {
                let head = bucket.head(key).await.map_err(|e| failed("head", e))?;
                return Ok(head.as_ref().map(fetched));
            }
            let mut get = bucket.get(key);
            if let Some(etag) = read.etag_does_not_match {
                get = get.only_if(Conditional {
                    etag_does_not_match: Some(etag),
                    ..Conditional::default()
                });
            }
            if let Some((offset, length)) = read.range {
                get = get.range(Range::OffsetWithLength { offset, length });
            }
            let object = get.execute().await.map_err(|e| failed("get", e))?;
            Ok(object.as_ref().map(fetched))
        })
    }

    fn delete<'a>(&'a self, keys: &'a [String]) -> LocalBoxFuture<'a, Result<()>> {
        Box::pin(async move {
            if keys.is_empty() {
                return Ok(());
            }
            self.bucket()?
                .delete_multiple(keys.iter().map(String::as_str).collect())
                .await
                .map_err(|e| failed("delete", e))?;
            if let Some(prefix) = &self.evict_prefix {
                let cache = worker::Cache::default();
                for key in keys {
                    let url = crate::engine::files::url(prefix, key);
                    let _ = cache.delete(url, false).await;
                }
            }
            Ok(())
        })
    }
}
