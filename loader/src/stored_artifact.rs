//! What a loaded module keeps of its artifact: enough to serialize it again
//! and to read its data segments, without holding `.text` twice.
//!
//! The loaded code is a relocated copy of `.text`. For an artifact in
//! memory, the module keeps everything but `.text`, plus the original
//! bytes of each relocated field; `serialize` puts `.text` back together
//! from the code memory. A mapped file is kept as it is (its pages belong
//! to the page cache, not to this process). A module linked into the
//! program keeps only pointers to its sections, which the program holds.

use kiln_runtime_support::code_memory::CodeMemory;
use std::ops::Range;

/// An artifact as a module keeps it.
pub(crate) enum StoredArtifact {
    /// Mapped from a file, whole.
    Mapped(memmap2::Mmap),
    /// In memory, whole (when `.text` could not be split off).
    Owned(Vec<u8>),
    /// In memory, with `.text` cut out at `text_at`.
    WithoutText {
        /// The artifact without `.text`.
        rest: Vec<u8>,
        /// Where `.text` was.
        text_at: usize,
        /// Each relocated field: its offset in `.text` and its width; the
        /// original bytes of all of them, in order, are in `originals`
        /// (one buffer, not an allocation per relocation).
        fields: Vec<(usize, usize)>,
        /// The fields' original bytes, back to back.
        originals: Vec<u8>,
    },
    /// Linked into the program: its `.kiln.data` and `.kiln.image`, which
    /// the ranges address as if they lay back to back (see
    /// [`Self::linked`]). There is no artifact file to give back.
    Linked {
        /// `.kiln.data`.
        data: &'static [u8],
        /// `.kiln.image`.
        image: &'static [u8],
    },
}

impl StoredArtifact {
    /// Keeps `bytes`, whose `.text` is at `text` and was copied into
    /// `code` with its fields at `fields` (offset, width) relocated; `kept`
    /// (the data and image sections, disjoint from `.text` in a file kiln
    /// wrote) are returned as they lie in what is kept.
    pub(crate) fn owned<const N: usize>(
        bytes: Vec<u8>,
        text: Range<usize>,
        fields: impl Iterator<Item = (usize, usize)>,
        kept: [Range<usize>; N],
    ) -> (Self, [Range<usize>; N]) {
        let disjoint = |r: &Range<usize>| r.end <= text.start || r.start >= text.end || r.is_empty();
        if text.is_empty() || !kept.iter().all(disjoint) || bytes.get(text.clone()).is_none() {
            return (Self::Owned(bytes), kept);
        }
        let original = |at: usize, width: usize| bytes.get(text.start.checked_add(at)?..)?.get(..width);
        let fields: Vec<(usize, usize)> = fields.filter(|&(at, width)| original(at, width).is_some()).collect();
        let mut originals = Vec::with_capacity(fields.iter().map(|f| f.1).sum());
        for &(at, width) in &fields {
            originals.extend_from_slice(original(at, width).unwrap_or_default());
        }
        let mut rest = Vec::with_capacity(bytes.len() - text.len());
        rest.extend_from_slice(&bytes[..text.start]);
        rest.extend_from_slice(&bytes[text.end..]);
        let kept = kept
            .map(|r| if r.start >= text.end && !r.is_empty() { r.start - text.len()..r.end - text.len() } else { r });
        (Self::WithoutText { rest, text_at: text.start, fields, originals }, kept)
    }

    /// Keeps the sections of a linked module, with the ranges that
    /// address them: `data` first, then `image`.
    pub(crate) fn linked(data: &'static [u8], image: &'static [u8]) -> (Self, [Range<usize>; 2]) {
        let ranges = [0..data.len(), data.len()..data.len() + image.len()];
        (Self::Linked { data, image }, ranges)
    }

    /// The kept bytes in `range` (ranges as returned by [`Self::owned`] or
    /// [`Self::linked`]).
    pub(crate) fn get(&self, range: Range<usize>) -> &[u8] {
        let all: &[u8] = match self {
            Self::Mapped(m) => m,
            Self::Owned(v) => v,
            Self::WithoutText { rest, .. } => rest,
            Self::Linked { data, image } => {
                return match range.start.checked_sub(data.len()) {
                    Some(at) => image.get(at..range.end.saturating_sub(data.len())),
                    None => data.get(range),
                }
                .unwrap_or(&[]);
            }
        };
        all.get(range).unwrap_or(&[])
    }

    /// The artifact, byte for byte as it was loaded, or `None` for a
    /// linked module, which has no artifact of its own.
    pub(crate) fn to_vec(&self, code: &CodeMemory) -> Option<Vec<u8>> {
        Some(match self {
            Self::Linked { .. } => return None,
            Self::Mapped(m) => m.to_vec(),
            Self::Owned(v) => v.clone(),
            Self::WithoutText { rest, text_at, fields, originals } => {
                // SAFETY: the code memory holds `text_len` readable bytes
                // (read+execute pages) for as long as it lives.
                let text = unsafe { std::slice::from_raw_parts(code.base(), code.text_len()) };
                let mut out = Vec::with_capacity(rest.len() + text.len());
                out.extend_from_slice(&rest[..*text_at]);
                out.extend_from_slice(text);
                let mut from = 0;
                for &(at, width) in fields {
                    out[text_at + at..][..width].copy_from_slice(&originals[from..from + width]);
                    from += width;
                }
                out.extend_from_slice(&rest[*text_at..]);
                out
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn text_is_cut_out_and_put_back_with_its_original_fields() {
        // "artifact": 4 header bytes, 8 bytes of text, 4 data bytes.
        let bytes: Vec<u8> = (0..16).collect();
        let text = &bytes[4..12];
        let mut relocated = text.to_vec();
        relocated[2..6].fill(0xee); // a relocated field
        let code = CodeMemory::new(&relocated, &[], Arc::from(Vec::new())).unwrap();
        let (stored, [data, image]) =
            StoredArtifact::owned(bytes.clone(), 4..12, [(2, 4)].into_iter(), [12..14, 14..16]);
        assert!(matches!(stored, StoredArtifact::WithoutText { .. }));
        assert_eq!((stored.get(data), stored.get(image)), (&[12, 13][..], &[14, 15][..]));
        assert_eq!(stored.to_vec(&code), Some(bytes.clone()));
        // Overlapping data is kept whole.
        let (stored, [data, image]) = StoredArtifact::owned(bytes.clone(), 4..12, std::iter::empty(), [8..16, 0..0]);
        assert!(matches!(stored, StoredArtifact::Owned(_)));
        assert_eq!((stored.get(data), stored.get(image)), (&bytes[8..16], &[][..]));
    }

    #[test]
    fn a_linked_module_addresses_its_two_sections_back_to_back() {
        static DATA: [u8; 3] = [1, 2, 3];
        static IMAGE: [u8; 2] = [7, 8];
        let (stored, [data, image]) = StoredArtifact::linked(&DATA, &IMAGE);
        assert_eq!((stored.get(data.clone()), stored.get(image.clone())), (&DATA[..], &IMAGE[..]));
        assert_eq!(stored.get(data.start + 1..data.end), &DATA[1..]);
        assert_eq!(stored.get(image.start + 1..image.end), &IMAGE[1..]);
        assert_eq!(stored.get(image.start..image.end + 1), &[][..], "out of range is empty");
        let code = CodeMemory::new(&[0xc3], &[], Arc::from(Vec::new())).unwrap();
        assert_eq!(stored.to_vec(&code), None);
    }
}
