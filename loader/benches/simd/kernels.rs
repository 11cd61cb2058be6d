//! The four kernels, each side ready to call: the kernel module
//! instantiated with its inputs in its memory, the native side's inputs
//! in Rust vectors, and both sides checked to compute the same result
//! before anything is timed. Shared by the criterion bench (`main.rs`)
//! and the paired one (`paired.rs`).

use crate::native;
use kiln::{Engine, Memory, Module, Store, TypedFunc};
use std::hint::black_box;

/// Floats per dot-product operand (64 KiB each).
const DOT_N: usize = 16 * 1024;
/// Bytes searched; the needle is the last one.
const FIND_N: usize = 256 * 1024;
/// Matrices per batch.
const MAT4_N: usize = 1024;
/// Bytes checksummed.
const CHECKSUM_N: usize = 256 * 1024;

const KERNELS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/simd-guests/bin/simd_kernels.wasm");

/// One of the benchmarked kernels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// The f32 dot product of two 16 Ki-float vectors.
    Dot,
    /// The search of 256 KiB for a byte found only at the end.
    Find,
    /// 1024 products of a 4×4 matrix by another.
    Mat4,
    /// The weighted checksum of 256 KiB.
    Checksum,
}

impl Kernel {
    /// Every kernel, in report order.
    pub const ALL: [Kernel; 4] = [Kernel::Dot, Kernel::Find, Kernel::Mat4, Kernel::Checksum];

    /// The kernel's name in benchmark ids and reports.
    pub fn name(self) -> &'static str {
        match self {
            Kernel::Dot => "dot",
            Kernel::Find => "find",
            Kernel::Mat4 => "mat4",
            Kernel::Checksum => "checksum",
        }
    }

    /// The work of one call: bytes read, or matrices multiplied.
    pub fn work(self) -> Work {
        match self {
            Kernel::Dot => Work::Bytes(DOT_N * 8),
            Kernel::Find => Work::Bytes(FIND_N),
            Kernel::Mat4 => Work::Elements(MAT4_N),
            Kernel::Checksum => Work::Bytes(CHECKSUM_N),
        }
    }
}

/// What one call of a kernel processes.
#[derive(Clone, Copy, Debug)]
pub enum Work {
    /// Bytes of input.
    Bytes(usize),
    /// Items, here 4×4 matrix products.
    Elements(usize),
}

/// The wasm addresses of a kernel's operands.
struct Args {
    dot: (u32, u32),
    find: u32,
    mat4: (u32, u32, u32),
    checksum: u32,
}

/// Both sides of every kernel, with their inputs.
pub struct Kernels {
    store: Store<()>,
    dot: TypedFunc<(u32, u32, u32), f32>,
    find: TypedFunc<(u32, u32, u32), i32>,
    mat4: TypedFunc<(u32, u32, u32, u32), ()>,
    checksum: TypedFunc<(u32, u32), u32>,
    args: Args,
    dot_in: (Vec<f32>, Vec<f32>),
    hay: Vec<u8>,
    mat4_in: (Vec<[f32; 16]>, [f32; 16]),
    mat4_out: Vec<[f32; 16]>,
    bytes: Vec<u8>,
}

fn data(n: usize, seed: u32) -> Vec<u8> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

fn floats(n: usize, seed: u32) -> Vec<f32> {
    data(n * 4, seed).chunks_exact(4).map(|c| f32::from(u16::from_le_bytes([c[0], c[1]])) / 32768.0 - 1.0).collect()
}

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|f| f.to_le_bytes()).collect()
}

/// Writes `bytes` into `memory` at `addr`; returns `addr`.
fn put(store: &mut Store<()>, memory: Memory, addr: u32, bytes: &[u8]) -> u32 {
    memory.write(&mut *store, addr as usize, bytes).unwrap();
    addr
}

impl Kernels {
    /// Compiles and instantiates the kernel module, writes every kernel's
    /// input into its memory (each in its own region of the arena), and
    /// checks each wasm kernel against its native twin.
    ///
    /// # Panics
    /// If the CPU lacks what the native kernels use, the module does not
    /// load, or a pair disagrees: the benchmark would be meaningless.
    pub fn new() -> Self {
        assert!(native::available(), "the native kernels need SSE4.1 and SSSE3");
        let engine = Engine::default();
        let module = Module::from_file(&engine, KERNELS).expect("the kernel module compiles");
        let mut store = Store::new(&engine, ());
        let instance = kiln::Instance::new(&mut store, &module, &[]).unwrap();
        let memory = instance.get_memory(&mut store, "memory").unwrap();
        let arena = instance.get_typed_func::<(), u32>(&mut store, "arena").unwrap().call(&mut store, ()).unwrap();

        // The inputs; the needle is only at the haystack's end.
        let dot_in = (floats(DOT_N, 1), floats(DOT_N, 2));
        let mut hay: Vec<u8> = data(FIND_N, 3).into_iter().map(|x| x & 0x7f).collect();
        hay[FIND_N - 1] = 0xff;
        let mat4_in: (Vec<[f32; 16]>, [f32; 16]) = (
            floats(MAT4_N * 16, 4).chunks_exact(16).map(|m| m.try_into().unwrap()).collect(),
            floats(16, 5).try_into().unwrap(),
        );
        let bytes = data(CHECKSUM_N, 6);

        // Their regions of the arena: dot's two operands, the haystack,
        // the matrices and their products, the checksummed bytes.
        let mut at = arena;
        let mut next = |len: usize| {
            let here = at;
            at += len.next_multiple_of(64) as u32;
            here
        };
        let s = &mut store;
        let args = Args {
            dot: (
                put(s, memory, next(DOT_N * 4), &f32_bytes(&dot_in.0)),
                put(s, memory, next(DOT_N * 4), &f32_bytes(&dot_in.1)),
            ),
            find: put(s, memory, next(FIND_N), &hay),
            mat4: (
                put(s, memory, next(MAT4_N * 64), &f32_bytes(mat4_in.0.as_flattened())),
                put(s, memory, next(64), &f32_bytes(&mat4_in.1)),
                next(MAT4_N * 64),
            ),
            checksum: put(s, memory, next(CHECKSUM_N), &bytes),
        };

        let mut k = Kernels {
            dot: instance.get_typed_func(&mut store, "dot_f32").unwrap(),
            find: instance.get_typed_func(&mut store, "find_byte").unwrap(),
            mat4: instance.get_typed_func(&mut store, "mat4_batch").unwrap(),
            checksum: instance.get_typed_func(&mut store, "checksum_bytes").unwrap(),
            args,
            dot_in,
            hay,
            mat4_in,
            mat4_out: vec![[0.0; 16]; MAT4_N],
            bytes,
            store,
        };
        k.check(memory);
        k
    }

    /// Runs each pair once and panics unless both sides agree.
    fn check(&mut self, memory: Memory) {
        let (s, a) = (&mut self.store, &self.args);
        // SAFETY: `new` checked `available`, all the native kernels need.
        let want = unsafe { native::dot(&self.dot_in.0, &self.dot_in.1) };
        assert_eq!(
            self.dot.call(&mut *s, (a.dot.0, a.dot.1, DOT_N as u32)).unwrap().to_bits(),
            want.to_bits(),
            "dot differs"
        );
        // SAFETY: as above.
        assert_eq!(unsafe { native::find(&self.hay, 0xff) }, Some(FIND_N - 1), "native find is wrong");
        let found = self.find.call(&mut *s, (a.find, FIND_N as u32, 0xff)).unwrap();
        assert_eq!(found, (FIND_N - 1) as i32, "find differs");
        // SAFETY: as above.
        unsafe { native::mat4_batch(&self.mat4_in.0, &self.mat4_in.1, &mut self.mat4_out) };
        self.mat4.call(&mut *s, (a.mat4.0, a.mat4.1, a.mat4.2, MAT4_N as u32)).unwrap();
        let mut got = vec![0; MAT4_N * 64];
        memory.read(&*s, a.mat4.2 as usize, &mut got).unwrap();
        assert!(got == f32_bytes(self.mat4_out.as_flattened()), "4×4 products differ");
        // SAFETY: as above.
        let want = unsafe { native::checksum(&self.bytes) };
        assert_eq!(self.checksum.call(&mut *s, (a.checksum, CHECKSUM_N as u32)).unwrap(), want, "checksum differs");
    }

    /// Runs the wasm kernel once, compiled by kiln.
    pub fn kiln(&mut self, kernel: Kernel) {
        let s = &mut self.store;
        let a = &self.args;
        match kernel {
            Kernel::Dot => {
                black_box(self.dot.call(s, (black_box(a.dot.0), a.dot.1, DOT_N as u32)).unwrap());
            }
            Kernel::Find => {
                black_box(self.find.call(s, (black_box(a.find), FIND_N as u32, 0xff)).unwrap());
            }
            Kernel::Mat4 => {
                self.mat4.call(s, (black_box(a.mat4.0), a.mat4.1, a.mat4.2, MAT4_N as u32)).unwrap();
            }
            Kernel::Checksum => {
                black_box(self.checksum.call(s, (black_box(a.checksum), CHECKSUM_N as u32)).unwrap());
            }
        }
    }

    /// Runs the native kernel once.
    pub fn native(&mut self, kernel: Kernel) {
        // SAFETY: `new` checked `available`, all each arm needs.
        unsafe {
            match kernel {
                Kernel::Dot => {
                    black_box(native::dot(black_box(&self.dot_in.0), &self.dot_in.1));
                }
                Kernel::Find => {
                    black_box(native::find(black_box(&self.hay), 0xff));
                }
                Kernel::Mat4 => native::mat4_batch(black_box(&self.mat4_in.0), &self.mat4_in.1, &mut self.mat4_out),
                Kernel::Checksum => {
                    black_box(native::checksum(black_box(&self.bytes)));
                }
            }
        }
    }
}
