//! Click-free on/off switching of a stage.
//!
//! Turning a stage off or on is a crossfade between the stage's input (dry) and its output
//! (processed), so that neither a delay line full of echoes nor a filter's sudden phase shift
//! produces a step. When a stage is fully off it is not processed at all (no CPU), and it is
//! reset before it fades back in, so stale echoes from minutes ago never reappear.

use super::smoothing::LinearSmoother;

/// Crossfade time for stage on/off switches.
pub const SWITCH_FADE_MS: f32 = 10.0;

/// What the engine must do with a stage for the current block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SwitchState {
    /// Fully off: skip the stage entirely.
    Bypassed,
    /// Fully on: process in place, no dry copy needed.
    Active,
    /// Fading in or out: copy the dry signal, process, then crossfade.
    Fading,
}

/// The per-stage on/off crossfader, with its own copy of the dry signal.
#[derive(Debug, Clone, Default)]
pub struct StageSwitch {
    /// 0 = bypassed, 1 = fully active; ramps linearly between.
    wet_amount: LinearSmoother,
    /// Whether the next `set_enabled` should jump (right after prepare/reset).
    snap_next: bool,
    /// Set when the stage went from fully off to fading in: the engine resets the stage first.
    needs_stage_reset: bool,
    /// Copies of the stage input while fading, sized in `prepare()`.
    dry_left: Vec<f32>,
    /// Right channel counterpart of `dry_left`.
    dry_right: Vec<f32>,
}

impl StageSwitch {
    /// A switch that starts enabled. Call [`prepare()`](Self::prepare) before use.
    pub fn new() -> Self {
        Self { wet_amount: LinearSmoother::new(1.0), snap_next: true, ..Default::default() }
    }

    /// Allocates the dry buffers for blocks of up to `max_block` frames.
    pub fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.wet_amount.set_ramp(sample_rate, SWITCH_FADE_MS);
        self.dry_left = vec![0.0; max_block];
        self.dry_right = vec![0.0; max_block];
        self.reset();
    }

    /// Ends any fade; the next `set_enabled` takes effect without a fade.
    pub fn reset(&mut self) {
        let target = self.wet_amount.target();
        self.wet_amount.reset(target);
        self.snap_next = true;
        self.needs_stage_reset = false;
    }

    /// Sets whether the stage should be heard.
    pub fn set_enabled(&mut self, enabled: bool) {
        let target = if enabled { 1.0 } else { 0.0 };
        if self.snap_next {
            self.wet_amount.reset(target);
            self.snap_next = false;
            return;
        }
        if enabled && self.state() == SwitchState::Bypassed {
            self.needs_stage_reset = true;
        }
        self.wet_amount.set_target(target);
    }

    /// Whether the stage's state should be cleared before it is processed again; reading this
    /// clears the request.
    pub fn take_reset_request(&mut self) -> bool {
        std::mem::take(&mut self.needs_stage_reset)
    }

    /// What to do with the stage for this block.
    pub fn state(&self) -> SwitchState {
        if self.wet_amount.is_smoothing() {
            SwitchState::Fading
        } else if self.wet_amount.current() == 0.0 {
            SwitchState::Bypassed
        } else {
            SwitchState::Active
        }
    }

    /// Runs `process` on the block with the crossfade applied. `process` is only called when the
    /// stage is audible.
    #[inline]
    pub fn run(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        process: impl FnOnce(&mut [f32], &mut [f32]),
    ) {
        match self.state() {
            SwitchState::Bypassed => {}
            SwitchState::Active => process(left, right),
            SwitchState::Fading => {
                let n = left.len();
                self.dry_left[..n].copy_from_slice(left);
                self.dry_right[..n].copy_from_slice(right);
                process(left, right);
                for i in 0..n {
                    let wet = self.wet_amount.next();
                    let dry = 1.0 - wet;
                    left[i] = left[i] * wet + self.dry_left[i] * dry;
                    right[i] = right[i] * wet + self.dry_right[i] * dry;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switching_off_crossfades_to_dry_then_skips() {
        let mut sw = StageSwitch::new();
        sw.prepare(1000.0, 32); // 10 ms fade = 10 samples
        sw.set_enabled(true);
        sw.set_enabled(false);
        let mut l = [1.0f32; 32];
        let mut r = [1.0f32; 32];
        // The "stage" inverts polarity, the worst case for a hard switch.
        sw.run(&mut l, &mut r, |l, r| {
            l.iter_mut().for_each(|x| *x = -*x);
            r.iter_mut().for_each(|x| *x = -*x);
        });
        for w in l.windows(2) {
            assert!((w[1] - w[0]).abs() <= 0.2 + 1e-6, "step {:?}", w);
        }
        assert_eq!(l[31], 1.0);
        assert_eq!(sw.state(), SwitchState::Bypassed);
        let mut called = false;
        sw.run(&mut l, &mut r, |_, _| called = true);
        assert!(!called);
    }

    #[test]
    fn switching_back_on_requests_a_reset() {
        let mut sw = StageSwitch::new();
        sw.prepare(1000.0, 4);
        sw.set_enabled(false);
        sw.set_enabled(true);
        assert!(sw.take_reset_request());
        assert!(!sw.take_reset_request());
        assert_eq!(sw.state(), SwitchState::Fading);
    }
}
