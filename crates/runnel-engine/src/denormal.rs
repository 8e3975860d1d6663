//! Protection against subnormal numbers and non-finite input.
//!
//! Subnormal floats make x86 CPUs take a micro-code path that is 10–100× slower, which turns a
//! decaying reverb tail into a CPU spike. Two layers guard against that:
//! - [`DenormalGuard`] sets the CPU's flush-to-zero / denormals-are-zero modes for the duration
//!   of one `process()` call and restores the caller's mode afterwards (hosts share the thread);
//! - [`flush`] is applied to every recursive state variable, so the engine stays safe on
//!   targets where the guard is a no-op and when a host resets the FPU mode behind our back.

/// Values smaller than this in a feedback path are snapped to zero: they are ~−600 dBFS, far below
/// anything audible, yet far above the subnormal range (< 1.2e-38).
pub const FLUSH_THRESHOLD: f32 = 1e-30;

/// Snaps tiny magnitudes to exactly zero. Apply to recursive state, not to every sample.
#[inline(always)]
pub fn flush(x: f32) -> f32 {
    if x.abs() < FLUSH_THRESHOLD {
        0.0
    } else {
        x
    }
}

/// `f64` counterpart of [`flush`].
#[inline(always)]
pub fn flush64(x: f64) -> f64 {
    if x.abs() < FLUSH_THRESHOLD as f64 {
        0.0
    } else {
        x
    }
}

/// Sets flush-to-zero and denormals-are-zero while alive; restores the previous mode on drop.
pub struct DenormalGuard {
    /// The control register's value before the guard changed it.
    #[cfg_attr(not(any(target_arch = "x86_64", target_arch = "aarch64")), allow(dead_code))]
    previous: u64,
}

impl DenormalGuard {
    /// Enables FTZ/DAZ on the current thread. Costs two register accesses, no syscall.
    #[inline]
    pub fn new() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            let mut csr: u32 = 0;
            // SAFETY: stmxcsr/ldmxcsr only read and write the SSE control register of this thread.
            unsafe {
                std::arch::asm!("stmxcsr [{}]", in(reg) &mut csr, options(nostack));
                // Bit 15 = flush-to-zero, bit 6 = denormals-are-zero.
                let new = csr | 0x8040;
                std::arch::asm!("ldmxcsr [{}]", in(reg) &new, options(nostack, readonly));
            }
            Self { previous: csr as u64 }
        }
        #[cfg(target_arch = "aarch64")]
        {
            let fpcr: u64;
            // SAFETY: FPCR is per-thread floating point control state; bit 24 is flush-to-zero.
            unsafe {
                std::arch::asm!("mrs {}, fpcr", out(reg) fpcr, options(nomem, nostack));
                std::arch::asm!("msr fpcr, {}", in(reg) fpcr | (1 << 24), options(nomem, nostack));
            }
            Self { previous: fpcr }
        }
        #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
        {
            Self { previous: 0 }
        }
    }
}

impl Default for DenormalGuard {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for DenormalGuard {
    #[inline]
    fn drop(&mut self) {
        #[cfg(target_arch = "x86_64")]
        {
            let csr = self.previous as u32;
            // SAFETY: restores the value read in `new()`.
            unsafe { std::arch::asm!("ldmxcsr [{}]", in(reg) &csr, options(nostack, readonly)) };
        }
        #[cfg(target_arch = "aarch64")]
        {
            // SAFETY: restores the value read in `new()`.
            unsafe { std::arch::asm!("msr fpcr, {}", in(reg) self.previous, options(nomem, nostack)) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flush_snaps_tiny_values_only() {
        assert_eq!(flush(1e-35), 0.0);
        assert_eq!(flush(-1e-35), 0.0);
        assert_eq!(flush(1e-20), 1e-20);
        assert_eq!(flush64(1e-300), 0.0);
    }

    #[test]
    fn guard_flushes_subnormal_arithmetic_and_restores() {
        let tiny = std::hint::black_box(1e-38f32);
        {
            let _g = DenormalGuard::new();
            let r = std::hint::black_box(tiny) * std::hint::black_box(0.01f32);
            #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
            assert_eq!(r, 0.0);
            let _ = r;
        }
        let r = std::hint::black_box(tiny) * std::hint::black_box(0.01f32);
        assert!(r > 0.0, "mode not restored");
    }
}
