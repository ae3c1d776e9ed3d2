//! The HTTP surface: request decoding, routing, handlers and responses.
pub mod app;
pub mod batch;
pub mod classes;
pub mod health;
pub mod http;
pub mod openapi;
mod openapi_components;
mod openapi_operations;
mod openapi_types;
pub mod orders;
pub mod request;
pub mod request_log;
#[cfg(test)]
mod request_props;
pub mod router;
pub mod routes;
pub mod schemas;
pub mod users;

#[cfg(test)]
mod limits_tests;
#[cfg(test)]
mod openapi_tests;
#[cfg(test)]
mod router_tests;
