//! The engine as a JACK client of its own, without a window: what `runnel live --backend jack`
//! runs. It processes inside JACK's cycle, so it adds no buffering beyond JACK's period; it
//! counts xruns and callbacks that overran their period, keeps input/output peaks and the
//! output's momentary loudness for a status line, and feeds an optional recorder. Its ports
//! carry the engine's latency (a compressor or limiter lookahead) in JACK's latency ranges, so
//! JACK and every client downstream know of it.

use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use jack::{AudioIn, AudioOut, Client, ClientOptions, Control, Port, ProcessScope};
use runnel_engine::dynamics::MomentaryLoudness;
use runnel_engine::engine::{Engine, EngineSettings};
use runnel_jack_latency::PortLatency;

use crate::fault::Stall;
use crate::jack_loop::{connect_ports, JackLoopError, XrunCounter};
use crate::recorder::RecordTap;

/// The largest block the engine is prepared for; longer JACK periods are processed in pieces.
const MAX_BLOCK: usize = 4096;

/// Live counters, written by the audio thread and JACK's notification thread, read by the status
/// line and the exit summary. All atomics: nothing here ever blocks the audio thread.
#[derive(Debug)]
pub struct LiveStats {
    /// Process callbacks run.
    pub callbacks: AtomicU64,
    /// Xruns JACK reported (any client or the driver missed the cycle).
    pub xruns: Arc<AtomicUsize>,
    /// Callbacks of ours that took longer than the period itself.
    pub late_callbacks: AtomicU64,
    /// Total time spent in our callbacks, nanoseconds (for the average DSP load).
    pub busy_ns: AtomicU64,
    /// Longest callback since the status line last read it, nanoseconds.
    pub busy_ns_peak: AtomicU64,
    /// Input peak (|sample|, as f32 bits) since last read.
    pub input_peak_bits: AtomicU32,
    /// Output peak (|sample|, as f32 bits) since last read.
    pub output_peak_bits: AtomicU32,
    /// The output's momentary loudness (BS.1770, 400 ms window, updated every 100 ms), LUFS as
    /// f32 bits; negative infinity until the first window is complete.
    pub momentary_lufs_bits: AtomicU32,
}

impl Default for LiveStats {
    fn default() -> Self {
        Self {
            callbacks: AtomicU64::new(0),
            xruns: Arc::default(),
            late_callbacks: AtomicU64::new(0),
            busy_ns: AtomicU64::new(0),
            busy_ns_peak: AtomicU64::new(0),
            input_peak_bits: AtomicU32::new(0),
            output_peak_bits: AtomicU32::new(0),
            momentary_lufs_bits: AtomicU32::new(f32::NEG_INFINITY.to_bits()),
        }
    }
}

impl LiveStats {
    /// The output's latest momentary loudness, LUFS.
    pub fn momentary_lufs(&self) -> f32 {
        f32::from_bits(self.momentary_lufs_bits.load(Ordering::Relaxed))
    }

    /// Takes (and resets) the input and output peaks since the last call.
    pub fn take_peaks(&self) -> (f32, f32) {
        (
            f32::from_bits(self.input_peak_bits.swap(0, Ordering::Relaxed)),
            f32::from_bits(self.output_peak_bits.swap(0, Ordering::Relaxed)),
        )
    }
}

/// The largest |x| of both channels; non-negative finite floats order like their bit patterns,
/// which lets the audio thread publish a peak with one `fetch_max`.
pub(crate) fn peak_bits(left: &[f32], right: &[f32]) -> u32 {
    left.iter().chain(right).fold(0.0f32, |m, x| if x.abs() > m { x.abs() } else { m }).to_bits()
}

/// The audio callback: engine and buffers, all allocated before activation.
struct Processor {
    /// The engine.
    engine: Engine,
    /// Input ports (left, right).
    inputs: [Port<AudioIn>; 2],
    /// Output ports (left, right).
    outputs: [Port<AudioOut>; 2],
    /// Working buffers, [`MAX_BLOCK`] long.
    left: Vec<f32>,
    /// See `left`.
    right: Vec<f32>,
    /// Where processed audio goes for recording, if anywhere.
    record: Option<RecordTap>,
    /// The output's momentary loudness meter.
    loudness: MomentaryLoudness,
    /// Counters.
    stats: Arc<LiveStats>,
    /// One period's duration in nanoseconds: the callback's deadline.
    period_ns: u64,
    /// The test hook's stall, if any, timed from `epoch`.
    stall: Option<Stall>,
    /// When the host started.
    epoch: Instant,
}

impl jack::ProcessHandler for Processor {
    fn process(&mut self, _client: &Client, ps: &ProcessScope) -> Control {
        let started = Instant::now();
        // Silence first: JACK hands readers our output ports' buffers whether or not this
        // callback has finished, so if the engine misses the deadline, what they take in the
        // meantime must be silence, not the previous period's audio played again (measured
        // without this: a 4-period stall at 64 frames replayed one period three times).
        for output in &mut self.outputs {
            output.as_mut_slice(ps).fill(0.0);
        }
        if let Some(stall) = self.stall {
            // The test hook: sleeping is exactly what the audio thread must never do.
            stall.wait_if_due(started - self.epoch);
        }
        let frames = ps.n_frames() as usize;
        let mut input_peak = 0;
        let mut output_peak = 0;
        let mut done = 0;
        while done < frames {
            let n = (frames - done).min(MAX_BLOCK);
            let (left, right) = (&mut self.left[..n], &mut self.right[..n]);
            left.copy_from_slice(&self.inputs[0].as_slice(ps)[done..done + n]);
            right.copy_from_slice(&self.inputs[1].as_slice(ps)[done..done + n]);
            input_peak = input_peak.max(peak_bits(left, right));
            self.engine.process_stereo(left, right);
            output_peak = output_peak.max(peak_bits(left, right));
            for (&l, &r) in left.iter().zip(right.iter()) {
                if let Some((momentary, _)) = self.loudness.push(l, r) {
                    self.stats.momentary_lufs_bits.store(momentary.to_bits(), Ordering::Relaxed);
                }
            }
            self.outputs[0].as_mut_slice(ps)[done..done + n].copy_from_slice(left);
            self.outputs[1].as_mut_slice(ps)[done..done + n].copy_from_slice(right);
            if let Some(tap) = &mut self.record {
                tap.push(left, right);
            }
            done += n;
        }
        let stats = &self.stats;
        stats.input_peak_bits.fetch_max(input_peak, Ordering::Relaxed);
        stats.output_peak_bits.fetch_max(output_peak, Ordering::Relaxed);
        let busy = started.elapsed().as_nanos() as u64;
        stats.callbacks.fetch_add(1, Ordering::Relaxed);
        stats.busy_ns.fetch_add(busy, Ordering::Relaxed);
        stats.busy_ns_peak.fetch_max(busy, Ordering::Relaxed);
        if busy > self.period_ns {
            stats.late_callbacks.fetch_add(1, Ordering::Relaxed);
        }
        Control::Continue
    }
}

/// A running live host.
pub struct JackHost {
    /// The active client (dropping it deactivates and closes it). First, so it is dropped
    /// before the latency report its callback reads.
    active: jack::AsyncClient<XrunCounter, Processor>,
    /// What the latency callback reads: our ports and the engine's latency.
    _latency: Box<PortLatency>,
    /// Counters.
    stats: Arc<LiveStats>,
    /// The server's rate.
    pub sample_rate: u32,
    /// The server's period in frames.
    pub period_frames: u32,
    /// The engine's latency in frames.
    pub engine_latency: u32,
}

impl JackHost {
    /// Opens client `client_name` (on the server `JACK_DEFAULT_SERVER` names, never starting
    /// one) with ports `in_1`, `in_2`, `out_1`, `out_2`, runs the engine with `settings`, and
    /// connects `sources` → our inputs and our outputs → `sinks` (pairwise; one source feeds both
    /// inputs). `engine_stall` is a test hook: the process callback stops that long once (from
    /// now), as an engine that misses its deadline would; `None` in use.
    pub fn start(
        client_name: &str,
        settings: &EngineSettings,
        sources: &[String],
        sinks: &[String],
        record: Option<RecordTap>,
        engine_stall: Option<Stall>,
    ) -> Result<Self, JackLoopError> {
        let epoch = Instant::now();
        let (client, _status) =
            Client::new(client_name, ClientOptions::NO_START_SERVER).map_err(JackLoopError::Open)?;
        let sample_rate = client.sample_rate();
        let period_frames = client.buffer_size();
        let mut engine = Engine::new();
        engine.prepare(sample_rate as f32, MAX_BLOCK);
        engine.set_settings(settings);
        engine.reset();
        let engine_latency = engine.latency_samples();
        let register_error =
            |error| JackLoopError::Connect { from: client_name.into(), to: "(registration)".into(), error };
        let inputs = [
            client.register_port("in_1", AudioIn::default()).map_err(register_error)?,
            client.register_port("in_2", AudioIn::default()).map_err(register_error)?,
        ];
        let outputs = [
            client.register_port("out_1", AudioOut::default()).map_err(register_error)?,
            client.register_port("out_2", AudioOut::default()).map_err(register_error)?,
        ];
        let latency = PortLatency::new(
            inputs.iter().map(|p| p.raw()).collect(),
            outputs.iter().map(|p| p.raw()).collect(),
            engine_latency,
        );
        // SAFETY: before activation, as JACK requires; the ports are the client's, and the box
        // is kept in the host until after the client is closed.
        unsafe { latency.register(client.raw()) }
            .map_err(|_| JackLoopError::Open(jack::Error::CallbackRegistrationError))?;
        let name = |port: &str| format!("{}:{port}", client.name());
        let port_names = [name("in_1"), name("in_2"), name("out_1"), name("out_2")];
        let stats = Arc::new(LiveStats::default());
        let mut loudness = MomentaryLoudness::default();
        loudness.prepare(sample_rate as f32);
        let processor = Processor {
            loudness,
            engine,
            inputs,
            outputs,
            left: vec![0.0; MAX_BLOCK],
            right: vec![0.0; MAX_BLOCK],
            record,
            stats: stats.clone(),
            period_ns: u64::from(period_frames) * 1_000_000_000 / u64::from(sample_rate),
            stall: engine_stall,
            epoch,
        };
        let notifications = XrunCounter(stats.xruns.clone());
        let active = client.activate_async(notifications, processor).map_err(JackLoopError::Open)?;
        let connect = |from: &str, to: &str| connect_ports(active.as_client(), from, to);
        for (i, input) in port_names[..2].iter().enumerate() {
            if let Some(source) = sources.get(i).or(sources.first()) {
                connect(source, input)?;
            }
        }
        for (output, sink) in port_names[2..].iter().zip(sinks) {
            connect(output, sink)?;
        }
        Ok(Self { active, _latency: latency, stats, sample_rate, period_frames, engine_latency })
    }

    /// The live counters.
    pub fn stats(&self) -> &Arc<LiveStats> {
        &self.stats
    }

    /// The client's name as JACK gave it (ports are `<name>:in_1` …).
    pub fn client_name(&self) -> String {
        self.active.as_client().name().to_string()
    }

    /// Deactivates the client and hands back the recorder tap, if there was one (so the recorder
    /// can be finished knowing nothing more will be pushed).
    pub fn stop(self) -> Result<Option<RecordTap>, JackLoopError> {
        let (_client, _notifications, processor) = self.active.deactivate().map_err(JackLoopError::Open)?;
        Ok(processor.record)
    }
}
