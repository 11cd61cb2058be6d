//! AArch64 relocations, as Cranelift emits them for kiln: direct calls and
//! tail calls (`R_AARCH64_CALL26`, `R_AARCH64_JUMP26`).

use super::{Apply, Kind};
use crate::artifact::ArtifactError;
use object::elf;

/// Size of one veneer: `ldr x16, #8; br x16` followed by the 8-byte target.
pub const VENEER_SIZE: usize = 16;

/// What relocation type `r_type` is, or an error for one kiln never emits.
pub fn kind(r_type: u32) -> Result<Kind, ArtifactError> {
    match r_type {
        elf::R_AARCH64_CALL26 | elf::R_AARCH64_JUMP26 => Ok(Kind { width: 4, addend: 0 }),
        other => Err(ArtifactError::Relocation(format!("unsupported AArch64 relocation type {other}"))),
    }
}

/// Checks that the relocated instruction is a `bl` or `b`.
pub fn check_site(_r_type: u32, code: &[u8], offset: usize) -> Result<(), ArtifactError> {
    let insn = code.get(offset..offset + 4).map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]));
    match insn.map(|i| i & 0x7c00_0000) {
        Some(0x1400_0000) => Ok(()),
        _ => Err(ArtifactError::Relocation(format!("relocation at {offset:#x} is not on a branch"))),
    }
}

/// Patches one relocation.
pub fn apply(a: &mut Apply<'_>) -> Result<(), ArtifactError> {
    match a.r_type {
        elf::R_AARCH64_CALL26 | elf::R_AARCH64_JUMP26 => {
            let rel = a.value.wrapping_sub(a.place as i64) >> 2;
            if !(-(1 << 25)..(1 << 25)).contains(&rel) {
                return Err(ArtifactError::Relocation(format!("relocation at {:#x} out of range", a.offset)));
            }
            let word = a.field(4)?;
            let insn = u32::from_le_bytes([word[0], word[1], word[2], word[3]]);
            let insn = (insn & 0xfc00_0000) | (rel as u32 & 0x03ff_ffff);
            word.copy_from_slice(&insn.to_le_bytes());
            Ok(())
        }
        other => Err(ArtifactError::Relocation(format!("unsupported AArch64 relocation type {other}"))),
    }
}

/// A veneer that jumps to `target`.
pub fn veneer(target: u64) -> [u8; VENEER_SIZE] {
    let mut v = [0u8; VENEER_SIZE];
    v[..4].copy_from_slice(&0x5800_0050u32.to_le_bytes()); // ldr x16, #8
    v[4..8].copy_from_slice(&0xd61f_0200u32.to_le_bytes()); // br x16
    v[8..].copy_from_slice(&target.to_le_bytes());
    v
}
