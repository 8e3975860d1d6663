//! The status line: sample rate, block size, reported latency, DSP load, dropped blocks; in the
//! standalone also its round trip and xrun/underrun counts.

use std::sync::atomic::Ordering;

use egui::{pos2, Align2, Rect, Ui};

use super::theme;
use crate::editor_feed::{LoadFigures, StreamFacts};

/// How long the load figures are averaged before the shown numbers change, seconds.
pub const LOAD_WINDOW_S: f32 = 0.5;

/// The load shown, refreshed every [`LOAD_WINDOW_S`].
#[derive(Debug, Default)]
pub struct Status {
    /// Average engine load over the last window (fraction of real time).
    pub average: f32,
    /// Highest block load over the last window.
    pub peak: f32,
    /// Seconds since the last refresh.
    since: f32,
}

impl Status {
    /// Takes new load figures every window (`take` is called only when due).
    pub fn update(&mut self, dt: f32, take: impl FnOnce() -> LoadFigures) {
        self.since += dt;
        if self.since >= LOAD_WINDOW_S {
            self.since = 0.0;
            let load = take();
            if load.frames > 0 {
                self.average = load.average;
                self.peak = load.peak;
            }
        }
    }

    /// Draws the line in `rect`.
    pub fn show(&self, ui: &Ui, rect: Rect, stream: StreamFacts, dropped: u64) {
        let painter = ui.painter();
        painter.rect_filled(rect, 0.0, theme::PANEL);
        let text = format!(
            "{:.1} kHz  block {}/{}  latency {} smp {:.2} ms  DSP {:.1} % avg {:.1} % peak  dropped {}",
            stream.sample_rate / 1000.0,
            stream.last_block,
            stream.max_block,
            stream.latency_samples,
            milliseconds(stream.latency_samples, stream.sample_rate),
            self.average * 100.0,
            self.peak * 100.0,
            dropped
        );
        let left = painter.text(
            pos2(rect.left() + 10.0, rect.center().y),
            Align2::LEFT_CENTER,
            text,
            theme::mono(),
            theme::TEXT_DIM,
        );
        // In the standalone, its audio I/O replaces the version: the device, the total round trip
        // (device buffering + the standalone's own + the plugin's latency) and the counters; the
        // whole summary on hover when the device's name does not fit.
        let io = nice_plug::wrapper::standalone::status::status();
        let (right, hover) = if io.active.load(Ordering::Acquire) {
            let description = io.description.lock().map(|d| d.clone()).unwrap_or_default();
            let line = standalone_line(&description, &StandaloneFigures::read(io), stream.latency_samples);
            (line, Some(io.summary()))
        } else {
            (concat!("Runnel ", env!("CARGO_PKG_VERSION")).to_string(), None)
        };
        let space = Rect::from_min_max(
            pos2(left.right() + 16.0, rect.top()),
            // Clear of the resize grip, which covers the line's last points.
            pos2(rect.right() - 6.0 - super::layout::RESIZE_GRIP, rect.bottom()),
        );
        let mut job = egui::text::LayoutJob::simple_singleline(right, theme::small(), theme::TEXT_DIM);
        job.wrap = egui::text::TextWrapping::truncate_at_width(space.width().max(0.0));
        let galley = painter.layout_job(job);
        painter.galley(
            pos2(space.right() - galley.size().x, space.center().y - galley.size().y / 2.0),
            galley,
            theme::TEXT_DIM,
        );
        if let Some(hover) = hover {
            ui.interact(space, egui::Id::unique("status-io"), egui::Sense::hover()).on_hover_text(hover);
        }
    }
}

/// The standalone's counters, read once per frame.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StandaloneFigures {
    /// The stream's sample rate.
    pub sample_rate: u32,
    /// Device buffering plus what the standalone holds, frames (before the plugin's latency).
    pub round_trip_frames: u32,
    /// Xruns the backend reported.
    pub xruns: u64,
    /// Captured frames dropped for a full input→output channel.
    pub input_overflow_frames: u64,
    /// Frames of silence played for missing capture.
    pub output_underrun_frames: u64,
    /// Callbacks that overran their period.
    pub late_callbacks: u64,
}

impl StandaloneFigures {
    /// Reads the published status.
    pub fn read(io: &nice_plug::wrapper::standalone::status::StandaloneStatus) -> Self {
        Self {
            sample_rate: io.sample_rate.load(Ordering::Relaxed),
            round_trip_frames: io.round_trip_frames(),
            xruns: io.xruns.load(Ordering::Relaxed),
            input_overflow_frames: io.input_overflow_frames.load(Ordering::Relaxed),
            output_underrun_frames: io.output_underrun_frames.load(Ordering::Relaxed),
            late_callbacks: io.late_callbacks.load(Ordering::Relaxed),
        }
    }
}

/// The standalone's part of the line: device, total round trip with the plugin's latency, and
/// every counter.
pub fn standalone_line(description: &str, figures: &StandaloneFigures, plugin_latency: u32) -> String {
    let round_trip = figures.round_trip_frames + plugin_latency;
    format!(
        "{description}   round trip {round_trip} smp / {:.1} ms   xruns {}  overflow {}  underrun {}  late {}",
        milliseconds(round_trip, figures.sample_rate as f32),
        figures.xruns,
        figures.input_overflow_frames,
        figures.output_underrun_frames,
        figures.late_callbacks
    )
}

/// `frames` at `sample_rate` in milliseconds (0 before the rate is known).
fn milliseconds(frames: u32, sample_rate: f32) -> f32 {
    if sample_rate > 0.0 {
        frames as f32 * 1000.0 / sample_rate
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standalone_part_names_the_device_the_whole_round_trip_and_every_counter() {
        let figures = StandaloneFigures {
            sample_rate: 48_000,
            round_trip_frames: 1536,
            xruns: 2,
            input_overflow_frames: 3,
            output_underrun_frames: 64,
            late_callbacks: 1,
        };
        assert_eq!(
            standalone_line("ALSA: in \"pcm\", out \"pcm\"", &figures, 72),
            "ALSA: in \"pcm\", out \"pcm\"   round trip 1608 smp / 33.5 ms   xruns 2  overflow 3  underrun 64  \
             late 1"
        );
    }
}
