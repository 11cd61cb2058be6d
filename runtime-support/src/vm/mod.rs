//! The runtime side of instances: memories, tables, VMContexts, libcalls.

pub mod deadline;
pub mod error;
pub mod instance;
pub mod libcalls;
pub mod limiter;
pub mod memory;
pub mod memory_image;
pub mod owned;
pub mod pool;
pub mod table;
pub mod table_image;
pub mod template;
