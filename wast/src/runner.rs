//! The spec-script runner: executes every directive of a `.wast` file
//! against kiln and counts what passed.
//!
//! Refusals must come at the right stage:
//! - `assert_malformed`: the text does not parse, or the binary is refused
//!   by the compiler's decoder/validator;
//! - `assert_invalid`: the compiler refuses the module as invalid (an
//!   "unsupported" answer does not count);
//! - `assert_unlinkable`: compilation succeeds, instantiation fails with a
//!   link error, not a trap;
//! - `assert_trap` on a module (assert_uninstantiable): instantiation traps;
//! - `assert_trap`/`assert_exhaustion`: the call traps with the expected
//!   trap code, mapped from the suite's message.

use crate::patterns::value_matches;
use crate::spectest;
use anyhow::{Context, Result, anyhow, bail};
use kiln::{Config, Engine, ExternRef, Func, Instance, Linker, Module, Store, Trap, V128, Val};
use kiln_compiler::CompileError;
use std::collections::HashMap;
use std::path::Path;
use wast::core::{AbstractHeapType, HeapType, WastArgCore, WastRetCore};
use wast::parser::{self, ParseBuffer};
use wast::{QuoteWat, Wast, WastArg, WastDirective, WastExecute, WastInvoke, WastRet, Wat};

/// The outcome of one script.
#[derive(Debug, Default)]
pub struct Report {
    /// Directives that behaved as the script says.
    pub passed: usize,
    /// One line per directive that did not: `line:col: what happened`.
    pub failures: Vec<String>,
}

/// State while running one script.
pub struct WastContext {
    engine: Engine,
    store: Store<()>,
    linker: Linker<()>,
    current: Option<Instance>,
    named: HashMap<String, Instance>,
    externs: HashMap<u32, ExternRef>,
}

/// Maps the suite's trap message to the trap code kiln must raise.
fn expected_trap(message: &str) -> Option<Trap> {
    const TABLE: &[(&str, Trap)] = &[
        ("out of bounds memory access", Trap::MemoryOutOfBounds),
        ("out of bounds table access", Trap::TableOutOfBounds),
        ("undefined element", Trap::TableOutOfBounds),
        ("uninitialized element", Trap::IndirectCallToNull),
        ("indirect call type mismatch", Trap::BadSignature),
        ("integer overflow", Trap::IntegerOverflow),
        ("integer divide by zero", Trap::IntegerDivisionByZero),
        ("invalid conversion to integer", Trap::BadConversionToInteger),
        ("unreachable", Trap::UnreachableCodeReached),
        ("call stack exhausted", Trap::StackOverflow),
        ("null", Trap::NullReference),
    ];
    TABLE.iter().find(|(m, _)| message.starts_with(m)).map(|(_, t)| *t)
}

enum Outcome {
    Values(Vec<Val>),
    Error(anyhow::Error),
}

impl WastContext {
    /// A fresh context with `spectest` defined, on an engine with SIMD and
    /// deterministic relaxed SIMD (kiln's defaults, asked for explicitly:
    /// the suite's expectations assume them).
    pub fn new() -> Result<Self> {
        let mut config = Config::new();
        config.wasm_simd(true).wasm_relaxed_simd(true).relaxed_simd_deterministic(true);
        Self::with_config(&config)
    }

    /// A fresh context with `spectest` defined, on an engine made with
    /// `config` (e.g. relaxed SIMD left to the host's native instructions).
    pub fn with_config(config: &Config) -> Result<Self> {
        let engine = Engine::new(config)?;
        let mut store = Store::new(&engine, ());
        let mut linker = Linker::new(&engine);
        linker.allow_shadowing(true);
        spectest::define(&mut linker, &mut store)?;
        Ok(Self { engine, store, linker, current: None, named: HashMap::new(), externs: HashMap::new() })
    }

    fn compile(&self, module: &mut QuoteWat<'_>) -> Result<Module> {
        let bytes = module.encode().map_err(|e| anyhow!(CompileError::Parse(e.to_string())))?;
        Module::new(&self.engine, &bytes)
    }

    fn instantiate(&mut self, module: &Module) -> Result<Instance> {
        self.linker.instantiate(&mut self.store, module)
    }

    fn instance(&self, id: Option<wast::token::Id<'_>>) -> Result<Instance> {
        match id {
            Some(id) => self.named.get(id.name()).copied().ok_or_else(|| anyhow!("unknown module `{}`", id.name())),
            None => self.current.ok_or_else(|| anyhow!("no module instantiated yet")),
        }
    }

    fn arg(&mut self, arg: &WastArg<'_>) -> Result<Val> {
        let WastArg::Core(arg) = arg else { bail!("component-model arguments are not supported") };
        Ok(match arg {
            WastArgCore::I32(v) => Val::I32(*v),
            WastArgCore::I64(v) => Val::I64(*v),
            WastArgCore::F32(v) => Val::F32(v.bits),
            WastArgCore::F64(v) => Val::F64(v.bits),
            WastArgCore::V128(v) => Val::V128(V128::from(u128::from_le_bytes(v.to_le_bytes()))),
            WastArgCore::RefNull(HeapType::Abstract { ty: AbstractHeapType::Func, .. }) => Val::FuncRef(None),
            WastArgCore::RefNull(HeapType::Abstract { ty: AbstractHeapType::Extern, .. }) => Val::ExternRef(None),
            WastArgCore::RefExtern(n) => Val::ExternRef(Some(self.extern_ref(*n)?)),
            other => bail!("unsupported argument {other:?}"),
        })
    }

    fn extern_ref(&mut self, n: u32) -> Result<ExternRef> {
        if let Some(r) = self.externs.get(&n) {
            return Ok(*r);
        }
        let r = ExternRef::new(&mut self.store, n)?;
        self.externs.insert(n, r);
        Ok(r)
    }

    fn invoke(&mut self, invoke: &WastInvoke<'_>) -> Result<Outcome> {
        let instance = self.instance(invoke.module)?;
        let func: Func = instance
            .get_func(&mut self.store, invoke.name)
            .ok_or_else(|| anyhow!("no function export `{}`", invoke.name))?;
        let args = invoke.args.iter().map(|a| self.arg(a)).collect::<Result<Vec<_>>>()?;
        let ty = func.ty(&self.store);
        let mut results: Vec<Val> = ty.results().map(Val::default_for).collect();
        Ok(match func.call(&mut self.store, &args, &mut results) {
            Ok(()) => Outcome::Values(results),
            Err(e) => Outcome::Error(e),
        })
    }

    fn execute(&mut self, exec: &mut WastExecute<'_>) -> Result<Outcome> {
        match exec {
            WastExecute::Invoke(invoke) => self.invoke(invoke),
            WastExecute::Get { module, global, .. } => {
                let instance = self.instance(*module)?;
                let g = instance
                    .get_global(&mut self.store, global)
                    .ok_or_else(|| anyhow!("no global export `{global}`"))?;
                Ok(Outcome::Values(vec![g.get(&mut self.store)]))
            }
            WastExecute::Wat(wat) => {
                let module = wat_module(&self.engine, wat)?;
                Ok(match self.instantiate(&module) {
                    Ok(_) => Outcome::Values(Vec::new()),
                    Err(e) => Outcome::Error(e),
                })
            }
        }
    }

    fn matches(&self, val: &Val, expected: &WastRet<'_>) -> Result<bool> {
        let WastRet::Core(expected) = expected else { bail!("component-model results are not supported") };
        if let Some(matched) = value_matches(val, expected) {
            return Ok(matched);
        }
        self.ref_matches(val, expected)
    }

    /// Whether a reference `val` matches `expected` (`either` included).
    fn ref_matches(&self, val: &Val, expected: &WastRetCore<'_>) -> Result<bool> {
        Ok(match (val, expected) {
            (_, WastRetCore::Either(alternatives)) => {
                for alt in alternatives {
                    if self.ref_matches(val, alt)? {
                        return Ok(true);
                    }
                }
                false
            }
            (Val::FuncRef(f), WastRetCore::RefNull(_)) => f.is_none(),
            (Val::ExternRef(r), WastRetCore::RefNull(_)) => r.is_none(),
            (Val::FuncRef(f), WastRetCore::RefFunc(None)) => f.is_some(),
            (Val::ExternRef(r), WastRetCore::RefExtern(None)) => r.is_some(),
            (Val::ExternRef(Some(r)), WastRetCore::RefExtern(Some(n))) => {
                r.data(&self.store)?.and_then(|d| d.downcast_ref::<u32>()) == Some(n)
            }
            _ => false,
        })
    }

    /// Runs one directive; `Ok(())` when it behaved as the script says.
    fn directive(&mut self, directive: WastDirective<'_>) -> Result<()> {
        match directive {
            WastDirective::Module(mut module) => {
                let name = module.name().map(|n| n.name().to_string());
                let compiled = self.compile(&mut module)?;
                let instance = self.instantiate(&compiled)?;
                self.current = Some(instance);
                if let Some(name) = name {
                    self.named.insert(name, instance);
                }
            }
            WastDirective::Register { name, module, .. } => {
                let instance = self.instance(module)?;
                self.linker.instance(&mut self.store, name, instance)?;
            }
            WastDirective::Invoke(invoke) => {
                if let Outcome::Error(e) = self.invoke(&invoke)? {
                    return Err(e.context("invoke failed"));
                }
            }
            WastDirective::AssertReturn { mut exec, results, .. } => match self.execute(&mut exec)? {
                Outcome::Values(vals) => {
                    if vals.len() != results.len() {
                        bail!("expected {} results, got {}", results.len(), vals.len());
                    }
                    for (v, r) in vals.iter().zip(&results) {
                        if !self.matches(v, r)? {
                            bail!("expected {r:?}, got {}", describe(v));
                        }
                    }
                }
                Outcome::Error(e) => bail!("expected values, got error: {e:?}"),
            },
            WastDirective::AssertTrap { mut exec, message, .. } => {
                let outcome = self.execute(&mut exec)?;
                expect_trap(outcome, message)?;
            }
            WastDirective::AssertExhaustion { call, message, .. } => {
                let outcome = self.invoke(&call)?;
                expect_trap(outcome, message)?;
            }
            WastDirective::AssertInvalid { mut module, message, .. } => match self.compile(&mut module) {
                Ok(_) => bail!("module is invalid ({message}) but compiled"),
                // A module that only a later proposal makes valid is refused
                // as "unsupported" at the same (validation) stage.
                Err(e) => match e.downcast_ref::<CompileError>() {
                    Some(CompileError::Invalid { .. } | CompileError::Unsupported(_)) => {}
                    _ => bail!("expected a validation error ({message}), got: {e:#}"),
                },
            },
            WastDirective::AssertMalformed { mut module, message, .. } => match self.compile(&mut module) {
                Ok(_) => bail!("module is malformed ({message}) but compiled"),
                Err(e) => match e.downcast_ref::<CompileError>() {
                    Some(
                        CompileError::Empty
                        | CompileError::Parse(_)
                        | CompileError::Invalid { .. }
                        | CompileError::Unsupported(_),
                    ) => {}
                    _ => bail!("expected a decoding error ({message}), got: {e:#}"),
                },
            },
            WastDirective::AssertUnlinkable { mut module, message, .. } => {
                let compiled = wat_module(&self.engine, &mut module)?;
                match self.instantiate(&compiled) {
                    Ok(_) => bail!("module is unlinkable ({message}) but instantiated"),
                    Err(e) if e.downcast_ref::<Trap>().is_some() => bail!("expected a link error, got a trap: {e:#}"),
                    Err(_) => {}
                }
            }
            other => bail!("unsupported directive {other:?}"),
        }
        Ok(())
    }
}

/// A result for a failure message: a vector as its four 32-bit lanes in
/// hex (lane 0 first), anything else as `Debug` shows it.
fn describe(v: &Val) -> String {
    match v {
        Val::V128(x) => {
            let b = x.as_u128().to_le_bytes();
            let lane = |i: usize| u32::from_le_bytes([b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]]);
            format!("V128(i32x4 {:#010x} {:#010x} {:#010x} {:#010x})", lane(0), lane(1), lane(2), lane(3))
        }
        other => format!("{other:?}"),
    }
}

fn wat_module(engine: &Engine, wat: &mut Wat<'_>) -> Result<Module> {
    let bytes = wat.encode().context("encoding module")?;
    Module::new(engine, &bytes)
}

fn expect_trap(outcome: Outcome, message: &str) -> Result<()> {
    let want = expected_trap(message).ok_or_else(|| anyhow!("unknown trap message `{message}`"))?;
    match outcome {
        Outcome::Values(v) => bail!("expected trap `{message}`, got {v:?}"),
        Outcome::Error(e) => match e.downcast_ref::<Trap>() {
            Some(t) if *t == want => Ok(()),
            Some(t) => bail!("expected trap `{message}`, got `{}`", t.message()),
            None => bail!("expected trap `{message}`, got error: {e:#}"),
        },
    }
}

/// Runs the script in `contents` (named `name` in messages).
pub fn run_str(name: &str, contents: &str) -> Result<Report> {
    run_str_with(name, contents, WastContext::new()?)
}

/// Runs the script in `contents` in the context `cx`.
fn run_str_with(name: &str, contents: &str, mut cx: WastContext) -> Result<Report> {
    // The suite deliberately uses bidi and other "confusing" characters in
    // names (names.wast), so the lexer must accept them.
    let mut lexer = wast::lexer::Lexer::new(contents);
    lexer.allow_confusing_unicode(true);
    let buf = ParseBuffer::new_with_lexer(lexer).map_err(|e| anyhow!("{name}: {e}"))?;
    let wast: Wast<'_> = parser::parse(&buf).map_err(|mut e| {
        e.set_text(contents);
        e.set_path(Path::new(name));
        anyhow!("{e}")
    })?;
    let mut report = Report::default();
    for directive in wast.directives {
        let (line, col) = directive.span().linecol_in(contents);
        match cx.directive(directive) {
            Ok(()) => report.passed += 1,
            Err(e) => report.failures.push(format!("{name}:{}:{}: {e:#}", line + 1, col + 1)),
        }
    }
    Ok(report)
}

/// Runs the script at `path`.
pub fn run_file(path: &Path) -> Result<Report> {
    let contents = std::fs::read_to_string(path).with_context(|| format!("failed to read {}", path.display()))?;
    run_str(&path.display().to_string(), &contents)
}

/// Runs the script at `path` on an engine made with `config`.
pub fn run_file_with_config(path: &Path, config: &Config) -> Result<Report> {
    let contents = std::fs::read_to_string(path).with_context(|| format!("failed to read {}", path.display()))?;
    run_str_with(&path.display().to_string(), &contents, WastContext::with_config(config)?)
}
