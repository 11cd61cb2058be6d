//! x86-64 relocations, as Cranelift emits them for kiln: direct calls
//! (`R_X86_64_PLT32`/`R_X86_64_PC32` on a `call`/`jmp` rel32) and 64-bit
//! absolute addresses (`R_X86_64_64`, for libcalls).

use super::{Apply, Kind};
use crate::artifact::ArtifactError;
use object::elf;

/// Size of one veneer: `jmp *0(%rip)` followed by the 8-byte target.
pub const VENEER_SIZE: usize = 16;

/// What relocation type `r_type` is, or an error for one kiln never emits.
pub fn kind(r_type: u32) -> Result<Kind, ArtifactError> {
    match r_type {
        elf::R_X86_64_PC32 | elf::R_X86_64_PLT32 => Ok(Kind { width: 4, addend: -4 }),
        elf::R_X86_64_64 => Ok(Kind { width: 8, addend: 0 }),
        other => Err(ArtifactError::Relocation(format!("unsupported x86-64 relocation type {other}"))),
    }
}

/// Checks that the instruction around the relocated field is one kiln
/// relocates: a `call` or `jmp` rel32, or a `movabs` of an immediate.
pub fn check_site(r_type: u32, code: &[u8], offset: usize) -> Result<(), ArtifactError> {
    let before = |n: usize| offset.checked_sub(n).and_then(|i| code.get(i)).copied();
    let ok = match r_type {
        elf::R_X86_64_PC32 | elf::R_X86_64_PLT32 => matches!(before(1), Some(0xe8 | 0xe9)),
        _ => matches!(before(1), Some(0xb8..=0xbf)) && matches!(before(2), Some(0x48..=0x4f)),
    };
    if ok {
        Ok(())
    } else {
        Err(ArtifactError::Relocation(format!("relocation at {offset:#x} is not on a call or an address load")))
    }
}

/// Patches one relocation.
pub fn apply(a: &mut Apply<'_>) -> Result<(), ArtifactError> {
    let offset = a.offset;
    let out_of_range = || ArtifactError::Relocation(format!("relocation at {offset:#x} out of range"));
    match a.r_type {
        elf::R_X86_64_PC32 | elf::R_X86_64_PLT32 => {
            let rel = i32::try_from(a.value.wrapping_sub(a.place as i64)).map_err(|_| out_of_range())?;
            a.field(4)?.copy_from_slice(&rel.to_le_bytes());
        }
        elf::R_X86_64_64 => {
            let value = a.value;
            a.field(8)?.copy_from_slice(&value.to_le_bytes())
        }
        other => return Err(ArtifactError::Relocation(format!("unsupported x86-64 relocation type {other}"))),
    }
    Ok(())
}

/// A veneer that jumps to `target`.
pub fn veneer(target: u64) -> [u8; VENEER_SIZE] {
    let mut v = [0u8; VENEER_SIZE];
    v[..6].copy_from_slice(&[0xff, 0x25, 0, 0, 0, 0]);
    v[6..14].copy_from_slice(&target.to_le_bytes());
    v
}
