//! The descriptor of a module linked into a program.
//!
//! A *linkable* object is an artifact that a system linker (`cc`, `ld`,
//! rustc) links into an executable or library instead of kiln's loader
//! relocating it. Besides the usual sections it defines one global data
//! symbol, a [`LinkedArtifact`], whose fields the linker fills with the
//! addresses of the object's own `.text`, `.kiln.meta`, `.kiln.data` and
//! `.kiln.image` (the kiln sections are allocated, so they are part of
//! the program's image). The loader then runs the code where the program
//! already has it, executable in its own pages: no file I/O, no copy, no
//! relocation by kiln.
//!
//! This struct is the one definition of the layout: the compiler places
//! its relocations at [`LinkedArtifact::FIELD_OFFSETS`] (computed from
//! this struct with `offset_of!`) and the loader reads the struct.

/// The magic bytes at the start of a [`LinkedArtifact`].
pub const LINKED_MAGIC: [u8; 8] = *b"KILNLNK1";

/// What a linkable object's descriptor symbol holds, as the linker leaves
/// it: where each of the object's sections landed in the program.
#[repr(C)]
#[derive(Debug)]
pub struct LinkedArtifact {
    /// [`LINKED_MAGIC`].
    pub magic: [u8; 8],
    /// The object's `.text`.
    pub text: *const u8,
    /// Its length.
    pub text_len: usize,
    /// The object's `.kiln.meta` (header and metadata).
    pub meta: *const u8,
    /// Its length.
    pub meta_len: usize,
    /// The object's `.kiln.data`.
    pub data: *const u8,
    /// Its length.
    pub data_len: usize,
    /// The object's `.kiln.image`.
    pub image: *const u8,
    /// Its length.
    pub image_len: usize,
    /// One entry per import, in import order, for a module compiled for a
    /// C program: the address of the adapter that calls the C function
    /// the program defines for that import, or null where the runtime
    /// provides the import. Null (and `host_imports_len` 0) otherwise.
    pub host_imports: *const *const u8,
    /// The number of entries at `host_imports`.
    pub host_imports_len: usize,
}

/// Which section a pointer field of [`LinkedArtifact`] points at.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum LinkedField {
    /// `.text`.
    Text,
    /// `.kiln.meta`.
    Meta,
    /// `.kiln.data`.
    Data,
    /// `.kiln.image`.
    Image,
}

impl LinkedArtifact {
    /// Size of the descriptor in the object.
    pub const SIZE: usize = size_of::<Self>();

    /// Each section pointer's offset in the descriptor, with the offset of
    /// its length field.
    pub const FIELD_OFFSETS: [(LinkedField, usize, usize); 4] = [
        (LinkedField::Text, std::mem::offset_of!(Self, text), std::mem::offset_of!(Self, text_len)),
        (LinkedField::Meta, std::mem::offset_of!(Self, meta), std::mem::offset_of!(Self, meta_len)),
        (LinkedField::Data, std::mem::offset_of!(Self, data), std::mem::offset_of!(Self, data_len)),
        (LinkedField::Image, std::mem::offset_of!(Self, image), std::mem::offset_of!(Self, image_len)),
    ];

    /// Offset of [`Self::host_imports`].
    pub const HOST_IMPORTS_OFFSET: usize = std::mem::offset_of!(Self, host_imports);
    /// Offset of [`Self::host_imports_len`].
    pub const HOST_IMPORTS_LEN_OFFSET: usize = std::mem::offset_of!(Self, host_imports_len);

    /// The bytes of the descriptor before the linker fills in the
    /// pointers: the magic, the lengths, and zeros where addresses go.
    /// `lens` are the section lengths in [`Self::FIELD_OFFSETS`] order.
    pub fn unrelocated(lens: [u64; 4], host_imports_len: u64) -> Vec<u8> {
        let mut bytes = vec![0u8; Self::SIZE];
        bytes[..8].copy_from_slice(&LINKED_MAGIC);
        for ((_, _, len_at), len) in Self::FIELD_OFFSETS.iter().zip(lens) {
            bytes[*len_at..*len_at + 8].copy_from_slice(&len.to_le_bytes());
        }
        bytes[Self::HOST_IMPORTS_LEN_OFFSET..][..8].copy_from_slice(&host_imports_len.to_le_bytes());
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unrelocated_bytes_read_back_as_the_struct() {
        let bytes = LinkedArtifact::unrelocated([1, 2, 3, 4], 5);
        assert_eq!(bytes.len(), LinkedArtifact::SIZE);
        // SAFETY: `bytes` is SIZE bytes; `read_unaligned` needs no
        // alignment, and every bit pattern is valid for these fields.
        let d: LinkedArtifact = unsafe { std::ptr::read_unaligned(bytes.as_ptr().cast()) };
        assert_eq!(d.magic, LINKED_MAGIC);
        assert_eq!((d.text_len, d.meta_len, d.data_len, d.image_len), (1, 2, 3, 4));
        assert_eq!(d.host_imports_len, 5);
        assert!(d.text.is_null() && d.meta.is_null() && d.data.is_null() && d.image.is_null());
        assert!(d.host_imports.is_null());
    }
}
