//! RUNNEL PATCH: live figures of the standalone's audio I/O, published for the plugin's editor
//! and for the exit summary. Everything the audio threads touch is an atomic; the description is
//! written once before audio starts.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Mutex;

/// The standalone's audio I/O as it runs.
pub struct StandaloneStatus {
    /// Set when a standalone backend starts; stays false inside plugin hosts.
    pub active: AtomicBool,
    /// Backend and devices, e.g. `ALSA: in "USB Audio", out "USB Audio"`; set before audio starts.
    pub description: Mutex<String>,
    /// The stream's sample rate.
    pub sample_rate: AtomicU32,
    /// The period (buffer size) in frames.
    pub period_frames: AtomicU32,
    /// Frames the standalone itself holds between capture and playback beyond the devices'
    /// buffers (on cpal, the input→output channel's initial fill beyond the three periods of
    /// capture and playback buffering; one period by default, its margin for a late capture
    /// callback; 0 on JACK, which processes in its own cycle).
    pub own_latency_frames: AtomicU32,
    /// Frames of buffering the devices add on each side, as far as the backend reports them
    /// (cpal: the capture period and the two-period playback buffer; JACK: the ports' latency
    /// ranges).
    pub device_latency_frames: AtomicU32,
    /// The plugin's own latency as it last reported it (`set_latency_samples`).
    pub plugin_latency_frames: AtomicU32,
    /// Xruns the backend reported (cpal `Xrun` errors, JACK's xrun callback).
    pub xruns: AtomicU64,
    /// Captured frames dropped because the input→output channel was full (input overflow).
    pub input_overflow_frames: AtomicU64,
    /// Frames of silence played because captured audio was missing (output underrun).
    pub output_underrun_frames: AtomicU64,
    /// Process callbacks that took longer than one period.
    pub late_callbacks: AtomicU64,
    /// Captured frames skipped (crossfaded) because the input device's clock runs faster than
    /// the output's.
    pub drift_dropped_frames: AtomicU64,
    /// Frames repeated (crossfaded) because the input device's clock runs slower.
    pub drift_repeated_frames: AtomicU64,
    /// Captured frames dropped at once (one crossfade) after an xrun or a late callback, to bring
    /// the round trip back to where it was: capture goes on while playback stalls, and its
    /// backlog would otherwise stay as latency.
    pub catch_up_frames: AtomicU64,
    /// Set when the backend could not run (a device refused a stream): the standalone then exits
    /// with a failure status.
    pub failed: AtomicBool,
}

static STATUS: StandaloneStatus = StandaloneStatus {
    active: AtomicBool::new(false),
    description: Mutex::new(String::new()),
    sample_rate: AtomicU32::new(0),
    period_frames: AtomicU32::new(0),
    own_latency_frames: AtomicU32::new(0),
    device_latency_frames: AtomicU32::new(0),
    plugin_latency_frames: AtomicU32::new(0),
    xruns: AtomicU64::new(0),
    input_overflow_frames: AtomicU64::new(0),
    output_underrun_frames: AtomicU64::new(0),
    late_callbacks: AtomicU64::new(0),
    drift_dropped_frames: AtomicU64::new(0),
    drift_repeated_frames: AtomicU64::new(0),
    catch_up_frames: AtomicU64::new(0),
    failed: AtomicBool::new(false),
};

/// The process-wide status.
pub fn status() -> &'static StandaloneStatus {
    &STATUS
}

impl StandaloneStatus {
    /// Publishes the stream's set-up before audio starts.
    pub(crate) fn publish(&self, description: String, sample_rate: u32, period: u32, own: u32, device: u32) {
        *self.description.lock().unwrap_or_else(|e| e.into_inner()) = description;
        self.sample_rate.store(sample_rate, Ordering::Relaxed);
        self.period_frames.store(period, Ordering::Relaxed);
        self.own_latency_frames.store(own, Ordering::Relaxed);
        self.device_latency_frames.store(device, Ordering::Relaxed);
        self.active.store(true, Ordering::Release);
        crate::nice_log!("Audio I/O: {}", self.summary());
    }

    /// The round trip the standalone knows of, in frames, before the plugin's own latency:
    /// device buffering plus what the standalone holds.
    pub fn round_trip_frames(&self) -> u32 {
        self.own_latency_frames.load(Ordering::Relaxed) + self.device_latency_frames.load(Ordering::Relaxed)
    }

    /// One line for the terminal: set-up, latency and the counters.
    pub fn summary(&self) -> String {
        let rate = self.sample_rate.load(Ordering::Relaxed).max(1);
        let ms = |frames: u32| frames as f64 * 1000.0 / rate as f64;
        let own = self.own_latency_frames.load(Ordering::Relaxed);
        let device = self.device_latency_frames.load(Ordering::Relaxed);
        let plugin = self.plugin_latency_frames.load(Ordering::Relaxed);
        let total = own + device + plugin;
        format!(
            "{}; {} Hz, period {} frames; latency: devices {device} + standalone {own} + plugin \
             {plugin} = {total} frames ({:.2} ms) round trip; xruns {}, input overflow {} frames, \
             output underrun {} frames, late callbacks {}, clock drift: {} frames skipped, {} \
             repeated; caught up after xruns: {} frames dropped",
            self.description.lock().unwrap_or_else(|e| e.into_inner()),
            rate,
            self.period_frames.load(Ordering::Relaxed),
            ms(total),
            self.xruns.load(Ordering::Relaxed),
            self.input_overflow_frames.load(Ordering::Relaxed),
            self.output_underrun_frames.load(Ordering::Relaxed),
            self.late_callbacks.load(Ordering::Relaxed),
            self.drift_dropped_frames.load(Ordering::Relaxed),
            self.drift_repeated_frames.load(Ordering::Relaxed),
            self.catch_up_frames.load(Ordering::Relaxed),
        )
    }
}

/// RUNNEL PATCH: a test hook. `RUNNEL_TEST_ENGINE_STALL=AFTER:DURATION` (seconds) makes the process
/// callback stop once for `DURATION`, `AFTER` seconds after audio started, as a plugin that misses
/// its deadline would, so Runnel's tests can check what a listener hears then (silence, never the
/// previous period again). Unset in use; read once when audio starts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TestStall {
    /// When the stall starts, from `epoch`.
    after: std::time::Duration,
    /// How long it lasts.
    duration: std::time::Duration,
    /// When audio started.
    epoch: std::time::Instant,
}

impl TestStall {
    /// The stall the environment asks for, if any.
    pub(crate) fn from_env() -> Option<Self> {
        let value = std::env::var("RUNNEL_TEST_ENGINE_STALL").ok()?;
        let (after, duration) = value.split_once(':')?;
        Some(Self {
            after: std::time::Duration::try_from_secs_f64(after.parse().ok()?).ok()?,
            duration: std::time::Duration::try_from_secs_f64(duration.parse().ok()?).ok()?,
            epoch: std::time::Instant::now(),
        })
    }

    /// Sleeps for what is left of the stall if it is due (once: afterwards nothing is left).
    pub(crate) fn wait_if_due(&self) {
        let elapsed = self.epoch.elapsed();
        if elapsed >= self.after {
            let remaining = (self.after + self.duration).saturating_sub(elapsed);
            if !remaining.is_zero() {
                std::thread::sleep(remaining);
            }
        }
    }
}
