//! Test support, in one place: the SQLite store that stands in for D1, the one test world that
//! builds the services as the edge does, the property tests' seeded classes and generators.

pub mod arbitrary;
pub mod bucket;
pub mod fuzz;
pub mod sqlite;
pub mod world;

pub use bucket::MemoryBucket;
pub use sqlite::SqliteStore;
pub use world::World;
