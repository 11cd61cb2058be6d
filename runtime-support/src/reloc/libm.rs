//! The few C math functions compiled code may call by name: Cranelift
//! lowers some float operations to these libm calls on CPUs without
//! SSE4.1 or FMA.

/// The address of the libcall `name`, or `None` for a name kiln never
/// emits (an artifact that needs one is refused).
pub fn resolve(name: &str) -> Option<usize> {
    extern "C" fn floorf(x: f32) -> f32 {
        x.floor()
    }
    extern "C" fn floor(x: f64) -> f64 {
        x.floor()
    }
    extern "C" fn ceilf(x: f32) -> f32 {
        x.ceil()
    }
    extern "C" fn ceil(x: f64) -> f64 {
        x.ceil()
    }
    extern "C" fn truncf(x: f32) -> f32 {
        x.trunc()
    }
    extern "C" fn trunc(x: f64) -> f64 {
        x.trunc()
    }
    extern "C" fn nearbyintf(x: f32) -> f32 {
        x.round_ties_even()
    }
    extern "C" fn nearbyint(x: f64) -> f64 {
        x.round_ties_even()
    }
    extern "C" fn fmaf(a: f32, b: f32, c: f32) -> f32 {
        a.mul_add(b, c)
    }
    extern "C" fn fma(a: f64, b: f64, c: f64) -> f64 {
        a.mul_add(b, c)
    }
    Some(match name {
        "floorf" => floorf as *const () as usize,
        "floor" => floor as *const () as usize,
        "ceilf" => ceilf as *const () as usize,
        "ceil" => ceil as *const () as usize,
        "truncf" => truncf as *const () as usize,
        "trunc" => trunc as *const () as usize,
        "nearbyintf" => nearbyintf as *const () as usize,
        "nearbyint" => nearbyint as *const () as usize,
        "fmaf" => fmaf as *const () as usize,
        "fma" => fma as *const () as usize,
        _ => return None,
    })
}
