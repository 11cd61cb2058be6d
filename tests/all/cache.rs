//! The compile cache: hits, misses, keys, corrupted entries, concurrent
//! writers, and the CLI's switch and `kiln cache clear`.

use kiln::{Cache, CacheConfig, Config, Engine, Instance, Module, Result, Store};
use std::path::Path;

const WAT: &str = r#"(module
  (memory (export "memory") 1)
  (data (i32.const 16) "cached")
  (func (export "answer") (result i32) i32.const 42))"#;

fn cache_in(dir: &Path) -> Result<Cache> {
    Cache::new(CacheConfig::new().with_directory(dir).clone())
}

fn engine_with(cache: &Cache, tweak: impl FnOnce(&mut Config)) -> Result<Engine> {
    let mut config = Config::new();
    config.cache(Some(cache.clone()));
    tweak(&mut config);
    Engine::new(&config)
}

fn entries(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = match std::fs::read_dir(dir.join("modules")) {
        Ok(d) => d.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    };
    v.sort();
    v
}

fn answer(engine: &Engine, module: &Module) -> Result<i32> {
    let mut store = Store::new(engine, ());
    let instance = Instance::new(&mut store, module, &[])?;
    let mut bytes = [0u8; 6];
    instance.get_memory(&mut store, "memory").unwrap().read(&store, 16, &mut bytes)?;
    assert_eq!(&bytes, b"cached", "the data segment came through");
    instance.get_typed_func::<(), i32>(&mut store, "answer")?.call(&mut store, ())
}

#[test]
fn a_second_compile_is_a_hit_and_settings_are_part_of_the_key() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let cache = cache_in(dir.path())?;
    let engine = engine_with(&cache, |_| {})?;
    let first = Module::new(&engine, WAT)?;
    assert_eq!((cache.cache_hits(), cache.cache_misses()), (0, 1));
    assert_eq!(entries(dir.path()).len(), 1);
    // Another engine with the same settings: loaded, not compiled.
    let engine2 = engine_with(&cache, |_| {})?;
    let second = Module::new(&engine2, WAT)?;
    assert_eq!((cache.cache_hits(), cache.cache_misses()), (1, 1));
    assert_eq!(answer(&engine, &first)?, 42);
    assert_eq!(answer(&engine2, &second)?, 42);
    // Different code-shaping settings or bytes: separate entries.
    let epoch = engine_with(&cache, |c| {
        c.epoch_interruption(true);
    })?;
    Module::new(&epoch, WAT)?;
    let unoptimized = engine_with(&cache, |c| {
        c.cranelift_opt_level(kiln::OptLevel::None);
    })?;
    Module::new(&unoptimized, WAT)?;
    Module::new(&engine, WAT.replace("42", "43"))?;
    assert_eq!(cache.cache_misses(), 4);
    assert_eq!(entries(dir.path()).len(), 4);
    // Whether compilation is parallel does not change the artifact.
    let serial = engine_with(&cache, |c| {
        c.parallel_compilation(false);
    })?;
    Module::new(&serial, WAT)?;
    assert_eq!(cache.cache_hits(), 2);
    Ok(())
}

#[test]
fn a_corrupted_entry_is_dropped_and_rebuilt() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let cache = cache_in(dir.path())?;
    let engine = engine_with(&cache, |_| {})?;
    Module::new(&engine, WAT)?;
    let [entry] = entries(dir.path()).try_into().unwrap();
    let good = std::fs::read(&entry)?;
    // A flipped byte in the code, a truncation, and garbage.
    let mut flipped = good.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x40;
    for bad in [flipped, good[..good.len() / 3].to_vec(), b"not an artifact".to_vec()] {
        std::fs::write(&entry, &bad)?;
        let misses = cache.cache_misses();
        let module = Module::new(&engine, WAT)?;
        assert_eq!(cache.cache_misses(), misses + 1, "the bad entry was not trusted");
        assert_eq!(answer(&engine, &module)?, 42);
        assert_eq!(std::fs::read(&entry)?, good, "the entry was rewritten");
    }
    Ok(())
}

#[test]
fn concurrent_writers_leave_one_sound_entry() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let cache = cache_in(dir.path())?;
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                let engine = engine_with(&cache, |_| {}).unwrap();
                for _ in 0..5 {
                    let module = Module::new(&engine, WAT).unwrap();
                    assert_eq!(answer(&engine, &module).unwrap(), 42);
                    // Drop the entry now and then, as `kiln cache clear` may.
                    let _ = cache.clear();
                }
            });
        }
    });
    assert_eq!(cache.cache_hits() + cache.cache_misses(), 20);
    let engine = engine_with(&cache, |_| {})?;
    Module::new(&engine, WAT)?;
    let names: Vec<String> =
        entries(dir.path()).iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(names.len(), 1, "one entry and no temporary files: {names:?}");
    assert!(names[0].ends_with(".o") && !names[0].starts_with('.'));
    Ok(())
}

#[test]
fn the_default_directory_follows_xdg() -> Result<()> {
    let cache = Cache::from_file(None)?;
    assert!(cache.directory().ends_with("kiln"), "{}", cache.directory().display());
    assert!(Cache::from_file(Some(Path::new("cache.toml"))).is_err(), "a config file is refused, not ignored");
    Ok(())
}

#[test]
fn kiln_run_caches_and_can_be_told_not_to() -> Result<()> {
    use std::process::Command;
    let dir = tempfile::tempdir()?;
    let xdg = dir.path().join("xdg");
    std::fs::write(dir.path().join("m.wat"), WAT)?;
    let kiln = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_kiln"))
            .args(args)
            .current_dir(dir.path())
            .env("XDG_CACHE_HOME", &xdg)
            .output()
            .unwrap()
    };
    let out = kiln(&["run", "-C", "cache=n", "--invoke", "answer", "m.wat"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "42");
    assert!(entries(&xdg.join("kiln")).is_empty(), "cache=n writes nothing");
    for _ in 0..2 {
        let out = kiln(&["run", "--invoke", "answer", "m.wat"]);
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "42");
    }
    assert_eq!(entries(&xdg.join("kiln")).len(), 1);
    let out = kiln(&["cache", "dir"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), xdg.join("kiln").display().to_string());
    let out = kiln(&["cache", "clear"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("removed 1"));
    assert!(entries(&xdg.join("kiln")).is_empty());
    let out = kiln(&["run", "-C", "cache=maybe", "m.wat"]);
    assert!(!out.status.success());
    Ok(())
}
