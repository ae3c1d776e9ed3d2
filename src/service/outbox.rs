//! The changes a request committed, kept for the live hubs until the response is on its way.

use crate::engine::change::Change;
use std::cell::{Cell, RefCell};

/// Changes a request committed, in commit order.
#[derive(Default)]
pub struct Outbox {
    /// Each change, and whether an artisan's hub made it (and so delivered it already).
    changes: RefCell<Vec<(Change, bool)>>,
    /// An upload asked for expired uploads to be swept once the answer is on its way.
    file_sweep: Cell<bool>,
}

impl Outbox {
    pub fn push(&self, change: Option<Change>) {
        self.add(change, false);
    }

    /// Changes an artisan's hub committed and delivered to its own sockets.
    pub fn push_from_hub(&self, changes: Vec<Change>) {
        for change in changes {
            self.add(Some(change), true);
        }
    }

    fn add(&self, change: Option<Change>, from_hub: bool) {
        // Sessions are never published: they are credentials.
        if let Some(change) = change.filter(|c| c.class != "_Session") {
            self.changes.borrow_mut().push((change, from_hub));
        }
    }

    pub fn request_file_sweep(&self) {
        self.file_sweep.set(true);
    }

    /// Whether the request asked for a sweep of expired uploads (asked once, answered once).
    pub fn take_file_sweep(&self) -> bool {
        self.file_sweep.replace(false)
    }

    /// The changes in commit order, and for each whether a hub made it.
    pub fn take_split(&self) -> (Vec<Change>, Vec<bool>) {
        std::mem::take(&mut *self.changes.borrow_mut())
            .into_iter()
            .unzip()
    }
}
