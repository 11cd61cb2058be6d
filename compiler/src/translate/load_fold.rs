//! A clean-up of the translated function that lets the backend fold
//! vector loads into the instructions that use them (x86-64: a memory
//! operand of `vpaddd`, `vmulps`, ...).
//!
//! A backend merges a load into its user only when the load's result is
//! the user's operand itself, of the same type, used nowhere else, and (on
//! x86-64) the second operand of a two-operand instruction. The translator
//! works against that twice:
//!
//! - Every `v128` is an `i8x16` between operators, so `v128.load` is an
//!   `i8x16` load and an `f32x4.mul` of it reads a `bitcast` of the load,
//!   not the load. Here a vector load whose every use is a `bitcast` to
//!   one type `T` becomes a load of `T` and the bitcasts disappear
//!   (little-endian: the same bytes in the same register either way).
//! - Wasm's operand order puts a load first as often as second. A
//!   commutative integer operator whose first operand is a load and
//!   whose second is not has them swapped. Float operators keep their
//!   order (the NaN an x86 instruction returns depends on it).
//!
//! Both rewrites change only types and operand order, never what is
//! loaded, when, or whether it traps.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{Function, Inst, InstructionData, Opcode, Type, Value, ValueDef};
use std::collections::BTreeMap;

/// Applies both rewrites to `func` (see the module doc).
pub fn fold_vector_loads(func: &mut Function) {
    retype_loads(func);
    loads_second(func);
}

/// The vector `load` defining `v` (through aliases), if one does.
fn vector_load(func: &Function, v: Value) -> Option<Inst> {
    let v = func.dfg.resolve_aliases(v);
    let ValueDef::Result(inst, 0) = func.dfg.value_def(v) else { return None };
    let is_load = matches!(func.dfg.insts[inst], InstructionData::Load { opcode: Opcode::Load, .. });
    (is_load && func.dfg.value_type(v).is_vector()).then_some(inst)
}

/// How a vector load's result is used: only by bitcasts to one type, or
/// otherwise.
enum Uses {
    /// Bitcasts to this type, these instructions.
    Bitcasts(Type, Vec<Inst>),
    /// Some other use (an operator, a block argument, bitcasts to two
    /// types).
    Other,
}

fn retype_loads(func: &mut Function) {
    let mut uses: BTreeMap<Value, Uses> = BTreeMap::new();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            let is_bitcast = func.dfg.insts[inst].opcode() == Opcode::Bitcast;
            for (i, arg) in func.dfg.inst_values(inst).enumerate() {
                let arg = func.dfg.resolve_aliases(arg);
                if vector_load(func, arg).is_none() {
                    continue;
                }
                let to = func.dfg.inst_results(inst).first().map(|r| func.dfg.value_type(*r));
                let entry = uses.entry(arg).or_insert(Uses::Bitcasts(func.dfg.value_type(arg), Vec::new()));
                match (entry, to) {
                    (Uses::Bitcasts(ty, insts), Some(to))
                        if is_bitcast && i == 0 && to.is_vector() && (insts.is_empty() || *ty == to) =>
                    {
                        *ty = to;
                        insts.push(inst);
                    }
                    (entry, _) => *entry = Uses::Other,
                }
            }
        }
    }
    for (load_value, u) in uses {
        let Uses::Bitcasts(ty, bitcasts) = u else { continue };
        if bitcasts.is_empty() || ty == func.dfg.value_type(load_value) {
            continue;
        }
        let new = func.dfg.replace_result(load_value, ty);
        for b in bitcasts {
            let result = func.dfg.first_result(b);
            func.dfg.clear_results(b);
            func.layout.remove_inst(b);
            func.dfg.change_to_alias(result, new);
        }
    }
}

/// Whether `opcode` on vectors, with these instruction data, gives the
/// same result for swapped operands.
fn commutes(data: &InstructionData) -> bool {
    match *data {
        InstructionData::Binary { opcode, .. } => matches!(
            opcode,
            Opcode::Iadd
                | Opcode::Imul
                | Opcode::Band
                | Opcode::Bor
                | Opcode::Bxor
                | Opcode::Smin
                | Opcode::Smax
                | Opcode::Umin
                | Opcode::Umax
                | Opcode::SaddSat
                | Opcode::UaddSat
                | Opcode::AvgRound
        ),
        InstructionData::IntCompare { cond, .. } => matches!(cond, IntCC::Equal | IntCC::NotEqual),
        _ => false,
    }
}

fn loads_second(func: &mut Function) {
    let mut swaps = Vec::new();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            let data = &func.dfg.insts[inst];
            if !commutes(data) {
                continue;
            }
            let [a, b] = *func.dfg.inst_args(inst) else { continue };
            if !func.dfg.value_type(a).is_vector() {
                continue;
            }
            if vector_load(func, a).is_some() && vector_load(func, b).is_none() {
                swaps.push(inst);
            }
        }
    }
    for inst in swaps {
        func.dfg.inst_args_mut(inst).swap(0, 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::translate::test_support::sysv_function;
    use cranelift_codegen::ir::{InstBuilder, MemFlagsData, types};
    use cranelift_frontend::FunctionBuilder;

    /// A function of two pointers built by `body`, folded, as text.
    fn folded(body: impl FnOnce(&mut FunctionBuilder<'_>, Value, Value) -> Value) -> String {
        let mut func = sysv_function(&[types::I64, types::I64], &[types::I8X16], |b, p| {
            let r = body(b, p[0], p[1]);
            b.ins().return_(&[r]);
        });
        fold_vector_loads(&mut func);
        func.display().to_string()
    }

    fn little() -> MemFlagsData {
        MemFlagsData::new().with_endianness(cranelift_codegen::ir::Endianness::Little)
    }

    fn load(b: &mut FunctionBuilder<'_>, p: Value) -> Value {
        b.ins().load(types::I8X16, little(), p, 0)
    }

    fn cast(b: &mut FunctionBuilder<'_>, ty: Type, v: Value) -> Value {
        b.ins().bitcast(ty, little(), v)
    }

    #[test]
    fn a_load_only_bitcast_takes_the_bitcast_type() {
        let clif = folded(|b, p, q| {
            let (x, y) = (load(b, p), load(b, q));
            let (x, y) = (cast(b, types::F32X4, x), cast(b, types::F32X4, y));
            let m = b.ins().fmul(x, y);
            cast(b, types::I8X16, m)
        });
        assert_eq!(clif.matches("load.f32x4").count(), 2, "{clif}");
        // Only the result's bitcast back is left.
        assert_eq!(clif.matches("bitcast").count(), 1, "{clif}");
    }

    #[test]
    fn a_load_used_otherwise_keeps_its_type() {
        let clif = folded(|b, p, _| {
            let x = load(b, p);
            let f = cast(b, types::F32X4, x);
            let i = cast(b, types::I32X4, x);
            let fi = cast(b, types::I32X4, f);
            let s = b.ins().iadd(fi, i);
            cast(b, types::I8X16, s)
        });
        assert!(clif.contains("load.i8x16"), "{clif}");
        let clif = folded(|b, p, _| {
            let x = load(b, p);
            let i = cast(b, types::I32X4, x);
            let s = b.ins().iadd(i, i);
            let s = cast(b, types::I8X16, s);
            b.ins().bxor(s, x)
        });
        assert!(clif.contains("load.i8x16"), "{clif}");
    }

    #[test]
    fn a_commutative_integer_operator_takes_the_load_second() {
        let clif = folded(|b, p, q| {
            let x = load(b, p);
            let y = load(b, q);
            let y = b.ins().bnot(y);
            b.ins().iadd(x, y)
        });
        assert!(clif.contains("iadd v4, v2"), "{clif}");
        // Not a float one, nor one that does not commute.
        let clif = folded(|b, p, q| {
            let x = load(b, p);
            let y = load(b, q);
            let y = b.ins().bnot(y);
            let d = b.ins().isub(x, y);
            let (d, y) = (cast(b, types::F32X4, d), cast(b, types::F32X4, y));
            let x = cast(b, types::F32X4, x);
            let _ = b.ins().fadd(x, y);
            cast(b, types::I8X16, d)
        });
        assert!(clif.contains("isub v2, v4") && clif.contains("fadd v8, v7"), "{clif}");
    }
}
