//! The runtime side of instances: memories, tables, VMContexts, libcalls.

pub mod deadline;
pub mod instance;
pub mod libcalls;
pub mod memory;
pub mod table;
pub mod template;
