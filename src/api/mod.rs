//! The HTTP surface: request decoding, routing, handlers and responses.
pub mod http;
pub mod request;
