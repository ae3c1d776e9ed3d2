//! Passwords and session tokens.
pub mod password;
pub mod token;
