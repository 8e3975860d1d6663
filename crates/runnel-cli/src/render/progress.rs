//! The progress display: one bar per file being rendered and one for the whole batch, each with
//! speed as ×realtime and an ETA. Bars count milliseconds of input audio, so frames per second
//! divided by 1000 is the speed in ×realtime whatever the files' rates. Hidden with `--quiet`
//! and when standard error is not a terminal.

use std::path::Path;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

/// The batch's bars.
pub struct Progress {
    /// The bar group (draws to standard error, or nowhere).
    bars: MultiProgress,
    /// The whole batch.
    total: ProgressBar,
    /// Whether anything is drawn.
    visible: bool,
}

/// The style's `{speed}` key: ×realtime.
fn speed(state: &ProgressState, w: &mut dyn std::fmt::Write) {
    let _ = write!(w, "{:.1}× realtime", state.per_sec() / 1000.0);
}

/// The bar style shared by the total and the files.
fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .with_key("speed", speed)
        .progress_chars("=> ")
}

impl Progress {
    /// A display for a batch of `files` files (`visible` = not `--quiet`).
    pub fn new(files: usize, visible: bool) -> Self {
        let target = if visible { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() };
        let bars = MultiProgress::with_draw_target(target);
        let visible = visible && !bars.is_hidden();
        let total = bars.add(ProgressBar::new(0));
        total.set_style(style("total [{bar:30}] {percent:>3}% {msg} {speed}, ETA {eta}"));
        total.set_message(format!("0/{files} files"));
        total.enable_steady_tick(Duration::from_millis(200));
        Self { bars, total, visible }
    }

    /// Whether the bars are drawn.
    pub fn is_visible(&self) -> bool {
        self.visible
    }

    /// Adds `ms` milliseconds of audio to the batch's total.
    pub fn add_to_total(&self, ms: u64) {
        self.total.inc_length(ms);
    }

    /// A bar for one file of `ms` milliseconds (0 if unknown).
    pub fn file(&self, input: &Path) -> ProgressBar {
        let bar = self.bars.insert_from_back(1, ProgressBar::new(0));
        bar.set_style(style("  {prefix:30!} [{bar:20}] {percent:>3}% {speed}, ETA {eta}"));
        bar.set_prefix(input.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
        bar
    }

    /// The total bar (advanced as files progress).
    pub fn total(&self) -> &ProgressBar {
        &self.total
    }

    /// Marks `done` of `files` files finished.
    pub fn files_done(&self, done: usize, files: usize) {
        self.total.set_message(format!("{done}/{files} files"));
    }

    /// Prints a line above the bars (or plainly when hidden) on standard error.
    pub fn line(&self, text: &str) {
        if self.visible {
            self.bars.suspend(|| eprintln!("{text}"));
        } else {
            eprintln!("{text}");
        }
    }

    /// Removes the bars.
    pub fn finish(&self) {
        self.total.finish_and_clear();
        let _ = self.bars.clear();
    }
}
