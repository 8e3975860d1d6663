//! The latency meter on JACK: a client with one output and one input port plays the
//! [`Stimulus`] into the loop and records what comes back, sample-synchronously (frame 0 of the
//! recording is the cycle that played frame 0), then hands the recording to the estimator.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use jack::{AudioIn, AudioOut, Client, ClientOptions, Control, Port, ProcessScope};

use crate::latency::{LatencyError, LatencyEstimate, Stimulus};

/// What to measure: the ports the meter's output feeds and the port its input listens to.
#[derive(Debug, Clone)]
pub struct JackLoop {
    /// Name of the meter's own JACK client.
    pub client_name: String,
    /// Ports the stimulus is played into (e.g. `system:playback_1`, `runnel:input_1`).
    pub playback: Vec<String>,
    /// The port whose signal is recorded (e.g. `system:capture_1`, `runnel:output_1`).
    pub capture: String,
    /// Longest latency looked for, in seconds.
    pub max_latency_seconds: f64,
}

/// A JACK measurement: the estimate, or the reason it was refused, with the server's figures.
#[derive(Debug)]
pub struct JackMeasurement {
    /// The estimate, or why there is none.
    pub result: Result<LatencyEstimate, LatencyError>,
    /// The server's sample rate.
    pub sample_rate: u32,
    /// The server's period (buffer size) in frames.
    pub period_frames: u32,
    /// JACK xruns reported while the meter was active.
    pub xruns: usize,
}

/// Why a JACK measurement could not be made at all.
#[derive(Debug)]
pub enum JackLoopError {
    /// No JACK server to connect to, or the client could not be opened.
    Open(jack::Error),
    /// A port could not be registered or connected.
    Connect {
        /// Source port.
        from: String,
        /// Destination port.
        to: String,
        /// JACK's error.
        error: jack::Error,
    },
    /// The recording did not fill in time (the server stopped running cycles).
    Timeout {
        /// Frames recorded.
        recorded: usize,
        /// Frames needed.
        needed: usize,
    },
}

impl fmt::Display for JackLoopError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Open(e) => write!(f, "cannot open a JACK client (is a JACK server running?): {e}"),
            Self::Connect { from, to, error } => write!(f, "cannot connect {from} → {to}: {error}"),
            Self::Timeout { recorded, needed } => {
                write!(f, "JACK stopped delivering audio: recorded {recorded} of {needed} frames")
            }
        }
    }
}

impl std::error::Error for JackLoopError {}

/// The meter's process callback: plays and records, never allocating (both buffers are made
/// before activation).
struct Meter {
    /// Plays the stimulus.
    output: Port<AudioOut>,
    /// Records the loop's return.
    input: Port<AudioIn>,
    /// What to play, one sample per frame.
    stimulus: Vec<f32>,
    /// The recording, preallocated to the stimulus's length.
    recording: Vec<f32>,
    /// Set by the controlling thread once the connections are made.
    armed: Arc<AtomicBool>,
    /// Frames played and recorded so far.
    done: Arc<AtomicUsize>,
}

impl jack::ProcessHandler for Meter {
    fn process(&mut self, _client: &Client, ps: &ProcessScope) -> Control {
        let out = self.output.as_mut_slice(ps);
        out.fill(0.0);
        if !self.armed.load(Ordering::Acquire) {
            return Control::Continue;
        }
        let done = self.done.load(Ordering::Relaxed);
        let frames = out.len().min(self.stimulus.len() - done);
        out[..frames].copy_from_slice(&self.stimulus[done..done + frames]);
        self.recording[done..done + frames].copy_from_slice(&self.input.as_slice(ps)[..frames]);
        self.done.store(done + frames, Ordering::Release);
        Control::Continue
    }
}

/// Counts the JACK server's xruns into a shared counter: the notification handler of every JACK
/// client here (the meter, the live host) and of the JACK tests.
pub struct XrunCounter(pub Arc<AtomicUsize>);

impl jack::NotificationHandler for XrunCounter {
    fn xrun(&mut self, _client: &Client) -> Control {
        self.0.fetch_add(1, Ordering::Relaxed);
        Control::Continue
    }
}

/// How long a port connection is retried after a client's activation.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// Connects `from` → `to`. JACK2 refuses connections until a client's activation has reached the
/// server's graph, which can take a few cycles: retried for [`CONNECT_TIMEOUT`] before the error is
/// reported.
pub fn connect_ports(client: &Client, from: &str, to: &str) -> Result<(), JackLoopError> {
    let deadline = Instant::now() + CONNECT_TIMEOUT;
    loop {
        match client.connect_ports_by_name(from, to) {
            Ok(()) => return Ok(()),
            Err(error) if Instant::now() >= deadline => {
                return Err(JackLoopError::Connect { from: from.into(), to: to.into(), error })
            }
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

impl JackLoop {
    /// Opens the client (on the server `JACK_DEFAULT_SERVER` names, never starting one), connects
    /// the loop, measures, and disconnects.
    pub fn measure(&self) -> Result<JackMeasurement, JackLoopError> {
        let (client, _status) =
            Client::new(&self.client_name, ClientOptions::NO_START_SERVER).map_err(JackLoopError::Open)?;
        let sample_rate = client.sample_rate();
        let period_frames = client.buffer_size();
        let stimulus = Stimulus::new(sample_rate, self.max_latency_seconds);
        let total = stimulus.total_frames();
        let register = |name: &str, error: jack::Error| JackLoopError::Connect {
            from: format!("{}:{name}", self.client_name),
            to: "(registration)".into(),
            error,
        };
        let output = client.register_port("out", AudioOut::default()).map_err(|e| register("out", e))?;
        let input = client.register_port("in", AudioIn::default()).map_err(|e| register("in", e))?;
        let own_out = output.name().map_err(|e| register("out", e))?;
        let own_in = input.name().map_err(|e| register("in", e))?;
        let armed = Arc::new(AtomicBool::new(false));
        let done = Arc::new(AtomicUsize::new(0));
        let xruns = Arc::new(AtomicUsize::new(0));
        let meter = Meter {
            output,
            input,
            stimulus: (0..total).map(|n| stimulus.sample(n)).collect(),
            recording: vec![0.0; total],
            armed: armed.clone(),
            done: done.clone(),
        };
        let active = client.activate_async(XrunCounter(xruns.clone()), meter).map_err(JackLoopError::Open)?;
        for port in &self.playback {
            connect_ports(active.as_client(), &own_out, port)?;
        }
        connect_ports(active.as_client(), &self.capture, &own_in)?;
        // Let the connections reach the process graph before the first chirp.
        std::thread::sleep(Duration::from_millis(100));
        let xruns_before = xruns.load(Ordering::Relaxed);
        armed.store(true, Ordering::Release);
        let period_seconds = f64::from(period_frames) / f64::from(sample_rate);
        let deadline = Instant::now()
            + Duration::from_secs_f64(total as f64 / f64::from(sample_rate) + 2.0 + 4.0 * period_seconds);
        while done.load(Ordering::Acquire) < total {
            if Instant::now() > deadline {
                return Err(JackLoopError::Timeout { recorded: done.load(Ordering::Acquire), needed: total });
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let xruns = xruns.load(Ordering::Relaxed) - xruns_before;
        let (_client, _notifications, meter) = active.deactivate().map_err(JackLoopError::Open)?;
        Ok(JackMeasurement { result: stimulus.estimate(&meter.recording), sample_rate, period_frames, xruns })
    }

    /// Measures up to `attempts` times, trying again only when a measurement was refused while
    /// JACK reported xruns (the server missed cycles, e.g. on a loaded machine, so the loop was
    /// broken for a moment) or right after one that did: a missed cycle can shift what the loop
    /// holds, and a drift corrector in it then slips back over a second or so, so the next
    /// measurement waits [`SETTLE_AFTER_XRUNS`] first. The estimate, or every refusal with its
    /// xrun count. A refusal with no xrun in it or before it ends it at once: the loop itself is
    /// broken or unstable.
    pub fn measure_with_retries(&self, attempts: usize) -> Result<LatencyEstimate, String> {
        let mut refusals = Vec::new();
        let mut previous_xruns = 0;
        loop {
            let measurement = self.measure().map_err(|e| format!("{e:?}"))?;
            match measurement.result {
                Ok(estimate) => return Ok(estimate),
                Err(e) => {
                    refusals.push(format!("{e} ({} JACK xruns)", measurement.xruns));
                    let disturbed = measurement.xruns > 0 || previous_xruns > 0;
                    if !disturbed || refusals.len() >= attempts {
                        return Err(refusals.join("; "));
                    }
                    previous_xruns = measurement.xruns;
                    std::thread::sleep(SETTLE_AFTER_XRUNS);
                }
            }
        }
    }
}

/// How long [`JackLoop::measure_with_retries`] waits after a measurement that JACK's xruns
/// disturbed: what a drift corrector needs to average (64 callbacks) and slip back a period.
pub const SETTLE_AFTER_XRUNS: Duration = Duration::from_secs(3);
