//! Secrets: password hashes, session tokens, webhook signatures, and comparing keys in
//! constant time. No storage.
pub mod password;
pub mod secret;
pub mod signature;
pub mod token;
