//! The native tests that cross modules: each file tests one module (or one protocol) through its
//! interface, on the test world of `crate::testing`. Unit tests of a single file's internals stay
//! beside that file.

mod abuse_guard;
mod api_batch;
mod api_limits;
mod api_openapi;
mod api_request_props;
mod api_router;
mod engine_objects;
mod engine_query_props;
mod engine_query_regressions;
mod engine_write_props;
mod live_connection;
mod marketplace_checkout;
mod marketplace_locked_fields;
mod marketplace_rules;
mod service_files;
