//! The HTTP surface: request decoding, routing, handlers and responses.
pub mod app;
pub mod batch;
pub mod classes;
pub mod health;
pub mod http;
pub mod orders;
pub mod request;
pub mod router;
pub mod routes;
pub mod schemas;
pub mod users;

#[cfg(test)]
mod router_tests;
