//! Level and loudness meters, computed on the GUI thread from the copied samples: per-channel
//! peak and RMS with peak hold and a clip lamp, EBU R128 loudness (momentary, short-term,
//! integrated) and true peak of the output via the `ebur128` crate, and the place where the
//! dynamics stage's gain reduction will be shown.

use ebur128::{EbuR128, Mode};
use egui::{pos2, vec2, Align2, Rect, Sense, Ui};

use super::theme;
use crate::editor_feed::GAIN_REDUCTION_STAGES;

/// Bottom of the meter scale, dBFS.
pub const METER_FLOOR_DB: f32 = -60.0;
/// RMS integration time constant, seconds (the usual 300 ms "VU-like" ballistics).
const RMS_TIME_S: f32 = 0.3;
/// How long the peak hold line stays, seconds.
const HOLD_S: f32 = 1.5;
/// How fast the peak bar falls, dB per second.
const PEAK_FALL_DB_PER_S: f32 = 24.0;
/// A sample at or above this magnitude lights the clip lamp (0 dBFS).
const CLIP_LEVEL: f32 = 1.0;

/// One channel's level meter.
#[derive(Debug, Clone)]
pub struct ChannelMeter {
    /// The peak bar, dBFS (falls at [`PEAK_FALL_DB_PER_S`]).
    pub peak_db: f32,
    /// Mean square with the [`RMS_TIME_S`] time constant.
    mean_square: f32,
    /// The held peak, dBFS.
    pub hold_db: f32,
    /// Seconds the hold has left.
    hold_left: f32,
    /// Whether a sample reached 0 dBFS since the lamp was last reset.
    pub clipped: bool,
}

impl Default for ChannelMeter {
    fn default() -> Self {
        Self {
            peak_db: f32::NEG_INFINITY,
            mean_square: 0.0,
            hold_db: f32::NEG_INFINITY,
            hold_left: 0.0,
            clipped: false,
        }
    }
}

impl ChannelMeter {
    /// Feeds the channel's samples (every `stride`-th of `interleaved` from `offset`), then
    /// lets the peak bar fall for `dt` seconds where no louder sample arrived.
    pub fn push(&mut self, interleaved: &[f32], offset: usize, stride: usize, sample_rate: f32, dt: f32) {
        let coefficient = (-1.0 / (RMS_TIME_S * sample_rate.max(1.0))).exp();
        let mut block_peak = 0.0f32;
        for &x in interleaved.iter().skip(offset).step_by(stride) {
            let x = if x.is_finite() { x } else { 0.0 };
            block_peak = block_peak.max(x.abs());
            self.mean_square = x * x + (self.mean_square - x * x) * coefficient;
        }
        if block_peak >= CLIP_LEVEL {
            self.clipped = true;
        }
        let block_db = to_db(block_peak);
        self.peak_db = block_db.max(self.peak_db - PEAK_FALL_DB_PER_S * dt);
        if block_db >= self.hold_db {
            self.hold_db = block_db;
            self.hold_left = HOLD_S;
        } else if self.hold_left > 0.0 {
            self.hold_left -= dt;
        } else {
            self.hold_db = self.peak_db;
        }
    }

    /// The RMS level, dBFS.
    pub fn rms_db(&self) -> f32 {
        to_db(self.mean_square.sqrt())
    }
}

/// Amplitude to dBFS (−∞ for silence).
pub fn to_db(amplitude: f32) -> f32 {
    if amplitude > 0.0 {
        20.0 * amplitude.log10()
    } else {
        f32::NEG_INFINITY
    }
}

/// EBU R128 loudness and true peak of the output.
#[derive(Default)]
pub struct Loudness {
    /// The meter; `None` until the sample rate is known (or if it is unsupported).
    meter: Option<EbuR128>,
    /// The rate `meter` was made for.
    sample_rate: u32,
}

/// The loudness figures, LUFS (−∞ until enough audio) and dBTP.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoudnessFigures {
    /// 400 ms window.
    pub momentary: f64,
    /// 3 s window.
    pub short_term: f64,
    /// Gated, since the last reset.
    pub integrated: f64,
    /// Highest true peak of either channel since the last reset, dBTP.
    pub true_peak_db: f64,
}

impl Loudness {
    /// Feeds interleaved stereo samples at `sample_rate` (a new rate starts a new measurement).
    pub fn push(&mut self, interleaved: &[f32], sample_rate: f32) {
        let rate = sample_rate.round() as u32;
        if rate == 0 {
            return;
        }
        if rate != self.sample_rate || self.meter.is_none() {
            self.sample_rate = rate;
            self.meter = EbuR128::new(2, rate, Mode::M | Mode::S | Mode::I | Mode::TRUE_PEAK).ok();
        }
        if let Some(meter) = &mut self.meter {
            let _ = meter.add_frames_f32(interleaved);
        }
    }

    /// Starts the integrated loudness and the true peak afresh.
    pub fn reset(&mut self) {
        if let Some(meter) = &mut self.meter {
            meter.reset();
        }
    }

    /// The current figures.
    pub fn figures(&self) -> LoudnessFigures {
        let Some(meter) = &self.meter else {
            return LoudnessFigures {
                momentary: f64::NEG_INFINITY,
                short_term: f64::NEG_INFINITY,
                integrated: f64::NEG_INFINITY,
                true_peak_db: f64::NEG_INFINITY,
            };
        };
        let peak = (0..2).filter_map(|c| meter.true_peak(c).ok()).fold(0.0, f64::max);
        LoudnessFigures {
            momentary: meter.loudness_momentary().unwrap_or(f64::NEG_INFINITY),
            short_term: meter.loudness_shortterm().unwrap_or(f64::NEG_INFINITY),
            integrated: meter.loudness_global().unwrap_or(f64::NEG_INFINITY),
            true_peak_db: if peak > 0.0 { 20.0 * peak.log10() } else { f64::NEG_INFINITY },
        }
    }
}

/// Every meter the editor shows.
#[derive(Default)]
pub struct Meters {
    /// Input left and right.
    pub input: [ChannelMeter; 2],
    /// Output left and right.
    pub output: [ChannelMeter; 2],
    /// Output loudness.
    pub loudness: Loudness,
}

/// A gain-reduction reading of a dynamics stage that is on, read from the engine through the
/// editor feed ([`GAIN_REDUCTION_STAGES`]); [`draw_gain_reduction`] shows one row per reading.
#[derive(Debug, Clone, Copy)]
pub struct GainReduction {
    /// "Comp", "Limit", …
    pub label: &'static str,
    /// Current reduction, dB (≥ 0).
    pub reduction_db: f32,
}

impl Meters {
    /// Feeds one GUI frame's worth of copied samples.
    pub fn push(&mut self, input: &[f32], output: &[f32], sample_rate: f32, dt: f32) {
        for (channel, meter) in self.input.iter_mut().enumerate() {
            meter.push(input, channel, 2, sample_rate, dt);
        }
        for (channel, meter) in self.output.iter_mut().enumerate() {
            meter.push(output, channel, 2, sample_rate, dt);
        }
        self.loudness.push(output, sample_rate);
    }

    /// Draws the meters panel in `rect`.
    pub fn draw(&mut self, ui: &mut Ui, rect: Rect, reductions: &[GainReduction]) {
        let painter = ui.painter();
        painter.rect_filled(rect, 6.0, theme::PANEL);
        painter.rect_stroke(rect, 6.0, theme::hairline(theme::PANEL_EDGE), egui::StrokeKind::Inside);
        // Laid out from the bottom up, so the gain-reduction section always has room for a
        // row per dynamics stage inside the panel; the bars take what is left.
        let gr_height = GR_TITLE_HEIGHT + GAIN_REDUCTION_STAGES.len() as f32 * GR_ROW_HEIGHT;
        let gr_top = rect.bottom() - 6.0 - gr_height;
        let reset_top = gr_top - 4.0 - RESET_HEIGHT;
        let text_top = reset_top - 2.0 - LOUDNESS_ROWS as f32 * LOUDNESS_ROW_HEIGHT;
        let bars = Rect::from_min_max(rect.min + vec2(8.0, 8.0), pos2(rect.right() - 8.0, text_top - 6.0));
        let half = (bars.width() - 30.0) / 2.0;
        let input_rect = Rect::from_min_size(bars.min + vec2(30.0, 0.0), vec2(half - 6.0, bars.height()));
        let output_rect =
            Rect::from_min_size(input_rect.right_top() + vec2(12.0, 0.0), vec2(half - 6.0, bars.height()));
        draw_scale(ui, Rect::from_min_max(bars.min, pos2(bars.left() + 26.0, input_rect.bottom() - 30.0)));
        let (left, right) = self.input.split_at_mut(1);
        stereo_meter(ui, input_rect, "IN", [&mut left[0], &mut right[0]]);
        let (left, right) = self.output.split_at_mut(1);
        stereo_meter(ui, output_rect, "OUT", [&mut left[0], &mut right[0]]);

        let figures = self.loudness.figures();
        let lines: [(&str, String, &str); LOUDNESS_ROWS] = [
            ("Momentary", lufs(figures.momentary), "LUFS"),
            ("Short-term", lufs(figures.short_term), "LUFS"),
            ("Integrated", lufs(figures.integrated), "LUFS"),
            ("True peak", lufs(figures.true_peak_db), "dBTP"),
        ];
        let painter = ui.painter();
        for (row, (name, value, unit)) in lines.iter().enumerate() {
            let y = text_top + row as f32 * LOUDNESS_ROW_HEIGHT;
            painter.text(pos2(rect.left() + 10.0, y), Align2::LEFT_TOP, name, theme::body(), theme::TEXT_DIM);
            painter.text(pos2(rect.right() - 44.0, y), Align2::RIGHT_TOP, value, theme::mono(), theme::TEXT);
            painter.text(
                pos2(rect.right() - 40.0, y),
                Align2::LEFT_TOP,
                unit,
                theme::small(),
                theme::TEXT_DIM,
            );
        }
        let reset = Rect::from_min_size(pos2(rect.left() + 10.0, reset_top), vec2(92.0, RESET_HEIGHT));
        if ui
            .put(reset, egui::Button::new(egui::RichText::new("Reset loudness").font(theme::small())))
            .clicked()
        {
            self.loudness.reset();
            for meter in self.input.iter_mut().chain(self.output.iter_mut()) {
                meter.clipped = false;
            }
        }
        draw_gain_reduction(
            ui,
            Rect::from_min_max(pos2(rect.left() + 10.0, gr_top), rect.max - vec2(10.0, 6.0)),
            reductions,
        );
    }
}

/// A loudness figure's text ("-14.2", or "—" before there is one).
fn lufs(value: f64) -> String {
    if value.is_finite() && value > -200.0 {
        format!("{value:6.1}")
    } else {
        "   —  ".to_string()
    }
}

/// Vertical position of `db` in a meter of `rect` (0 dBFS at the top, the floor at the bottom).
pub fn meter_y(rect: Rect, db: f32) -> f32 {
    let t = ((db - METER_FLOOR_DB) / -METER_FLOOR_DB).clamp(0.0, 1.0);
    rect.bottom() - t * rect.height()
}

/// The dB scale beside the bars.
fn draw_scale(ui: &Ui, rect: Rect) {
    let painter = ui.painter();
    let bar_area = Rect::from_min_max(pos2(rect.left(), rect.top() + 26.0), rect.max);
    // Marks closer than a line of text to the last one drawn are left out (at the bar's height
    // the 6 dB steps near the top would overlap).
    let line_height = 11.0;
    let mut last_y = f32::NEG_INFINITY;
    for db in [0.0, -6.0, -12.0, -18.0, -24.0, -36.0, -48.0, -60.0] {
        let y = meter_y(bar_area, db);
        if y - last_y < line_height && db != METER_FLOOR_DB {
            continue;
        }
        last_y = y;
        painter.text(
            pos2(rect.right() - 2.0, y),
            Align2::RIGHT_CENTER,
            format!("{db:.0}"),
            theme::small(),
            theme::TEXT_DIM,
        );
    }
}

/// Two bars (peak, with the RMS as a brighter inner bar), the hold lines, clip lamps, and the
/// peak readouts below.
fn stereo_meter(ui: &mut Ui, rect: Rect, title: &str, channels: [&mut ChannelMeter; 2]) {
    let painter = ui.painter().clone();
    painter.text(rect.center_top(), Align2::CENTER_TOP, title, theme::small(), theme::TEXT_DIM);
    // Title, then the clip lamps, then the bars.
    let bar_area =
        Rect::from_min_max(pos2(rect.left(), rect.top() + 26.0), pos2(rect.right(), rect.bottom() - 30.0));
    let width = bar_area.width() / 2.0 - 2.0;
    for (i, meter) in channels.into_iter().enumerate() {
        let bar = Rect::from_min_size(
            pos2(bar_area.left() + i as f32 * (width + 4.0), bar_area.top()),
            vec2(width, bar_area.height()),
        );
        painter.rect_filled(bar, 2.0, theme::PLOT);
        // Peak: the segment colours by level; RMS: a solid inner bar.
        for (from, to, colour) in [
            (-60.0, -18.0, theme::METER_LOW),
            (-18.0, -6.0, theme::METER_MID),
            (-6.0, 0.0, theme::METER_HIGH),
        ] {
            let top = meter.peak_db.min(to);
            if top > from {
                let r = Rect::from_min_max(
                    pos2(bar.left(), meter_y(bar, top)),
                    pos2(bar.right(), meter_y(bar, from)),
                );
                painter.rect_filled(r, 0.0, colour.gamma_multiply(0.55));
            }
        }
        let rms = meter.rms_db();
        if rms > METER_FLOOR_DB {
            let r = Rect::from_min_max(
                pos2(bar.left() + width * 0.2, meter_y(bar, rms)),
                pos2(bar.right() - width * 0.2, bar.bottom()),
            );
            painter.rect_filled(r, 0.0, theme::METER_LOW);
        }
        if meter.hold_db > METER_FLOOR_DB {
            let y = meter_y(bar, meter.hold_db);
            painter.line_segment([pos2(bar.left(), y), pos2(bar.right(), y)], theme::hairline(theme::TEXT));
        }
        let lamp = Rect::from_min_size(pos2(bar.left(), bar.top() - 12.0), vec2(width, 8.0));
        let response = ui.interact(lamp, egui::Id::unique((title, i, "clip")), Sense::click());
        if response.clicked() {
            meter.clipped = false;
        }
        painter.rect_filled(lamp, 2.0, if meter.clipped { theme::METER_HIGH } else { theme::PLOT });
        let readout =
            |db: f32| if db > METER_FLOOR_DB - 40.0 { format!("{db:.1}") } else { "-inf".to_string() };
        let x = bar.center().x;
        painter.text(
            pos2(x, bar.bottom() + 3.0),
            Align2::CENTER_TOP,
            readout(meter.hold_db),
            theme::small(),
            theme::TEXT,
        );
        painter.text(
            pos2(x, bar.bottom() + 16.0),
            Align2::CENTER_TOP,
            readout(rms),
            theme::small(),
            theme::TEXT_DIM,
        );
    }
}

/// Rows of loudness figures (momentary, short-term, integrated, true peak).
const LOUDNESS_ROWS: usize = 4;
/// Height of one loudness row.
const LOUDNESS_ROW_HEIGHT: f32 = 15.0;
/// Height of the loudness reset button.
const RESET_HEIGHT: f32 = 18.0;
/// Height of the gain-reduction title line.
const GR_TITLE_HEIGHT: f32 = 16.0;
/// Height of one gain-reduction row (one per dynamics stage that is on).
const GR_ROW_HEIGHT: f32 = 13.0;

/// The gain-reduction section: one bar per dynamics stage that is on, growing from 0 dB, and a
/// caption while all of them are off. `rect` holds a row for every dynamics stage.
pub fn draw_gain_reduction(ui: &Ui, rect: Rect, reductions: &[GainReduction]) {
    let painter = ui.painter_at(rect);
    painter.text(rect.left_top(), Align2::LEFT_TOP, "Gain reduction", theme::body(), theme::TEXT_DIM);
    if reductions.is_empty() {
        painter.text(
            rect.left_top() + vec2(0.0, GR_TITLE_HEIGHT),
            Align2::LEFT_TOP,
            "AGC, compressor and limiter off",
            theme::small(),
            theme::TEXT_DIM,
        );
        return;
    }
    for (i, gr) in reductions.iter().enumerate() {
        let y = rect.top() + GR_TITLE_HEIGHT + i as f32 * GR_ROW_HEIGHT;
        painter.text(pos2(rect.left(), y), Align2::LEFT_TOP, gr.label, theme::small(), theme::TEXT_DIM);
        let track = Rect::from_min_size(pos2(rect.left() + 44.0, y + 2.5), vec2(rect.width() - 90.0, 7.0));
        painter.rect_filled(track, 2.0, theme::PLOT);
        let fraction = (gr.reduction_db / 24.0).clamp(0.0, 1.0);
        painter.rect_filled(
            Rect::from_min_size(track.min, vec2(track.width() * fraction, track.height())),
            2.0,
            theme::ACCENT,
        );
        painter.text(
            pos2(rect.right() - 1.0, y),
            Align2::RIGHT_TOP,
            format!("{:.1} dB", gr.reduction_db),
            theme::small(),
            theme::TEXT,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sine_reads_its_peak_and_rms_levels() {
        let rate = 48_000.0;
        let amplitude = 10f32.powf(-12.0 / 20.0);
        let samples: Vec<f32> = (0..rate as usize * 2)
            .flat_map(|n| {
                let x = amplitude * (2.0 * std::f32::consts::PI * 1000.0 * n as f32 / rate).sin();
                [x, x]
            })
            .collect();
        let mut meters = Meters::default();
        for frame in samples.chunks(1600) {
            meters.push(frame, frame, rate, 1.0 / 60.0);
        }
        let out = &meters.output[0];
        assert!((out.peak_db + 12.0).abs() < 0.05, "peak {}", out.peak_db);
        assert!((out.rms_db() + 15.01).abs() < 0.1, "rms {}", out.rms_db());
        assert!(!out.clipped);
        // ITU-R BS.1770: a 1 kHz sine peaking at 0 dBFS in both channels reads 0 LUFS, so this
        // one (−12 dBFS peak) reads −12 LUFS.
        let figures = meters.loudness.figures();
        assert!((figures.momentary + 12.0).abs() < 0.2, "{figures:?}");
        assert!((figures.true_peak_db + 12.0).abs() < 0.2, "{figures:?}");
    }

    #[test]
    fn the_clip_lamp_lights_at_full_scale() {
        let mut meter = ChannelMeter::default();
        meter.push(&[0.5, 0.99], 0, 1, 48_000.0, 0.01);
        assert!(!meter.clipped);
        meter.push(&[1.0], 0, 1, 48_000.0, 0.01);
        assert!(meter.clipped);
    }
}
