//! A Parse-compatible backend for artisan marketplaces, built as a Cloudflare Worker.
//!
//! Everything but `edge` is plain Rust, compiled and tested natively; `edge` is the thin wasm32
//! glue to the `worker` crate (fetch handler, D1 adapter, Durable Objects).

pub mod abuse;
pub mod api;
pub mod auth;
#[cfg(target_arch = "wasm32")]
mod edge;
pub mod engine;
pub mod error;
pub mod live;
pub mod marketplace;
pub mod platform;
pub mod service;
pub mod store;

#[cfg(test)]
mod testing;
#[cfg(test)]
mod tests;
