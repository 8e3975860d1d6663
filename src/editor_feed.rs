//! The audio thread → editor data path.
//!
//! While the editor is open, `process()` copies each block's input (before the engine) and
//! output (after it) into two preallocated lock-free ring buffers ([`rtrb`], single producer and
//! single consumer), and adds its processing time to a few atomics. Everything else — FFTs,
//! levels, loudness — is computed by the editor from those copies on the GUI thread. While the
//! editor is closed the audio thread does nothing but read one `AtomicBool`.
//!
//! The rings hold interleaved stereo frames (mono is copied to both lanes). A block that does
//! not fit (the GUI stalled) is dropped whole and counted; the audio thread never waits.
//!
//! nice-plug-egui 0.6 never tells the editor that its window closed (`editor_closed` is not
//! called), so the feed does not rely on it: when a whole ring's worth of frames has been dropped
//! in a row, nobody is reading, and the audio thread stops copying by itself; an editor that
//! reads again resumes it ([`EditorFeed::resume`]), and a new window takes the readers back from
//! the editor state that still holds them ([`EditorFeed::reattach`]).

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rtrb::{Consumer, Producer, RingBuffer};

/// Frames each ring holds: 0.68 s at 192 kHz, 3 s at 44.1 kHz — far more than one GUI frame
/// (16 ms) plus any stall the editor should survive without dropping audio.
pub const RING_FRAMES: usize = 1 << 17;

/// Lanes per frame in the rings (stereo).
pub const LANES: usize = 2;

/// What the audio thread and the editor share.
#[derive(Debug)]
pub struct EditorFeed {
    /// Set by the editor while its window is open; the audio thread copies only then.
    open: AtomicBool,
    /// The ring readers, parked here while no editor holds them.
    readers: Mutex<Option<FeedReader>>,
    /// Sample rate of the last activation, as `f32` bits (0 before the first).
    sample_rate_bits: AtomicU32,
    /// Largest block of the last activation.
    max_block: AtomicU32,
    /// Frames in the most recent block.
    last_block: AtomicU32,
    /// Latency the plugin reports, in samples.
    latency_samples: AtomicU32,
    /// Nanoseconds spent in the engine since the editor last took the load figures.
    busy_ns: AtomicU64,
    /// Frames processed in those nanoseconds.
    busy_frames: AtomicU64,
    /// Highest per-block load (engine time / block duration) since the editor last took the
    /// figures, as `f32` bits: non-negative floats order like their bits, so `fetch_max` works.
    peak_load_bits: AtomicU32,
    /// Blocks dropped because a ring was full (the editor did not read in time).
    dropped_blocks: AtomicU64,
    /// Largest gain reduction (dB, ≥ 0, as `f32` bits) of each of [`GAIN_REDUCTION_STAGES`] since
    /// the editor last took them.
    gain_reduction_bits: [AtomicU32; 3],
}

/// The dynamics stages whose gain reduction the editor meters: (engine stage name, meter label,
/// the stage's on/off parameter id).
pub const GAIN_REDUCTION_STAGES: [(&str, &str, &str); 3] =
    [("AGC", "AGC", "agc_on"), ("Compressor", "Comp", "compressor_on"), ("Limiter", "Limit", "limiter_on")];

/// The audio thread's half: the ring writers. Owned by the plugin.
#[derive(Debug)]
pub struct FeedWriter {
    /// Shared state.
    feed: Arc<EditorFeed>,
    /// Input samples, interleaved stereo.
    input: Producer<f32>,
    /// Output samples, interleaved stereo.
    output: Producer<f32>,
    /// Frames dropped in a row because a ring was full; at [`RING_FRAMES`] nobody is reading.
    unread_frames: usize,
}

/// The editor's half: the ring readers.
#[derive(Debug)]
pub struct FeedReader {
    /// Input samples, interleaved stereo.
    pub input: Consumer<f32>,
    /// Output samples, interleaved stereo.
    pub output: Consumer<f32>,
}

/// Engine load since the previous call to [`EditorFeed::take_load`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoadFigures {
    /// Engine time / audio time over all blocks (0–1 means real time is kept).
    pub average: f32,
    /// Highest single-block load.
    pub peak: f32,
    /// Audio frames the figures cover (0: nothing was processed).
    pub frames: u64,
}

/// Sample rate, block size and latency, as the audio thread last saw them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StreamFacts {
    /// Hz (0 before activation).
    pub sample_rate: f32,
    /// Largest block the host may send.
    pub max_block: u32,
    /// Frames in the most recent block.
    pub last_block: u32,
    /// Reported latency in samples.
    pub latency_samples: u32,
}

impl EditorFeed {
    /// A feed with preallocated rings, and the writer half for the plugin.
    pub fn new() -> (Arc<Self>, FeedWriter) {
        let (input_tx, input_rx) = RingBuffer::new(RING_FRAMES * LANES);
        let (output_tx, output_rx) = RingBuffer::new(RING_FRAMES * LANES);
        let feed = Arc::new(Self {
            open: AtomicBool::new(false),
            readers: Mutex::new(Some(FeedReader { input: input_rx, output: output_rx })),
            sample_rate_bits: AtomicU32::new(0),
            max_block: AtomicU32::new(0),
            last_block: AtomicU32::new(0),
            latency_samples: AtomicU32::new(0),
            busy_ns: AtomicU64::new(0),
            busy_frames: AtomicU64::new(0),
            peak_load_bits: AtomicU32::new(0),
            dropped_blocks: AtomicU64::new(0),
            gain_reduction_bits: [AtomicU32::new(0), AtomicU32::new(0), AtomicU32::new(0)],
        });
        let writer = FeedWriter { feed: feed.clone(), input: input_tx, output: output_tx, unread_frames: 0 };
        (feed, writer)
    }

    /// Takes the readers and starts the copying (the editor opened). Stale samples from an
    /// earlier session are discarded. `None` if another editor holds them.
    pub fn attach(&self) -> Option<FeedReader> {
        let mut reader = self.readers.lock().ok()?.take()?;
        skip_all(&mut reader.input);
        skip_all(&mut reader.output);
        self.take_load();
        self.open.store(true, Ordering::Release);
        Some(reader)
    }

    /// For a newly opened window: hands back the readers `held` still has from a window that
    /// closed without saying so, takes them again (stale samples discarded), starts the copying
    /// and restarts the dropped-block count (it counts for the window on screen).
    pub fn reattach(&self, held: &mut Option<FeedReader>) {
        if let Some(reader) = held.take() {
            self.detach(reader);
        }
        *held = self.attach();
        self.dropped_blocks.store(0, Ordering::Relaxed);
    }

    /// Restarts the copying if the audio thread stopped it because nobody read (an editor that
    /// is drawing again after a long stall); stale samples are discarded. Called by the editor
    /// every frame; a load and a branch when nothing is to be done.
    pub fn resume(&self, reader: &mut FeedReader) {
        if !self.open.load(Ordering::Acquire) {
            skip_all(&mut reader.input);
            skip_all(&mut reader.output);
            self.take_load();
            self.open.store(true, Ordering::Release);
        }
    }

    /// Stops the copying and parks the readers for the next editor (the editor closed).
    pub fn detach(&self, reader: FeedReader) {
        self.open.store(false, Ordering::Release);
        if let Ok(mut slot) = self.readers.lock() {
            *slot = Some(reader);
        }
    }

    /// Whether the audio thread is copying.
    pub fn is_open(&self) -> bool {
        self.open.load(Ordering::Relaxed)
    }

    /// Records the activation's sample rate and maximum block size.
    pub fn set_stream(&self, sample_rate: f32, max_block: u32) {
        self.sample_rate_bits.store(sample_rate.to_bits(), Ordering::Relaxed);
        self.max_block.store(max_block, Ordering::Relaxed);
    }

    /// Sample rate, block sizes and latency as last seen by the audio thread.
    pub fn stream(&self) -> StreamFacts {
        StreamFacts {
            sample_rate: f32::from_bits(self.sample_rate_bits.load(Ordering::Relaxed)),
            max_block: self.max_block.load(Ordering::Relaxed),
            last_block: self.last_block.load(Ordering::Relaxed),
            latency_samples: self.latency_samples.load(Ordering::Relaxed),
        }
    }

    /// The load figures since the previous call, and resets them.
    pub fn take_load(&self) -> LoadFigures {
        let ns = self.busy_ns.swap(0, Ordering::Relaxed);
        let frames = self.busy_frames.swap(0, Ordering::Relaxed);
        let peak = f32::from_bits(self.peak_load_bits.swap(0, Ordering::Relaxed));
        let sample_rate = f32::from_bits(self.sample_rate_bits.load(Ordering::Relaxed));
        let audio_ns = if sample_rate > 0.0 { frames as f64 * 1e9 / sample_rate as f64 } else { 0.0 };
        let average = if audio_ns > 0.0 { (ns as f64 / audio_ns) as f32 } else { 0.0 };
        LoadFigures { average, peak, frames }
    }

    /// The largest gain reduction of each of [`GAIN_REDUCTION_STAGES`] since the last call, dB.
    pub fn take_gain_reductions(&self) -> [f32; 3] {
        self.gain_reduction_bits.each_ref().map(|bits| f32::from_bits(bits.swap(0, Ordering::Relaxed)))
    }

    /// Blocks dropped so far because the editor did not read in time.
    pub fn dropped_blocks(&self) -> u64 {
        self.dropped_blocks.load(Ordering::Relaxed)
    }
}

/// Discards everything readable in a ring.
fn skip_all(consumer: &mut Consumer<f32>) {
    let n = consumer.slots();
    if let Ok(chunk) = consumer.read_chunk(n) {
        chunk.commit_all();
    }
}

/// A block in progress on the audio thread: started by [`FeedWriter::begin_block`], finished by
/// [`FeedWriter::end_block`]. Holds the start time only while the editor is open.
#[derive(Debug, Clone, Copy)]
pub struct BlockTiming {
    /// When the engine started on this block; `None` while nothing is recorded.
    started: Option<Instant>,
}

impl FeedWriter {
    /// Before the engine runs: copies the input block and starts the clock, if the editor is
    /// open. Real-time safe: no allocation, no lock, bounded work. `channels` are the
    /// block's channel slices (1 or 2 are used).
    pub fn begin_block(&mut self, channels: &[&mut [f32]], latency_samples: u32) -> BlockTiming {
        let frames = channels.first().map_or(0, |c| c.len());
        self.feed.last_block.store(frames as u32, Ordering::Relaxed);
        self.feed.latency_samples.store(latency_samples, Ordering::Relaxed);
        if !self.feed.open.load(Ordering::Acquire) {
            return BlockTiming { started: None };
        }
        let copied = copy_block(&mut self.input, channels, &self.feed.dropped_blocks);
        self.note_reading(copied, frames);
        BlockTiming { started: Some(Instant::now()) }
    }

    /// After the engine ran: adds its time to the load figures and copies the output block.
    pub fn end_block(&mut self, timing: BlockTiming, channels: &[&mut [f32]]) {
        let Some(started) = timing.started else {
            return;
        };
        let elapsed = started.elapsed();
        let frames = channels.first().map_or(0, |c| c.len());
        self.record_load(elapsed, frames);
        copy_block(&mut self.output, channels, &self.feed.dropped_blocks);
    }

    /// Keeps count of frames dropped in a row; a whole ring of them means the window closed
    /// (or froze): stop copying until an editor reads again.
    fn note_reading(&mut self, copied: bool, frames: usize) {
        if copied {
            self.unread_frames = 0;
        } else {
            self.unread_frames += frames;
            if self.unread_frames >= RING_FRAMES {
                self.unread_frames = 0;
                self.feed.open.store(false, Ordering::Release);
            }
        }
    }

    /// Publishes the dynamics stages' gain reductions of this block (`None`: stage absent), only
    /// while the editor is open. Atomics only.
    pub fn record_gain_reductions(&self, reductions: [Option<f32>; 3]) {
        if !self.feed.open.load(Ordering::Relaxed) {
            return;
        }
        for (bits, reduction) in self.feed.gain_reduction_bits.iter().zip(reductions) {
            // Non-negative floats order like their bit patterns, so `fetch_max` keeps the largest.
            bits.fetch_max(reduction.unwrap_or(0.0).max(0.0).to_bits(), Ordering::Relaxed);
        }
    }

    /// Adds one block's engine time to the load figures.
    fn record_load(&self, elapsed: Duration, frames: usize) {
        let ns = elapsed.as_nanos().min(u64::MAX as u128) as u64;
        self.feed.busy_ns.fetch_add(ns, Ordering::Relaxed);
        self.feed.busy_frames.fetch_add(frames as u64, Ordering::Relaxed);
        let sample_rate = f32::from_bits(self.feed.sample_rate_bits.load(Ordering::Relaxed));
        if sample_rate > 0.0 && frames > 0 {
            let load = (ns as f64 * sample_rate as f64 / (frames as f64 * 1e9)) as f32;
            self.feed.peak_load_bits.fetch_max(load.max(0.0).to_bits(), Ordering::Relaxed);
        }
    }
}

/// Copies a block into a ring as interleaved stereo (mono into both lanes), or drops it whole
/// and counts it if it does not fit; whether it was copied.
fn copy_block(ring: &mut Producer<f32>, channels: &[&mut [f32]], dropped: &AtomicU64) -> bool {
    let (left, right): (&[f32], &[f32]) = match channels {
        [l, r, ..] => (l, r),
        [m] => (m, m),
        [] => return true,
    };
    let frames = left.len().min(right.len());
    match ring.write_chunk_uninit(frames * LANES) {
        Ok(chunk) => {
            chunk.fill_from_iter(left.iter().zip(right).flat_map(|(l, r)| [*l, *r]));
            true
        }
        Err(_) => {
            dropped.fetch_add(1, Ordering::Relaxed);
            false
        }
    }
}

/// Reads everything available from a ring into `out` as interleaved stereo, up to the space
/// `out` has left (for the GUI side; `out` is reused from frame to frame).
pub fn drain_into(ring: &mut Consumer<f32>, out: &mut Vec<f32>) {
    let n = ring.slots() - ring.slots() % LANES;
    if let Ok(chunk) = ring.read_chunk(n) {
        let (a, b) = chunk.as_slices();
        out.extend_from_slice(a);
        out.extend_from_slice(b);
        chunk.commit_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_copied_while_closed_and_blocks_arrive_in_order_while_open() {
        let (feed, mut writer) = EditorFeed::new();
        let mut left = [1.0, 2.0, 3.0];
        let mut right = [-1.0, -2.0, -3.0];
        let timing = writer.begin_block(&[&mut left, &mut right], 7);
        writer.end_block(timing, &[&mut left, &mut right]);
        let mut reader = feed.attach().expect("readers available");
        assert!(feed.attach().is_none(), "a second editor gets no readers");
        let mut seen = Vec::new();
        drain_into(&mut reader.input, &mut seen);
        assert!(seen.is_empty(), "copied while closed: {seen:?}");
        let timing = writer.begin_block(&[&mut left, &mut right], 7);
        left[0] = 10.0;
        writer.end_block(timing, &[&mut left, &mut right]);
        drain_into(&mut reader.input, &mut seen);
        assert_eq!(seen, [1.0, -1.0, 2.0, -2.0, 3.0, -3.0]);
        seen.clear();
        drain_into(&mut reader.output, &mut seen);
        assert_eq!(seen, [10.0, -1.0, 2.0, -2.0, 3.0, -3.0]);
        assert_eq!(feed.stream().latency_samples, 7);
        assert_eq!(feed.stream().last_block, 3);
        feed.detach(reader);
        assert!(!feed.is_open());
    }

    #[test]
    fn a_full_ring_drops_whole_blocks_and_counts_them() {
        let (feed, mut writer) = EditorFeed::new();
        let _reader = feed.attach().unwrap();
        let mut block = vec![0.5_f32; 4096];
        let blocks_that_fit = RING_FRAMES / block.len();
        for _ in 0..blocks_that_fit + 3 {
            let timing = writer.begin_block(&[&mut block], 0);
            writer.end_block(timing, &[&mut block]);
        }
        // 3 input and 3 output blocks did not fit.
        assert_eq!(feed.dropped_blocks(), 6);
    }

    #[test]
    fn load_is_engine_time_over_audio_time() {
        let (feed, writer) = EditorFeed::new();
        feed.set_stream(48_000.0, 512);
        // 480 frames = 10 ms of audio; 2.5 ms and 5 ms of engine time.
        writer.record_load(Duration::from_micros(2500), 480);
        writer.record_load(Duration::from_micros(5000), 480);
        let load = feed.take_load();
        assert!((load.average - 0.375).abs() < 1e-6, "{load:?}");
        assert!((load.peak - 0.5).abs() < 1e-6, "{load:?}");
        assert_eq!(load.frames, 960);
        assert_eq!(feed.take_load().frames, 0, "taking resets the figures");
    }

    /// Runs one block of `frames` frames of `value` through the writer.
    fn block(writer: &mut FeedWriter, frames: usize, value: f32) {
        let mut left = vec![value; frames];
        let mut right = vec![-value; frames];
        let timing = writer.begin_block(&[&mut left, &mut right], 0);
        writer.end_block(timing, &[&mut left, &mut right]);
    }

    #[test]
    fn a_window_closed_without_notice_stops_the_copying_and_the_next_window_gets_the_readers() {
        let (feed, mut writer) = EditorFeed::new();
        // The first window opens and, like every nice-plug-egui window, closes without a call.
        let mut held = None;
        feed.reattach(&mut held);
        assert!(held.is_some() && feed.is_open());
        let blocks_to_fill = RING_FRAMES / 512;
        for _ in 0..blocks_to_fill {
            block(&mut writer, 512, 0.5);
        }
        assert!(feed.is_open(), "a full ring alone is not a closed window");
        // A whole ring's worth dropped in a row: nobody reads, the copying stops.
        for _ in 0..blocks_to_fill {
            block(&mut writer, 512, 0.5);
        }
        assert!(!feed.is_open(), "still copying for a window that is gone");
        let dropped = feed.dropped_blocks();
        block(&mut writer, 512, 0.5);
        assert_eq!(feed.dropped_blocks(), dropped, "nothing copied (or dropped) once stopped");

        // The next window: the editor state still holds the old readers (no `editor_closed`).
        feed.reattach(&mut held);
        let reader = held.as_mut().expect("the new window has the readers");
        assert!(feed.is_open());
        assert_eq!(feed.dropped_blocks(), 0, "the count starts again for the new window");
        block(&mut writer, 3, 0.25);
        let mut seen = Vec::new();
        drain_into(&mut reader.output, &mut seen);
        assert_eq!(seen, [0.25, -0.25, 0.25, -0.25, 0.25, -0.25], "only the new block, no stale audio");
    }

    #[test]
    fn an_editor_that_reads_again_after_a_long_stall_resumes_the_copying() {
        let (feed, mut writer) = EditorFeed::new();
        let mut reader = feed.attach().expect("readers");
        for _ in 0..2 * RING_FRAMES / 512 {
            block(&mut writer, 512, 0.5);
        }
        assert!(!feed.is_open());
        feed.resume(&mut reader);
        assert!(feed.is_open());
        block(&mut writer, 2, 0.125);
        let mut seen = Vec::new();
        drain_into(&mut reader.input, &mut seen);
        assert_eq!(seen, [0.125, -0.125, 0.125, -0.125], "stale samples were discarded");
    }
}
