//! Conversions from wasmparser's types to kiln's own.

use crate::error::{CompileResult, unsupported};
use cranelift_entity::EntityRef;
use kiln_environ::types::*;
use kiln_environ::{ConstExpr, ConstOp, FuncIndex, GlobalIndex};

/// Converts a value type.
pub fn val_type(ty: wasmparser::ValType) -> CompileResult<WasmValType> {
    Ok(match ty {
        wasmparser::ValType::I32 => WasmValType::I32,
        wasmparser::ValType::I64 => WasmValType::I64,
        wasmparser::ValType::F32 => WasmValType::F32,
        wasmparser::ValType::F64 => WasmValType::F64,
        wasmparser::ValType::V128 => WasmValType::V128,
        wasmparser::ValType::Ref(r) => WasmValType::Ref(ref_type(r)?),
    })
}

/// Converts a reference type; only `funcref` and `externref` exist in 2.0.
pub fn ref_type(ty: wasmparser::RefType) -> CompileResult<WasmRefType> {
    if ty == wasmparser::RefType::FUNCREF {
        Ok(WasmRefType::Func)
    } else if ty == wasmparser::RefType::EXTERNREF {
        Ok(WasmRefType::Extern)
    } else {
        unsupported!("reference type {ty:?}")
    }
}

/// Converts a function type.
pub fn func_type(ty: &wasmparser::FuncType) -> CompileResult<WasmFuncType> {
    Ok(WasmFuncType {
        params: ty.params().iter().map(|t| val_type(*t)).collect::<CompileResult<_>>()?,
        results: ty.results().iter().map(|t| val_type(*t)).collect::<CompileResult<_>>()?,
    })
}

/// Converts a table type.
pub fn table_type(ty: &wasmparser::TableType) -> CompileResult<TableType> {
    if ty.table64 {
        unsupported!("memory64 (64-bit tables)");
    }
    Ok(TableType { element: ref_type(ty.element_type)?, limits: Limits { min: ty.initial, max: ty.maximum } })
}

/// Converts a memory type.
pub fn memory_type(ty: &wasmparser::MemoryType) -> CompileResult<MemoryType> {
    if ty.memory64 {
        unsupported!("memory64");
    }
    if ty.shared {
        unsupported!("threads (shared memory)");
    }
    if ty.page_size_log2.is_some() {
        unsupported!("custom-page-sizes");
    }
    Ok(MemoryType { limits: Limits { min: ty.initial, max: ty.maximum } })
}

/// Converts a global type.
pub fn global_type(ty: &wasmparser::GlobalType) -> CompileResult<GlobalType> {
    if ty.shared {
        unsupported!("threads (shared global)");
    }
    Ok(GlobalType { content: val_type(ty.content_type)?, mutable: ty.mutable })
}

/// Converts a constant expression.
pub fn const_expr(expr: &wasmparser::ConstExpr<'_>) -> CompileResult<ConstExpr> {
    use wasmparser::Operator as O;
    let mut ops = Vec::new();
    let mut reader = expr.get_operators_reader();
    while !reader.eof() {
        let op = reader.read()?;
        ops.push(match op {
            O::I32Const { value } => ConstOp::I32Const(value),
            O::I64Const { value } => ConstOp::I64Const(value),
            O::F32Const { value } => ConstOp::F32Const(value.bits()),
            O::F64Const { value } => ConstOp::F64Const(value.bits()),
            O::V128Const { value } => ConstOp::V128Const(u128::from_le_bytes(*value.bytes())),
            O::RefNull { hty } => ConstOp::RefNull(ref_type(
                wasmparser::RefType::new(true, hty)
                    .ok_or_else(|| crate::error::CompileError::Unsupported(format!("heap type {hty:?}")))?,
            )?),
            O::RefFunc { function_index } => ConstOp::RefFunc(FuncIndex::new(function_index as usize)),
            O::GlobalGet { global_index } => ConstOp::GlobalGet(GlobalIndex::new(global_index as usize)),
            O::I32Add => ConstOp::I32Add,
            O::I32Sub => ConstOp::I32Sub,
            O::I32Mul => ConstOp::I32Mul,
            O::I64Add => ConstOp::I64Add,
            O::I64Sub => ConstOp::I64Sub,
            O::I64Mul => ConstOp::I64Mul,
            O::End => continue,
            other => unsupported!("constant expression operator {other:?}"),
        });
    }
    Ok(ConstExpr(ops))
}
