//! The end of files nothing references: their bytes deleted from the bucket, then their rows
//! from the registry (see `engine::files` for how they are known to be unreferenced).

use super::bucket::Bucket;
use super::policy::FilePolicy;
use crate::engine::files as registry;
use crate::error::Result;
use crate::store::Store;

/// Deletes the bytes of files the registry has marked deleted (a write dropped their last
/// reference), then their rows. Best effort: what fails here is retried by `sweep`.
pub async fn drop_objects<S: Store>(
    store: &S,
    bucket: &dyn Bucket,
    names: &[String],
) -> Result<()> {
    for chunk in names.chunks(1000) {
        bucket.delete(chunk).await?;
        store.batch(&[registry::forget(chunk)]).await?;
    }
    Ok(())
}

/// Files one sweep handles at most, of each kind (expired uploads, deletes to retry).
pub const SWEEP_LIMIT: u32 = 100;
/// A file marked deleted longer than this is assumed left behind by a failed delete.
pub const RETRY_AFTER_MS: i64 = 5 * 60_000;

/// Ends uploads that no object referenced within the policy's pending time, and retries deletes
/// that failed: at most `SWEEP_LIMIT` of each. Answers how many files it deleted. Run after
/// uploads (at most once a minute per isolate) and on the worker's cron, so what uploads add
/// is taken away at least as fast.
pub async fn sweep<S: Store>(
    store: &S,
    bucket: &dyn Bucket,
    policy: &FilePolicy,
    now_ms: i64,
) -> Result<usize> {
    let results = store
        .batch(&registry::sweep(
            now_ms,
            now_ms - policy.pending_ms,
            now_ms - RETRY_AFTER_MS,
            SWEEP_LIMIT,
        ))
        .await?;
    let mut names: Vec<String> = results
        .iter()
        .flat_map(|rows| registry::names(rows))
        .collect();
    names.sort();
    names.dedup();
    drop_objects(store, bucket, &names).await?;
    Ok(names.len())
}
