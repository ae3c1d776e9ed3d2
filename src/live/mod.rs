//! Live queries: which subscriptions an event reaches, as what, and what each subscriber may see.
pub mod matcher;
