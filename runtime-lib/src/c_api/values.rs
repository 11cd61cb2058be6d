//! How values, statuses and errors cross the C API: the `kiln_val` slot,
//! conversions between it and [`Val`], and the thread's last error.

use anyhow::{Result, bail};
use kiln::{V128, Val, ValType};
use kiln_environ::c_api::{C_VAL_SIZE, CStatus};
use std::cell::RefCell;
use std::ffi::{CString, c_char};

/// `kiln_val`: one argument or result, each type at offset 0.
#[repr(C)]
#[derive(Copy, Clone)]
pub union CVal {
    /// `i32`.
    pub i32: i32,
    /// `i64`.
    pub i64: i64,
    /// `f32`.
    pub f32: f32,
    /// `f64`.
    pub f64: f64,
    /// `v128`, its bytes in memory order.
    pub v128: [u8; 16],
}

const _: () = assert!(size_of::<CVal>() == C_VAL_SIZE as usize && align_of::<CVal>() == 8);

impl CVal {
    /// The value of type `ty` in this slot.
    pub fn to_val(self, ty: &ValType) -> Result<Val> {
        // SAFETY: every field is plain bytes at offset 0 of a 16-byte
        // slot, so reading any of them is defined; the type says which
        // one the C side wrote.
        let val = unsafe {
            match ty {
                ValType::I32 => Val::I32(self.i32),
                ValType::I64 => Val::I64(self.i64),
                ValType::F32 => Val::F32(self.f32.to_bits()),
                ValType::F64 => Val::F64(self.f64.to_bits()),
                ValType::V128 => Val::V128(V128::from(u128::from_le_bytes(self.v128))),
                other => bail!("a C program cannot pass a {other}"),
            }
        };
        Ok(val)
    }

    /// `val` in a slot.
    pub fn from_val(val: &Val) -> Result<CVal> {
        Ok(match val {
            Val::I32(v) => CVal { i32: *v },
            Val::I64(v) => CVal { i64: *v },
            Val::F32(bits) => CVal { f32: f32::from_bits(*bits) },
            Val::F64(bits) => CVal { f64: f64::from_bits(*bits) },
            Val::V128(v) => CVal { v128: v.as_u128().to_le_bytes() },
            _ => bail!("a C program cannot receive a reference"),
        })
    }
}

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

/// Records `message` as this thread's last error.
pub fn set_last_error(message: &str) {
    let message = CString::new(message.replace('\0', "\\0")).unwrap_or_default();
    LAST_ERROR.with(|e| *e.borrow_mut() = message);
}

/// Records `e` as this thread's last error, as `kiln run` would print it
/// (for a trap, with its wasm backtrace and causes), and returns `status`.
pub fn fail(status: CStatus, e: &anyhow::Error) -> i32 {
    set_last_error(&crate::exe::describe(e));
    status as i32
}

/// `kiln_last_error`: what the last failing call on this thread reported,
/// or "". Valid until the next failing call on this thread.
#[unsafe(no_mangle)]
pub extern "C" fn kiln_last_error() -> *const c_char {
    LAST_ERROR.with(|e| e.borrow().as_ptr())
}

/// Runs `f` for a C entry point: a panic becomes `KILN_ERROR`.
pub fn guard(f: impl FnOnce() -> i32) -> i32 {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(status) => status,
        Err(_) => {
            set_last_error("kiln panicked (a kiln bug); the instance may be unusable");
            CStatus::Error as i32
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_through_slots() {
        let vals = [
            (Val::I32(-7), ValType::I32),
            (Val::I64(1 << 40), ValType::I64),
            (Val::F32(1.5f32.to_bits()), ValType::F32),
            (Val::F64((-2.25f64).to_bits()), ValType::F64),
            (Val::V128(V128::from(0x0102_0304_0506_0708_090a_0b0c_0d0e_0f10u128)), ValType::V128),
        ];
        for (val, ty) in vals {
            let back = CVal::from_val(&val).unwrap().to_val(&ty).unwrap();
            assert_eq!(format!("{back:?}"), format!("{val:?}"));
        }
        assert!(CVal { i64: 0 }.to_val(&ValType::ExternRef).is_err());
    }

    #[test]
    fn the_last_error_is_per_thread_and_panics_are_errors() {
        set_last_error("boom");
        let status = guard(|| panic!("inside"));
        assert_eq!(status, CStatus::Error as i32);
        // SAFETY: kiln_last_error returns this thread's NUL-terminated string.
        let text = unsafe { std::ffi::CStr::from_ptr(kiln_last_error()) }.to_str().unwrap().to_string();
        assert!(text.contains("panicked"), "{text}");
        let other = std::thread::spawn(|| {
            // SAFETY: as above, on the new thread.
            unsafe { std::ffi::CStr::from_ptr(kiln_last_error()) }.to_bytes().len()
        });
        assert_eq!(other.join().unwrap(), 0);
    }
}
