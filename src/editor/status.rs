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
        let latency_ms = if stream.sample_rate > 0.0 {
            stream.latency_samples as f32 * 1000.0 / stream.sample_rate
        } else {
            0.0
        };
        let text = format!(
            "{:.1} kHz   block {} (max {})   latency {} smp / {:.2} ms   DSP {:.1} % avg, {:.1} % peak   dropped {}",
            stream.sample_rate / 1000.0,
            stream.last_block,
            stream.max_block,
            stream.latency_samples,
            latency_ms,
            self.average * 100.0,
            self.peak * 100.0,
            dropped
        );
        painter.text(
            pos2(rect.left() + 10.0, rect.center().y),
            Align2::LEFT_CENTER,
            text,
            theme::mono(),
            theme::TEXT_DIM,
        );
        // In the standalone, its audio I/O replaces the version: the total round trip (device
        // buffering + the standalone's own + the plugin's latency) and the xrun/underrun counts.
        let io = nice_plug::wrapper::standalone::status::status();
        let right = if io.active.load(Ordering::Acquire) {
            let round_trip = io.round_trip_frames() + stream.latency_samples;
            let rate = io.sample_rate.load(Ordering::Relaxed).max(1) as f32;
            format!(
                "round trip {round_trip} smp / {:.1} ms   xruns {}   underrun {}",
                round_trip as f32 * 1000.0 / rate,
                io.xruns.load(Ordering::Relaxed),
                io.output_underrun_frames.load(Ordering::Relaxed)
            )
        } else {
            concat!("Runnel ", env!("CARGO_PKG_VERSION")).to_string()
        };
        // Clear of the resize grip, which covers the line's last points.
        painter.text(
            pos2(rect.right() - 6.0 - super::layout::RESIZE_GRIP, rect.center().y),
            Align2::RIGHT_CENTER,
            right,
            theme::small(),
            theme::TEXT_DIM,
        );
    }
}
