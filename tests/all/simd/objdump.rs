//! `kiln compile` turns SIMD operators into vector instructions, as
//! `objdump -d` shows them: per function of a small module, and in the
//! hot functions of the benchmark's kernel module.

use super::fixture;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

const WAT: &str = r#"(module
  (memory 1)
  (func (export "add_i32x4") (param v128 v128) (result v128) (i32x4.add (local.get 0) (local.get 1)))
  (func (export "mul_f32x4") (param v128 v128) (result v128) (f32x4.mul (local.get 0) (local.get 1)))
  (func (export "swizzle") (param v128 v128) (result v128) (i8x16.swizzle (local.get 0) (local.get 1)))
  (func (export "bitmask") (param v128) (result i32) (i8x16.bitmask (local.get 0)))
  (func (export "dot_i16x8") (param v128 v128) (result v128) (i32x4.dot_i16x8_s (local.get 0) (local.get 1)))
  (func (export "sum_f32x4") (param $p i32) (param $n i32) (result v128) (local $acc v128)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (f32x4.add (local.get $acc) (v128.load (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $acc)))"#;

/// The mnemonics of each function in `objdump -d` of `artifact`, by symbol.
fn disassemble(artifact: &Path) -> BTreeMap<String, Vec<String>> {
    let mut functions = disassemble_full(artifact);
    for body in functions.values_mut() {
        for insn in body.iter_mut() {
            *insn = insn.split_whitespace().next().unwrap_or_default().to_string();
        }
    }
    functions
}

/// The instructions (mnemonic and operands) of each function in
/// `objdump -d` of `artifact`, by symbol.
fn disassemble_full(artifact: &Path) -> BTreeMap<String, Vec<String>> {
    let o = Command::new("objdump").args(["-d", "--no-show-raw-insn"]).arg(artifact).output().expect("objdump runs");
    assert!(o.status.success(), "objdump: {}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    let mut functions = BTreeMap::new();
    let mut current: Option<(String, Vec<String>)> = None;
    for line in text.lines() {
        if let Some(name) = line.strip_suffix(">:").and_then(|l| l.split_once(" <")).map(|(_, n)| n.to_string()) {
            functions.extend(current.take());
            current = Some((name, Vec::new()));
        } else if let Some((_, insn)) = line.split_once(":\t")
            && let Some((_, body)) = current.as_mut()
            && !insn.trim().is_empty()
        {
            body.push(insn.split_whitespace().collect::<Vec<_>>().join(" "));
        }
    }
    functions.extend(current);
    functions
}

/// Fails unless `function` contains `mnemonic`, in its SSE or VEX form.
fn assert_has(functions: &BTreeMap<String, Vec<String>>, function: &str, mnemonic: &str) {
    let body = functions.get(function).unwrap_or_else(|| panic!("no function {function} in {:?}", functions.keys()));
    let vex = format!("v{mnemonic}");
    assert!(body.iter().any(|m| *m == mnemonic || *m == vex), "{function} has no {mnemonic}/{vex}: {body:?}");
}

fn compile(input: &Path, dir: &Path) -> std::path::PathBuf {
    let out = dir.join("simd.o");
    let o = Command::new(env!("CARGO_BIN_EXE_kiln")).arg("compile").arg(input).arg("-o").arg(&out).output().unwrap();
    assert!(o.status.success(), "kiln compile: {}", String::from_utf8_lossy(&o.stderr));
    out
}

#[test]
fn objdump_shows_vector_instructions() {
    let dir = tempfile::tempdir().unwrap();
    let wat = dir.path().join("simd.wat");
    std::fs::write(&wat, WAT).unwrap();
    let f = disassemble(&compile(&wat, dir.path()));
    assert_has(&f, "add_i32x4", "paddd");
    assert_has(&f, "mul_f32x4", "mulps");
    assert_has(&f, "swizzle", "pshufb");
    assert_has(&f, "bitmask", "pmovmskb");
    assert_has(&f, "dot_i16x8", "pmaddwd");
    assert_has(&f, "sum_f32x4", "addps");
    // The loop's accumulator stays a vector: no lane-by-lane scalar adds.
    let sum = &f["sum_f32x4"];
    assert!(!sum.iter().any(|m| m == "addss" || m == "vaddss"), "scalar adds in sum_f32x4: {sum:?}");
}

#[test]
fn kernel_module_hot_functions_are_vector_code() {
    let dir = tempfile::tempdir().unwrap();
    let f = disassemble(&compile(&fixture("bin/simd_kernels.wasm"), dir.path()));
    assert_has(&f, "dot_f32", "mulps");
    assert_has(&f, "dot_f32", "addps");
    assert_has(&f, "find_byte", "pcmpeqb");
    assert_has(&f, "find_byte", "pmovmskb");
    assert_has(&f, "mat4_batch", "mulps");
    assert_has(&f, "checksum_bytes", "pmaddwd");
}

const FOLDS: &str = r#"(module
  (memory 1)
  (func (export "add_i32") (param i32 i32) (result i32) (i32.add (local.get 1) (i32.load (local.get 0))))
  (func (export "add_i32x4") (param i32 v128) (result v128) (i32x4.add (local.get 1) (v128.load (local.get 0))))
  (func (export "add_i32x4_load_first") (param i32 v128) (result v128)
    (i32x4.add (v128.load (local.get 0)) (local.get 1)))
  (func (export "mul_f32x4") (param i32 i32) (result v128)
    (f32x4.mul (v128.load (local.get 0)) (v128.load (local.get 1)))))"#;

/// Fails unless `function` has a `mnemonic` (or its VEX form) reading
/// memory, and no other instruction besides reads linear memory.
fn assert_folded(functions: &BTreeMap<String, Vec<String>>, function: &str, mnemonic: &str) {
    let body = functions.get(function).unwrap_or_else(|| panic!("no function {function} in {:?}", functions.keys()));
    let vex = format!("v{mnemonic}");
    let folded = |i: &String| {
        let (m, operands) = i.split_once(' ').unwrap_or((i, ""));
        (m == mnemonic || m == vex) && operands.contains("(%")
    };
    assert!(body.iter().any(folded), "{function}: no {mnemonic}/{vex} with a memory operand: {body:#?}");
    // Only the heap base (from the VMContext, at a displacement) is
    // loaded on its own; a whole-vector or i32 load from the heap is not.
    let loads =
        body.iter().filter(|i| i.starts_with("vmovdqu (") || i.starts_with("vmovups (") || i.starts_with("mov (%"));
    assert_eq!(loads.count(), usize::from(function == "mul_f32x4"), "{function}: {body:#?}");
}

#[test]
fn loads_fold_into_their_users() {
    let dir = tempfile::tempdir().unwrap();
    let wat = dir.path().join("folds.wat");
    std::fs::write(&wat, FOLDS).unwrap();
    let f = disassemble_full(&compile(&wat, dir.path()));
    assert_folded(&f, "add_i32", "add");
    // SSE forms need aligned memory operands; wasm loads are unaligned, so
    // only the VEX forms (AVX) take them.
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        assert_folded(&f, "add_i32x4", "paddd");
        assert_folded(&f, "add_i32x4_load_first", "paddd");
        // Two loads: the first in a register, the second folded.
        assert_folded(&f, "mul_f32x4", "mulps");
    }
}

/// The instructions of the loop in `function` of `artifact` that holds
/// `marker` (a mnemonic, in its SSE or VEX form): from the target of a backward
/// branch to that branch, in layout order.
fn loop_holding(artifact: &Path, function: &str, marker: &str) -> Vec<String> {
    let o = Command::new("objdump").args(["-d", "--no-show-raw-insn"]).arg(artifact).output().expect("objdump runs");
    let text = String::from_utf8(o.stdout).unwrap();
    let header = format!("<{function}>:");
    let body: Vec<(u64, String)> = text
        .lines()
        .skip_while(|l| !l.ends_with(&header))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| {
            let (addr, insn) = l.split_once(":\t")?;
            Some((u64::from_str_radix(addr.trim(), 16).ok()?, insn.split_whitespace().collect::<Vec<_>>().join(" ")))
        })
        .collect();
    for (at, insn) in &body {
        let Some(target) = insn.strip_prefix('j').and_then(|i| i.split_whitespace().nth(1)) else { continue };
        let Ok(target) = u64::from_str_radix(target, 16) else { continue };
        let range: Vec<String> =
            body.iter().filter(|(a, _)| (target..=*at).contains(a)).map(|(_, i)| i.clone()).collect();
        let vex = format!("v{marker}");
        if target < *at && range.iter().any(|i| i.starts_with(marker) || i.starts_with(&vex)) {
            return range;
        }
    }
    panic!("no loop holding {marker} in {function}: {body:#?}");
}

#[test]
fn the_byte_search_loop_is_rotated() {
    // `while i + 16 <= n { ...; if mask != 0 { return } i += 16 }`, closed
    // by the guest's `br_if`: rotated, the loop is its body, a branch out
    // on a match and the bound test branching back, with no jump back to
    // a separate header and no edge block of its own.
    let dir = tempfile::tempdir().unwrap();
    let artifact = compile(&fixture("bin/simd_kernels.wasm"), dir.path());
    let body = loop_holding(&artifact, "find_byte", "pcmpeqb");
    let branches: Vec<&String> = body.iter().filter(|i| i.starts_with('j')).collect();
    assert_eq!(branches.len(), 2, "{body:#?}");
    assert!(!branches.iter().any(|b| b.starts_with("jmp")), "{body:#?}");
    // Eight instructions with AVX (native's loop is seven): the address
    // (`lea -16(p, carried)`), the compare with the load folded into it,
    // the mask, its test and branch, and the bound's step, test and
    // branch. The match exit's index `carried - 16` is computed on the
    // exit, not kept live in the loop (`loop_rotate::step_out_of_sums`),
    // and so is its mask, from a load of its own (`exit_remat`), so that
    // the loop's load is used once and folds.
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        assert!(body.len() <= 8, "the loop grew: {body:#?}");
        assert!(body.iter().any(|i| i.starts_with("vpcmpeqb (%")), "the load is not folded: {body:#?}");
        assert!(!body.iter().any(|i| i.starts_with("vmovdqu")), "a separate load: {body:#?}");
    }
}
