//! A stereo signal in which every frame names itself, for checking what a live loop does
//! around a fault: which input frame each returned frame is, where silence was played, whether
//! anything played twice, and how the loop's delay moved.
//!
//! Frame `n` carries its low 12 bits as one of 4096 levels on the left and the next 12 bits on
//! the right (2²⁴ frames, almost six minutes at 48 kHz, before the names repeat). The levels are
//! a quarter step apart from any rounding a 16-bit or float path makes, and never zero, so exact
//! zeros on both channels are silence. A process that passes audio through unchanged (gains of
//! one, every effect off) returns the levels as they were; a crossfade blends two frames into
//! values that name neither ([`Returned::Blend`]).
//!
//! [`SelfNamingLoop`] plays the signal into a JACK loop and records what returns.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use jack::{AudioIn, AudioOut, Client, ClientOptions, Control, Port, ProcessScope};

/// Levels per channel.
const LEVELS: usize = 4096;
/// The shortest run of consecutive frames that counts as audio played (shorter runs are
/// crossfades whose blended values happen to decode).
pub const MIN_RUN: usize = 32;

/// Level `k`, centred on zero and never zero itself.
fn level(k: usize) -> f32 {
    ((k as f32 + 0.5) / LEVELS as f32 - 0.5) * 0.9
}

/// The level a sample carries, if it is (within a quarter step) one of them.
fn decode_level(sample: f32) -> Option<usize> {
    let x = (sample / 0.9 + 0.5) * LEVELS as f32 - 0.5;
    let k = x.round();
    ((x - k).abs() < 0.25 && (0.0..LEVELS as f32).contains(&k)).then_some(k as usize)
}

/// Frame `n` of the signal (left, right).
pub fn frame(n: usize) -> [f32; 2] {
    [level(n % LEVELS), level(n / LEVELS % LEVELS)]
}

/// What one returned frame is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returned {
    /// Exact zeros on both channels.
    Silence,
    /// The signal's frame `n` (modulo 2²⁴).
    Frame(usize),
    /// Neither (a crossfade, or a changed level).
    Blend,
}

/// Names one returned frame.
pub fn decode(frame: [f32; 2]) -> Returned {
    match (frame, decode_level(frame[0]), decode_level(frame[1])) {
        ([l, r], _, _) if l == 0.0 && r == 0.0 => Returned::Silence,
        (_, Some(low), Some(high)) => Returned::Frame(high * LEVELS + low),
        _ => Returned::Blend,
    }
}

/// What came back from the signal's first returned frame on, apart from the signal itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AfterSignal {
    /// Frames of silence.
    pub silence: usize,
    /// Frames that are neither silence nor a frame of the signal (crossfades, half-processed).
    pub blends: usize,
}

/// Counts [`AfterSignal`] in `returned`; fails the test when no frame of the signal came back.
pub fn after_signal(returned: &[Returned]) -> AfterSignal {
    let first = returned.iter().position(|r| *r != Returned::Silence).expect("the signal came back");
    let count = |kind: Returned| returned[first..].iter().filter(|r| **r == kind).count();
    AfterSignal { silence: count(Returned::Silence), blends: count(Returned::Blend) }
}

/// The runs as `(at, first, len, lag)`, for a test's report.
pub fn run_table(runs: &[Run]) -> Vec<(usize, usize, usize, i64)> {
    runs.iter().map(|r| (r.at, r.first, r.len, r.lag())).collect()
}

/// A run of returned frames that are consecutive frames of the signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    /// Where it starts in the recording.
    pub at: usize,
    /// The signal frame it starts with.
    pub first: usize,
    /// Its length.
    pub len: usize,
}

impl Run {
    /// Recording position minus signal frame: the loop's delay (plus the recorder's own
    /// offset), constant while nothing is lost, slipped or replayed.
    pub fn lag(&self) -> i64 {
        self.at as i64 - self.first as i64
    }
}

/// The runs of at least [`MIN_RUN`] consecutive signal frames in `returned`, in order.
pub fn runs(returned: &[Returned]) -> Vec<Run> {
    let mut runs = Vec::new();
    let mut current: Option<Run> = None;
    for (at, item) in returned.iter().enumerate() {
        match (current.as_mut(), item) {
            (Some(run), Returned::Frame(n)) if *n == run.first + run.len => {
                run.len += 1;
                continue;
            }
            _ => {}
        }
        runs.extend(current.take().filter(|run| run.len >= MIN_RUN));
        if let Returned::Frame(n) = item {
            current = Some(Run { at, first: *n, len: 1 });
        }
    }
    runs.extend(current.filter(|run| run.len >= MIN_RUN));
    runs
}

/// The first pair of consecutive runs in which the second replays frames the first already
/// played, if any: audio heard twice.
pub fn first_replay(runs: &[Run]) -> Option<(Run, Run)> {
    runs.windows(2).find(|pair| pair[1].first < pair[0].first + pair[0].len).map(|pair| (pair[0], pair[1]))
}

/// A gap in the returned audio: the longest stretch of silence after the signal began, with the
/// runs on either side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gap {
    /// The run that ends where the silence begins.
    pub before: Run,
    /// Frames of silence.
    pub silence: usize,
    /// The run after it.
    pub after: Run,
}

impl Gap {
    /// Whether the run after the gap replays frames the run before it played.
    pub fn replays(&self) -> bool {
        self.after.first < self.before.first + self.before.len
    }
}

/// The longest silence in `returned` that has a run of [`runs`] on either side.
pub fn longest_gap(returned: &[Returned], runs: &[Run]) -> Option<Gap> {
    runs.windows(2)
        .filter_map(|pair| {
            let (before, after) = (pair[0], pair[1]);
            let between = &returned[before.at + before.len..after.at];
            let silence = between.iter().filter(|r| **r == Returned::Silence).count();
            (silence > 0).then_some(Gap { before, silence, after })
        })
        .max_by_key(|gap| gap.silence)
}

/// The JACK client's process side: plays the signal, records the return.
struct Player {
    /// Into the loop.
    outputs: [Port<AudioOut>; 2],
    /// From the loop.
    inputs: [Port<AudioIn>; 2],
    /// Frames played so far (the next frame's name).
    played: usize,
    /// What returned, preallocated.
    recording: Vec<[f32; 2]>,
    /// Set once the connections are made.
    armed: Arc<AtomicBool>,
    /// Frames recorded so far.
    done: Arc<AtomicUsize>,
}

impl jack::ProcessHandler for Player {
    fn process(&mut self, _client: &Client, ps: &ProcessScope) -> Control {
        let [out_left, out_right] = &mut self.outputs;
        let (out_left, out_right) = (out_left.as_mut_slice(ps), out_right.as_mut_slice(ps));
        out_left.fill(0.0);
        out_right.fill(0.0);
        let done = self.done.load(Ordering::Relaxed);
        if !self.armed.load(Ordering::Acquire) || done == self.recording.len() {
            return Control::Continue;
        }
        let (in_left, in_right) = (self.inputs[0].as_slice(ps), self.inputs[1].as_slice(ps));
        let frames = out_left.len().min(self.recording.len() - done);
        for i in 0..frames {
            [out_left[i], out_right[i]] = frame(self.played + i);
            self.recording[done + i] = [in_left[i], in_right[i]];
        }
        self.played += frames;
        self.done.store(done + frames, Ordering::Release);
        Control::Continue
    }
}

/// Counts the server's xruns.
struct Xruns(Arc<AtomicUsize>);

impl jack::NotificationHandler for Xruns {
    fn xrun(&mut self, _client: &Client) -> Control {
        self.0.fetch_add(1, Ordering::Relaxed);
        Control::Continue
    }
}

/// The signal played into a JACK loop (two ports) and its return recorded (two ports), from
/// the cycle [`SelfNamingLoop::start`] returns in.
pub struct SelfNamingLoop {
    /// The active client.
    active: jack::AsyncClient<Xruns, Player>,
    /// Frames recorded so far.
    done: Arc<AtomicUsize>,
    /// Frames to record.
    frames: usize,
    /// The server's xruns since the client was activated.
    xruns: Arc<AtomicUsize>,
}

impl SelfNamingLoop {
    /// Opens client `name` on the running server, connects its outputs to `into` and `from` to
    /// its inputs, and starts playing and recording `frames` frames.
    pub fn start(name: &str, into: [&str; 2], from: [&str; 2], frames: usize) -> Self {
        let (client, _) = Client::new(name, ClientOptions::NO_START_SERVER)
            .unwrap_or_else(|e| panic!("open JACK client {name}: {e:?}"));
        let outputs =
            ["out_left", "out_right"].map(|p| client.register_port(p, AudioOut::default()).unwrap());
        let inputs = ["in_left", "in_right"].map(|p| client.register_port(p, AudioIn::default()).unwrap());
        let own_outputs = outputs.each_ref().map(|p| p.name().unwrap());
        let own_inputs = inputs.each_ref().map(|p| p.name().unwrap());
        let armed = Arc::new(AtomicBool::new(false));
        let done = Arc::new(AtomicUsize::new(0));
        let xruns = Arc::new(AtomicUsize::new(0));
        let player = Player {
            outputs,
            inputs,
            played: 0,
            recording: vec![[0.0; 2]; frames],
            armed: armed.clone(),
            done: done.clone(),
        };
        let active = client.activate_async(Xruns(xruns.clone()), player).expect("activate the loop's client");
        for (own, port) in own_outputs.iter().zip(into) {
            active
                .as_client()
                .connect_ports_by_name(own, port)
                .unwrap_or_else(|e| panic!("{own} → {port}: {e:?}"));
        }
        for (port, own) in from.iter().zip(&own_inputs) {
            active
                .as_client()
                .connect_ports_by_name(port, own)
                .unwrap_or_else(|e| panic!("{port} → {own}: {e:?}"));
        }
        // Let the connections reach the process graph before the first frame.
        std::thread::sleep(Duration::from_millis(200));
        armed.store(true, Ordering::Release);
        Self { active, done, frames, xruns }
    }

    /// Waits until every frame is recorded (failing the test after `timeout`: the loop's
    /// server stopped running cycles), and returns the recording, named frame by frame, and the
    /// server's xruns meanwhile.
    pub fn finish(self, timeout: Duration) -> (Vec<Returned>, usize) {
        let deadline = Instant::now() + timeout;
        while self.done.load(Ordering::Acquire) < self.frames {
            assert!(
                Instant::now() < deadline,
                "the loop stopped: {} of {} frames",
                self.done.load(Ordering::Acquire),
                self.frames
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let (_client, _notifications, player) = self.active.deactivate().expect("deactivate");
        (player.recording.into_iter().map(decode).collect(), self.xruns.load(Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_frame_names_itself_through_16_bit_rounding() {
        for n in (0..1 << 24).step_by(4099) {
            let [l, r] = frame(n);
            let rounded = [l, r].map(|x| (x * 32767.0).round() / 32767.0);
            assert_eq!(decode(rounded), Returned::Frame(n));
            assert_ne!(l, 0.0);
        }
        assert_eq!(decode([0.0, 0.0]), Returned::Silence);
        // Halfway between two neighbours is off every level (halfway between frames two apart
        // would be the frame between them: the levels are linear).
        let [a, b] = [frame(1000), frame(1001)];
        assert_eq!(decode([(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0]), Returned::Blend);
    }

    #[test]
    fn runs_and_replays_are_found() {
        let mut returned: Vec<Returned> = (0..100).map(Returned::Frame).collect();
        returned.extend([Returned::Silence; 10]);
        returned.extend((60..140).map(Returned::Frame));
        let found = runs(&returned);
        assert_eq!(found, vec![Run { at: 0, first: 0, len: 100 }, Run { at: 110, first: 60, len: 80 }]);
        assert_eq!(found[1].lag(), 50);
        assert!(first_replay(&found).is_some());
        assert!(first_replay(&found[..1]).is_none());
        let gap = longest_gap(&returned, &found).unwrap();
        assert_eq!((gap.silence, gap.replays()), (10, true));
    }
}
