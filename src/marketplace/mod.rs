//! The marketplace template: the rules the engine runs on its classes (DESIGN §3).
pub mod rules;
pub mod validation;

pub use rules::MarketplaceRules;
