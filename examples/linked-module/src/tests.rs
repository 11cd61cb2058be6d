//! The linked module runs in place and behaves as any kiln module.

use super::*;
use kiln::Trap;

/// The executable mappings of this process, as `/proc/self/maps` lists
/// them: (start, end, path).
fn executable_mappings() -> Vec<(usize, usize, String)> {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    maps.lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let (range, perms) = (fields.next()?, fields.next()?);
            if !perms.contains('x') {
                return None;
            }
            let path = fields.nth(3).unwrap_or("").to_string();
            let (start, end) = range.split_once('-')?;
            Some((usize::from_str_radix(start, 16).ok()?, usize::from_str_radix(end, 16).ok()?, path))
        })
        .collect()
}

#[test]
fn the_linked_module_runs_with_the_normal_api() {
    let engine = Engine::default();
    let module = load(&engine).unwrap();
    assert_eq!(module.name(), Some("inventory"));
    let exports: Vec<_> = module.exports().map(|e| e.name().to_string()).collect();
    assert_eq!(exports, ["memory", "total", "take", "taken"]);
    let mut inv = Inventory::new(&module).unwrap();
    assert_eq!(inv.total().unwrap(), 5 + 12 + 1 + 7 + 3 + 9, "the data segment is the initial stock");
    assert_eq!(inv.take(3).unwrap(), 0);
    assert_eq!(inv.take(3).unwrap(), RESTOCK - 1, "an empty item is restocked by the host import");
    assert_eq!(inv.restocked(), [3]);
    assert_eq!(inv.taken().unwrap(), 2);
    assert_eq!(inv.total().unwrap(), 5 + 12 + 7 + 3 + 9 + RESTOCK - 1);
}

#[test]
fn a_trap_in_linked_code_is_an_error_and_the_instance_goes_on() {
    let engine = Engine::default();
    let mut inv = Inventory::new(&load(&engine).unwrap()).unwrap();
    let err = inv.take(8).unwrap_err();
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::UnreachableCodeReached), "{err:?}");
    let backtrace = format!("{err:?}");
    assert!(backtrace.contains("inventory!take"), "the backtrace names the linked function: {backtrace}");
    assert_eq!(inv.take(0).unwrap(), 4);
}

#[test]
fn the_code_is_run_where_the_program_has_it() {
    let before = executable_mappings();
    let engine = Engine::default();
    let module = load(&engine).unwrap();
    let mut inv = Inventory::new(&module).unwrap();
    inv.total().unwrap();
    // SAFETY: reading the linker-filled descriptor's text pointer.
    let text = unsafe { (*std::ptr::addr_of!(kiln_module_inventory)).text } as usize;
    let exe = std::env::current_exe().unwrap().canonicalize().unwrap();
    let owner = before.iter().find(|(start, end, _)| (*start..*end).contains(&text)).expect("text is mapped");
    assert_eq!(owner.2, exe.display().to_string(), "the code is in this executable's own pages");
    assert_eq!(executable_mappings().len(), before.len(), "loading made no new executable mapping");
    assert!(module.serialize().is_err(), "a linked module has no artifact to serialize");
}

#[test]
fn loading_it_twice_and_dropping_one_keeps_the_other_working() {
    let engine = Engine::default();
    let first = load(&engine).unwrap();
    let second = load(&engine).unwrap();
    drop(first);
    let mut inv = Inventory::new(&second).unwrap();
    // A trap still resolves: the code stays registered with the handler.
    assert_eq!(inv.take(9).unwrap_err().downcast_ref::<Trap>(), Some(&Trap::UnreachableCodeReached));
    assert_eq!(inv.take(2).unwrap(), 11);
}

#[test]
fn an_engine_whose_settings_differ_from_the_compiled_ones_is_refused() {
    let mut config = kiln::Config::new();
    config.epoch_interruption(true);
    let engine = Engine::new(&config).unwrap();
    let err = load(&engine).unwrap_err().to_string();
    assert!(err.contains("epoch"), "{err}");
}

#[test]
fn the_memory_image_is_mapped_from_the_executable_file() {
    let engine = Engine::default();
    let module = load(&engine).unwrap();
    let mut linker = Linker::new(&engine);
    linker.func_wrap("host", "restock", |_: i32, _: i32| {}).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let memory = instance.get_memory(&mut store, "memory").unwrap();
    assert_eq!(memory.data(&store)[0], 5, "the data segment's first item");
    let base = memory.data_ptr(&store) as usize;
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    let line = maps
        .lines()
        .find(|line| {
            let range = line.split_whitespace().next().unwrap_or("");
            let (start, end) = range.split_once('-').unwrap_or(("0", "0"));
            let (start, end) = (usize::from_str_radix(start, 16).unwrap(), usize::from_str_radix(end, 16).unwrap());
            (start..end).contains(&base)
        })
        .expect("the memory is mapped");
    let exe = std::env::current_exe().unwrap().canonicalize().unwrap();
    assert!(line.ends_with(&exe.display().to_string()), "the image is a private mapping of this executable: {line}");
    assert!(line.split_whitespace().nth(1).is_some_and(|p| p.ends_with('p')), "copy-on-write: {line}");
}
