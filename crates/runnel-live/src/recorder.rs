//! Recording the live output to a WAV file without ever blocking the audio thread.
//!
//! The audio thread owns a [`RecordTap`]: it copies each block's frames into a lock-free ring
//! (rtrb) and nothing else. A writer thread empties the ring into the file and rewrites the WAV
//! header every [`HEADER_REFRESH`], so the file is valid up to that point even if the process is
//! killed. When the writer falls behind and the ring is full, the tap drops the *whole* block
//! and counts its frames: a recording has gaps only where the counter says so, never a silent
//! loss or a repeated buffer.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::fault::Stall;

/// How often the writer rewrites the WAV header (hound's `flush`), bounding what a crash loses.
pub const HEADER_REFRESH: Duration = Duration::from_millis(500);
/// How long the writer sleeps when the ring is empty.
const IDLE_WAIT: Duration = Duration::from_millis(5);

/// Counters shared by the tap, the writer and whoever shows them.
#[derive(Debug, Default)]
pub struct RecordCounters {
    /// Frames the audio thread handed to the ring.
    pub queued_frames: AtomicU64,
    /// Frames dropped because the ring was full.
    pub dropped_frames: AtomicU64,
    /// Frames written to the file.
    pub written_frames: AtomicU64,
}

/// The audio thread's end: copies stereo blocks into the ring. Never allocates or blocks.
pub struct RecordTap {
    /// The ring's writing end (interleaved stereo samples).
    producer: rtrb::Producer<f32>,
    /// Shared counters.
    counters: Arc<RecordCounters>,
}

impl RecordTap {
    /// Queues one block (`left` and `right` of equal length), or drops and counts it whole when
    /// the ring lacks room.
    pub fn push(&mut self, left: &[f32], right: &[f32]) {
        let frames = left.len().min(right.len());
        match self.producer.write_chunk(2 * frames) {
            Ok(mut chunk) => {
                let (first, second) = chunk.as_mut_slices();
                let mut samples = left.iter().zip(right).flat_map(|(l, r)| [*l, *r]);
                for slot in first.iter_mut().chain(second.iter_mut()) {
                    *slot = samples.next().unwrap_or(0.0);
                }
                chunk.commit_all();
                self.counters.queued_frames.fetch_add(frames as u64, Ordering::Relaxed);
            }
            Err(_) => {
                self.counters.dropped_frames.fetch_add(frames as u64, Ordering::Relaxed);
            }
        }
    }

    /// The counters, for status displays.
    pub fn counters(&self) -> &Arc<RecordCounters> {
        &self.counters
    }
}

/// The writer thread's handle: stop it to finish the file.
pub struct Recorder {
    /// Set to ask the writer to drain the ring and finish.
    stop: Arc<AtomicBool>,
    /// The writer thread, returning how the file ended.
    writer: Option<JoinHandle<Result<(), hound::Error>>>,
    /// Shared counters.
    counters: Arc<RecordCounters>,
    /// The file being written.
    path: PathBuf,
}

impl Recorder {
    /// Creates `path` (32-bit float stereo WAV at `sample_rate`) and starts the writer, with a ring
    /// of `ring_frames` stereo frames. Returns the recorder and the audio thread's tap. `stall` is
    /// a test hook (a slow disk); `None` in use.
    pub fn start(
        path: &Path,
        sample_rate: u32,
        ring_frames: usize,
        stall: Option<Stall>,
    ) -> Result<(Self, RecordTap), hound::Error> {
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate,
            bits_per_sample: 32,
            sample_format: hound::SampleFormat::Float,
        };
        let mut wav = hound::WavWriter::create(path, spec)?;
        let (producer, mut consumer) = rtrb::RingBuffer::new(2 * ring_frames);
        let counters = Arc::new(RecordCounters::default());
        let stop = Arc::new(AtomicBool::new(false));
        let writer = {
            let (counters, stop) = (counters.clone(), stop.clone());
            std::thread::Builder::new().name("runnel-recorder".into()).spawn(move || {
                let started = Instant::now();
                let mut header_written = Instant::now();
                loop {
                    // The test hook: a slow disk stops draining the ring.
                    if stall.is_some_and(|stall| !stall.remaining(started.elapsed()).is_zero()) {
                        std::thread::sleep(IDLE_WAIT);
                        continue;
                    }
                    let stopping = stop.load(Ordering::Acquire);
                    let available = consumer.slots() & !1;
                    if available > 0 {
                        let chunk = consumer.read_chunk(available).expect("slots() were available");
                        let (first, second) = chunk.as_slices();
                        for &sample in first.iter().chain(second) {
                            wav.write_sample(sample)?;
                        }
                        chunk.commit_all();
                        counters.written_frames.fetch_add((available / 2) as u64, Ordering::Relaxed);
                    } else if stopping {
                        return wav.finalize();
                    } else {
                        std::thread::sleep(IDLE_WAIT);
                    }
                    if header_written.elapsed() >= HEADER_REFRESH {
                        wav.flush()?;
                        header_written = Instant::now();
                    }
                }
            })?
        };
        let tap = RecordTap { producer, counters: counters.clone() };
        Ok((Self { stop, writer: Some(writer), counters, path: path.to_path_buf() }, tap))
    }

    /// The counters.
    pub fn counters(&self) -> &Arc<RecordCounters> {
        &self.counters
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Drains what is queued, finishes the file and returns how it went. Call after the audio
    /// thread stopped pushing.
    pub fn finish(mut self) -> Result<(), hound::Error> {
        self.stop.store(true, Ordering::Release);
        match self.writer.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(hound::Error::IoError(std::io::Error::other("the recorder thread panicked"))),
            None => Ok(()),
        }
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stalled_writer_loses_nothing_until_the_ring_is_full_then_counts_every_dropped_frame() {
        let dir = std::env::temp_dir().join(format!("runnel-recorder-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("take.wav");
        let ring_frames = 4096;
        let stall = Stall { after: Duration::from_millis(50), duration: Duration::from_millis(400) };
        let t0 = Instant::now();
        let (recorder, mut tap) = Recorder::start(&path, 48_000, ring_frames, Some(stall)).unwrap();
        // Frames pushed when the stall began, at the latest (the writer started after t0).
        let mut pushed_at_stall = None;
        // 64-frame blocks of a counting signal, one block per 0.5 ms: 1 s of pushes, far faster
        // than real time, so the stall fills the ring.
        let block = 64;
        let mut pushed = 0usize;
        while pushed < 2000 * block {
            let left: Vec<f32> = (pushed..pushed + block).map(|n| n as f32).collect();
            let right: Vec<f32> = left.iter().map(|x| -x).collect();
            if t0.elapsed() >= stall.after {
                pushed_at_stall.get_or_insert(pushed);
            }
            tap.push(&left, &right);
            pushed += block;
            std::thread::sleep(Duration::from_micros(500));
        }
        let counters = recorder.counters().clone();
        recorder.finish().unwrap();
        let queued = counters.queued_frames.load(Ordering::Relaxed) as usize;
        let dropped = counters.dropped_frames.load(Ordering::Relaxed) as usize;
        assert_eq!(queued + dropped, pushed);
        assert!(dropped > 0, "the stall must have filled the ring");
        let samples: Vec<f32> =
            hound::WavReader::open(&path).unwrap().into_samples().map(Result::unwrap).collect();
        assert_eq!(samples.len() / 2, queued, "every queued frame is in the file");
        // The file holds the counting signal with gaps of whole blocks, every gap counted.
        let frames: Vec<usize> = samples.chunks(2).map(|f| f[0] as usize).collect();
        assert!(samples.chunks(2).all(|f| f[1] == -f[0]));
        let mut missing = frames[0];
        let mut first_gap = None;
        for pair in frames.windows(2) {
            assert!(pair[1] > pair[0], "frames in order, none repeated");
            if pair[1] != pair[0] + 1 {
                first_gap.get_or_insert(pair[0] + 1);
                missing += pair[1] - pair[0] - 1;
            }
        }
        missing += pushed - 1 - frames[frames.len() - 1];
        assert_eq!(missing, dropped, "the dropped-frame counter equals the frames missing from the file");
        // Nothing was lost before the ring could have filled: the first gap comes at least a
        // ring's worth of frames after the stall began (less what the writer had not yet
        // drained then: it wakes every 5 ms, 10 blocks here; 16 blocks of slack).
        let stall_start_frame = pushed_at_stall.expect("the stall began while pushing");
        let first_gap = first_gap.expect("a gap");
        assert!(
            first_gap + 16 * block >= stall_start_frame + ring_frames,
            "first loss at frame {first_gap}, stall began by frame {stall_start_frame}, ring {ring_frames}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
