//! Passwords and session tokens.
pub mod password;
pub mod session;
pub mod token;
