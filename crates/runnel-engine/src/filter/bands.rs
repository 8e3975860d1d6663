//! The stage's bands: parameter smoothing, click-free switching and coefficient updates around the
//! stateless designs of [`super::design`] and the sections of [`super::svf`].
//!
//! Common pattern of every band:
//! - frequencies and Qs are smoothed in the log2 domain, gains in dB, all with
//!   [`PARAMETER_RAMP_MS`](super::PARAMETER_RAMP_MS) ramps;
//! - while any of them ramps, the block is split into sub-blocks of
//!   `CONTROL_INTERVAL` frames and the coefficients are re-derived
//!   (exact `tan` prewarp) at the start of each; once settled, coefficients are not touched and the
//!   exact target values (not `exp2(log2(x))`) are used, so a settled band measures exactly;
//! - discrete changes (on/off, slope, notch/band-pass mode) are crossfades of
//!   [`SWITCH_FADE_MS`](super::SWITCH_FADE_MS), never steps;
//! - a band that is fully off is skipped and its state cleared, so it costs nothing and re-enters
//!   from silence underneath a fade-in.

use super::design::{tone, PassDesign, PassKind, SvfCoefficients, ToneShape};
use super::fused::FusedSections;
use super::svf::{Frame, PassCascade, SvfSection};
use super::{FilterSlope, NotchMode, NotchSettings, PassSettings, PARAMETER_RAMP_MS, SWITCH_FADE_MS};
use crate::smoothing::{LinearSmoother, CONTROL_INTERVAL};

/// Frames processed at once while a crossfade runs: the dry copy lives on the stack.
const FADE_CHUNK: usize = 64;

/// The value a log2-domain smoother stands for: exactly `exact` once settled, `2^current` while
/// ramping.
#[inline]
fn smoothed_log2(smoother: &LinearSmoother, exact: f32) -> f64 {
    if smoother.is_smoothing() {
        (smoother.current() as f64).exp2()
    } else {
        exact as f64
    }
}

/// `a + t·(b − a)` per channel.
#[inline(always)]
fn mix(a: Frame, b: Frame, t: f64) -> Frame {
    [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]
}

/// What a band does with the next block, decided once per block by the band's `fused_part`.
pub(super) enum BandWork<'a> {
    /// Nothing to the audio (off, or at 0 dB); the band's per-block bookkeeping is done.
    Skip,
    /// Settled: running these sections with fixed coefficients is the band's whole work, so it
    /// can run fused with its neighbours ([`FusedSections`]).
    Sections(&'a [SvfCoefficients], &'a mut [SvfSection]),
    /// Ramping, crossfading or a structure the fused run does not cover: the band processes
    /// the block itself.
    Own(&'a mut dyn FramesProcessor),
}

/// A band that filters a block of frames in place (its band-major path).
pub(super) trait FramesProcessor {
    /// Filters `frames` in place.
    fn process_frames(&mut self, frames: &mut [Frame]);
}

/// Runs the bands' work for one block in signal order: consecutive settled bands fused, the
/// others one after the other. The same result, bit for bit, as every band processing the
/// block in turn.
pub(super) fn run_bands<const N: usize>(work: [BandWork<'_>; N], frames: &mut [Frame]) {
    let mut fused = FusedSections::new();
    for part in work {
        match part {
            BandWork::Skip => {}
            BandWork::Sections(coefficients, states) => fused.push(coefficients, states, frames),
            BandWork::Own(band) => {
                fused.run(frames);
                band.process_frames(frames);
            }
        }
    }
    fused.run(frames);
}

/// One high/low-pass cascade slot and the slope it was built for.
#[derive(Debug, Clone, Copy)]
struct PassSlot {
    /// The slope (Butterworth order or resonant) this slot's cascade realises.
    slope: FilterSlope,
    /// Coefficients and state.
    cascade: PassCascade,
}

/// A high-pass or low-pass band: Butterworth orders 1–8 or a resonant second-order section.
///
/// A slope change swaps cascade structure, so it runs the new cascade next to the old one and
/// crossfades (two slots). A further slope change during that crossfade is queued, not applied
/// on top, so the output never steps.
#[derive(Debug, Clone)]
pub(super) struct PassBand {
    /// High-pass or low-pass.
    kind: PassKind,
    /// Sample rate from `prepare`, in Hz.
    sample_rate: f64,
    /// The latest (clamped) settings.
    target: PassSettings,
    /// Cutoff in log2(Hz), smoothed.
    cutoff_log2: LinearSmoother,
    /// Resonant-mode Q in log2, smoothed.
    resonance_log2: LinearSmoother,
    /// 0 = off (dry), 1 = on (filtered); crossfades the band in and out.
    enable: LinearSmoother,
    /// The incoming (`slots[active]`) and, during a slope crossfade, the outgoing cascade.
    slots: [PassSlot; 2],
    /// Index of the slot that is (or is becoming) the band's output.
    active: usize,
    /// Crossfade position from the outgoing slot (0) to the active slot (1).
    morph: LinearSmoother,
    /// Whether a slope crossfade is running.
    morphing: bool,
    /// A slope requested while a crossfade was running; applied when it ends.
    pending_slope: Option<FilterSlope>,
    /// Coefficients must be re-derived before the next sample (after a snap or a slope change).
    needs_design: bool,
    /// State was cleared after the band went fully off (so it is cleared only once).
    cleared: bool,
}

impl PassBand {
    /// A band at `defaults`, prepared for 48 kHz until `prepare` says otherwise.
    pub(super) fn new(kind: PassKind, defaults: PassSettings) -> Self {
        let slot = PassSlot {
            slope: defaults.slope,
            cascade: PassCascade::new(PassDesign::butterworth(kind, 2, 1_000.0, 48_000.0)),
        };
        let mut band = Self {
            kind,
            sample_rate: 48_000.0,
            target: defaults,
            cutoff_log2: LinearSmoother::new(defaults.cutoff_hz.log2()),
            resonance_log2: LinearSmoother::new(defaults.resonance_q.log2()),
            enable: LinearSmoother::new(if defaults.enabled { 1.0 } else { 0.0 }),
            slots: [slot; 2],
            active: 0,
            morph: LinearSmoother::new(1.0),
            morphing: false,
            pending_slope: None,
            needs_design: true,
            cleared: false,
        };
        band.prepare(48_000.0);
        band
    }

    /// Adopts a sample rate (ramp lengths, designs).
    pub(super) fn prepare(&mut self, sample_rate: f32) {
        self.sample_rate = sample_rate as f64;
        self.cutoff_log2.set_ramp(sample_rate, PARAMETER_RAMP_MS);
        self.resonance_log2.set_ramp(sample_rate, PARAMETER_RAMP_MS);
        self.enable.set_ramp(sample_rate, SWITCH_FADE_MS);
        self.morph.set_ramp(sample_rate, SWITCH_FADE_MS);
    }

    /// Clears state and jumps every smoother to its target.
    pub(super) fn reset(&mut self) {
        let target = self.target;
        self.snap_to(target);
    }

    /// Sets new targets; `snap` jumps straight to them (first settings after a reset).
    pub(super) fn set_target(&mut self, settings: PassSettings, snap: bool) {
        if snap {
            self.snap_to(settings);
            return;
        }
        let was_bypassed = self.is_bypassed();
        self.target = settings;
        self.cutoff_log2.set_target(settings.cutoff_hz.log2());
        self.resonance_log2.set_target(settings.resonance_q.log2());
        self.enable.set_target(if settings.enabled { 1.0 } else { 0.0 });
        if settings.slope != self.slots[self.active].slope {
            if was_bypassed {
                // Silent anyway: rebuild in place; the fade-in hides the fresh state.
                self.slots[self.active].slope = settings.slope;
                self.slots[self.active].cascade.reset();
                self.needs_design = true;
            } else if self.morphing {
                self.pending_slope = Some(settings.slope);
            } else {
                self.start_morph(settings.slope);
            }
        } else if self.morphing {
            // Back to the slope already fading in: drop any queued change.
            self.pending_slope = None;
        }
    }

    /// The design the current targets ask for, `None` when the band is off. Used by the
    /// response display; touches no audio state.
    pub(super) fn target_design(&self) -> Option<PassDesign> {
        self.target.enabled.then(|| {
            design_for(
                self.kind,
                self.target.slope,
                self.target.cutoff_hz as f64,
                self.target.resonance_q as f64,
                self.sample_rate,
            )
        })
    }

    /// The slowest pole's decay rate (1/s) of the active design, `None` when the band is off.
    pub(super) fn slowest_decay_rate(&self) -> Option<f64> {
        let design = self.target_design()?;
        let mut slowest = f64::INFINITY;
        for section in &design.sections[..design.section_count] {
            slowest = slowest.min(section_decay_rate(section, self.sample_rate));
        }
        if let Some(pole) = design.one_pole {
            slowest = slowest.min(2.0 * self.sample_rate * pole.g);
        }
        Some(slowest)
    }

    /// Filters `frames` in place.
    pub(super) fn process(&mut self, frames: &mut [Frame]) {
        if self.is_bypassed() {
            if !self.cleared {
                self.clear_when_off();
            }
            return;
        }
        self.cleared = false;
        let mut start = 0;
        while start < frames.len() {
            let modulating = self.cutoff_log2.is_smoothing() || self.resonance_log2.is_smoothing();
            let len =
                if modulating { CONTROL_INTERVAL.min(frames.len() - start) } else { frames.len() - start };
            if modulating {
                self.cutoff_log2.skip(len as u32);
                self.resonance_log2.skip(len as u32);
                self.needs_design = true;
            }
            if self.needs_design {
                self.update_designs();
            }
            self.render(&mut frames[start..start + len]);
            start += len;
        }
    }

    /// This block's work (see [`BandWork`]): the same decisions [`process`](Self::process)
    /// makes, taken once for the block.
    pub(super) fn fused_part(&mut self) -> BandWork<'_> {
        if self.is_bypassed() {
            if !self.cleared {
                self.clear_when_off();
            }
            return BandWork::Skip;
        }
        let modulating = self.cutoff_log2.is_smoothing() || self.resonance_log2.is_smoothing();
        if modulating || self.morphing || self.enable.is_smoothing() {
            return BandWork::Own(self);
        }
        self.cleared = false;
        if self.needs_design {
            self.update_designs();
        }
        // Odd orders (a first-order pole) run on the band's own path.
        if self.slots[self.active].cascade.has_one_pole() {
            return BandWork::Own(self);
        }
        let (coefficients, states) = self.slots[self.active].cascade.sections_mut();
        BandWork::Sections(coefficients, states)
    }

    /// Whether the next block would run fused (tests: a predicate without `fused_part`'s
    /// bookkeeping).
    #[cfg(test)]
    pub(super) fn would_fuse(&self) -> bool {
        !self.is_bypassed()
            && !self.cutoff_log2.is_smoothing()
            && !self.resonance_log2.is_smoothing()
            && !self.morphing
            && !self.enable.is_smoothing()
            && !self.slots[self.active].cascade.has_one_pole()
    }

    /// Fully off: nothing is heard from the cascade, so drop its state and any crossfade.
    fn clear_when_off(&mut self) {
        if let Some(slope) = self.pending_slope.take() {
            self.slots[self.active].slope = slope;
        }
        self.morphing = false;
        self.morph.reset(1.0);
        for slot in &mut self.slots {
            slot.cascade.reset();
        }
        self.needs_design = true;
        self.cleared = true;
    }

    /// Whether the band is fully off and not fading.
    fn is_bypassed(&self) -> bool {
        self.enable.current() == 0.0 && !self.enable.is_smoothing()
    }

    /// Jumps to `settings` with cleared state and no fades.
    fn snap_to(&mut self, settings: PassSettings) {
        self.target = settings;
        self.cutoff_log2.reset(settings.cutoff_hz.log2());
        self.resonance_log2.reset(settings.resonance_q.log2());
        self.enable.reset(if settings.enabled { 1.0 } else { 0.0 });
        self.slots[self.active].slope = settings.slope;
        self.morphing = false;
        self.morph.reset(1.0);
        self.pending_slope = None;
        for slot in &mut self.slots {
            slot.cascade.reset();
        }
        self.needs_design = true;
        self.cleared = !settings.enabled;
    }

    /// Re-derives the coefficients of the slot(s) in use from the smoothed cutoff and Q.
    fn update_designs(&mut self) {
        let cutoff = smoothed_log2(&self.cutoff_log2, self.target.cutoff_hz);
        let resonance = smoothed_log2(&self.resonance_log2, self.target.resonance_q);
        let active = self.active;
        let slope = self.slots[active].slope;
        let design = design_for(self.kind, slope, cutoff, resonance, self.sample_rate);
        self.slots[active].cascade.set_design(design);
        if self.morphing {
            let outgoing = &mut self.slots[1 - active];
            let design = design_for(self.kind, outgoing.slope, cutoff, resonance, self.sample_rate);
            outgoing.cascade.set_design(design);
        }
        self.needs_design = false;
    }

    /// Starts a crossfade to a fresh cascade of `slope` at the current cutoff.
    fn start_morph(&mut self, slope: FilterSlope) {
        let incoming = 1 - self.active;
        let cutoff = smoothed_log2(&self.cutoff_log2, self.target.cutoff_hz);
        let resonance = smoothed_log2(&self.resonance_log2, self.target.resonance_q);
        let design = design_for(self.kind, slope, cutoff, resonance, self.sample_rate);
        self.slots[incoming] = PassSlot { slope, cascade: PassCascade::new(design) };
        self.active = incoming;
        self.morph.reset(0.0);
        self.morph.set_target(1.0);
        self.morphing = true;
    }

    /// Runs the cascade(s) over `frames` with the coefficients already in place.
    fn render(&mut self, frames: &mut [Frame]) {
        if !self.morphing && !self.enable.is_smoothing() {
            self.slots[self.active].cascade.process(frames);
            return;
        }
        for chunk in frames.chunks_mut(FADE_CHUNK) {
            let n = chunk.len();
            let mut dry = [[0.0; 2]; FADE_CHUNK];
            dry[..n].copy_from_slice(chunk);
            if self.morphing {
                let mut outgoing = dry;
                self.slots[1 - self.active].cascade.process(&mut outgoing[..n]);
                self.slots[self.active].cascade.process(chunk);
                for (frame, old) in chunk.iter_mut().zip(&outgoing[..n]) {
                    *frame = mix(*old, *frame, self.morph.next() as f64);
                }
                if !self.morph.is_smoothing() {
                    self.morphing = false;
                    self.slots[1 - self.active].cascade.reset();
                    if let Some(slope) = self.pending_slope.take() {
                        if slope != self.slots[self.active].slope {
                            self.start_morph(slope);
                        }
                    }
                }
            } else {
                self.slots[self.active].cascade.process(chunk);
            }
            if self.enable.is_smoothing() {
                for (frame, input) in chunk.iter_mut().zip(&dry[..n]) {
                    *frame = mix(*input, *frame, self.enable.next() as f64);
                }
            } else if self.enable.current() == 0.0 {
                chunk.copy_from_slice(&dry[..n]);
            }
        }
    }
}

/// The design of `slope` at `cutoff_hz` (and `resonance_q` for the resonant slope).
pub(super) fn design_for(
    kind: PassKind,
    slope: FilterSlope,
    cutoff_hz: f64,
    resonance_q: f64,
    sample_rate: f64,
) -> PassDesign {
    match slope.butterworth_order() {
        Some(order) => PassDesign::butterworth(kind, order, cutoff_hz, sample_rate),
        None => PassDesign::resonant(kind, cutoff_hz, resonance_q, sample_rate),
    }
}

/// Decay rate (1/s) of the slower pole of `s² + k·s + 1` scaled to the section's prewarped
/// frequency. Used for the tail estimate.
fn section_decay_rate(section: &SvfCoefficients, sample_rate: f64) -> f64 {
    let omega = 2.0 * sample_rate * section.g;
    let half_k = 0.5 * section.k;
    if half_k < 1.0 {
        omega * half_k
    } else {
        omega * (half_k - (half_k * half_k - 1.0).sqrt())
    }
}

/// Targets shared by shelves and bells.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct ToneTarget {
    /// Band on.
    pub(super) enabled: bool,
    /// Centre or corner frequency in Hz.
    pub(super) freq_hz: f32,
    /// Gain in dB.
    pub(super) gain_db: f32,
    /// Quality factor.
    pub(super) q: f32,
}

/// A shelf or bell: one SVF section whose gain ramps to 0 dB (the identity) when switched off.
///
/// Ramping the gain rather than crossfading is click-free by construction: at 0 dB the section's
/// output is exactly its input whatever its state.
#[derive(Debug, Clone)]
pub(super) struct ToneBand {
    /// Low shelf, high shelf or bell.
    shape: ToneShape,
    /// Sample rate from `prepare`, in Hz.
    sample_rate: f64,
    /// The latest (clamped) settings.
    target: ToneTarget,
    /// Frequency in log2(Hz), smoothed.
    freq_log2: LinearSmoother,
    /// Effective gain in dB (0 when off), smoothed.
    gain_db: LinearSmoother,
    /// Q in log2, smoothed.
    q_log2: LinearSmoother,
    /// Coefficients in use.
    coefficients: SvfCoefficients,
    /// Section state.
    state: SvfSection,
    /// Coefficients must be re-derived before the next sample.
    needs_design: bool,
}

impl ToneBand {
    /// A band of `shape` at `defaults`.
    pub(super) fn new(shape: ToneShape, defaults: ToneTarget) -> Self {
        let mut band = Self {
            shape,
            sample_rate: 48_000.0,
            target: defaults,
            freq_log2: LinearSmoother::new(defaults.freq_hz.log2()),
            gain_db: LinearSmoother::new(effective_gain(&defaults)),
            q_log2: LinearSmoother::new(defaults.q.log2()),
            coefficients: SvfCoefficients::default(),
            state: SvfSection::default(),
            needs_design: true,
        };
        band.prepare(48_000.0);
        band
    }

    /// Adopts a sample rate.
    pub(super) fn prepare(&mut self, sample_rate: f32) {
        self.sample_rate = sample_rate as f64;
        self.freq_log2.set_ramp(sample_rate, PARAMETER_RAMP_MS);
        self.gain_db.set_ramp(sample_rate, PARAMETER_RAMP_MS);
        self.q_log2.set_ramp(sample_rate, PARAMETER_RAMP_MS);
    }

    /// Clears state and jumps to the targets.
    pub(super) fn reset(&mut self) {
        let target = self.target;
        self.set_target(target, true);
    }

    /// Sets new targets; `snap` jumps straight to them.
    pub(super) fn set_target(&mut self, target: ToneTarget, snap: bool) {
        self.target = target;
        if snap {
            self.freq_log2.reset(target.freq_hz.log2());
            self.gain_db.reset(effective_gain(&target));
            self.q_log2.reset(target.q.log2());
            self.state.reset();
            self.needs_design = true;
        } else {
            self.freq_log2.set_target(target.freq_hz.log2());
            self.gain_db.set_target(effective_gain(&target));
            self.q_log2.set_target(target.q.log2());
        }
    }

    /// The target design, `None` when off or at 0 dB (identity).
    pub(super) fn target_design(&self) -> Option<SvfCoefficients> {
        (effective_gain(&self.target) != 0.0).then(|| {
            tone(
                self.shape,
                self.target.freq_hz as f64,
                self.target.q as f64,
                self.target.gain_db as f64,
                self.sample_rate,
            )
        })
    }

    /// The slower pole's decay rate (1/s) of the target design, `None` when inactive.
    pub(super) fn slowest_decay_rate(&self) -> Option<f64> {
        self.target_design().map(|c| section_decay_rate(&c, self.sample_rate))
    }

    /// Filters `frames` in place.
    pub(super) fn process(&mut self, frames: &mut [Frame]) {
        if self.gain_db.current() == 0.0 && !self.gain_db.is_smoothing() {
            // Identity: skip, and start from silence when the gain moves again (its ramp from
            // 0 dB hides the fresh state).
            self.state.reset();
            return;
        }
        let mut start = 0;
        while start < frames.len() {
            let modulating =
                self.freq_log2.is_smoothing() || self.gain_db.is_smoothing() || self.q_log2.is_smoothing();
            let len =
                if modulating { CONTROL_INTERVAL.min(frames.len() - start) } else { frames.len() - start };
            if modulating {
                self.freq_log2.skip(len as u32);
                self.gain_db.skip(len as u32);
                self.q_log2.skip(len as u32);
                self.needs_design = true;
            }
            if self.needs_design {
                self.design();
            }
            let coefficients = self.coefficients;
            for frame in &mut frames[start..start + len] {
                *frame = self.state.tick(&coefficients, *frame);
            }
            start += len;
        }
    }
}

impl ToneBand {
    /// Re-derives the coefficients from the smoothed frequency, Q and gain.
    fn design(&mut self) {
        self.coefficients = tone(
            self.shape,
            smoothed_log2(&self.freq_log2, self.target.freq_hz),
            smoothed_log2(&self.q_log2, self.target.q),
            self.gain_db.current() as f64,
            self.sample_rate,
        );
        self.needs_design = false;
    }

    /// This block's work (see [`BandWork`]): the same decisions [`process`](Self::process)
    /// makes, taken once for the block.
    pub(super) fn fused_part(&mut self) -> BandWork<'_> {
        if self.gain_db.current() == 0.0 && !self.gain_db.is_smoothing() {
            self.state.reset();
            return BandWork::Skip;
        }
        if self.freq_log2.is_smoothing() || self.gain_db.is_smoothing() || self.q_log2.is_smoothing() {
            return BandWork::Own(self);
        }
        if self.needs_design {
            self.design();
        }
        BandWork::Sections(std::slice::from_ref(&self.coefficients), std::slice::from_mut(&mut self.state))
    }
}

impl NotchBand {
    /// This block's work (see [`BandWork`]): skipped when off, its own mix otherwise.
    pub(super) fn fused_part(&mut self) -> BandWork<'_> {
        if self.enable.current() == 0.0 && !self.enable.is_smoothing() {
            self.state.reset();
            return BandWork::Skip;
        }
        BandWork::Own(self)
    }
}

impl FramesProcessor for PassBand {
    fn process_frames(&mut self, frames: &mut [Frame]) {
        self.process(frames);
    }
}

impl FramesProcessor for ToneBand {
    fn process_frames(&mut self, frames: &mut [Frame]) {
        self.process(frames);
    }
}

impl FramesProcessor for NotchBand {
    fn process_frames(&mut self, frames: &mut [Frame]) {
        self.process(frames);
    }
}

/// The gain a tone band is heading to: its setting when on, 0 dB (identity) when off.
fn effective_gain(target: &ToneTarget) -> f32 {
    if target.enabled {
        target.gain_db
    } else {
        0.0
    }
}

/// The notch / band-pass band: one SVF section, output `x − k·v1` (notch) or `k·v1` (band-pass).
///
/// Both outputs are linear in the same state, so on/off and the mode are crossfades of the
/// output mix alone: `y = x + e·(k·v1·(2t − 1) − t·x)` with enable `e` and mode `t`
/// (0 notch, 1 band-pass) — one section, no second filter needed during a fade.
#[derive(Debug, Clone)]
pub(super) struct NotchBand {
    /// Sample rate from `prepare`, in Hz.
    sample_rate: f64,
    /// The latest (clamped) settings.
    target: NotchSettings,
    /// Centre frequency in log2(Hz), smoothed.
    freq_log2: LinearSmoother,
    /// Q in log2, smoothed.
    q_log2: LinearSmoother,
    /// 0 = off (dry), 1 = on.
    enable: LinearSmoother,
    /// 0 = notch, 1 = band-pass.
    mode: LinearSmoother,
    /// Coefficients in use (the notch design; only `a1..a3` and `k` are read).
    coefficients: SvfCoefficients,
    /// Section state.
    state: SvfSection,
    /// Coefficients must be re-derived before the next sample.
    needs_design: bool,
}

impl NotchBand {
    /// A band at `defaults`.
    pub(super) fn new(defaults: NotchSettings) -> Self {
        let mut band = Self {
            sample_rate: 48_000.0,
            target: defaults,
            freq_log2: LinearSmoother::new(defaults.freq_hz.log2()),
            q_log2: LinearSmoother::new(defaults.q.log2()),
            enable: LinearSmoother::new(if defaults.enabled { 1.0 } else { 0.0 }),
            mode: LinearSmoother::new(mode_position(defaults.mode)),
            coefficients: SvfCoefficients::default(),
            state: SvfSection::default(),
            needs_design: true,
        };
        band.prepare(48_000.0);
        band
    }

    /// Adopts a sample rate.
    pub(super) fn prepare(&mut self, sample_rate: f32) {
        self.sample_rate = sample_rate as f64;
        self.freq_log2.set_ramp(sample_rate, PARAMETER_RAMP_MS);
        self.q_log2.set_ramp(sample_rate, PARAMETER_RAMP_MS);
        self.enable.set_ramp(sample_rate, SWITCH_FADE_MS);
        self.mode.set_ramp(sample_rate, SWITCH_FADE_MS);
    }

    /// Clears state and jumps to the targets.
    pub(super) fn reset(&mut self) {
        let target = self.target;
        self.set_target(target, true);
    }

    /// Sets new targets; `snap` jumps straight to them.
    pub(super) fn set_target(&mut self, target: NotchSettings, snap: bool) {
        self.target = target;
        let enable = if target.enabled { 1.0 } else { 0.0 };
        if snap {
            self.freq_log2.reset(target.freq_hz.log2());
            self.q_log2.reset(target.q.log2());
            self.enable.reset(enable);
            self.mode.reset(mode_position(target.mode));
            self.state.reset();
            self.needs_design = true;
        } else {
            self.freq_log2.set_target(target.freq_hz.log2());
            self.q_log2.set_target(target.q.log2());
            self.enable.set_target(enable);
            self.mode.set_target(mode_position(target.mode));
        }
    }

    /// The target design, `None` when off.
    pub(super) fn target_design(&self) -> Option<SvfCoefficients> {
        let (freq, q) = (self.target.freq_hz as f64, self.target.q as f64);
        self.target.enabled.then(|| match self.target.mode {
            NotchMode::Notch => SvfCoefficients::notch(freq, q, self.sample_rate),
            NotchMode::BandPass => SvfCoefficients::bandpass(freq, q, self.sample_rate),
        })
    }

    /// The slower pole's decay rate (1/s) of the target design, `None` when off.
    pub(super) fn slowest_decay_rate(&self) -> Option<f64> {
        self.target_design().map(|c| section_decay_rate(&c, self.sample_rate))
    }

    /// Filters `frames` in place.
    pub(super) fn process(&mut self, frames: &mut [Frame]) {
        if self.enable.current() == 0.0 && !self.enable.is_smoothing() {
            self.state.reset();
            return;
        }
        let mut start = 0;
        while start < frames.len() {
            let modulating = self.freq_log2.is_smoothing() || self.q_log2.is_smoothing();
            let len =
                if modulating { CONTROL_INTERVAL.min(frames.len() - start) } else { frames.len() - start };
            if modulating {
                self.freq_log2.skip(len as u32);
                self.q_log2.skip(len as u32);
                self.needs_design = true;
            }
            if self.needs_design {
                self.coefficients = SvfCoefficients::notch(
                    smoothed_log2(&self.freq_log2, self.target.freq_hz),
                    smoothed_log2(&self.q_log2, self.target.q),
                    self.sample_rate,
                );
                self.needs_design = false;
            }
            self.render(&mut frames[start..start + len]);
            start += len;
        }
    }

    /// Runs the section and the output mix over `frames`.
    fn render(&mut self, frames: &mut [Frame]) {
        let c = self.coefficients;
        let fading = self.enable.is_smoothing() || self.mode.is_smoothing();
        let (mut enable, mut mode) = (self.enable.current() as f64, self.mode.current() as f64);
        for frame in frames.iter_mut() {
            if fading {
                enable = self.enable.next() as f64;
                mode = self.mode.next() as f64;
            }
            let (band, _) = self.state.tick_outputs(&c, *frame);
            let band_weight = c.k * (2.0 * mode - 1.0);
            for ch in 0..2 {
                frame[ch] += enable * (band_weight * band[ch] - mode * frame[ch]);
            }
        }
    }
}

/// Position of the notch/band-pass mode crossfade for `mode`.
fn mode_position(mode: NotchMode) -> f32 {
    match mode {
        NotchMode::Notch => 0.0,
        NotchMode::BandPass => 1.0,
    }
}
