//! What every instance of a module starts from, computed once when the
//! module is loaded, so instantiation copies instead of recomputing.
//!
//! Rules:
//! - Everything here depends only on the module, its loaded code and the
//!   engine's type ids, never on one instance's imports or addresses.
//! - An instance fills in only what is its own: its VMContext pointer in
//!   each `VMFuncRef`, and its imports, memories and tables.

use crate::index::*;
use crate::module_info::ModuleInfo;
use crate::vm::table_image::{self, TableImage, TableInit};
use crate::vmoffsets::{VMFuncRef, VMOffsets};
use cranelift_entity::{EntityRef, PrimaryMap};
use kiln_environ::bail_bug;
use kiln_environ::bug::KilnBug;

/// The precomputed parts of a module's VMContexts.
#[derive(Debug)]
pub struct InstanceTemplate {
    /// The `VMFuncRef` of every escaping defined function, in slot order,
    /// with a null `vmctx` for the instance to fill in.
    func_refs: PrimaryMap<FuncRefIndex, VMFuncRef>,
    /// For every function, imported or defined, the VMContext offset of
    /// its `VMFuncRef`, or `None` for a defined function that never escapes
    /// (and so has no `VMFuncRef`).
    func_ref_offsets: PrimaryMap<FuncIndex, Option<u32>>,
    /// Every VMContext offset that holds a `VMFuncRef`, sorted.
    sorted_offsets: Vec<u32>,
    /// What the active element segments write.
    table_image: TableImage,
}

// SAFETY: the raw pointers are code addresses inside the module's loaded
// code, which is immutable and outlives the template (both belong to the
// module); the template only hands out copies.
unsafe impl Send for InstanceTemplate {}
// SAFETY: as above; nothing is mutated after construction.
unsafe impl Sync for InstanceTemplate {}

impl InstanceTemplate {
    /// Builds the template. `function_code` gives the native code of a
    /// defined function and `array_to_wasm` the array-to-wasm trampoline
    /// of an escaping one; `type_ids` are the engine's ids of the module's
    /// signatures.
    ///
    /// Validated metadata gives every slot exactly one defined function and
    /// every function a signature; anything else is refused as a kiln bug
    /// rather than indexed.
    pub fn new(
        module: &ModuleInfo,
        offsets: &VMOffsets,
        type_ids: &[VMSharedTypeId],
        function_code: impl Fn(DefinedFuncIndex) -> *const u8,
        array_to_wasm: impl Fn(FuncRefIndex) -> *const u8,
    ) -> Result<Self, KilnBug> {
        let mut slots: Vec<Option<VMFuncRef>> = vec![None; module.num_func_refs as usize];
        let mut func_ref_offsets = PrimaryMap::with_capacity(module.functions.len());
        for (index, info) in module.functions.iter() {
            let offset = match (module.defined_func_index(index), info.func_ref) {
                (None, _) => Some(offsets.imported_func(index)),
                (Some(def), Some(slot)) => {
                    let Some(&type_id) = type_ids.get(info.signature.index()) else {
                        bail_bug!(
                            "function {} has signature {} of {}",
                            index.index(),
                            info.signature.index(),
                            type_ids.len()
                        );
                    };
                    match slots.get_mut(slot.index()) {
                        Some(s @ None) => {
                            *s = Some(VMFuncRef {
                                wasm_call: function_code(def),
                                array_call: array_to_wasm(slot),
                                vmctx: std::ptr::null_mut(),
                                type_id,
                                _pad: 0,
                            })
                        }
                        _ => bail_bug!("function reference slot {} is missing or shared", slot.index()),
                    }
                    Some(offsets.func_ref(slot))
                }
                (Some(_), None) => None,
            };
            func_ref_offsets.push(offset);
        }
        let mut func_refs = PrimaryMap::with_capacity(slots.len());
        for (i, slot) in slots.into_iter().enumerate() {
            let Some(slot) = slot else { bail_bug!("function reference slot {i} belongs to no function") };
            func_refs.push(slot);
        }
        let mut sorted_offsets: Vec<u32> = func_ref_offsets.values().flatten().copied().collect();
        sorted_offsets.sort_unstable();
        sorted_offsets.dedup();
        let table_image = table_image::build(module, |f| func_ref_offsets.get(f).copied().flatten());
        Ok(Self { func_refs, func_ref_offsets, sorted_offsets, table_image })
    }

    /// The precomputed writes of element segment `index`, if it has them.
    pub fn table_init(&self, index: ElemIndex) -> Option<&TableInit> {
        self.table_image.get(index)?.as_ref()
    }

    /// The escaping functions' `VMFuncRef`s, in slot order, `vmctx` null.
    pub fn func_refs(&self) -> &[VMFuncRef] {
        self.func_refs.values().as_slice()
    }

    /// Whether `offset` is the VMContext offset of a `VMFuncRef`.
    pub fn is_func_ref_offset(&self, offset: usize) -> bool {
        u32::try_from(offset).is_ok_and(|o| self.sorted_offsets.binary_search(&o).is_ok())
    }

    /// The VMContext offset of a function's `VMFuncRef`, or `None` when a
    /// defined function never escapes (or the module has no such function).
    pub fn func_ref_offset(&self, index: FuncIndex) -> Option<u32> {
        self.func_ref_offsets.get(index).copied().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::module_info::FunctionInfo;

    #[test]
    fn imports_escaping_and_private_functions_get_the_right_slots() {
        let mut m = ModuleInfo { num_imported_funcs: 1, num_func_refs: 2, ..Default::default() };
        m.signatures.push(Default::default());
        m.signatures.push(Default::default());
        let sig = |i| SignatureIndex::new(i);
        m.functions.push(FunctionInfo { signature: sig(0), func_ref: None }); // imported
        m.functions.push(FunctionInfo { signature: sig(1), func_ref: Some(FuncRefIndex::new(1)) });
        m.functions.push(FunctionInfo { signature: sig(0), func_ref: None }); // never escapes
        m.functions.push(FunctionInfo { signature: sig(0), func_ref: Some(FuncRefIndex::new(0)) });
        let offsets = VMOffsets::new(&m);
        let type_ids = [VMSharedTypeId(7), VMSharedTypeId(9)];
        let t = InstanceTemplate::new(
            &m,
            &offsets,
            &type_ids,
            |def| (0x1000 + def.index()) as *const u8,
            |slot| (0x2000 + slot.index()) as *const u8,
        )
        .unwrap();

        assert_eq!(t.func_ref_offset(FuncIndex::new(0)), Some(offsets.imported_func(FuncIndex::new(0))));
        assert_eq!(t.func_ref_offset(FuncIndex::new(1)), Some(offsets.func_ref(FuncRefIndex::new(1))));
        assert_eq!(t.func_ref_offset(FuncIndex::new(2)), None);
        assert_eq!(t.func_ref_offset(FuncIndex::new(3)), Some(offsets.func_ref(FuncRefIndex::new(0))));

        let refs = t.func_refs();
        assert_eq!(refs.len(), 2);
        // Slot 0 is defined function 2 (function index 3), signature 0.
        assert_eq!(refs[0].wasm_call as usize, 0x1002);
        assert_eq!(refs[0].array_call as usize, 0x2000);
        assert_eq!(refs[0].type_id, type_ids[0]);
        // Slot 1 is defined function 0 (function index 1), signature 1.
        assert_eq!(refs[1].wasm_call as usize, 0x1000);
        assert_eq!(refs[1].array_call as usize, 0x2001);
        assert_eq!(refs[1].type_id, type_ids[1]);
        assert!(refs.iter().all(|r| r.vmctx.is_null()));
    }
}
