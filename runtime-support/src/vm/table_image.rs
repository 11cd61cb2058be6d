//! Table images: active element segments turned, when the module is
//! loaded, into what instantiation writes, so that an instance fills its
//! tables without evaluating a constant expression or building a vector.
//!
//! A segment gets an image when its offset is a constant `i32.const` and
//! every item is a function index, `ref.func` or `ref.null`. Its image is
//! the destination index and, per element, the VMContext offset of the
//! function's `VMFuncRef` (or [`NULL_ELEMENT`]): the element written is the
//! instance's VMContext plus that offset. Whether the segment fits the
//! table is still decided at instantiation (an imported table's size is
//! not known before); one that does not fit takes the ordinary path and
//! traps there, exactly as without an image.

use crate::index::*;
use crate::module_info::{ConstOp, ElementItems, ElementKind, ModuleInfo};
use cranelift_entity::PrimaryMap;

/// An element that is null.
pub const NULL_ELEMENT: u32 = u32::MAX;

/// The precomputed writes of one active element segment.
#[derive(Debug)]
pub struct TableInit {
    /// The table written.
    pub table: TableIndex,
    /// The first element written.
    pub dst: u32,
    /// Per element, the VMContext offset of its `VMFuncRef`, or
    /// [`NULL_ELEMENT`].
    pub offsets: Vec<u32>,
}

/// The images of a module's element segments, by segment (`None` for a
/// segment without one).
pub type TableImage = PrimaryMap<ElemIndex, Option<TableInit>>;

/// Builds the images; `func_ref_offset` is the template's map from a
/// function to its `VMFuncRef` offset.
pub fn build(module: &ModuleInfo, func_ref_offset: impl Fn(FuncIndex) -> Option<u32>) -> TableImage {
    let mut image = PrimaryMap::with_capacity(module.elements.len());
    for (_, seg) in module.elements.iter() {
        image.push(segment_image(seg, &func_ref_offset));
    }
    image
}

fn segment_image(
    seg: &crate::module_info::ElementSegment,
    func_ref_offset: &impl Fn(FuncIndex) -> Option<u32>,
) -> Option<TableInit> {
    let ElementKind::Active { table, offset } = &seg.kind else { return None };
    let [ConstOp::I32Const(dst)] = offset.0.as_slice() else { return None };
    let offsets = match &seg.items {
        ElementItems::Functions(fs) => fs.iter().map(|f| func_ref_offset(*f)).collect::<Option<Vec<u32>>>()?,
        ElementItems::Expressions(es) => es
            .iter()
            .map(|e| match e.0.as_slice() {
                [ConstOp::RefFunc(f)] => func_ref_offset(*f),
                [ConstOp::RefNull(_)] => Some(NULL_ELEMENT),
                _ => None,
            })
            .collect::<Option<Vec<u32>>>()?,
    };
    Some(TableInit { table: *table, dst: *dst as u32, offsets })
}
