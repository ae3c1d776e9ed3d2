//! The service layer: what the backend does, with protocol-neutral inputs and outputs. Every
//! protocol (REST in `api`, LiveQuery in `live`, the edge's Durable Objects) decodes its
//! request, calls a service here and encodes the answer, so a rule holds for every protocol
//! once it holds here.

pub mod account_links;
pub mod account_policy;
pub mod accounts;
pub mod config;
mod context;
pub mod dev_mailbox;
pub mod email_verification;
pub mod files;
pub mod health;
pub mod mail;
pub mod objects;
pub mod orders;
pub mod outbox;
pub mod password_policy;
pub mod password_reset;
pub mod schema_cache;
pub mod schemas;
pub mod sessions;

pub use config::Config;
pub use context::{Client, Context, Services};
