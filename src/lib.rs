//! A Parse-compatible backend for artisan marketplaces, built as a Cloudflare Worker.
//!
//! Everything but `edge` is plain Rust, compiled and tested natively; `edge` is the thin wasm32
//! glue to the `worker` crate (fetch handler, D1 adapter, Durable Objects).

// Natively the library has no entry point (the worker's is in `edge`, compiled for wasm32
// only), so every item would look unused: dead code is judged on the wasm32 build, where
// `make test` runs clippy too.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

// Nothing is exported but the worker's entry points: `pub` inside a layer means "the layer's
// interface to the rest of the crate", and unused code is a warning.
mod abuse;
mod api;
// The password hashing core is public for its benchmark (examples/, bench/).
pub mod auth;
#[cfg(target_arch = "wasm32")]
mod edge;
mod engine;
mod error;
mod graphql;
mod live;
mod marketplace;
mod platform;
mod service;
mod store;

#[cfg(test)]
mod testing;
#[cfg(test)]
mod tests;
