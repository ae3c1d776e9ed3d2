//! The REST protocol: Parse's HTTP API decoded, routed, served by the services, encoded.
mod account_pages;
mod answers;
mod batch;
mod dispatch;
pub mod http;
pub(crate) mod openapi;
mod openapi_audience;
pub use openapi_audience::client_usable;
mod openapi_components;
mod openapi_operations;
mod openapi_types;
mod payment_webhook;
pub mod request;
pub mod request_log;
pub mod router;
pub mod routes;
