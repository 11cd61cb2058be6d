//! A WebAssembly module linked into a Rust crate at build time.
//!
//! `build.rs` compiles `guest/inventory.wat` with `kiln-compiler` into a
//! linkable object and links it into this crate. [`load`] takes the
//! module from the linked symbols (no file I/O, no copy of the code) and
//! it runs with kiln's normal API: a [`Linker`] for its import, typed
//! calls, its memory, and traps as errors.

use kiln::{Caller, Engine, Linker, Module, Store};

unsafe extern "C" {
    /// The descriptor the linkable object defines (its symbol was chosen
    /// in `build.rs`).
    static kiln_module_inventory: kiln::LinkedArtifact;
}

/// The linked module, for `engine`.
pub fn load(engine: &Engine) -> kiln::Result<Module> {
    // SAFETY: `kiln_module_inventory` is the descriptor of the object
    // build.rs compiled with kiln-compiler and linked into this crate.
    unsafe { Module::from_linked(engine, &*std::ptr::addr_of!(kiln_module_inventory)) }
}

/// The stock of each item the host restocks when asked: what the guest's
/// `host.restock` import adds.
pub const RESTOCK: i32 = 10;

/// An instance of the inventory, with the restock requests its store saw.
pub struct Inventory {
    store: Store<Vec<i32>>,
    total: kiln::TypedFunc<(), i32>,
    take: kiln::TypedFunc<i32, i32>,
    taken: kiln::TypedFunc<(), i32>,
}

impl Inventory {
    /// Instantiates `module` (from [`load`]) in a new store.
    pub fn new(module: &Module) -> kiln::Result<Self> {
        let mut linker = Linker::new(module.engine());
        linker.func_wrap("host", "restock", |mut caller: Caller<'_, Vec<i32>>, item: i32, addr: i32| {
            caller.data_mut().push(item);
            let memory = caller
                .get_export("memory")
                .and_then(|e| e.into_memory())
                .ok_or_else(|| kiln::format_err!("the guest exports no memory"))?;
            memory.write(&mut caller, addr as usize, &RESTOCK.to_le_bytes())?;
            kiln::Result::Ok(())
        })?;
        let mut store = Store::new(module.engine(), Vec::new());
        let instance = linker.instantiate(&mut store, module)?;
        Ok(Self {
            total: instance.get_typed_func(&mut store, "total")?,
            take: instance.get_typed_func(&mut store, "take")?,
            taken: instance.get_typed_func(&mut store, "taken")?,
            store,
        })
    }

    /// The total stock.
    pub fn total(&mut self) -> kiln::Result<i32> {
        self.total.call(&mut self.store, ())
    }

    /// Takes one of `item`, returning how many are left; an item that does
    /// not exist is a trap.
    pub fn take(&mut self, item: i32) -> kiln::Result<i32> {
        self.take.call(&mut self.store, item)
    }

    /// How many items were taken.
    pub fn taken(&mut self) -> kiln::Result<i32> {
        self.taken.call(&mut self.store, ())
    }

    /// The items the host was asked to restock, in order.
    pub fn restocked(&self) -> &[i32] {
        self.store.data()
    }
}

#[cfg(test)]
mod tests;
