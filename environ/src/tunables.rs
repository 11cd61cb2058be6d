//! The compile settings that change what compiled code does at run time,
//! recorded in every artifact so that the loader can refuse code compiled
//! for another engine configuration.
//!
//! These are the two kinds of deadline, epoch interruption and fuel, and
//! whether relaxed SIMD is deterministic. Code compiled without a check
//! cannot be stopped by it, code compiled with one reads store-context
//! fields an engine without it never updates, and relaxed SIMD gives other
//! results; so an artifact loads only into an engine whose settings are
//! the same.

use serde::{Deserialize, Serialize};

/// The run-time-visible settings an artifact was compiled with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Tunables {
    /// Function entries and loop headers compare the engine's epoch with
    /// the store's deadline.
    pub epoch_interruption: bool,
    /// Every operator consumes fuel; function entries and loop headers
    /// trap when it is exhausted.
    pub consume_fuel: bool,
    /// Relaxed SIMD operators give the same result on every host (see the
    /// translator's `simd::relaxed`); otherwise they use the fastest native
    /// instruction.
    pub relaxed_simd_deterministic: bool,
}

impl Default for Tunables {
    fn default() -> Self {
        Self { epoch_interruption: false, consume_fuel: false, relaxed_simd_deterministic: true }
    }
}

impl Tunables {
    /// Why code compiled with `self` cannot run in an engine configured
    /// with `engine`, if it cannot.
    pub fn mismatch(&self, engine: &Tunables) -> Option<String> {
        let with = |b: bool| if b { "with" } else { "without" };
        let has = |b: bool| if b { "enabled" } else { "disabled" };
        if self.epoch_interruption != engine.epoch_interruption {
            return Some(format!(
                "module was compiled {} epoch interruption, but the engine has it {}",
                with(self.epoch_interruption),
                has(engine.epoch_interruption)
            ));
        }
        if self.relaxed_simd_deterministic != engine.relaxed_simd_deterministic {
            return Some(format!(
                "module was compiled {} deterministic relaxed SIMD, but the engine has it {}",
                with(self.relaxed_simd_deterministic),
                has(engine.relaxed_simd_deterministic)
            ));
        }
        if self.consume_fuel != engine.consume_fuel {
            return Some(format!(
                "module was compiled {} fuel consumption, but the engine has it {}",
                with(self.consume_fuel),
                has(engine.consume_fuel)
            ));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_settings_match() {
        let t = Tunables { epoch_interruption: true, ..Tunables::default() };
        assert_eq!(t.mismatch(&t), None);
        assert_eq!(Tunables::default().mismatch(&Tunables::default()), None);
    }

    #[test]
    fn mismatches_name_the_setting_and_both_sides() {
        let off = Tunables::default();
        let epoch = Tunables { epoch_interruption: true, ..off };
        let fuel = Tunables { consume_fuel: true, ..off };
        assert_eq!(
            off.mismatch(&epoch).as_deref(),
            Some("module was compiled without epoch interruption, but the engine has it enabled")
        );
        assert_eq!(
            epoch.mismatch(&off).as_deref(),
            Some("module was compiled with epoch interruption, but the engine has it disabled")
        );
        assert_eq!(
            fuel.mismatch(&off).as_deref(),
            Some("module was compiled with fuel consumption, but the engine has it disabled")
        );
    }
}
