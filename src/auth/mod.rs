//! Secrets: password hashes, session tokens, and comparing keys in constant time. No storage.
pub mod password;
pub mod secret;
pub mod token;
