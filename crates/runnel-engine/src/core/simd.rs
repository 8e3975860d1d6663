//! Runtime CPU-feature dispatch: one piece of DSP code compiled for several instruction sets,
//! the best one the running CPU has picked once, in `prepare`.
//!
//! The shipped binaries target baseline x86-64 (SSE2) or aarch64 (NEON), so they load on every
//! machine of those architectures. A stage's per-sample loop is written once as plain Rust over
//! fixed-size lane arrays (`[f32; 16]` for the reverb's 16 lines, `[f32; 2]` for stereo) and
//! wrapped in [`SimdLevel::run`]; on x86-64 that instantiates the loop inside functions with
//! `#[target_feature]` AVX2+FMA and AVX-512 enabled as well, so LLVM vectorises the same lane
//! loops 8 or 16 wide.
//!
//! The levels are bit-identical: Rust never reassociates or contracts floating-point operations
//! (no fast-math, no implicit FMA), and every lane loop computes each lane with the same
//! operations in the same order, whatever the vector width. The crate's tests render every
//! stage at every level the machine has and compare the outputs bit for bit, so the scalar
//! fallback is exercised on every run of the test suite.

/// An instruction-set level a stage's loop can be compiled for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SimdLevel {
    /// The architecture's baseline (SSE2 on x86-64, NEON on aarch64): runs everywhere.
    Baseline,
    /// x86-64 with AVX2 and FMA (x86-64-v3; Haswell and later, Zen and later).
    Avx2,
    /// x86-64 with AVX-512 F/BW/DQ/VL (x86-64-v4; e.g. Ice Lake/Sapphire Rapids servers, Zen 4).
    Avx512,
}

impl SimdLevel {
    /// Every level, lowest first.
    pub const ALL: [SimdLevel; 3] = [SimdLevel::Baseline, SimdLevel::Avx2, SimdLevel::Avx512];

    /// The best level the running CPU supports.
    pub fn detected() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512bw")
                && std::arch::is_x86_feature_detected!("avx512dq")
                && std::arch::is_x86_feature_detected!("avx512vl")
                && std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                return SimdLevel::Avx512;
            }
            if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
                return SimdLevel::Avx2;
            }
        }
        SimdLevel::Baseline
    }

    /// Every level the running CPU supports, lowest first (always includes
    /// [`Baseline`](Self::Baseline)).
    pub fn available() -> impl Iterator<Item = SimdLevel> {
        let best = Self::detected();
        Self::ALL.into_iter().filter(move |&level| level <= best)
    }

    /// `self`, lowered to what the running CPU supports (asking for more than the CPU has
    /// gives the best it has, never an illegal instruction).
    pub fn supported(self) -> Self {
        self.min(Self::detected())
    }

    /// Runs `body` compiled for this level. `body` must be `#[inline]`-able code (a closure
    /// over the stage's loop whose callees are `#[inline]`), so that it is instantiated inside
    /// the feature-enabled function.
    ///
    /// The level must be supported by the CPU: use a value from [`detected`](Self::detected)
    /// or [`supported`](Self::supported) (every constructor in the crate does).
    ///
    /// Caveat (measured): LLVM inlines the closure into the feature-enabled wrappers only when
    /// it is small. A whole stage loop is not inlined, and then every level runs the baseline
    /// copy (the reverb's loop ran SSE2 code at every level until it got explicit
    /// `#[target_feature]` functions around its `#[inline(always)]` loop; check with
    /// `objdump -d … | grep -c ymm`).
    #[inline(always)]
    pub fn run<R>(self, body: impl FnOnce() -> R) -> R {
        match self {
            SimdLevel::Baseline => body(),
            #[cfg(target_arch = "x86_64")]
            // SAFETY: the level was checked against the CPU's features (see above).
            SimdLevel::Avx2 => unsafe { run_avx2(body) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above.
            SimdLevel::Avx512 => unsafe { run_avx512(body) },
            #[cfg(not(target_arch = "x86_64"))]
            _ => body(),
        }
    }
}

impl Default for SimdLevel {
    /// The detected level.
    fn default() -> Self {
        Self::detected()
    }
}

/// `body` compiled with AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn run_avx2<R>(body: impl FnOnce() -> R) -> R {
    body()
}

/// `body` compiled with AVX-512 (and AVX2/FMA).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
unsafe fn run_avx512<R>(body: impl FnOnce() -> R) -> R {
    body()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn available_levels_start_at_baseline_and_end_at_the_detected_one() {
        let levels: Vec<_> = SimdLevel::available().collect();
        assert_eq!(levels.first(), Some(&SimdLevel::Baseline));
        assert_eq!(levels.last(), Some(&SimdLevel::detected()));
        assert_eq!(SimdLevel::Avx512.supported(), SimdLevel::detected());
    }

    #[test]
    fn every_level_computes_the_same_bits() {
        let input: [f32; 16] = std::array::from_fn(|i| (i as f32 * 0.731).sin());
        let kernel = |x: &[f32; 16]| -> [f32; 16] { std::array::from_fn(|i| x[i] * 0.3 + x[15 - i] * x[i]) };
        let reference = kernel(&input);
        for level in SimdLevel::available() {
            let out = level.run(|| kernel(&input));
            assert_eq!(out.map(f32::to_bits), reference.map(f32::to_bits), "{level:?}");
        }
    }
}
