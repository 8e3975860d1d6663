//! The streaming render of one file: three threads joined by bounded lock-free queues (rtrb
//! ring buffers of interleaved samples) — decode → engine → sink (encoder and meter) — so
//! decoding and encoding overlap the DSP and memory is the same for any length.
//!
//! The engine thread processes the input in blocks of exactly `block` frames (the last input
//! block padded with silence, the tail made of silent blocks), calling `set_settings` before
//! each block: the result is bit for bit what a caller driving [`Engine`] directly in such
//! blocks gets. It drops the engine's first `latency_samples()` output frames and renders as
//! many extra at the end, so the output is aligned with the input sample for sample.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rtrb::{Consumer, Producer, RingBuffer};
use runnel_engine::{Engine, EngineSettings};

use super::decode::{AudioDecoder, DecodeError};
use super::resample::StreamResampler;

/// −90 dBFS: a tail is over once it stays below this.
pub const TAIL_FLOOR: f32 = 3.162_277_7e-5;

/// How long the output must stay below [`TAIL_FLOOR`] at its end (and does: the rendered tail
/// ends with this much of it).
pub const TAIL_QUIET_S: f64 = 0.1;

/// The shortest silence that ends an automatic tail; a delay with longer repeats waits one
/// repeat period more (see [`hold_seconds`]).
pub const TAIL_HOLD_S: f64 = 2.0;

/// Longest automatic tail when the engine reports an unbounded one (freeze, infinite feedback).
pub const TAIL_CAP_UNBOUNDED_S: f64 = 600.0;

/// Queue capacity between threads, in frames (≈ 0.34 s at 48 kHz; a few hundred KiB).
pub const QUEUE_FRAMES: usize = 16_384;

/// How the render continues after the input ends.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Tail {
    /// Until the output has stayed below −90 dBFS (then [`TAIL_QUIET_S`] of it is kept).
    Auto,
    /// Exactly this many frames (0 = the input's length).
    Frames(u64),
}

/// Why a stream stopped early.
#[derive(Debug)]
pub enum StreamError {
    /// Reading the input failed.
    Decode(DecodeError),
    /// Writing the output failed.
    Sink(String),
    /// Ctrl-C.
    Interrupted,
}

/// What a finished stream did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamStats {
    /// Input frames read.
    pub input_frames: u64,
    /// Output frames written (input + tail).
    pub output_frames: u64,
    /// Whether an automatic tail hit its cap before decaying below −90 dBFS.
    pub tail_capped: bool,
}

/// The fixed parts of a render: settings, block size, tail.
#[derive(Debug, Clone, Copy)]
pub struct StreamPlan {
    /// Parameter values (set before every block).
    pub settings: EngineSettings,
    /// Frames per engine block.
    pub block: usize,
    /// What happens after the input.
    pub tail: Tail,
    /// The engine's (and the output's) sample rate; the input is resampled to it when it
    /// differs.
    pub rate: u32,
}

/// Seconds of silence that end an automatic tail: [`TAIL_HOLD_S`], or a repeat period of the
/// delay plus half a second when its echoes are spaced further apart (so the gap between two
/// echoes is not taken for the end).
pub fn hold_seconds(settings: &EngineSettings, tempo_bpm: f64) -> f64 {
    if !settings.delay_on || settings.delay.mix <= 0.0 {
        return TAIL_HOLD_S;
    }
    let d = &settings.delay;
    let period = if d.sync {
        d.note.beats() * d.note_modifier.factor() * 60.0 / tempo_bpm
    } else {
        f64::from(d.time_ms + d.stereo_offset_ms.abs()) / 1000.0
    };
    TAIL_HOLD_S.max(period + 0.5)
}

/// Waits a little while a queue is full or empty: yields first, then sleeps briefly, so an idle
/// thread costs no CPU and a busy one reacts in microseconds.
fn back_off(waits: &mut u32) {
    *waits += 1;
    if *waits < 32 {
        std::thread::yield_now();
    } else {
        std::thread::sleep(Duration::from_micros(200));
    }
}

/// Renders the whole stream: `decoder` → `engine` (prepared here at the input's rate and
/// `plan.block`) → `sink`, which receives interleaved output chunks (whole frames). `progress`
/// gets the input frames processed so far. Stops with [`StreamError::Interrupted`] once
/// `cancel` is set.
pub fn render_stream(
    decoder: &mut AudioDecoder,
    engine: &mut Engine,
    plan: &StreamPlan,
    sink: &mut (dyn FnMut(&[f32]) -> Result<(), String> + Send),
    progress: &(dyn Fn(u64) + Sync),
    cancel: &AtomicBool,
) -> Result<StreamStats, StreamError> {
    let channels = decoder.channels;
    let rate = plan.rate;
    let resampler = if rate == decoder.sample_rate {
        None
    } else {
        Some(StreamResampler::new(decoder.sample_rate, rate, channels).map_err(StreamError::Sink)?)
    };
    let block = plan.block.max(1);
    engine.prepare(rate as f32, block);
    engine.set_settings(&plan.settings);
    let (in_tx, in_rx) = RingBuffer::<f32>::new(QUEUE_FRAMES * channels);
    let (out_tx, out_rx) = RingBuffer::<f32>::new(QUEUE_FRAMES * channels);
    // Set by any thread that fails, so the others stop instead of waiting on it.
    let failed = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let decoding = scope.spawn(|| {
            let result = decode_into(decoder, resampler, in_tx, cancel, &failed);
            if result.is_err() {
                failed.store(true, Ordering::Relaxed);
            }
            result
        });
        let sinking = scope.spawn(|| {
            let result = drain_into(out_rx, channels, sink, cancel, &failed);
            if result.is_err() {
                failed.store(true, Ordering::Relaxed);
            }
            result
        });
        let processed = {
            let mut dsp = EngineThread::new(engine, plan, channels, rate);
            dsp.run(in_rx, out_tx, progress, cancel, &failed)
        };
        if processed.is_err() {
            failed.store(true, Ordering::Relaxed);
        }
        let decoded = decoding.join().unwrap_or(Err(StreamError::Sink("decoder thread panicked".into())));
        let sunk = sinking.join().unwrap_or(Err(StreamError::Sink("encoder thread panicked".into())));
        // The first real cause wins over the "interrupted" the others saw because of it.
        match (decoded, processed, sunk) {
            (Err(e @ (StreamError::Decode(_) | StreamError::Sink(_))), _, _) => Err(e),
            (_, _, Err(e @ StreamError::Sink(_))) => Err(e),
            (_, Err(e), _) | (Err(e), _, _) | (_, _, Err(e)) => Err(e),
            (Ok(()), Ok(stats), Ok(())) => Ok(stats),
        }
    })
}

/// The decoding thread: fills the input queue until the file ends (through the resampler when
/// there is one).
fn decode_into(
    decoder: &mut AudioDecoder,
    mut resampler: Option<StreamResampler>,
    mut queue: Producer<f32>,
    cancel: &AtomicBool,
    failed: &AtomicBool,
) -> Result<(), StreamError> {
    let mut emit = |samples: &[f32]| push_all(&mut queue, samples, cancel, failed);
    while let Some(chunk) = decoder.next_chunk().map_err(StreamError::Decode)? {
        match &mut resampler {
            Some(resampler) => resampler.push(chunk, &mut emit)?,
            None => emit(chunk)?,
        }
    }
    if let Some(resampler) = &mut resampler {
        resampler.finish(&mut emit)?;
    }
    Ok(())
}

/// Pushes every sample of `samples` into `queue`, waiting while it is full.
fn push_all(
    queue: &mut Producer<f32>,
    mut samples: &[f32],
    cancel: &AtomicBool,
    failed: &AtomicBool,
) -> Result<(), StreamError> {
    let mut waits = 0;
    while !samples.is_empty() {
        if cancel.load(Ordering::Relaxed) || failed.load(Ordering::Relaxed) {
            return Err(StreamError::Interrupted);
        }
        let n = queue.slots().min(samples.len());
        if n == 0 {
            back_off(&mut waits);
            continue;
        }
        waits = 0;
        let chunk = queue.write_chunk_uninit(n).expect("slots were counted");
        let (head, rest) = samples.split_at(n);
        chunk.fill_from_iter(head.iter().copied());
        samples = rest;
    }
    Ok(())
}

/// The sink thread: hands the output queue's contents to `sink` until the engine thread is done.
fn drain_into(
    mut queue: Consumer<f32>,
    channels: usize,
    sink: &mut (dyn FnMut(&[f32]) -> Result<(), String> + Send),
    cancel: &AtomicBool,
    failed: &AtomicBool,
) -> Result<(), StreamError> {
    let mut waits = 0;
    loop {
        if cancel.load(Ordering::Relaxed) || failed.load(Ordering::Relaxed) {
            return Err(StreamError::Interrupted);
        }
        let finished = queue.is_abandoned();
        let n = queue.slots() / channels * channels;
        if n == 0 {
            if finished {
                return Ok(());
            }
            back_off(&mut waits);
            continue;
        }
        waits = 0;
        let chunk = queue.read_chunk(n).expect("slots were counted");
        let (a, b) = chunk.as_slices();
        // Capacity and every push are whole frames, so both halves are whole frames too.
        sink(a).map_err(StreamError::Sink)?;
        sink(b).map_err(StreamError::Sink)?;
        chunk.commit_all();
    }
}

/// The engine thread's state: block buffers, latency still to drop, the tail in progress.
struct EngineThread<'a> {
    /// The engine (prepared).
    engine: &'a mut Engine,
    /// Settings, block size, tail.
    plan: &'a StreamPlan,
    /// Interleaved channels (1 or 2).
    channels: usize,
    /// Left (or mono) block.
    left: Vec<f32>,
    /// Right block (unused for mono).
    right: Vec<f32>,
    /// Interleaved output of one block, plus a flushed automatic-tail hold.
    out: Vec<f32>,
    /// Output frames still to drop for latency.
    to_drop: u64,
    /// The automatic tail's bookkeeping.
    auto: AutoTail,
}

impl<'a> EngineThread<'a> {
    fn new(engine: &'a mut Engine, plan: &'a StreamPlan, channels: usize, rate: u32) -> Self {
        let rate_f = f64::from(rate);
        let latency = u64::from(engine.latency_samples());
        let hold_frames = (hold_seconds(&plan.settings, engine.tempo()) * rate_f).ceil() as usize;
        // The engine's own bound on its tail, when it has one, plus a second of margin.
        let cap_frames = match engine.tail_samples() {
            Some(t) => u64::from(t) + latency + rate as u64 + hold_frames as u64,
            None => (TAIL_CAP_UNBOUNDED_S * rate_f) as u64,
        };
        let block = plan.block.max(1);
        Self {
            engine,
            plan,
            channels,
            left: vec![0.0; block],
            right: vec![0.0; block],
            out: Vec::with_capacity((block + hold_frames) * channels),
            to_drop: latency,
            auto: AutoTail {
                quiet_frames: (TAIL_QUIET_S * rate_f).round() as usize,
                hold_frames,
                cap_frames,
                held: Vec::with_capacity((hold_frames + 1) * channels),
                tail_frames: 0,
                capped: false,
            },
        }
    }

    fn run(
        &mut self,
        mut input: Consumer<f32>,
        mut output: Producer<f32>,
        progress: &(dyn Fn(u64) + Sync),
        cancel: &AtomicBool,
        failed: &AtomicBool,
    ) -> Result<StreamStats, StreamError> {
        let block = self.left.len();
        let ch = self.channels;
        let mut input_frames = 0u64;
        let mut input_done = false;
        let mut emitted = 0u64; // output frames decided on (after the latency drop)
        let mut written = 0u64;
        let mut waits = 0;
        loop {
            // Fill one block from the queue (all of it unless the input ends).
            let mut filled = 0;
            while filled < block && !input_done {
                if cancel.load(Ordering::Relaxed) || failed.load(Ordering::Relaxed) {
                    return Err(StreamError::Interrupted);
                }
                let abandoned = input.is_abandoned();
                let available = input.slots() / ch;
                if available == 0 {
                    if abandoned {
                        input_done = true;
                    } else {
                        back_off(&mut waits);
                    }
                    continue;
                }
                waits = 0;
                let take = available.min(block - filled);
                let chunk = input.read_chunk(take * ch).expect("slots were counted");
                let (a, b) = chunk.as_slices();
                let frames = a.chunks_exact(ch).chain(b.chunks_exact(ch));
                for (i, frame) in frames.enumerate() {
                    self.left[filled + i] = frame[0];
                    if ch == 2 {
                        self.right[filled + i] = frame[1];
                    }
                }
                chunk.commit_all();
                filled += take;
                input_frames += take as u64;
            }
            if cancel.load(Ordering::Relaxed) || failed.load(Ordering::Relaxed) {
                return Err(StreamError::Interrupted);
            }
            self.left[filled..].fill(0.0);
            self.right[filled..].fill(0.0);
            self.engine.set_settings(&self.plan.settings);
            if ch == 2 {
                self.engine.process_stereo(&mut self.left, &mut self.right);
            } else {
                self.engine.process_mono(&mut self.left);
            }
            progress(input_frames);

            let skip = self.to_drop.min(block as u64) as usize;
            self.to_drop -= skip as u64;
            self.out.clear();
            let mut finished = false;
            for i in skip..block {
                let frame = [self.left[i], self.right[i]];
                let frame = &frame[..ch];
                if !input_done || emitted < input_frames {
                    self.out.extend_from_slice(frame);
                } else {
                    match self.plan.tail {
                        Tail::Frames(t) if emitted < input_frames + t => self.out.extend_from_slice(frame),
                        Tail::Frames(_) => finished = true,
                        Tail::Auto => finished = self.auto.push(frame, &mut self.out),
                    }
                }
                if finished {
                    break;
                }
                emitted += 1;
            }
            // A mono block was processed in `left` only; `right` holds stale input, unused.
            push_all(&mut output, &self.out, cancel, failed)?;
            written += (self.out.len() / ch) as u64;
            if finished {
                return Ok(StreamStats {
                    input_frames,
                    output_frames: written,
                    tail_capped: self.auto.capped,
                });
            }
        }
    }
}

/// The automatic tail: output after the input's end is held back while it is below −90 dBFS;
/// a louder frame releases what was held, and a long enough quiet stretch ends the render,
/// keeping [`TAIL_QUIET_S`] of it.
struct AutoTail {
    /// Frames of quiet kept at the end.
    quiet_frames: usize,
    /// Frames of quiet that end the tail.
    hold_frames: usize,
    /// Longest tail in frames.
    cap_frames: u64,
    /// Interleaved quiet frames since the last loud one.
    held: Vec<f32>,
    /// Tail frames seen so far.
    tail_frames: u64,
    /// Whether the cap ended the tail.
    capped: bool,
}

impl AutoTail {
    /// Takes one tail frame; appends what is released to `out`; `true` when the tail is over.
    fn push(&mut self, frame: &[f32], out: &mut Vec<f32>) -> bool {
        self.tail_frames += 1;
        if frame.iter().any(|x| x.abs() >= TAIL_FLOOR) {
            out.extend_from_slice(&self.held);
            self.held.clear();
            out.extend_from_slice(frame);
        } else {
            self.held.extend_from_slice(frame);
        }
        let held_frames = self.held.len() / frame.len();
        let capped = self.tail_frames >= self.cap_frames;
        if held_frames >= self.hold_frames || capped {
            self.capped = capped && held_frames < self.hold_frames;
            let keep = held_frames.min(self.quiet_frames) * frame.len();
            out.extend_from_slice(&self.held[..keep]);
            self.held.clear();
            return true;
        }
        false
    }
}
