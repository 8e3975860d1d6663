//! Recording the plugin's processed output to a WAV file: the standalone's `--record FILE` and the
//! editor's record button.
//!
//! The file is written by `runnel_live::recorder` (a lock-free ring from the audio thread to a
//! writer thread, every dropped frame counted). What this module adds is the hand-over: a
//! recording is started and stopped on a non-real-time thread (the editor, or `activate`), and
//! its tap travels to the audio thread and back through two one-slot rtrb rings, so `process`
//! never allocates, locks or waits.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use runnel_live::recorder::{RecordCounters, RecordTap, Recorder};

/// Seconds of audio the writer may fall behind before frames are dropped (and counted).
const RING_SECONDS: f64 = 2.0;
/// How long stopping waits for the audio thread to hand the tap back.
const STOP_WAIT: Duration = Duration::from_millis(500);

/// The folder the editor's record button writes takes to, when given (`--record-dir DIR`).
static TAKE_DIR: OnceLock<PathBuf> = OnceLock::new();
/// A file the standalone was asked to record from the start (`--record FILE`).
static RECORD_AT_START: OnceLock<PathBuf> = OnceLock::new();
/// The control of the running recording, so Ctrl-C can finish its file before the process ends.
static ACTIVE: Mutex<Option<Arc<RecordingControl>>> = Mutex::new(None);
/// The counters of the last recording, for the standalone's exit summary.
static LAST_COUNTERS: Mutex<Option<(PathBuf, Arc<RecordCounters>)>> = Mutex::new(None);

/// Asks the plugin to start recording to `path` when it is first activated (the standalone's
/// `--record`). Only the first call counts.
pub fn record_at_start(path: PathBuf) {
    let _ = RECORD_AT_START.set(path);
}

/// Sets the folder for the editor's takes (the standalone's `--record-dir`). Only the first call
/// counts.
pub fn set_take_dir(dir: PathBuf) {
    let _ = TAKE_DIR.set(dir);
}

/// The folder the editor's takes go to: `--record-dir`, else `Runnel` in the user's music folder
/// (`$XDG_MUSIC_DIR`, else `~/Music`; `%USERPROFILE%\Music` on Windows).
pub fn take_dir() -> Option<PathBuf> {
    if let Some(dir) = TAKE_DIR.get() {
        return Some(dir.clone());
    }
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    let music = if cfg!(target_os = "windows") {
        var("USERPROFILE").map(|home| home.join("Music"))
    } else {
        var("XDG_MUSIC_DIR").or_else(|| var("HOME").map(|home| home.join("Music")))
    };
    music.map(|dir| dir.join("Runnel"))
}

/// The path of the next take, `Runnel take NNN.wav` with the first number not yet used in
/// [`take_dir`], which is created if missing.
pub fn next_take() -> Result<PathBuf, String> {
    let dir = take_dir().ok_or("no recordings folder: start with --record-dir DIR")?;
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    (1..100_000)
        .map(|n| dir.join(format!("Runnel take {n:03}.wav")))
        .find(|path| !path.exists())
        .ok_or_else(|| format!("{} holds too many takes", dir.display()))
}

/// Finishes the running recording's file now, without waiting for the audio thread (which may
/// keep pushing into a ring nobody drains; that is fine when the process is about to end). For
/// the standalone's Ctrl-C/SIGTERM handler.
pub fn finish_now() {
    let active = ACTIVE.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(control) = active {
        if let Err(e) = control.stop_waiting(Duration::ZERO) {
            eprintln!("Runnel: {e}");
        }
    }
}

/// The last recording's file and its counters (written, dropped), if there was one.
pub fn last_recording() -> Option<(PathBuf, u64, u64)> {
    let last = LAST_COUNTERS.lock().unwrap_or_else(|e| e.into_inner());
    last.as_ref().map(|(path, c)| {
        (path.clone(), c.written_frames.load(Ordering::Relaxed), c.dropped_frames.load(Ordering::Relaxed))
    })
}

/// The non-real-time side: starts and stops recordings. Shared by the plugin and its editor.
pub struct RecordingControl {
    /// The sample rate the plugin was activated at (0 before), for the WAV header.
    sample_rate: AtomicU32,
    /// Set to ask the audio thread to give its tap back.
    stop_requested: Arc<AtomicBool>,
    /// The non-real-time ends of the hand-over rings and the running recorder.
    inner: Mutex<ControlInner>,
}

/// What only the non-real-time side touches (behind a mutex the audio thread never takes).
struct ControlInner {
    /// Taps travel to the audio thread here.
    to_audio: rtrb::Producer<RecordTap>,
    /// …and come back here when a recording stops.
    from_audio: rtrb::Consumer<RecordTap>,
    /// The running recording, if any.
    recorder: Option<Recorder>,
}

/// The audio thread's side: the current tap, if recording.
pub struct RecordingPort {
    /// Taps arriving from the control side.
    from_control: rtrb::Consumer<RecordTap>,
    /// Taps going back when a recording stops.
    to_control: rtrb::Producer<RecordTap>,
    /// Shared with [`RecordingControl::stop`].
    stop_requested: Arc<AtomicBool>,
    /// The tap in use.
    tap: Option<RecordTap>,
}

/// A control and its audio-thread port, connected.
pub fn channel() -> (Arc<RecordingControl>, RecordingPort) {
    let (to_audio, from_control) = rtrb::RingBuffer::new(1);
    let (to_control, from_audio) = rtrb::RingBuffer::new(1);
    let stop_requested = Arc::new(AtomicBool::new(false));
    let control = RecordingControl {
        sample_rate: AtomicU32::new(0),
        stop_requested: stop_requested.clone(),
        inner: Mutex::new(ControlInner { to_audio, from_audio, recorder: None }),
    };
    (Arc::new(control), RecordingPort { from_control, to_control, stop_requested, tap: None })
}

impl RecordingControl {
    /// Notes the sample rate (from `activate`) and starts a recording the standalone asked for
    /// with `--record`, once.
    pub fn activated(self: &Arc<Self>, sample_rate: f32) {
        self.sample_rate.store(sample_rate.round() as u32, Ordering::Relaxed);
        static STARTED: AtomicBool = AtomicBool::new(false);
        if let Some(path) = RECORD_AT_START.get() {
            if !STARTED.swap(true, Ordering::AcqRel) {
                match self.start(path) {
                    Ok(()) => nice_plug::nice_log!("Recording to {}", path.display()),
                    Err(e) => nice_plug::nice_error!("{e}"),
                }
            }
        }
    }

    /// Starts recording the processed output to `path` (32-bit float WAV).
    pub fn start(self: &Arc<Self>, path: &Path) -> Result<(), String> {
        let sample_rate = self.sample_rate.load(Ordering::Relaxed);
        if sample_rate == 0 {
            return Err("cannot record before audio is running".into());
        }
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if inner.recorder.is_some() {
            return Err("already recording".into());
        }
        let ring = (RING_SECONDS * f64::from(sample_rate)) as usize;
        let (recorder, tap) = Recorder::start(path, sample_rate, ring, None)
            .map_err(|e| format!("cannot record to {}: {e}", path.display()))?;
        *LAST_COUNTERS.lock().unwrap_or_else(|e| e.into_inner()) =
            Some((path.to_path_buf(), recorder.counters().clone()));
        self.stop_requested.store(false, Ordering::Release);
        if inner.to_audio.push(tap).is_err() {
            return Err("a previous recording is still being handed over".into());
        }
        inner.recorder = Some(recorder);
        *ACTIVE.lock().unwrap_or_else(|e| e.into_inner()) = Some(self.clone());
        Ok(())
    }

    /// The sample rate recordings are written at (0 before the plugin was activated).
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate.load(Ordering::Relaxed)
    }

    /// Whether a recording runs.
    pub fn is_recording(&self) -> bool {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).recorder.is_some()
    }

    /// The running (or last) recording's counters: frames written and dropped.
    pub fn counters(&self) -> Option<(u64, u64)> {
        last_recording().map(|(_, written, dropped)| (written, dropped))
    }

    /// Stops the recording (if any) and finishes its file. Waits up to [`STOP_WAIT`] for the audio
    /// thread to let go of the tap; if audio has stopped, the file is finished anyway.
    pub fn stop(&self) -> Result<(), String> {
        self.stop_waiting(STOP_WAIT)
    }

    /// Stops with a bound on the wait for the audio thread (zero when it is known to be gone).
    fn stop_waiting(&self, wait: Duration) -> Result<(), String> {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let Some(recorder) = inner.recorder.take() else { return Ok(()) };
        self.stop_requested.store(true, Ordering::Release);
        let deadline = Instant::now() + wait;
        while inner.from_audio.pop().is_err() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(2));
        }
        let path = recorder.path().display().to_string();
        recorder.finish().map_err(|e| format!("the recording {path} could not be finished: {e}"))
    }
}

impl RecordingPort {
    /// Ends recording when the plugin goes away: the port (the audio side) lets go of its tap and
    /// the file is finished at once.
    pub fn finish(&mut self, control: &RecordingControl) {
        drop(self.tap.take());
        if let Err(e) = control.stop_waiting(Duration::ZERO) {
            nice_plug::nice_error!("{e}");
        }
    }

    /// Takes a newly started recording's tap, gives a stopped one back, and queues `left`/`right`
    /// (the processed block) when recording. Real-time safe: pops, pushes and copies only.
    pub fn process(&mut self, left: &[f32], right: &[f32]) {
        if self.stop_requested.load(Ordering::Acquire) {
            if let Some(tap) = self.tap.take() {
                // The slot is free: the control side emptied it before starting this recording.
                let _ = self.to_control.push(tap);
            }
        } else if self.tap.is_none() {
            if let Ok(tap) = self.from_control.pop() {
                self.tap = Some(tap);
            }
        }
        if let Some(tap) = &mut self.tap {
            tap.push(left, right);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recording_starts_on_the_next_block_and_holds_exactly_what_was_processed() {
        let dir = std::env::temp_dir().join(format!("runnel-recording-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("take.wav");
        let (control, mut port) = channel();
        assert!(control.start(&path).is_err(), "no recording before activation");
        control.activated(48_000.0);
        control.start(&path).unwrap();
        assert!(control.start(&path).is_err(), "one recording at a time");
        let mut expected = Vec::new();
        for block in 0..100 {
            let left: Vec<f32> = (0..64).map(|i| (block * 64 + i) as f32).collect();
            let right: Vec<f32> = left.iter().map(|x| -x).collect();
            port.process(&left, &right);
            expected.extend(left.iter().zip(&right).flat_map(|(l, r)| [*l, *r]));
        }
        control.stop().unwrap();
        // Blocks after the stop are not recorded.
        port.process(&[1.0; 64], &[1.0; 64]);
        let samples: Vec<f32> =
            hound::WavReader::open(&path).unwrap().into_samples().map(Result::unwrap).collect();
        assert_eq!(samples, expected);
        assert_eq!(control.counters(), Some((6400, 0)));
        assert!(!control.is_recording());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
