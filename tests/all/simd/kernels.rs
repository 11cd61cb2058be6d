//! The benchmark's kernel module (`bin/simd_kernels.wasm`, no imports)
//! computes what scalar Rust computes, on the sizes the benchmark uses and
//! on awkward ones (tails, a needle in the last block, none at all).

use super::read;
use kiln::{Engine, Instance, Memory, Module, Store, TypedFunc};

struct Kernels {
    store: Store<()>,
    memory: Memory,
    arena: u32,
    dot: TypedFunc<(u32, u32, u32), f32>,
    find: TypedFunc<(u32, u32, u32), i32>,
    mat4: TypedFunc<(u32, u32, u32, u32), ()>,
    checksum: TypedFunc<(u32, u32), u32>,
}

impl Kernels {
    fn new() -> Self {
        let engine = Engine::default();
        let module = Module::new(&engine, read("bin/simd_kernels.wasm")).expect("the kernel module compiles");
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let memory = instance.get_memory(&mut store, "memory").unwrap();
        let arena = instance.get_typed_func::<(), u32>(&mut store, "arena").unwrap().call(&mut store, ()).unwrap();
        Kernels {
            dot: instance.get_typed_func(&mut store, "dot_f32").unwrap(),
            find: instance.get_typed_func(&mut store, "find_byte").unwrap(),
            mat4: instance.get_typed_func(&mut store, "mat4_batch").unwrap(),
            checksum: instance.get_typed_func(&mut store, "checksum_bytes").unwrap(),
            store,
            memory,
            arena,
        }
    }

    /// Writes `bytes` at arena offset `at`; returns its wasm address.
    fn put(&mut self, at: u32, bytes: &[u8]) -> u32 {
        self.memory.write(&mut self.store, (self.arena + at) as usize, bytes).unwrap();
        self.arena + at
    }

    fn get(&mut self, addr: u32, len: usize) -> Vec<u8> {
        let mut out = vec![0; len];
        self.memory.read(&self.store, addr as usize, &mut out).unwrap();
        out
    }
}

fn rng(seed: &mut u32) -> u32 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 17;
    *seed ^= *seed << 5;
    *seed
}

fn floats(n: usize, seed: &mut u32) -> Vec<f32> {
    (0..n).map(|_| (rng(seed) >> 8) as f32 / 8_388_608.0 - 1.0).collect()
}

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|f| f.to_le_bytes()).collect()
}

/// The dot product in the kernel's order: two f32x4 accumulators over
/// eight floats a step, lanes summed pairwise, then the tail.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let steps = a.len() / 8;
    let mut acc = [0.0f32; 8];
    for i in 0..steps {
        for (l, s) in acc.iter_mut().enumerate() {
            *s += a[i * 8 + l] * b[i * 8 + l];
        }
    }
    let l: [f32; 4] = std::array::from_fn(|k| acc[k] + acc[k + 4]);
    let mut sum = (l[0] + l[1]) + (l[2] + l[3]);
    for k in steps * 8..a.len() {
        sum += a[k] * b[k];
    }
    sum
}

fn mat4(a: &[f32], b: &[f32]) -> Vec<f32> {
    let mut c = vec![0.0; 16];
    for i in 0..4 {
        for j in 0..4 {
            let t = |k: usize| a[i * 4 + k] * b[k * 4 + j];
            c[i * 4 + j] = ((t(0) + t(1)) + t(2)) + t(3);
        }
    }
    c
}

fn checksum(bytes: &[u8]) -> u32 {
    let mut s = [0u32; 3];
    for (i, b) in bytes.iter().enumerate() {
        let b = u32::from(*b);
        s[0] = s[0].wrapping_add(b);
        s[1] = s[1].wrapping_add(b * (i as u32 % 16 + 1));
        s[2] = s[2].wrapping_add(b * b);
    }
    s[0] ^ s[1].rotate_left(11) ^ s[2].rotate_left(22)
}

#[test]
fn dot_product_matches_scalar_bit_for_bit() {
    let mut k = Kernels::new();
    let mut seed = 7;
    for n in [0usize, 1, 7, 8, 9, 1003, 4096] {
        let (a, b) = (floats(n, &mut seed), floats(n, &mut seed));
        let pa = k.put(0, &f32_bytes(&a));
        let pb = k.put(64 * 1024, &f32_bytes(&b));
        let got = k.dot.call(&mut k.store, (pa, pb, n as u32)).unwrap();
        assert_eq!(got.to_bits(), dot(&a, &b).to_bits(), "dot of {n} floats: {got} vs {}", dot(&a, &b));
    }
}

#[test]
fn byte_search_finds_the_first_match() {
    let mut k = Kernels::new();
    let mut seed = 11;
    let mut hay: Vec<u8> = (0..65_536).map(|_| (rng(&mut seed) % 200) as u8).collect();
    let p = k.put(0, &hay);
    for (needle, at) in [(250u8, Some(65_535usize)), (251, Some(40_000)), (252, Some(15)), (253, None), (254, Some(0))]
    {
        if let Some(at) = at {
            hay[at] = needle;
        }
        k.put(0, &hay);
        for len in [65_536usize, 65_535, 40_001, 40_000, 17, 16, 0] {
            let want = hay[..len].iter().position(|b| *b == needle).map_or(-1, |i| i as i32);
            let got = k.find.call(&mut k.store, (p, len as u32, u32::from(needle))).unwrap();
            assert_eq!(got, want, "needle {needle} in {len} bytes");
        }
    }
}

#[test]
fn matrix_batch_matches_scalar_bit_for_bit() {
    let mut k = Kernels::new();
    let mut seed = 13;
    let count = 1024;
    let a = floats(16 * count, &mut seed);
    let b = floats(16, &mut seed);
    let pa = k.put(0, &f32_bytes(&a));
    let pb = k.put(128 * 1024, &f32_bytes(&b));
    let out = k.arena + 256 * 1024;
    k.mat4.call(&mut k.store, (pa, pb, out, count as u32)).unwrap();
    let got = k.get(out, 64 * count);
    let want: Vec<u8> = a.chunks_exact(16).flat_map(|m| f32_bytes(&mat4(m, &b))).collect();
    assert!(got == want, "the 4×4 products differ from scalar");
}

#[test]
fn checksum_matches_scalar() {
    let mut k = Kernels::new();
    let mut seed = 17;
    let bytes: Vec<u8> = (0..65_536 + 9).map(|_| rng(&mut seed) as u8).collect();
    let p = k.put(0, &bytes);
    for len in [0usize, 5, 16, 31, 1000, 65_536, 65_545] {
        let got = k.checksum.call(&mut k.store, (p, len as u32)).unwrap();
        assert_eq!(got, checksum(&bytes[..len]), "checksum of {len} bytes");
    }
    let ones = vec![255u8; 65_536];
    let p = k.put(0, &ones);
    assert_eq!(k.checksum.call(&mut k.store, (p, 65_536)).unwrap(), checksum(&ones), "all 0xff");
}
