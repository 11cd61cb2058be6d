//! Static memory initialisation: turns the active data segments of each
//! defined memory into one page-aligned image that the loader can map
//! copy-on-write, instead of copying the segments at every instantiation.
//!
//! It is all or nothing for the module's ordering, per memory for the
//! images. Images are only built when no segment of the module can trap at
//! instantiation: every active element and data segment has an `i32.const`
//! offset and lies inside its table's or memory's declared minimum (which
//! an import is at least). Then applying segments in order and mapping the
//! images up front give the same memory, whatever the order. A memory whose
//! image would be mostly zeros ([`is_too_sparse`]) keeps its segments.
//!
//! Images are aligned to [`IMAGE_GRANULARITY`] (the wasm page size) in the
//! linear memory and in `.kiln.image`, with leading and trailing zero
//! granules trimmed. Segments an image covers keep their place in the
//! segment list but no bytes in `.kiln.data`: they are applied and dropped
//! by mapping the image.

use crate::error::{CompileError, CompileResult};
use cranelift_entity::EntityRef;
use kiln_environ::artifact::{IMAGE_GRANULARITY, MemoryImageInfo, MemoryImages};
use kiln_environ::*;

/// Below this image size, sparsity is not worth a fallback.
const SPARSE_ALLOWANCE: u64 = 1 << 20;

/// The output: the new `.kiln.data`, the `.kiln.image` contents, and where
/// each image is.
#[derive(Debug, Default)]
pub struct StaticInit {
    /// The bytes of the segments no image covers.
    pub data: Vec<u8>,
    /// The images, back to back, each at a multiple of the granularity.
    pub image_section: Vec<u8>,
    /// The metadata describing them.
    pub images: MemoryImages,
}

/// A constant `i32.const` offset, as an unsigned address.
fn const_offset(expr: &ConstExpr) -> Option<u64> {
    match expr.0.as_slice() {
        [ConstOp::I32Const(v)] => Some(u64::from(*v as u32)),
        _ => None,
    }
}

/// Whether instantiation can trap on a segment: if it cannot, the order in
/// which segments are applied is unobservable.
fn segments_cannot_trap(info: &ModuleInfo) -> bool {
    let elems_fit = info.elements.values().all(|seg| match &seg.kind {
        ElementKind::Active { table, offset } => {
            let len = match &seg.items {
                ElementItems::Functions(f) => f.len(),
                ElementItems::Expressions(e) => e.len(),
            } as u64;
            let min = info.tables.get(*table).map_or(0, |t| t.limits.min);
            const_offset(offset).is_some_and(|o| o + len <= min)
        }
        _ => true,
    });
    let data_fit = info.data.values().all(|seg| match &seg.kind {
        DataKind::Active { memory, offset } => {
            let min = info.memories.get(*memory).map_or(0, |m| m.limits.min.saturating_mul(WASM_PAGE_SIZE));
            const_offset(offset).is_some_and(|o| o + u64::from(seg.len) <= min)
        }
        DataKind::Passive => true,
    });
    elems_fit && data_fit
}

/// Whether an image of `image_len` bytes for `data_len` bytes of segments
/// would waste more than it saves: more than half zeros, beyond 1 MiB.
pub fn is_too_sparse(image_len: u64, data_len: u64) -> bool {
    image_len > data_len.saturating_mul(2).max(SPARSE_ALLOWANCE)
}

fn segment_bytes<'a>(data: &'a [u8], seg: &DataSegment) -> CompileResult<&'a [u8]> {
    data.get(seg.offset as usize..seg.offset as usize + seg.len as usize)
        .ok_or_else(|| CompileError::Internal("data segment outside the data section".into()))
}

/// Builds the image of one memory from its segments (`(offset, bytes)`),
/// or `None` when it would be all zeros or too sparse. Returns the linear
/// offset and the bytes, both granule-aligned.
fn build_image(segments: &[(u64, &[u8])]) -> CompileResult<Option<(u64, Vec<u8>)>> {
    let g = u64::from(IMAGE_GRANULARITY);
    let nonempty = || segments.iter().filter(|(_, b)| !b.is_empty());
    let (Some(lo), Some(hi)) = (nonempty().map(|(o, _)| *o).min(), nonempty().map(|(o, b)| *o + b.len() as u64).max())
    else {
        return Ok(None);
    };
    let data_len: u64 = nonempty().map(|(_, b)| b.len() as u64).sum();
    let (lo, hi) = (lo / g * g, hi.div_ceil(g) * g);
    if is_too_sparse(hi - lo, data_len) {
        return Ok(None);
    }
    let len = usize::try_from(hi - lo).map_err(|_| CompileError::Limit("memory image too large".into()))?;
    let mut image = Vec::new();
    image.try_reserve_exact(len).map_err(|_| CompileError::Limit("out of memory for a memory image".into()))?;
    image.resize(len, 0);
    for (offset, bytes) in nonempty() {
        let at = (offset - lo) as usize;
        image[at..at + bytes.len()].copy_from_slice(bytes);
    }
    // Trim whole zero granules at both ends.
    let gs = g as usize;
    let lead = image.chunks(gs).take_while(|c| c.iter().all(|b| *b == 0)).count() * gs;
    if lead == image.len() {
        return Ok(None);
    }
    let trail = image.rchunks(gs).take_while(|c| c.iter().all(|b| *b == 0)).count() * gs;
    image.truncate(image.len() - trail);
    image.drain(..lead);
    Ok(Some((lo + lead as u64, image)))
}

/// Builds the images of `info`'s defined memories from `data` (the
/// concatenated segment contents), rewriting the offsets of the segments
/// that stay in `.kiln.data`.
pub fn static_init(info: &mut ModuleInfo, data: Vec<u8>) -> CompileResult<StaticInit> {
    if !segments_cannot_trap(info) {
        return Ok(StaticInit { data, ..Default::default() });
    }
    let mut out = StaticInit {
        images: MemoryImages { granularity: IMAGE_GRANULARITY, ..Default::default() },
        ..Default::default()
    };
    for def in (0..info.num_defined_memories()).map(DefinedMemoryIndex::new) {
        let memory = info.memory_index(def);
        let mut segments = Vec::new();
        let mut indices = Vec::new();
        for (index, seg) in info.data.iter() {
            if let DataKind::Active { memory: m, offset } = &seg.kind
                && *m == memory
            {
                // `segments_cannot_trap` proved the offset constant.
                segments.push((const_offset(offset).unwrap_or(0), segment_bytes(&data, seg)?));
                indices.push(index);
            }
        }
        let all_empty = segments.iter().all(|(_, b)| b.is_empty());
        match build_image(&segments)? {
            Some((linear_offset, bytes)) => {
                let g = IMAGE_GRANULARITY as usize;
                out.image_section.resize(out.image_section.len().div_ceil(g) * g, 0);
                out.images.images.push(MemoryImageInfo {
                    memory: def,
                    linear_offset,
                    len: bytes.len() as u64,
                    section_offset: out.image_section.len() as u64,
                });
                out.image_section.extend_from_slice(&bytes);
            }
            // All zeros, or nothing at all: nothing to map either way.
            None if all_empty || segments.iter().all(|(_, b)| b.iter().all(|x| *x == 0)) => {}
            None => continue, // too sparse: the segments stay
        }
        out.images.covered_data.extend(indices);
    }
    out.images.covered_data.sort_unstable();
    // Rebuild `.kiln.data` with only the uncovered segments.
    let covered = &out.images.covered_data;
    for (index, seg) in info.data.iter_mut() {
        if covered.binary_search(&index).is_ok() {
            *seg = DataSegment { kind: seg.kind.clone(), offset: 0, len: 0 };
            continue;
        }
        while !out.data.len().is_multiple_of(8) {
            out.data.push(0);
        }
        let bytes = segment_bytes(&data, seg)?;
        let offset =
            u32::try_from(out.data.len()).map_err(|_| CompileError::Limit("data segments exceed 4 GiB".into()))?;
        out.data.extend_from_slice(bytes);
        seg.offset = offset;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const G: u64 = IMAGE_GRANULARITY as u64;

    fn module(min_pages: u64, segs: &[(Option<i32>, &[u8])]) -> (ModuleInfo, Vec<u8>) {
        let mut info = ModuleInfo::default();
        info.memories.push(MemoryType { limits: Limits { min: min_pages, max: None } });
        let mut data = Vec::new();
        for (offset, bytes) in segs {
            let offset = match offset {
                Some(o) => ConstExpr(vec![ConstOp::I32Const(*o)]),
                None => ConstExpr(vec![ConstOp::GlobalGet(GlobalIndex::new(0))]),
            };
            info.data.push(DataSegment {
                kind: DataKind::Active { memory: MemoryIndex::new(0), offset },
                offset: data.len() as u32,
                len: bytes.len() as u32,
            });
            data.extend_from_slice(bytes);
        }
        (info, data)
    }

    #[test]
    fn segments_become_one_aligned_trimmed_image() {
        let (mut info, data) = module(4, &[(Some(0x1_0010), b"abc"), (Some(0x1_0011), b"XY"), (Some(0x2_0000), b"z")]);
        let out = static_init(&mut info, data).unwrap();
        assert_eq!(out.images.covered_data, [DataIndex::new(0), DataIndex::new(1), DataIndex::new(2)]);
        let [image] = out.images.images.as_slice() else { panic!("one image") };
        assert_eq!((image.linear_offset, image.len, image.section_offset), (G, 2 * G, 0));
        assert_eq!(&out.image_section[0x10..0x13], b"aXY", "later segments overwrite earlier ones");
        assert_eq!(out.image_section[G as usize], b'z');
        assert!(out.data.is_empty() && info.data.values().all(|s| s.len == 0), "covered bytes leave .kiln.data");
    }

    #[test]
    fn a_tiny_segment_far_away_keeps_the_segments() {
        let (mut info, data) = module(1000, &[(Some(0), b"a"), (Some(900 * 65536), b"b")]);
        let out = static_init(&mut info, data).unwrap();
        assert!(out.images.images.is_empty() && out.images.covered_data.is_empty());
        assert_eq!(out.data.len(), 9, "both segments stay in .kiln.data, 8-aligned");
        assert_eq!(info.data[DataIndex::new(1)].offset, 8);
        // A single tiny segment at a huge offset is trimmed, not sparse.
        let (mut info, data) = module(1000, &[(Some(900 * 65536), b"b")]);
        let out = static_init(&mut info, data).unwrap();
        assert_eq!(out.images.images[0].len, G);
        assert_eq!(out.images.images[0].linear_offset, 900 * G);
    }

    #[test]
    fn segments_that_might_trap_disable_images() {
        for segs in [&[(Some(0), b"a" as &[u8]), (Some(65536), b"b")][..], &[(None, b"a")]] {
            let (mut info, data) = module(1, segs);
            let out = static_init(&mut info, data.clone()).unwrap();
            assert!(out.images.images.is_empty() && out.images.covered_data.is_empty());
            assert_eq!(out.data, data);
        }
    }

    #[test]
    fn zero_or_empty_segments_are_covered_without_an_image() {
        let (mut info, data) = module(1, &[(Some(0), &[0, 0]), (Some(10), b"")]);
        let out = static_init(&mut info, data).unwrap();
        assert!(out.images.images.is_empty());
        assert_eq!(out.images.covered_data.len(), 2);
    }

    #[test]
    fn sparsity_rule() {
        assert!(!is_too_sparse(SPARSE_ALLOWANCE, 1));
        assert!(is_too_sparse(SPARSE_ALLOWANCE + G, 1));
        assert!(!is_too_sparse(64 << 20, 32 << 20));
        assert!(is_too_sparse(64 << 20, (32 << 20) - 1));
    }
}
