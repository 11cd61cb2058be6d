//! Copy-on-write heap images: a module's initial memory contents are
//! mapped from the artifact file or a memfd, instances' writes stay
//! private, and every fallback gives the same contents.

use kiln::{Config, Engine, Instance, Memory, Module, Store};

/// A memory of 4 pages with a 150 KB image at 64 KiB, a passive segment
/// and functions to write, read and `memory.init` it.
fn wat() -> String {
    format!(
        r#"(module
            (memory (export "m") 4)
            (data (i32.const 65536) "{}")
            (data $p "passive!")
            (func (export "store") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
            (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0)))
            (func (export "init") (param i32) (memory.init $p (local.get 0) (i32.const 0) (i32.const 8))))"#,
        "hello".repeat(30_000)
    )
}

const IMAGE_AT: usize = 65536;

fn expected_initial() -> Vec<u8> {
    let mut m = vec![0u8; 4 * 65536];
    let data = "hello".repeat(30_000);
    m[IMAGE_AT..IMAGE_AT + data.len()].copy_from_slice(data.as_bytes());
    m
}

fn engine(cow: bool) -> Engine {
    let mut config = Config::new();
    config.memory_init_cow(cow);
    Engine::new(&config).unwrap()
}

fn instantiate(module: &Module) -> (Store<()>, Instance, Memory) {
    let mut store = Store::new(module.engine(), ());
    let instance = Instance::new(&mut store, module, &[]).unwrap();
    let memory = instance.get_memory(&mut store, "m").unwrap();
    (store, instance, memory)
}

/// What `/proc/self/maps` says is mapped at `addr`: the mapping's path
/// (empty for anonymous memory).
fn mapping_at(addr: usize) -> String {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    for line in maps.lines() {
        let mut fields = line.split_whitespace();
        let range = fields.next().unwrap();
        let (start, end) = range.split_once('-').unwrap();
        let (start, end) = (usize::from_str_radix(start, 16).unwrap(), usize::from_str_radix(end, 16).unwrap());
        if (start..end).contains(&addr) {
            return fields.nth(4).unwrap_or("").to_string();
        }
    }
    panic!("{addr:#x} is not mapped")
}

/// Writes over the image in one instance, checks a second instance (in
/// another store and in the same one) still sees the original contents.
fn writes_stay_private(module: &Module) {
    let (mut store, instance, memory) = instantiate(module);
    assert_eq!(memory.data(&store), expected_initial().as_slice());
    let store8 = instance.get_typed_func::<(i32, i32), ()>(&mut store, "store").unwrap();
    store8.call(&mut store, (IMAGE_AT as i32, b'J' as i32)).unwrap();
    memory.data_mut(&mut store)[IMAGE_AT + 1..IMAGE_AT + 5].copy_from_slice(b"ELLO");
    assert_eq!(&memory.data(&store)[IMAGE_AT..IMAGE_AT + 6], b"JELLOh");

    let (other_store, _, other) = instantiate(module);
    assert_eq!(other.data(&other_store), expected_initial().as_slice(), "another store's instance");
    let same = Instance::new(&mut store, module, &[]).unwrap().get_memory(&mut store, "m").unwrap();
    assert_eq!(same.data(&store), expected_initial().as_slice(), "an instance in the same store");
    drop((store, other_store));
    let (store, _, memory) = instantiate(module);
    assert_eq!(memory.data(&store), expected_initial().as_slice(), "after the writer is gone");
}

#[test]
fn memfd_images_are_private_to_each_instance() {
    let module = Module::new(&engine(true), wat()).unwrap();
    writes_stay_private(&module);
    let (store, _, memory) = instantiate(&module);
    let base = memory.data_ptr(&store) as usize;
    assert!(mapping_at(base + IMAGE_AT).contains("memfd:kiln-memory-image"), "mapped from the memfd");
    assert_eq!(mapping_at(base), "", "the page before the image is anonymous memory");
}

#[test]
fn deserialized_bytes_map_from_a_memfd_too() {
    let bytes = Module::new(&engine(true), wat()).unwrap().serialize().unwrap();
    // SAFETY: kiln wrote these bytes just now.
    let module = unsafe { Module::deserialize(&engine(true), &bytes) }.unwrap();
    writes_stay_private(&module);
    let (store, _, memory) = instantiate(&module);
    assert!(mapping_at(memory.data_ptr(&store) as usize + IMAGE_AT).contains("memfd:kiln-memory-image"));
}

#[test]
fn file_images_are_private_and_never_reach_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cow.kiln");
    std::fs::write(&path, Module::new(&engine(true), wat()).unwrap().serialize().unwrap()).unwrap();
    let before = std::fs::read(&path).unwrap();
    // SAFETY: kiln wrote the file just now, and nothing changes it.
    let module = unsafe { Module::deserialize_file(&engine(true), &path) }.unwrap();
    writes_stay_private(&module);
    let (mut store, _, memory) = instantiate(&module);
    let at = memory.data_ptr(&store) as usize + IMAGE_AT;
    assert_eq!(mapping_at(at), path.to_str().unwrap(), "mapped from the artifact file");
    memory.data_mut(&mut store)[IMAGE_AT..IMAGE_AT + 100_000].fill(0xee);
    drop(store);
    assert!(std::fs::read(&path).unwrap() == before, "the artifact file is unchanged");
}

#[test]
fn copying_gives_the_same_contents() {
    let module = Module::new(&engine(false), wat()).unwrap();
    writes_stay_private(&module);
    let (store, _, memory) = instantiate(&module);
    assert_eq!(mapping_at(memory.data_ptr(&store) as usize + IMAGE_AT), "", "copied into anonymous memory");
    // An artifact compiled with images, loaded with copy-on-write off.
    let bytes = Module::new(&engine(true), wat()).unwrap().serialize().unwrap();
    // SAFETY: kiln wrote these bytes just now.
    let module = unsafe { Module::deserialize(&engine(false), &bytes) }.unwrap();
    let (store, _, memory) = instantiate(&module);
    assert_eq!(memory.data(&store), expected_initial().as_slice());
    assert_eq!(mapping_at(memory.data_ptr(&store) as usize + IMAGE_AT), "");
}

#[test]
fn passive_segments_still_initialise() {
    for cow in [true, false] {
        let module = Module::new(&engine(cow), wat()).unwrap();
        let (mut store, instance, memory) = instantiate(&module);
        let init = instance.get_typed_func::<i32, ()>(&mut store, "init").unwrap();
        init.call(&mut store, 100).unwrap();
        init.call(&mut store, IMAGE_AT as i32 + 3).unwrap();
        assert_eq!(&memory.data(&store)[100..108], b"passive!");
        assert_eq!(&memory.data(&store)[IMAGE_AT..IMAGE_AT + 12], b"helpassive!e");
    }
}

#[test]
fn segments_that_cannot_be_imaged_follow_the_spec() {
    let engine = engine(true);
    // A `global.get` offset: applied at instantiation, from the import.
    let module = Module::new(
        &engine,
        r#"(module (global (import "" "g") i32) (memory (export "m") 1)
            (data (i32.const 0) "first") (data (global.get 0) "second"))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let g = kiln::Global::new(
        &mut store,
        kiln::GlobalType::new(kiln::ValType::I32, kiln::Mutability::Const),
        kiln::Val::I32(3),
    )
    .unwrap();
    let instance = Instance::new(&mut store, &module, &[g.into()]).unwrap();
    let memory = instance.get_memory(&mut store, "m").unwrap();
    assert_eq!(&memory.data(&store)[..9], b"firsecond");
    // A segment out of bounds traps, even though an earlier one fits.
    let module = Module::new(
        &engine,
        r#"(module (memory (export "m") 1) (data (i32.const 0) "ok") (data (i32.const 65535) "xx"))"#,
    )
    .unwrap();
    let err = Instance::new(&mut Store::new(&engine, ()), &module, &[]).unwrap_err();
    assert_eq!(err.downcast_ref::<kiln::Trap>(), Some(&kiln::Trap::MemoryOutOfBounds), "{err:?}");
    // A tiny segment far out: kept as a segment or trimmed, same contents.
    let module = Module::new(
        &engine,
        r#"(module (memory (export "m") 200) (data (i32.const 0) "a") (data (i32.const 13000000) "b"))"#,
    )
    .unwrap();
    let (store, _, memory) = instantiate(&module);
    assert_eq!((memory.data(&store)[0], memory.data(&store)[13_000_000]), (b'a', b'b'));
    assert_eq!(memory.data(&store).iter().filter(|b| **b != 0).count(), 2);
}

/// A reservation that held an image, once released, reads as zeros for
/// whoever gets it next.
#[test]
fn released_images_leave_nothing_behind() {
    let module = Module::new(&engine(true), wat()).unwrap();
    let empty = Module::new(&engine(true), r#"(module (memory (export "m") 4))"#).unwrap();
    for _ in 0..20 {
        let (mut store, _, memory) = instantiate(&module);
        memory.data_mut(&mut store)[..2 * IMAGE_AT].fill(0x5a);
        drop(store);
        let (store, _, memory) = instantiate(&empty);
        assert!(memory.data(&store).iter().all(|b| *b == 0), "a reused reservation is zeroed");
    }
}

/// An engine whose pool has a single memory slot, so every instance
/// reuses the one before it.
fn one_slot_pool() -> Engine {
    let mut pool = kiln::PoolingAllocationConfig::new();
    pool.total_memories(1).total_tables(1).total_core_instances(2);
    let mut config = Config::new();
    config.allocation_strategy(kiln::InstanceAllocationStrategy::Pooling(pool));
    Engine::new(&config).unwrap()
}

/// A pooled slot keeps the image mapped between tenants of one module:
/// what a tenant wrote, over the image and beyond it (also in pages it
/// grew into), is gone for the next one, which still sees the image, and
/// the memory is still mapped from the memfd.
#[test]
fn a_pooled_slot_keeps_its_image_and_drops_the_tenants_writes() {
    let engine = one_slot_pool();
    let module = Module::new(&engine, wat()).unwrap();
    for round in 0..3 {
        let (mut store, instance, memory) = instantiate(&module);
        assert_eq!(memory.data(&store), expected_initial().as_slice(), "round {round}");
        assert!(mapping_at(memory.data_ptr(&store) as usize + IMAGE_AT).contains("kiln-memory-image"), "round {round}");
        let store8 = instance.get_typed_func::<(i32, i32), ()>(&mut store, "store").unwrap();
        store8.call(&mut store, (IMAGE_AT as i32, b'J' as i32)).unwrap();
        store8.call(&mut store, (7, 1)).unwrap();
        memory.grow(&mut store, 1).unwrap();
        memory.data_mut(&mut store)[4 * 65536 + 3] = 9;
    }
}

/// A tenant of another module in the same slot sees zeros where the last
/// module's image was, and its own image where it has one.
#[test]
fn a_pooled_slot_drops_another_modules_image() {
    let engine = one_slot_pool();
    let imaged = Module::new(&engine, wat()).unwrap();
    let plain = Module::new(&engine, r#"(module (memory (export "m") 4))"#).unwrap();
    let other_image =
        Module::new(&engine, r#"(module (memory (export "m") 4) (data (i32.const 200000) "xyz"))"#).unwrap();
    let (store, _, memory) = instantiate(&imaged);
    assert_eq!(memory.data(&store), expected_initial().as_slice());
    drop(store);
    let (store, _, memory) = instantiate(&plain);
    assert!(memory.data(&store).iter().all(|b| *b == 0), "no trace of the other module's image");
    drop(store);
    let (store, _, memory) = instantiate(&imaged);
    assert_eq!(memory.data(&store), expected_initial().as_slice(), "the image is mapped again");
    drop(store);
    let (store, _, memory) = instantiate(&other_image);
    let mut expected = vec![0u8; 4 * 65536];
    expected[200000..200003].copy_from_slice(b"xyz");
    assert_eq!(memory.data(&store), expected.as_slice(), "only the new module's image");
}
