//! The engine between a cpal capture device and a playback device (ALSA, CoreAudio, WASAPI),
//! without a window: what `runnel live --backend alsa` runs on a headless box without JACK.
//!
//! Capture and playback are two streams with two callbacks. The capture callback converts its
//! frames to stereo `f32` and commits them to a lock-free ring (rtrb) in one piece per
//! delivery, stamped on a [`runnel_drift::DeliveryClock`]; the playback callback, once two
//! periods are queued, reads them through the drift corrector ([`runnel_drift::DriftSlip`]: the
//! two devices may run on different clocks), runs the engine and writes the device's format.
//! The round trip is what a written frame waits behind in the playback buffer cpal configures
//! (one of its two periods), the engine's latency, and the time captured frames wait for the
//! playback callback — which depends on how the two callbacks happen to interleave, so it is
//! measured while running ([`StreamCounters::round_trip_frames`]). Every failure mode is counted:
//! backend xruns, capture frames the full ring refused (input overflow), playback frames the
//! empty ring could not supply (output underrun, played as silence), frames slipped for drift,
//! frames dropped to catch up after an xrun or a late callback (while playback stalls capture
//! goes on, and the backlog would otherwise stay as latency), and callbacks that overran their
//! period.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{FromSample, SampleFormat, SizedSample};
use runnel_drift::{DeliveryClock, DriftSlip, FrameSource};
use runnel_engine::dynamics::MomentaryLoudness;
use runnel_engine::engine::{Engine, EngineSettings};

use crate::fault::Stall;
use crate::jack_host::{peak_bits, LiveStats};
use crate::recorder::RecordTap;

/// How the queue's running average follows each callback's measurement (about 64 callbacks).
const QUEUE_AVERAGE_WEIGHT: f64 = 1.0 / 64.0;
/// The playback buffer cpal configures for a fixed period on ALSA, in periods.
const PLAYBACK_BUFFER_PERIODS: usize = 2;
/// Periods queued when playback of captured audio begins: two, so that whichever callback runs
/// first in a cycle, the playback never finds the queue empty (one period would underrun once
/// at start whenever playback runs first, and leave the queue a period longer anyway).
const START_PERIODS: usize = 2;
/// The ring between the callbacks, in periods (room for the queued two and a late reader).
const RING_PERIODS: usize = 16;

/// What to open.
#[derive(Debug, Clone)]
pub struct CpalOptions {
    /// The cpal backend by name (`ALSA`, `CoreAudio`, `WASAPI`, `JACK`…); `None` = the
    /// platform's default.
    pub backend: Option<String>,
    /// Capture device by name (as `runnel devices` lists it); `None` = the default.
    pub input_device: Option<String>,
    /// Playback device by name; `None` = the default.
    pub output_device: Option<String>,
    /// Sample rate, Hz.
    pub sample_rate: u32,
    /// Period (buffer size) in frames.
    pub period: u32,
    /// A test hook: the playback callback, where the engine runs, stops this long once (from
    /// the host's start), as an engine that misses its deadline would. `None` in use.
    pub engine_stall: Option<Stall>,
}

/// Counters only the two-stream path has (the JACK host processes in one callback), and the
/// round trip as measured while running.
#[derive(Debug, Default)]
pub struct StreamCounters {
    /// What a frame written by the playback callback waits behind in the device, frames: the
    /// callback runs when one period of cpal's two-period buffer is free, so one period.
    pub playback_buffer_frames: u32,
    /// The engine's latency, frames.
    pub engine_latency_frames: u32,
    /// The stream's rate, Hz.
    pub sample_rate: u32,
    /// When the last capture callback delivered, nanoseconds after the host started, published
    /// so the playback callback never pairs one delivery's frames with another's time.
    pub capture_delivery: DeliveryClock,
    /// How long captured frames wait before the playback callback takes them, frames: the age
    /// of the oldest frame at each read (frames queued + the time since the last capture
    /// callback), averaged over about 64 callbacks, as f64 bits; NaN until playback started.
    /// The capture and playback clocks interleave at a phase no configuration fixes (two
    /// devices, or two threads of one), so this part of the round trip is measured, not
    /// assumed.
    pub queue_frames_bits: AtomicU64,
    /// Capture callbacks run.
    pub capture_callbacks: AtomicU64,
    /// Captured frames dropped because the ring was full.
    pub input_overflow_frames: AtomicU64,
    /// Played frames of silence because the ring was empty (after the start-up prefill).
    pub output_underrun_frames: AtomicU64,
    /// Captured frames skipped for a faster capture clock.
    pub drift_dropped_frames: AtomicU64,
    /// Frames repeated for a slower capture clock.
    pub drift_repeated_frames: AtomicU64,
    /// Captured frames dropped at once (one crossfade) after an xrun or a late callback, to
    /// bring the round trip back to where it was: while playback stalls, capture goes on, and
    /// what it captured meanwhile would otherwise stay queued as extra latency.
    pub catch_up_frames: AtomicU64,
}

/// A running cpal host.
pub struct CpalHost {
    /// The playback stream. Declared first so that it is dropped (stopped) before the capture:
    /// the other order would count the last periods as output underruns.
    _output: cpal::Stream,
    /// The capture stream (dropping it stops capture).
    _input: cpal::Stream,
    /// Counters shared with the JACK host's status line.
    stats: Arc<LiveStats>,
    /// The two-stream counters.
    counters: Arc<StreamCounters>,
    /// Backend and devices, for the terminal.
    pub description: String,
    /// The stream's rate.
    pub sample_rate: u32,
    /// The period in frames.
    pub period_frames: u32,
    /// The engine's latency in frames.
    pub engine_latency: u32,
}

impl StreamCounters {
    /// The measured queue in frames, `None` before playback started.
    pub fn queue_frames(&self) -> Option<f64> {
        let queue = f64::from_bits(self.queue_frames_bits.load(Ordering::Relaxed));
        queue.is_finite().then_some(queue)
    }

    /// The round trip in frames: captured frames' measured wait, the playback buffer and the
    /// engine's latency; `None` before playback started.
    pub fn round_trip_frames(&self) -> Option<f64> {
        self.queue_frames().map(|queue| {
            queue + f64::from(self.playback_buffer_frames) + f64::from(self.engine_latency_frames)
        })
    }
}

/// The ring's consumer as the drift corrector's source (interleaved stereo).
struct RingSource<'a> {
    /// The ring.
    ring: &'a mut rtrb::Consumer<f32>,
    /// The capture callback's deliveries: with the frames queued, the frames that have arrived
    /// at the capture device since the last one make the age of the oldest queued frame.
    delivery: &'a DeliveryClock,
    /// Now, nanoseconds after the host started.
    now_ns: u64,
    /// Frames per nanosecond.
    frames_per_ns: f64,
}

impl FrameSource for RingSource<'_> {
    fn available_frames(&self) -> usize {
        self.ring.slots() / 2
    }

    fn fill_frames(&self) -> Option<f64> {
        self.delivery.timed_fill(self.now_ns, self.frames_per_ns, || self.available_frames())
    }

    fn read_into(&mut self, channels: &mut [Vec<f32>], frames: usize) -> usize {
        let read = frames.min(self.available_frames());
        if let Ok(chunk) = self.ring.read_chunk(read * 2) {
            let (first, second) = chunk.as_slices();
            for (i, pair) in first.chunks_exact(2).chain(second.chunks_exact(2)).enumerate() {
                channels[0][i] = pair[0];
                channels[1][i] = pair[1];
            }
            chunk.commit_all();
        }
        for channel in channels.iter_mut().take(2) {
            channel[read..frames].fill(0.0);
        }
        read
    }
}

/// Finds a device by name among `devices`, or says which names exist.
fn find_device(
    devices: impl Iterator<Item = cpal::Device>,
    name: &str,
    direction: &str,
) -> Result<cpal::Device, String> {
    let mut names = Vec::new();
    for device in devices {
        let device_name = device.description().map(|d| d.name().to_string()).unwrap_or_default();
        if device_name == name {
            return Ok(device);
        }
        names.push(device_name);
    }
    Err(format!("unknown {direction} device '{name}'; available: {}", names.join(", ")))
}

/// The configuration to open `device` with: the rate and period asked for, at most two
/// channels' worth used, the best sample format offered (f32 first). Refusals name the setting
/// and what the device supports.
fn choose_config(
    device: &cpal::Device,
    ranges: Vec<cpal::SupportedStreamConfigRange>,
    options: &CpalOptions,
    direction: &str,
) -> Result<(cpal::StreamConfig, SampleFormat), String> {
    let name = device.description().map(|d| d.name().to_string()).unwrap_or_default();
    let pcm: Vec<_> = ranges.into_iter().filter(|r| !r.sample_format().is_dsd()).collect();
    if pcm.is_empty() {
        return Err(format!("{direction} device '{name}' offers no PCM {direction}"));
    }
    let at_rate: Vec<_> = pcm
        .iter()
        .filter(|r| (r.min_sample_rate()..=r.max_sample_rate()).contains(&options.sample_rate))
        .collect();
    if at_rate.is_empty() {
        let (low, high) = (
            pcm.iter().map(|r| r.min_sample_rate()).min().unwrap_or(0),
            pcm.iter().map(|r| r.max_sample_rate()).max().unwrap_or(0),
        );
        return Err(format!(
            "{direction} device '{name}' does not run at {} Hz (supported: {low}–{high} Hz)",
            options.sample_rate
        ));
    }
    let fits_period = |r: &&&cpal::SupportedStreamConfigRange| match r.buffer_size() {
        cpal::SupportedBufferSize::Range { min, max } => (*min..=*max).contains(&options.period),
        cpal::SupportedBufferSize::Unknown => true,
    };
    let Some(range) = at_rate
        .iter()
        .filter(fits_period)
        .max_by_key(|r| (r.sample_format() == SampleFormat::F32, r.channels() == 2, r.channels().min(2)))
    else {
        let sizes: Vec<String> = at_rate
            .iter()
            .filter_map(|r| match r.buffer_size() {
                cpal::SupportedBufferSize::Range { min, max } => Some(format!("{min}–{max}")),
                cpal::SupportedBufferSize::Unknown => None,
            })
            .collect();
        return Err(format!(
            "{direction} device '{name}' does not take a period of {} frames (supported: {})",
            options.period,
            sizes.join(", ")
        ));
    };
    let config = cpal::StreamConfig {
        channels: range.channels(),
        sample_rate: options.sample_rate,
        buffer_size: cpal::BufferSize::Fixed(options.period),
    };
    Ok((config, range.sample_format()))
}

/// Runs `$body` with `$t` bound to the Rust type of cpal sample format `$format`.
macro_rules! with_sample_type {
    ($format:expr, $t:ident => $body:expr) => {
        match $format {
            SampleFormat::I8 => {
                type $t = i8;
                $body
            }
            SampleFormat::I16 => {
                type $t = i16;
                $body
            }
            SampleFormat::I24 => {
                type $t = cpal::I24;
                $body
            }
            SampleFormat::I32 => {
                type $t = i32;
                $body
            }
            SampleFormat::I64 => {
                type $t = i64;
                $body
            }
            SampleFormat::U8 => {
                type $t = u8;
                $body
            }
            SampleFormat::U16 => {
                type $t = u16;
                $body
            }
            SampleFormat::U24 => {
                type $t = cpal::U24;
                $body
            }
            SampleFormat::U32 => {
                type $t = u32;
                $body
            }
            SampleFormat::U64 => {
                type $t = u64;
                $body
            }
            SampleFormat::F32 => {
                type $t = f32;
                $body
            }
            SampleFormat::F64 => {
                type $t = f64;
                $body
            }
            other => Err(format!("sample format {other} is not PCM")),
        }
    };
}

/// The capture callback: device frames → stereo f32 → ring (mono devices feed both sides).
fn capture_stream<T>(
    device: &cpal::Device,
    config: cpal::StreamConfig,
    mut ring: rtrb::Producer<f32>,
    stats: Arc<LiveStats>,
    counters: Arc<StreamCounters>,
    epoch: Instant,
) -> Result<cpal::Stream, String>
where
    T: SizedSample,
    f32: FromSample<T>,
{
    let channels = usize::from(config.channels);
    let xruns = stats.xruns.clone();
    let stereo = move |frame: &[T]| -> (f32, f32) {
        let left: f32 = FromSample::from_sample_(frame[0]);
        let right: f32 = if channels > 1 { FromSample::from_sample_(frame[1]) } else { left };
        (left, right)
    };
    device
        .build_input_stream::<T, _, _>(
            config,
            move |data: &[T], _| {
                // The frames were at the device when the callback began.
                let arrival_ns = epoch.elapsed().as_nanos() as u64;
                let frames = data.len() / channels;
                let fits = frames.min(ring.slots() / 2);
                // One commit for the whole delivery, marked on the delivery clock: a playback
                // callback reading meanwhile never counts part of it. (Frames the full ring
                // cannot take are counted, not metered.)
                let mut peak = 0;
                counters.capture_delivery.begin();
                if let Ok(chunk) = ring.write_chunk_uninit(fits * 2) {
                    chunk.fill_from_iter(data.chunks_exact(channels).take(fits).flat_map(|frame| {
                        let (left, right) = stereo(frame);
                        peak = peak.max(peak_bits(&[left], &[right]));
                        [left, right]
                    }));
                }
                counters.capture_delivery.end(arrival_ns);
                counters.input_overflow_frames.fetch_add((frames - fits) as u64, Ordering::Relaxed);
                stats.input_peak_bits.fetch_max(peak, Ordering::Relaxed);
                counters.capture_callbacks.fetch_add(1, Ordering::Relaxed);
            },
            move |error| {
                if matches!(error.kind(), cpal::ErrorKind::Xrun) {
                    xruns.fetch_add(1, Ordering::Relaxed);
                }
            },
            None,
        )
        .map_err(|e| format!("the capture stream could not be opened: {e}"))
}

/// Everything the playback callback owns, allocated before the stream starts.
struct Playback {
    /// The engine.
    engine: Engine,
    /// The ring from the capture callback.
    ring: rtrb::Consumer<f32>,
    /// The drift corrector.
    slip: DriftSlip,
    /// Stereo working buffers, one period long.
    buffers: Vec<Vec<f32>>,
    /// Whether the queued-periods threshold was reached (playback of captured audio started).
    started: bool,
    /// Frames that must be queued before playback starts.
    start_fill: usize,
    /// Frames still to write before missing input counts as an underrun: cpal fills the
    /// playback device's two-period buffer at once when it starts, faster than capture can
    /// deliver, and that start-up gap is not a fault.
    prefill_frames: usize,
    /// The output's momentary loudness.
    loudness: MomentaryLoudness,
    /// Where processed audio goes for recording, if anywhere.
    record: Option<RecordTap>,
    /// Counters.
    stats: Arc<LiveStats>,
    /// The two-stream counters.
    counters: Arc<StreamCounters>,
    /// One period in nanoseconds: the callback's deadline.
    period_ns: u64,
    /// The host's start: the clock both callbacks' times are measured from.
    epoch: Instant,
    /// Frames per nanosecond.
    frames_per_ns: f64,
    /// The running average of the queue, frames (NaN before the first read).
    queue_frames: f64,
    /// The test hook's stall, if any ([`CpalOptions::engine_stall`]).
    stall: Option<Stall>,
}

impl Playback {
    /// Fills `data` (interleaved, `channels` wide) with the next processed frames.
    fn fill<T: SizedSample + FromSample<f32>>(&mut self, data: &mut [T], channels: usize) {
        let started_at = Instant::now();
        if let Some(stall) = self.stall {
            // The test hook: sleeping is exactly what the audio thread must never do.
            stall.wait_if_due(started_at - self.epoch);
        }
        let period = self.buffers[0].len();
        for chunk in data.chunks_mut(period * channels) {
            let frames = chunk.len() / channels;
            if !self.started && self.ring.slots() / 2 >= self.start_fill {
                self.started = true;
            }
            if self.started {
                self.slip.follow_faults(
                    self.stats.xruns.load(Ordering::Relaxed) as u64
                        + self.stats.late_callbacks.load(Ordering::Relaxed),
                );
                let mut source = RingSource {
                    ring: &mut self.ring,
                    delivery: &self.counters.capture_delivery,
                    now_ns: self.epoch.elapsed().as_nanos() as u64,
                    frames_per_ns: self.frames_per_ns,
                };
                if let Some(age) = source.fill_frames() {
                    self.queue_frames = if self.queue_frames.is_nan() {
                        age
                    } else {
                        self.queue_frames + (age - self.queue_frames) * QUEUE_AVERAGE_WEIGHT
                    };
                    self.counters.queue_frames_bits.store(self.queue_frames.to_bits(), Ordering::Relaxed);
                }
                let outcome = self.slip.read(&mut source, &mut self.buffers, frames);
                let c = &self.counters;
                if self.prefill_frames == 0 {
                    c.output_underrun_frames.fetch_add(outcome.missing_frames as u64, Ordering::Relaxed);
                }
                self.prefill_frames = self.prefill_frames.saturating_sub(frames);
                c.drift_dropped_frames.fetch_add(outcome.dropped_frames as u64, Ordering::Relaxed);
                c.drift_repeated_frames.fetch_add(outcome.repeated_frames as u64, Ordering::Relaxed);
                c.catch_up_frames.fetch_add(outcome.resync_dropped_frames as u64, Ordering::Relaxed);
            } else {
                for buffer in &mut self.buffers {
                    buffer[..frames].fill(0.0);
                }
            }
            let (left, right) = self.buffers.split_at_mut(1);
            let (left, right) = (&mut left[0][..frames], &mut right[0][..frames]);
            self.engine.process_stereo(left, right);
            self.stats.output_peak_bits.fetch_max(peak_bits(left, right), Ordering::Relaxed);
            for (&l, &r) in left.iter().zip(right.iter()) {
                if let Some((momentary, _)) = self.loudness.push(l, r) {
                    self.stats.momentary_lufs_bits.store(momentary.to_bits(), Ordering::Relaxed);
                }
            }
            if let Some(tap) = &mut self.record {
                tap.push(left, right);
            }
            for (i, frame) in chunk.chunks_exact_mut(channels).enumerate() {
                for (c, sample) in frame.iter_mut().enumerate() {
                    *sample = T::from_sample(match c {
                        0 => left[i],
                        1 => right[i],
                        _ => 0.0,
                    });
                }
            }
        }
        let busy = started_at.elapsed().as_nanos() as u64;
        let stats = &self.stats;
        stats.callbacks.fetch_add(1, Ordering::Relaxed);
        stats.busy_ns.fetch_add(busy, Ordering::Relaxed);
        stats.busy_ns_peak.fetch_max(busy, Ordering::Relaxed);
        if busy > self.period_ns {
            stats.late_callbacks.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl CpalHost {
    /// Opens the devices, runs the engine with `settings` between them and starts both streams.
    pub fn start(
        options: &CpalOptions,
        settings: &EngineSettings,
        record: Option<RecordTap>,
    ) -> Result<Self, String> {
        let host = match &options.backend {
            None => cpal::default_host(),
            Some(name) => {
                let id = cpal::available_hosts()
                    .into_iter()
                    .find(|id| id.name().eq_ignore_ascii_case(name))
                    .ok_or_else(|| {
                        let names: Vec<_> = cpal::available_hosts().iter().map(|id| id.name()).collect();
                        format!("unknown backend '{name}'; available: {}", names.join(", "))
                    })?;
                cpal::host_from_id(id).map_err(|e| format!("backend {name} is not available: {e}"))?
            }
        };
        let input = match &options.input_device {
            Some(name) => find_device(host.input_devices().map_err(|e| e.to_string())?, name, "input")?,
            None => host.default_input_device().ok_or("no default input device")?,
        };
        let output = match &options.output_device {
            Some(name) => find_device(host.output_devices().map_err(|e| e.to_string())?, name, "output")?,
            None => host.default_output_device().ok_or("no default output device")?,
        };
        let input_ranges = input.supported_input_configs().map_err(|e| e.to_string())?.collect();
        let (input_config, input_format) = choose_config(&input, input_ranges, options, "input")?;
        let output_ranges = output.supported_output_configs().map_err(|e| e.to_string())?.collect();
        let (output_config, output_format) = choose_config(&output, output_ranges, options, "output")?;
        let name = |d: &cpal::Device| d.description().map(|d| d.name().to_string()).unwrap_or_default();
        let description = format!(
            "{}: in \"{}\" ({input_format}), out \"{}\" ({output_format})",
            host.id().name(),
            name(&input),
            name(&output)
        );

        let period = options.period as usize;
        let mut engine = Engine::new();
        engine.prepare(options.sample_rate as f32, period);
        engine.set_settings(settings);
        engine.reset();
        let engine_latency = engine.latency_samples();
        let mut loudness = MomentaryLoudness::default();
        loudness.prepare(options.sample_rate as f32);
        let (producer, consumer) = rtrb::RingBuffer::new(RING_PERIODS * period * 2);
        let stats = Arc::new(LiveStats::default());
        let counters = Arc::new(StreamCounters {
            playback_buffer_frames: (PLAYBACK_BUFFER_PERIODS as u32 - 1) * options.period,
            engine_latency_frames: engine_latency,
            sample_rate: options.sample_rate,
            queue_frames_bits: AtomicU64::new(f64::NAN.to_bits()),
            ..StreamCounters::default()
        });
        let epoch = Instant::now();
        let mut playback = Playback {
            engine,
            ring: consumer,
            slip: DriftSlip::new(2, period),
            buffers: vec![vec![0.0; period]; 2],
            started: false,
            start_fill: START_PERIODS * period,
            prefill_frames: PLAYBACK_BUFFER_PERIODS * period,
            loudness,
            record,
            stats: stats.clone(),
            counters: counters.clone(),
            period_ns: options.period as u64 * 1_000_000_000 / u64::from(options.sample_rate),
            epoch,
            frames_per_ns: f64::from(options.sample_rate) * 1e-9,
            queue_frames: f64::NAN,
            stall: options.engine_stall,
        };
        let output_channels = usize::from(output_config.channels);
        let xruns = stats.xruns.clone();
        let output_stream = with_sample_type!(output_format, T => output
            .build_output_stream::<T, _, _>(
                output_config,
                move |data: &mut [T], _| playback.fill(data, output_channels),
                move |error| {
                    if matches!(error.kind(), cpal::ErrorKind::Xrun) {
                        xruns.fetch_add(1, Ordering::Relaxed);
                    }
                },
                None,
            )
            .map_err(|e| format!("the playback stream could not be opened: {e}")))?;
        let input_stream = with_sample_type!(input_format, T =>
            capture_stream::<T>(&input, input_config, producer, stats.clone(), counters.clone(), epoch))?;
        output_stream.play().map_err(|e| format!("playback could not start: {e}"))?;
        input_stream.play().map_err(|e| format!("capture could not start: {e}"))?;
        Ok(Self {
            _output: output_stream,
            _input: input_stream,
            stats,
            counters,
            description,
            sample_rate: options.sample_rate,
            period_frames: options.period,
            engine_latency,
        })
    }

    /// The live counters.
    pub fn stats(&self) -> &Arc<LiveStats> {
        &self.stats
    }

    /// The two-stream counters.
    pub fn counters(&self) -> &Arc<StreamCounters> {
        &self.counters
    }
}
