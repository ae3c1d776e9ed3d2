//! Live queries (the Parse LiveQuery protocol): the messages, the state a socket keeps and how a
//! hub stores it, and which event each committed change is for each subscriber.
pub mod connection;
pub mod delivery;
pub mod frames;
mod matcher;
pub mod protocol;
pub mod socket;
pub mod stored;
