//! Passwords, session tokens and webhook signatures.
pub mod password;
pub mod session;
pub mod signature;
pub mod token;
