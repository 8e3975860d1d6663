//! The delay stage: a stereo tape-style echo with tempo sync, ping-pong, tone and saturation in
//! the loop, wow/flutter, click-free time changes, ducking and freeze.
//!
//! Signal flow per sample and channel:
//!
//! ```text
//! input ──┬──────────────────────────────────────────────────────── dry ───► mix ──► output
//!         │                                                                  ▲
//!         └─► route ─► tone ─► saturate ─► limit ─► [ring] ─► read heads ─► echo ─► duck ┘
//!               ▲           (feedback.rs)            line.rs  time_change.rs  │
//!               │                                             modulation.rs   │
//!               └────────────────── loop gain · echo ◄────────────────────────┘
//! ```
//!
//! Where to look:
//! - [`line`](mod@line): the delay line and its 32-tap windowed-sinc fractional read;
//! - [`feedback`]: the whole feedback/record path (routing, loop filters, saturation, limiter,
//!   freeze);
//! - [`time_change`]: the read heads, i.e. how the Tape and Crossfade modes move the time;
//! - [`modulation`]: the wow/flutter LFO;
//! - [`sync`]: note values → seconds;
//! - [`ducker`]: the wet-signal ducker.
//!
//! Stereo model: one time plus a stereo offset. A positive offset delays the right channel by
//! that much more than the left, a negative one the left channel; each channel's time is
//! clamped to [`TIME_MS_RANGE`], or to [`SYNCED_TIME_MS_MAX`] when synced (4 bars at 120 BPM is
//! 8 s, longer than the free-running range).

pub(crate) mod ducker;
pub(crate) mod feedback;
pub(crate) mod line;
pub(crate) mod modulation;
pub(crate) mod sync;
pub(crate) mod time_change;

pub use ducker::{DUCK_AMOUNT_DB_RANGE, DUCK_RELEASE_MS_RANGE};
pub use feedback::{HIGH_CUT_HZ_RANGE, LOW_CUT_HZ_RANGE};
pub use modulation::{MOD_DEPTH_MS_RANGE, MOD_RATE_HZ_RANGE};
pub use sync::{NoteModifier, NoteValue, TEMPO_BPM_DEFAULT};
pub use time_change::TimeChangeMode;

use crate::core::applied::Applied;
use crate::denormal::DenormalGuard;
use crate::smoothing::{LinearSmoother, RAMP_MS_DEFAULT};
use feedback::{FeedbackPath, FeedbackTargets, LoopParameters};
use line::{DelayLine, FixedRead, SincTable, INTERPOLATOR_TAPS, MIN_READ_DELAY};
use modulation::ModulationLfo;
use time_change::{HeadTiming, ReadHeads};

/// Delay time range in milliseconds (free mode; synced times are clamped to it too).
pub const TIME_MS_RANGE: (f32, f32) = (1.0, 4000.0);
/// Longest synced time: 4 bars at 60 BPM. The lines are sized for it in `prepare()`, so a tempo
/// or note change never allocates (6 MB of line per channel at 48 kHz).
pub const SYNCED_TIME_MS_MAX: f32 = 16_000.0;
/// Stereo offset range in ms: > 0 delays the right channel more, < 0 the left.
pub const STEREO_OFFSET_MS_RANGE: (f32, f32) = (-250.0, 250.0);
/// Feedback range as a gain (display as 0–100 %). Echo n+1 = feedback × echo n.
pub const FEEDBACK_RANGE: (f32, f32) = (0.0, 1.0);
/// Saturation blend range (0 = clean, 1 = fully soft-clipped).
pub const SATURATION_RANGE: (f32, f32) = (0.0, 1.0);
/// Dry/wet range (0 = dry only, 1 = wet only; linear crossfade).
pub const MIX_RANGE: (f32, f32) = (0.0, 1.0);
/// `tail_samples` reports the time until the echoes have fallen this far below the input.
pub const TAIL_FLOOR_DB: f64 = -90.0;

/// The delay's plain parameter targets. `Default` is the plugin's default.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DelaySettings {
    /// Delay time in ms when not synced ([`TIME_MS_RANGE`]).
    pub time_ms: f32,
    /// Use the note value at the host tempo instead of `time_ms`.
    pub sync: bool,
    /// Synced note length.
    pub note: NoteValue,
    /// Straight, dotted or triplet.
    pub note_modifier: NoteModifier,
    /// Extra delay of one channel in ms ([`STEREO_OFFSET_MS_RANGE`]; > 0 = right later).
    pub stereo_offset_ms: f32,
    /// Echoes alternate left and right (the mono sum of the input enters on the left).
    pub ping_pong: bool,
    /// Loop gain 0..1 ([`FEEDBACK_RANGE`]); 1 holds the level forever with flat tone.
    pub feedback: f32,
    /// High-pass in the loop, Hz ([`LOW_CUT_HZ_RANGE`]; the bottom value means off).
    pub low_cut_hz: f32,
    /// Low-pass in the loop, Hz ([`HIGH_CUT_HZ_RANGE`]; the top value means off).
    pub high_cut_hz: f32,
    /// Soft saturation in the loop, 0..1 ([`SATURATION_RANGE`]).
    pub saturation: f32,
    /// How a time change sounds: tape glide (pitch bend) or crossfade.
    pub time_change: TimeChangeMode,
    /// Wow/flutter rate in Hz ([`MOD_RATE_HZ_RANGE`]).
    pub mod_rate_hz: f32,
    /// Wow/flutter depth in ms peak-to-peak ([`MOD_DEPTH_MS_RANGE`]; 0 = off).
    pub mod_depth_ms: f32,
    /// Wet reduction while the input is loud, dB ([`DUCK_AMOUNT_DB_RANGE`]; 0 = off).
    pub duck_amount_db: f32,
    /// Time constant of the ducking recovery, ms ([`DUCK_RELEASE_MS_RANGE`]).
    pub duck_release_ms: f32,
    /// Hold the loop: recirculate at unity, ignore new input.
    pub freeze: bool,
    /// Dry/wet, 0..1 ([`MIX_RANGE`]).
    pub mix: f32,
}

impl Default for DelaySettings {
    /// The plugin's default delay: 350 ms, 35 % feedback, 30 % mix, tape-style time changes,
    /// everything else off or flat.
    fn default() -> Self {
        Self {
            time_ms: 350.0,
            sync: false,
            note: NoteValue::Eighth,
            note_modifier: NoteModifier::Dotted,
            stereo_offset_ms: 0.0,
            ping_pong: false,
            feedback: 0.35,
            low_cut_hz: LOW_CUT_HZ_RANGE.0,
            high_cut_hz: HIGH_CUT_HZ_RANGE.1,
            saturation: 0.0,
            time_change: TimeChangeMode::Tape,
            mod_rate_hz: 0.5,
            mod_depth_ms: 0.0,
            duck_amount_db: 0.0,
            duck_release_ms: 250.0,
            freeze: false,
            mix: 0.3,
        }
    }
}

impl DelaySettings {
    /// Every continuous value clamped to its range; non-finite values fall back to the default.
    fn clamped(&self) -> Self {
        let d = Self::default();
        let fit = super::clamp_setting;
        Self {
            time_ms: fit(self.time_ms, TIME_MS_RANGE, d.time_ms),
            stereo_offset_ms: fit(self.stereo_offset_ms, STEREO_OFFSET_MS_RANGE, d.stereo_offset_ms),
            feedback: fit(self.feedback, FEEDBACK_RANGE, d.feedback),
            low_cut_hz: fit(self.low_cut_hz, LOW_CUT_HZ_RANGE, d.low_cut_hz),
            high_cut_hz: fit(self.high_cut_hz, HIGH_CUT_HZ_RANGE, d.high_cut_hz),
            saturation: fit(self.saturation, SATURATION_RANGE, d.saturation),
            mod_rate_hz: fit(self.mod_rate_hz, MOD_RATE_HZ_RANGE, d.mod_rate_hz),
            mod_depth_ms: fit(self.mod_depth_ms, MOD_DEPTH_MS_RANGE, d.mod_depth_ms),
            duck_amount_db: fit(self.duck_amount_db, DUCK_AMOUNT_DB_RANGE, d.duck_amount_db),
            duck_release_ms: fit(self.duck_release_ms, DUCK_RELEASE_MS_RANGE, d.duck_release_ms),
            mix: fit(self.mix, MIX_RANGE, d.mix),
            ..*self
        }
    }

    /// The delay time of the (left, right) channels in ms at `bpm`, before clamping.
    pub fn channel_times_ms(&self, bpm: f64) -> [f64; 2] {
        let base = if self.sync {
            sync::note_seconds(self.note, self.note_modifier, bpm) * 1000.0
        } else {
            self.time_ms as f64
        };
        let offset = self.stereo_offset_ms as f64;
        [base + (-offset).max(0.0), base + offset.max(0.0)]
    }
}

/// A delay time in samples that is an integer up to the rounding of an f32 millisecond value is
/// made exactly that integer, so "100 ms at 48 kHz" is 4800 samples and reads bit-exact.
fn snap_to_integer(samples: f64) -> f64 {
    let nearest = samples.round();
    if (samples - nearest).abs() <= 1e-6 * samples.max(1.0) {
        nearest
    } else {
        samples
    }
}

/// The delay stage (stereo, in place).
#[derive(Debug, Clone)]
pub struct Delay {
    /// Sample rate given to `prepare`; 0 before.
    sample_rate: f32,
    /// The latest clamped settings.
    settings: DelaySettings,
    /// Host tempo in BPM for synced times.
    tempo_bpm: f64,
    /// Set by prepare/reset: the next `set_settings` jumps instead of ramping.
    snap_next: bool,
    /// The last settings given, so the same ones again skip the target updates.
    applied: Applied<DelaySettings>,
    /// The fractional-read kernel (shared by both lines).
    table: SincTable,
    /// Left and right recordings.
    lines: [DelayLine; 2],
    /// Left and right read heads (tape glide / crossfade).
    heads: [ReadHeads; 2],
    /// Sample-rate constants of the heads.
    head_timing: HeadTiming,
    /// Where each channel's heads are heading, in samples.
    targets: [f64; 2],
    /// The longest settable time ([`SYNCED_TIME_MS_MAX`], 16 s) in samples at this rate.
    max_time_samples: f64,
    /// Record path: routing, tone, saturation, limiter, freeze.
    feedback: FeedbackPath,
    /// Wow/flutter oscillator.
    lfo: ModulationLfo,
    /// Modulation depth in ms peak-to-peak.
    mod_depth_ms: LinearSmoother,
    /// Wet ducking envelope.
    ducker: ducker::Ducker,
    /// Ducking amount in dB.
    duck_amount_db: LinearSmoother,
    /// Dry/wet.
    mix: LinearSmoother,
    /// Tests: never take the settled-block path (the per-sample reference).
    #[cfg(test)]
    per_sample_only: bool,
}

impl Default for Delay {
    fn default() -> Self {
        Self::new()
    }
}

impl Delay {
    /// An unprepared delay (no allocation). `process` passes audio through until `prepare`.
    pub fn new() -> Self {
        let settings = DelaySettings::default();
        Self {
            sample_rate: 0.0,
            settings,
            tempo_bpm: TEMPO_BPM_DEFAULT,
            snap_next: true,
            applied: Applied::default(),
            table: SincTable::new(),
            lines: [DelayLine::new(), DelayLine::new()],
            heads: [ReadHeads::default(); 2],
            head_timing: HeadTiming::default(),
            targets: [MIN_READ_DELAY; 2],
            max_time_samples: MIN_READ_DELAY,
            feedback: FeedbackPath::new(),
            lfo: ModulationLfo::new(),
            mod_depth_ms: LinearSmoother::new(settings.mod_depth_ms),
            ducker: ducker::Ducker::new(),
            duck_amount_db: LinearSmoother::new(settings.duck_amount_db),
            mix: LinearSmoother::new(settings.mix),
            #[cfg(test)]
            per_sample_only: false,
        }
    }

    /// Allocates the lines for the longest time ([`SYNCED_TIME_MS_MAX`] + half the maximum
    /// modulation depth) at `sample_rate` and designs the interpolator. Dragging the time never
    /// allocates afterwards.
    pub fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.sample_rate = sample_rate.max(crate::MIN_DESIGN_SAMPLE_RATE);
        let fs = self.sample_rate as f64;
        self.table.design();
        // Above 384 kHz the longest time shrinks instead of the memory growing (see
        // `LINE_MEMORY_RATE_HZ`): 16 s at 1.536 MHz would be 268 MB of stereo rings.
        let memory_fs = crate::line_memory_rate(self.sample_rate) as f64;
        self.max_time_samples = (SYNCED_TIME_MS_MAX as f64 * 1e-3 * memory_fs).max(MIN_READ_DELAY);
        let modulation_reach = MOD_DEPTH_MS_RANGE.1 as f64 * 0.5e-3 * fs;
        for line in &mut self.lines {
            line.allocate(self.max_time_samples + modulation_reach + 1.0);
        }
        self.head_timing = HeadTiming::new(self.sample_rate);
        self.feedback.prepare(self.sample_rate);
        self.lfo.prepare(self.sample_rate);
        self.ducker.prepare(self.sample_rate);
        for s in [&mut self.mod_depth_ms, &mut self.duck_amount_db, &mut self.mix] {
            s.set_ramp(self.sample_rate, RAMP_MS_DEFAULT);
        }
        self.reset();
    }

    /// Silences the lines and filters, and jumps every parameter to its target. No allocation.
    pub fn reset(&mut self) {
        for line in &mut self.lines {
            line.clear();
        }
        self.feedback.reset();
        self.lfo.reset();
        self.ducker.reset();
        self.snap_next = true;
        self.applied.forget();
        self.snap();
    }

    /// Jumps smoothers and heads to their targets.
    fn snap(&mut self) {
        self.feedback.snap();
        self.lfo.snap();
        for s in [&mut self.mod_depth_ms, &mut self.duck_amount_db, &mut self.mix] {
            let t = s.target();
            s.reset(t);
        }
        self.update_targets();
        for (heads, &target) in self.heads.iter_mut().zip(&self.targets) {
            heads.snap(target);
        }
    }

    /// Sets the parameter targets (cheap, no allocation). The first call after
    /// `prepare`/`reset` jumps; later calls ramp (or glide/crossfade, for the time).
    pub fn set_settings(&mut self, settings: &DelaySettings) {
        // (The tempo is not part of the settings: `set_tempo` updates the targets itself.)
        if self.applied.is_unchanged(settings) {
            return;
        }
        let s = settings.clamped();
        self.settings = s;
        self.feedback.set_targets(&FeedbackTargets {
            feedback: s.feedback,
            low_cut_hz: s.low_cut_hz,
            high_cut_hz: s.high_cut_hz,
            saturation: s.saturation,
            ping_pong: s.ping_pong,
            freeze: s.freeze,
        });
        self.lfo.set_rate(s.mod_rate_hz);
        self.mod_depth_ms.set_target(s.mod_depth_ms);
        self.duck_amount_db.set_target(s.duck_amount_db);
        self.ducker.set_release_ms(s.duck_release_ms);
        self.mix.set_target(s.mix);
        self.update_targets();
        if self.snap_next {
            self.snap();
            self.snap_next = false;
        }
    }

    /// Sets the host tempo (called every block by the engine; default 120 BPM). Synced times
    /// follow it through the selected time-change mode. NaN, zero or negative are ignored.
    pub fn set_tempo(&mut self, bpm: f64) {
        if let Some(bpm) = sync::sanitize_tempo(bpm) {
            if bpm != self.tempo_bpm {
                self.tempo_bpm = bpm;
                self.update_targets();
            }
        }
    }

    /// The tempo currently used for synced times.
    pub fn tempo(&self) -> f64 {
        self.tempo_bpm
    }

    /// The current (left, right) target delays in samples, after sync, offset and clamping.
    pub fn target_delays(&self) -> [f64; 2] {
        self.targets
    }

    /// Recomputes the per-channel target delays from the settings and tempo.
    fn update_targets(&mut self) {
        let fs = self.sample_rate as f64;
        let times = self.settings.channel_times_ms(self.tempo_bpm);
        let longest = if self.settings.sync { SYNCED_TIME_MS_MAX } else { TIME_MS_RANGE.1 };
        for (target, ms) in self.targets.iter_mut().zip(times) {
            let ms = ms.clamp(TIME_MS_RANGE.0 as f64, longest as f64);
            *target = snap_to_integer(ms * 1e-3 * fs).clamp(MIN_READ_DELAY, self.max_time_samples);
        }
    }

    /// Processes a stereo block in place. `left` and `right` should have the same length; any
    /// excess in the longer one is left untouched.
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        if self.sample_rate <= 0.0 {
            return;
        }
        let _denormal_guard = DenormalGuard::new();
        if let Some(settled) = self.settled_block() {
            self.process_settled(left, right, &settled);
            return;
        }
        let ms_to_samples = self.sample_rate as f64 * 1e-3;
        let mode = self.settings.time_change;
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            let dry = [*l, *r];

            let (lfo_left, lfo_right) = self.lfo.advance();
            let half_depth = 0.5 * self.mod_depth_ms.next() as f64 * ms_to_samples;
            let wobble = [half_depth * lfo_left, half_depth * lfo_right];

            let mut echo = [0.0f32; 2];
            for ch in 0..2 {
                let heads = self.heads[ch].advance(self.targets[ch], mode, &self.head_timing);
                let line = &self.lines[ch];
                let mut value = line.read(&self.table, heads.outgoing + wobble[ch]);
                if heads.incoming_weight > 0.0 {
                    let incoming = line.read(&self.table, heads.incoming + wobble[ch]);
                    value += heads.incoming_weight * (incoming - value);
                }
                echo[ch] = value;
            }

            let record = self.feedback.process(dry, echo);
            self.lines[0].push(record[0]);
            self.lines[1].push(record[1]);

            let duck = self.ducker.next_gain(dry[0].abs().max(dry[1].abs()), self.duck_amount_db.next());
            let mix = self.mix.next();
            *l = (1.0 - mix) * dry[0] + mix * (duck * echo[0]);
            *r = (1.0 - mix) * dry[1] + mix * (duck * echo[1]);
        }
    }

    /// What a block needs when nothing in the delay moves: heads at rest, no modulation, no
    /// ducking, no parameter ramping. `None` otherwise (the per-sample path then runs).
    fn settled_block(&self) -> Option<SettledBlock> {
        #[cfg(test)]
        if self.per_sample_only {
            return None;
        }
        let smoothing =
            self.mod_depth_ms.is_smoothing() || self.duck_amount_db.is_smoothing() || self.mix.is_smoothing();
        // Depth 0 reads exactly at the heads (`0 · lfo` is ±0); amount ≤ 0 with the reduction
        // released makes the duck gain exactly 1.
        if smoothing
            || self.mod_depth_ms.current() != 0.0
            || self.duck_amount_db.current() > 0.0
            || !self.ducker.is_released()
        {
            return None;
        }
        let feedback = self.feedback.settled()?;
        let mode = self.settings.time_change;
        let mut reads = [FixedRead::Silent; 2];
        for (ch, read) in reads.iter_mut().enumerate() {
            let delay = self.heads[ch].resting_delay(self.targets[ch], mode)?;
            *read = self.lines[ch].fixed_read(&self.table, delay);
        }
        Some(SettledBlock { reads, feedback, mix: self.mix.current() })
    }

    /// [`process`](Self::process) for a block in which nothing moves ([`settled_block`]): the
    /// same arithmetic per sample (bit-identical output), without the per-sample smoother,
    /// head, modulation and ducker updates, which would all leave their values unchanged. The
    /// LFO, unheard at depth 0, is advanced by the block in one step.
    ///
    /// [`settled_block`]: Self::settled_block
    fn process_settled(&mut self, left: &mut [f32], right: &mut [f32], block: &SettledBlock) {
        let len = left.len().min(right.len());
        self.lfo.skip(len);
        let mix = block.mix;
        // Runs short enough that no read needs a sample recorded in the same run: all reads
        // first, then the arithmetic on local copies (the tone filters' states stay in
        // registers instead of going through memory the line writes might alias), then the
        // records pushed in one copy per line.
        let run = block.reads.iter().map(FixedRead::reach).min().unwrap_or(1).clamp(1, SETTLED_RUN);
        let mut filters = *self.feedback.tone_filters_mut();
        let mut start = 0;
        while start < len {
            let n = run.min(len - start);
            let (left, right) = (&mut left[start..start + n], &mut right[start..start + n]);
            let mut echo = [[0.0f32; SETTLED_RUN]; 2];
            for (ch, line) in self.lines.iter().enumerate() {
                line.read_fixed_run(&block.reads[ch], &mut echo[ch][..n]);
            }
            let mut record = [[0.0f32; SETTLED_RUN]; 2];
            for i in 0..n {
                let dry = [left[i], right[i]];
                let echo = [echo[0][i], echo[1][i]];
                let recorded = FeedbackPath::record_with(&mut filters, &block.feedback, dry, echo);
                record[0][i] = recorded[0];
                record[1][i] = recorded[1];
                // The duck gain is exactly 1 here: `mix · (1 · echo)`.
                left[i] = (1.0 - mix) * dry[0] + mix * echo[0];
                right[i] = (1.0 - mix) * dry[1] + mix * echo[1];
            }
            for (line, record) in self.lines.iter_mut().zip(&record) {
                line.push_slice(&record[..n]);
            }
            start += n;
        }
        *self.feedback.tone_filters_mut() = filters;
    }

    /// Samples until the output has decayed below [`TAIL_FLOOR_DB`] after the input
    /// stops: enough repeats of the longest current delay for `feedback^n` to reach −90 dB,
    /// plus the loop filters' ringing. `None` while frozen or at 100 % feedback.
    pub fn tail_samples(&self) -> Option<u32> {
        if self.sample_rate <= 0.0 {
            return Some(0);
        }
        if self.feedback.is_frozen() {
            return None;
        }
        let gain = self.feedback.worst_case_gain() as f64;
        if gain >= 1.0 {
            return None;
        }
        let fs = self.sample_rate as f64;
        let depth_ms = self.mod_depth_ms.current().max(self.mod_depth_ms.target()) as f64;
        let longest_head =
            self.heads.iter().zip(&self.targets).map(|(h, &t)| h.longest_delay().max(t)).fold(0.0, f64::max);
        let longest = longest_head + 0.5 * depth_ms * 1e-3 * fs + INTERPOLATOR_TAPS as f64;
        let floor = 10f64.powf(TAIL_FLOOR_DB / 20.0);
        let repeats = if gain <= 0.0 { 1.0 } else { 1.0 + (floor.ln() / gain.ln()).ceil() };
        // A one-pole at fc rings for ln(10^4.5)/(2π·fc) s down to −90 dB; each repeat passes it.
        let ring_seconds = |fc: f32| 10.4 / (std::f64::consts::TAU * fc as f64);
        let mut ring = 0.0;
        if self.settings.low_cut_hz > LOW_CUT_HZ_RANGE.0 {
            ring += ring_seconds(self.settings.low_cut_hz);
        }
        if self.settings.high_cut_hz < HIGH_CUT_HZ_RANGE.1 {
            ring += ring_seconds(self.settings.high_cut_hz);
        }
        let total = repeats * (longest + ring * fs) + self.head_timing.fade_samples() as f64;
        Some(total.ceil().min(u32::MAX as f64) as u32)
    }
}

/// Frames per run of the settled path (see `Delay::process_settled`): the reads and records
/// of one run live on the stack.
const SETTLED_RUN: usize = 64;

/// A block's constant work when nothing in the delay moves (see `Delay::settled_block`).
#[derive(Debug, Clone, Copy)]
struct SettledBlock {
    /// The left and right reads, prepared once for the block.
    reads: [FixedRead; 2],
    /// The record path's parameters.
    feedback: LoopParameters,
    /// Dry/wet.
    mix: f32,
}

/// The delay as a chain stage: follows `EngineSettings::delay`, switched by
/// `EngineSettings::delay_on`; zero latency.
impl crate::stage::Stage for Delay {
    fn name(&self) -> &'static str {
        "Delay"
    }
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        Delay::prepare(self, sample_rate, max_block);
    }
    fn reset(&mut self) {
        Delay::reset(self);
    }
    fn apply(&mut self, settings: &crate::engine::EngineSettings) {
        self.set_settings(&settings.delay);
    }
    fn is_enabled(&self, settings: &crate::engine::EngineSettings) -> bool {
        settings.delay_on
    }
    fn set_tempo(&mut self, bpm: f64) {
        Delay::set_tempo(self, bpm);
    }
    fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        Delay::process(self, left, right);
    }
    fn latency_samples(&self) -> u32 {
        0
    }
    fn tail_samples(&self) -> Option<u32> {
        Delay::tail_samples(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_snap_only_catches_rounding() {
        assert_eq!(snap_to_integer(4_800.000_001), 4800.0);
        assert_eq!(snap_to_integer(4800.25), 4800.25);
        // 1234 samples at 44.1 kHz typed as an f32 number of ms (27.98186 ms).
        let ms = (1234.0 * 1000.0 / 44_100.0) as f32;
        assert_eq!(snap_to_integer(ms as f64 * 1e-3 * 44_100.0), 1234.0);
    }

    #[test]
    fn line_state_never_holds_subnormals_while_decaying() {
        let mut d = Delay::new();
        d.prepare(48_000.0, 64);
        d.set_settings(&DelaySettings {
            time_ms: 1.7,
            feedback: 0.5,
            mod_depth_ms: 0.3,
            mod_rate_hz: 7.0,
            low_cut_hz: 300.0,
            high_cut_hz: 3000.0,
            saturation: 0.5,
            mix: 1.0,
            ..Default::default()
        });
        let mut l = vec![0.0f32; 64];
        let mut r = vec![0.0f32; 64];
        l[0] = 1.0;
        r[0] = -1.0;
        // Run until the whole ring has been overwritten at least once after the echoes died
        // (~0.2 s), plus 4 s: the ring is sized for SYNCED_TIME_MS_MAX, rounded up.
        let ring = d.lines.iter().map(|line| line.recorded().len()).max().unwrap();
        let blocks = ring / 64 + 3000;
        for block in 0..blocks {
            d.process(&mut l, &mut r);
            assert!(l.iter().chain(&r).all(|v| *v == 0.0 || v.is_normal()));
            l.fill(0.0);
            r.fill(0.0);
            if block % 500 == 499 {
                for line in &d.lines {
                    assert!(line.recorded().iter().all(|v| *v == 0.0 || v.is_normal()));
                }
            }
        }
        // The echoes hit the flush threshold after ~100 round trips (0.2 s) and the whole ring has
        // been overwritten since.
        for line in &d.lines {
            assert!(line.recorded().iter().all(|v| *v == 0.0));
        }
    }

    /// Settings that visit every state of the settled path and of the per-sample path around
    /// it: fractional and whole delays, stereo offsets, ping-pong, freeze, saturation, loop
    /// cuts, both time-change modes (glides and fades running and ending), ducking and its
    /// release, modulation switched on and off.
    fn settings_at(step: usize) -> DelaySettings {
        DelaySettings {
            time_ms: [350.0, 350.01, 120.0, 33.3][(step / 7) % 4],
            stereo_offset_ms: if step % 11 > 6 { 12.345 } else { 0.0 },
            ping_pong: step % 13 > 8,
            feedback: [0.35, 0.8, 1.0][(step / 5) % 3],
            low_cut_hz: if step % 17 > 10 { 300.0 } else { LOW_CUT_HZ_RANGE.0 },
            high_cut_hz: if step % 19 > 12 { 4000.0 } else { HIGH_CUT_HZ_RANGE.1 },
            saturation: if step % 23 > 15 { 0.6 } else { 0.0 },
            time_change: if step % 29 > 14 { TimeChangeMode::Crossfade } else { TimeChangeMode::Tape },
            duck_amount_db: if step % 31 > 24 { 12.0 } else { 0.0 },
            duck_release_ms: 20.0,
            freeze: step % 37 > 32,
            mix: [0.3, 1.0][(step / 3) % 2],
            ..DelaySettings::default()
        }
    }

    /// Renders 400 blocks of noise with settings changing every few blocks; `modulation` turns
    /// wow/flutter on in some stretches. Returns the output and how many blocks were settled.
    fn render_steps(delay: &mut Delay, modulation: bool) -> (Vec<f32>, usize) {
        let mut seed = 0x2468_ace1u32;
        let mut out = Vec::new();
        let mut settled_blocks = 0;
        for step in 0..400 {
            let mut settings = settings_at(step / 4);
            if modulation && (step / 40) % 2 == 1 {
                settings.mod_depth_ms = 2.0;
                settings.mod_rate_hz = 3.0;
            }
            delay.set_settings(&settings);
            let n = [256, 64, 1, 1000, 31][step % 5];
            let mut left: Vec<f32> = (0..n)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 17;
                    seed ^= seed << 5;
                    if step % 9 < 6 {
                        seed as f32 / u32::MAX as f32 - 0.5
                    } else {
                        0.0
                    }
                })
                .collect();
            let mut right: Vec<f32> = left.iter().map(|x| 0.3 * x).collect();
            settled_blocks += usize::from(delay.settled_block().is_some());
            delay.process(&mut left, &mut right);
            out.extend(left);
            out.extend(right);
        }
        (out, settled_blocks)
    }

    #[test]
    fn settled_blocks_equal_the_per_sample_path_bit_for_bit() {
        let (mut settled, mut reference) = (Delay::new(), Delay::new());
        for delay in [&mut settled, &mut reference] {
            delay.prepare(48_000.0, 1000);
        }
        reference.per_sample_only = true;
        let (a, settled_blocks) = render_steps(&mut settled, false);
        let (b, _) = render_steps(&mut reference, false);
        assert!(settled_blocks > 30, "settled path taken in only {settled_blocks} of 400 blocks");
        assert!(a.iter().any(|x| x.abs() > 0.1), "the render has signal");
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&a), bits(&b));
    }

    /// With modulation switched on and off, the LFO skipped over unmodulated blocks resumes
    /// within rounding of the per-sample phase: the renders differ by less than −140 dBFS.
    #[test]
    fn modulation_resumes_in_phase_after_settled_blocks() {
        let (mut settled, mut reference) = (Delay::new(), Delay::new());
        for delay in [&mut settled, &mut reference] {
            delay.prepare(48_000.0, 1000);
        }
        reference.per_sample_only = true;
        let (a, _) = render_steps(&mut settled, true);
        let (b, _) = render_steps(&mut reference, true);
        let worst = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).fold(0.0f32, f32::max);
        assert!(worst < 1e-7, "largest difference {worst}");
    }
}
