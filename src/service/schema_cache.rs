//! The schema registry as this isolate last read it.

use crate::engine::schema::Registry;
use crate::error::Result;
use crate::store::{Statement, Store};
use std::cell::RefCell;
use std::rc::Rc;

/// The schema registry as this isolate last read it. Another isolate's schema change is seen
/// within `TTL_MS`; this isolate's own changes invalidate it at once.
#[derive(Default)]
pub struct SchemaCache {
    cached: RefCell<Option<(Rc<Registry>, i64)>>,
}

impl SchemaCache {
    const TTL_MS: i64 = 5_000;

    pub async fn get(&self, store: &impl Store, now_ms: i64) -> Result<Rc<Registry>> {
        if let Some((registry, loaded_at)) = self.cached.borrow().as_ref() {
            if now_ms - loaded_at < Self::TTL_MS {
                return Ok(registry.clone());
            }
        }
        let rows = store
            .query(&Statement::new(Registry::LOAD_SQL, vec![]))
            .await?;
        let registry = Rc::new(Registry::from_rows(&rows)?);
        *self.cached.borrow_mut() = Some((registry.clone(), now_ms));
        Ok(registry)
    }

    pub fn invalidate(&self) {
        *self.cached.borrow_mut() = None;
    }
}
