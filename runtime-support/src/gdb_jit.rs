//! The GDB JIT interface: telling `gdb` (and `lldb`) about loaded wasm code,
//! so their backtraces name wasm functions.
//!
//! The interface is two symbols the debugger knows by name: the list head
//! `__jit_debug_descriptor`, and `__jit_debug_register_code`, an empty
//! function it sets a breakpoint on. To add code, a runtime links an entry
//! pointing at an in-memory ELF file into the descriptor's list, sets the
//! descriptor's action and calls the function; the debugger, stopped there,
//! reads the file. `lldb` walks the list when it attaches.
//!
//! The file kiln hands over ([`symbol_image`]) is built for the debugger
//! alone: an ELF with one `PT_LOAD` segment and a `.text` section at the
//! code's real address (`SHT_NOBITS`: the debugger reads the bytes from the
//! process), and a symbol per function at its absolute address, plus the
//! artifact's DWARF sections, if it has any (`-D debug-info`), with their
//! relocations already applied for where the code is. One lock serializes every change to the list, and
//! [`Registration`] removes its entry when dropped, before the code is
//! unmapped.
//!
//! kiln defines the two symbols itself, unmangled: a process must not link
//! another runtime that defines them too.

use std::sync::Mutex;

/// One entry of the debugger's list (GDB's `jit_code_entry`).
#[repr(C)]
struct JitCodeEntry {
    next: *mut JitCodeEntry,
    prev: *mut JitCodeEntry,
    symfile_addr: *const u8,
    symfile_size: u64,
}

/// The list head the debugger reads (GDB's `jit_descriptor`).
#[repr(C)]
pub struct JitDescriptor {
    version: u32,
    action_flag: u32,
    relevant_entry: *mut JitCodeEntry,
    first_entry: *mut JitCodeEntry,
}

const JIT_NOACTION: u32 = 0;
const JIT_REGISTER_FN: u32 = 1;
const JIT_UNREGISTER_FN: u32 = 2;

/// The descriptor, by the name the debugger looks for. Only [`LOCK`]'s
/// holder writes it.
#[unsafe(no_mangle)]
#[used]
pub static mut __jit_debug_descriptor: JitDescriptor = JitDescriptor {
    version: 1,
    action_flag: JIT_NOACTION,
    relevant_entry: std::ptr::null_mut(),
    first_entry: std::ptr::null_mut(),
};

/// The function the debugger breaks on. It must exist, stay out of line and
/// do nothing.
#[unsafe(no_mangle)]
#[inline(never)]
pub extern "C" fn __jit_debug_register_code() {
    // Keeps the call from being optimized away.
    std::sync::atomic::compiler_fence(std::sync::atomic::Ordering::SeqCst);
}

/// Serializes changes to the descriptor's list.
static LOCK: Mutex<()> = Mutex::new(());

/// Named code ranges, with their names in one ELF string table: what the
/// debugger (and the perf map) is told about a module. Built without an
/// allocation per name.
#[derive(Clone, Debug)]
pub struct SymbolTable {
    /// NUL-terminated names, starting with the empty name at 0.
    strtab: Vec<u8>,
    /// `(name offset, address, size)`.
    symbols: Vec<(u32, u64, u64)>,
}

impl Default for SymbolTable {
    fn default() -> Self {
        Self { strtab: vec![0], symbols: Vec::new() }
    }
}

impl SymbolTable {
    /// An empty table with room for `n` symbols.
    pub fn with_capacity(n: usize) -> Self {
        let mut t = Self::default();
        t.symbols.reserve(n);
        t.strtab.reserve(n * 24);
        t
    }

    /// Adds the function of `size` bytes at `address`, named `name` (a NUL
    /// in it becomes `?`).
    pub fn push(&mut self, address: u64, size: u64, name: std::fmt::Arguments<'_>) {
        use std::io::Write;
        let at = self.strtab.len();
        // Writing to a `Vec` cannot fail.
        let _ = self.strtab.write_fmt(name);
        for b in &mut self.strtab[at..] {
            if *b == 0 {
                *b = b'?';
            }
        }
        self.strtab.push(0);
        self.symbols.push((at as u32, address, size));
    }

    /// The symbols as `(name, address, size)`.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u64, u64)> {
        self.symbols.iter().map(|&(at, address, size)| {
            let bytes = &self.strtab[at as usize..];
            let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
            (std::str::from_utf8(&bytes[..end]).unwrap_or("?"), address, size)
        })
    }

    /// How many symbols there are.
    pub fn len(&self) -> usize {
        self.symbols.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.symbols.is_empty()
    }
}

/// Code registered with the debugger; dropping it unregisters the code.
#[derive(Debug)]
pub struct Registration {
    entry: *mut JitCodeEntry,
    /// The ELF file the entry points at, kept alive as long as the entry.
    _image: Box<[u8]>,
}

// SAFETY: the entry is only touched under `LOCK`, from whichever thread.
unsafe impl Send for Registration {}
// SAFETY: as above; a shared `Registration` allows no access at all.
unsafe impl Sync for Registration {}

impl Registration {
    /// Registers the `len` bytes of code at `start`, whose functions are
    /// `symbols` and whose relocated DWARF sections are `debug`, with any
    /// debugger attached now or later.
    pub fn new(start: u64, len: u64, symbols: &SymbolTable, debug: &[(String, Vec<u8>)]) -> Registration {
        let image: Box<[u8]> = symbol_image(start, len, symbols, debug).into_boxed_slice();
        let entry = Box::into_raw(Box::new(JitCodeEntry {
            next: std::ptr::null_mut(),
            prev: std::ptr::null_mut(),
            symfile_addr: image.as_ptr(),
            symfile_size: image.len() as u64,
        }));
        let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
        // SAFETY: the lock serializes every access to the descriptor and
        // the entries it links; `entry` is a fresh allocation.
        unsafe {
            let d = &raw mut __jit_debug_descriptor;
            (*entry).next = (*d).first_entry;
            if !(*d).first_entry.is_null() {
                (*(*d).first_entry).prev = entry;
            }
            (*d).first_entry = entry;
            (*d).relevant_entry = entry;
            (*d).action_flag = JIT_REGISTER_FN;
            __jit_debug_register_code();
            (*d).action_flag = JIT_NOACTION;
            (*d).relevant_entry = std::ptr::null_mut();
        }
        Registration { entry, _image: image }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
        // SAFETY: as in `new`; `self.entry` is linked (only `drop` unlinks
        // it) and was allocated by `Box::into_raw`.
        unsafe {
            let d = &raw mut __jit_debug_descriptor;
            let e = self.entry;
            (*d).relevant_entry = e;
            (*d).action_flag = JIT_UNREGISTER_FN;
            __jit_debug_register_code();
            if (*e).prev.is_null() {
                (*d).first_entry = (*e).next;
            } else {
                (*(*e).prev).next = (*e).next;
            }
            if !(*e).next.is_null() {
                (*(*e).next).prev = (*e).prev;
            }
            (*d).action_flag = JIT_NOACTION;
            (*d).relevant_entry = std::ptr::null_mut();
            drop(Box::from_raw(e));
        }
    }
}

/// How many entries the debugger's list holds (for tests).
pub fn registered_count() -> usize {
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let mut n = 0;
    // SAFETY: under the lock, the list is well formed.
    unsafe {
        let d = &raw const __jit_debug_descriptor;
        let mut e = (*d).first_entry;
        while !e.is_null() {
            n += 1;
            e = (*e).next;
        }
    }
    n
}

const EHDR: usize = 64;
const PHDR: usize = 56;
const SHDR: usize = 64;
const SYM: usize = 24;

/// The ELF file describing code at `start..start + len` with `symbols`
/// and the DWARF sections `debug` (name, relocated bytes).
pub fn symbol_image(start: u64, len: u64, symbols: &SymbolTable, debug: &[(String, Vec<u8>)]) -> Vec<u8> {
    fn put(out: &mut [u8], at: usize, bytes: &[u8]) {
        out[at..at + bytes.len()].copy_from_slice(bytes);
    }
    let machine: u16 = if cfg!(target_arch = "aarch64") { 183 } else { 62 }; // EM_AARCH64, EM_X86_64
    let mut shstrtab = b"\0.text\0.symtab\0.strtab\0.shstrtab\0".to_vec();
    let (text_name, symtab_name, strtab_name, shstrtab_name) = (1u32, 7u32, 15u32, 23u32);
    let debug_names: Vec<u32> = debug
        .iter()
        .map(|(name, _)| {
            let at = shstrtab.len() as u32;
            shstrtab.extend_from_slice(name.as_bytes());
            shstrtab.push(0);
            at
        })
        .collect();
    let strtab = &symbols.strtab;
    let strtab_at = EHDR + PHDR;
    let shstrtab_at = strtab_at + strtab.len();
    let symtab_at = (shstrtab_at + shstrtab.len()).next_multiple_of(8);
    let symtab_len = SYM * (symbols.len() + 1);
    let mut debug_at = Vec::with_capacity(debug.len());
    let mut end = symtab_at + symtab_len;
    for (_, bytes) in debug {
        debug_at.push(end);
        end += bytes.len();
    }
    let shdrs_at = end.next_multiple_of(8);
    let shnum = 5 + debug.len();
    let mut out = vec![0u8; shdrs_at + shnum * SHDR];

    // File header.
    put(&mut out, 0, &[0x7f, b'E', b'L', b'F', 2, 1, 1]); // 64-bit, little-endian, version 1
    put(&mut out, 16, &3u16.to_le_bytes()); // ET_DYN
    put(&mut out, 18, &machine.to_le_bytes());
    put(&mut out, 20, &1u32.to_le_bytes());
    put(&mut out, 32, &(EHDR as u64).to_le_bytes()); // e_phoff
    put(&mut out, 40, &(shdrs_at as u64).to_le_bytes()); // e_shoff
    put(&mut out, 52, &(EHDR as u16).to_le_bytes());
    put(&mut out, 54, &(PHDR as u16).to_le_bytes());
    put(&mut out, 56, &1u16.to_le_bytes()); // e_phnum
    put(&mut out, 58, &(SHDR as u16).to_le_bytes());
    put(&mut out, 60, &(shnum as u16).to_le_bytes()); // e_shnum
    put(&mut out, 62, &4u16.to_le_bytes()); // e_shstrndx

    // One PT_LOAD, read + execute, with nothing in the file.
    let ph = EHDR;
    put(&mut out, ph, &1u32.to_le_bytes());
    put(&mut out, ph + 4, &5u32.to_le_bytes());
    put(&mut out, ph + 16, &start.to_le_bytes()); // p_vaddr
    put(&mut out, ph + 24, &start.to_le_bytes()); // p_paddr
    put(&mut out, ph + 40, &len.to_le_bytes()); // p_memsz
    put(&mut out, ph + 48, &4096u64.to_le_bytes()); // p_align

    put(&mut out, strtab_at, strtab);
    put(&mut out, shstrtab_at, &shstrtab);
    for ((_, bytes), at) in debug.iter().zip(&debug_at) {
        put(&mut out, *at, bytes);
    }

    // Symbols: the null one, then a global function each, in `.text`.
    for (i, &(name, address, size)) in symbols.symbols.iter().enumerate() {
        let at = symtab_at + SYM * (i + 1);
        put(&mut out, at, &name.to_le_bytes());
        out[at + 4] = 0x12; // STB_GLOBAL, STT_FUNC
        put(&mut out, at + 6, &1u16.to_le_bytes()); // .text
        put(&mut out, at + 8, &address.to_le_bytes());
        put(&mut out, at + 16, &size.to_le_bytes());
    }

    // Section headers: null, .text, .symtab, .strtab, .shstrtab.
    let section = |out: &mut [u8], i: usize, fields: [u64; 10]| {
        let at = shdrs_at + i * SHDR;
        put(out, at, &(fields[0] as u32).to_le_bytes()); // sh_name
        put(out, at + 4, &(fields[1] as u32).to_le_bytes()); // sh_type
        put(out, at + 8, &fields[2].to_le_bytes()); // sh_flags
        put(out, at + 16, &fields[3].to_le_bytes()); // sh_addr
        put(out, at + 24, &fields[4].to_le_bytes()); // sh_offset
        put(out, at + 32, &fields[5].to_le_bytes()); // sh_size
        put(out, at + 40, &(fields[6] as u32).to_le_bytes()); // sh_link
        put(out, at + 44, &(fields[7] as u32).to_le_bytes()); // sh_info
        put(out, at + 48, &fields[8].to_le_bytes()); // sh_addralign
        put(out, at + 56, &fields[9].to_le_bytes()); // sh_entsize
    };
    // SHT_NOBITS, SHF_ALLOC | SHF_EXECINSTR, at the code's address.
    section(&mut out, 1, [text_name.into(), 8, 6, start, EHDR as u64, len, 0, 0, 16, 0]);
    let nsyms = symbols.len() as u64 + 1;
    section(&mut out, 2, [symtab_name.into(), 2, 0, 0, symtab_at as u64, nsyms * SYM as u64, 3, 1, 8, SYM as u64]);
    section(&mut out, 3, [strtab_name.into(), 3, 0, 0, strtab_at as u64, strtab.len() as u64, 0, 0, 1, 0]);
    section(&mut out, 4, [shstrtab_name.into(), 3, 0, 0, shstrtab_at as u64, shstrtab.len() as u64, 0, 0, 1, 0]);
    // SHT_PROGBITS, not allocated.
    for (i, ((_, bytes), at)) in debug.iter().zip(&debug_at).enumerate() {
        section(&mut out, 5 + i, [debug_names[i].into(), 1, 0, 0, *at as u64, bytes.len() as u64, 0, 0, 1, 0]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use object::{Object, ObjectSection, ObjectSymbol};

    fn table(syms: &[(&str, u64, u64)]) -> SymbolTable {
        let mut t = SymbolTable::default();
        for (name, address, size) in syms {
            t.push(*address, *size, format_args!("{name}"));
        }
        t
    }

    #[test]
    fn the_image_is_an_elf_file_with_absolute_function_symbols() {
        let syms = table(&[("m!fib", 0x7000_1000, 0x40), ("m!wasm-function[1]", 0x7000_1040, 0x20)]);
        let image = symbol_image(0x7000_1000, 0x60, &syms, &[]);
        let file = object::File::parse(&*image).expect("a well-formed ELF file");
        let text = file.section_by_name(".text").unwrap();
        assert_eq!((text.address(), text.size()), (0x7000_1000, 0x60));
        let found: Vec<(String, u64, u64)> =
            file.symbols().map(|s| (s.name().unwrap().to_string(), s.address(), s.size())).collect();
        assert_eq!(found, vec![("m!fib".into(), 0x7000_1000, 0x40), ("m!wasm-function[1]".into(), 0x7000_1040, 0x20)]);
        assert!(file.symbols().all(|s| s.section_index() == Some(text.index())));
    }

    #[test]
    fn debug_sections_are_carried_whole() {
        let syms = table(&[("m!f", 0x1000, 0x10)]);
        let debug = [(".debug_line".to_string(), vec![1, 2, 3]), (".debug_info".to_string(), vec![4; 9])];
        let image = symbol_image(0x1000, 0x10, &syms, &debug);
        let file = object::File::parse(&*image).expect("a well-formed ELF file");
        assert_eq!(file.section_by_name(".debug_line").unwrap().data().unwrap(), &[1, 2, 3]);
        assert_eq!(file.section_by_name(".debug_info").unwrap().data().unwrap(), &[4; 9]);
        assert_eq!(file.symbols().count(), 1);
    }

    #[test]
    fn names_are_kept_whole_and_nuls_replaced() {
        let mut t = SymbolTable::with_capacity(2);
        t.push(1, 2, format_args!("{}!{}", "m", "a\0b"));
        t.push(3, 4, format_args!("plain"));
        assert_eq!(t.iter().collect::<Vec<_>>(), vec![("m!a?b", 1, 2), ("plain", 3, 4)]);
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn registrations_link_and_unlink() {
        let before = registered_count();
        let a = Registration::new(0x1000, 0x10, &table(&[("a", 0x1000, 0x10)]), &[]);
        let b = Registration::new(0x2000, 0x10, &table(&[("b", 0x2000, 0x10)]), &[]);
        assert_eq!(registered_count(), before + 2);
        drop(a);
        assert_eq!(registered_count(), before + 1);
        drop(b);
        assert_eq!(registered_count(), before);
    }
}
