//! The marketplace template: the rules the engine runs on its classes (DESIGN §3), checkout and
//! the order lifecycle.
pub mod admins;
pub mod checkout;
pub mod contract;
pub mod dev_mailbox;
pub mod hub;
pub mod order_parties;
pub mod order_status;
pub mod pending_orders;
pub mod rules;
mod validation;

pub use rules::MarketplaceRules;
