//! `--rate`: the decoded stream resampled to another rate before the engine, with rubato's
//! synchronous FFT resampler, chunk by chunk (constant memory). The resampler's delay is
//! dropped at the start and the stream is flushed at the end, so the output lines up with the
//! input and has `round(input_frames × out_rate / in_rate)` frames.

use rubato::{FftFixedIn, Resampler};

/// Input frames per resampler call.
const CHUNK_FRAMES: usize = 1024;

/// A streaming resampler over interleaved samples.
pub struct StreamResampler {
    /// rubato's resampler (planar).
    inner: FftFixedIn<f32>,
    /// Interleaved channels.
    channels: usize,
    /// out_rate / in_rate.
    ratio: f64,
    /// Planar input gathered up to one chunk.
    input: Vec<Vec<f32>>,
    /// Planar output of one call.
    output: Vec<Vec<f32>>,
    /// Interleaved output handed on.
    interleaved: Vec<f32>,
    /// Output frames still to drop for the resampler's delay.
    to_skip: usize,
    /// Input frames taken.
    frames_in: u64,
    /// Output frames handed on.
    frames_out: u64,
}

impl StreamResampler {
    /// A resampler from `from` Hz to `to` Hz for `channels` interleaved channels.
    pub fn new(from: u32, to: u32, channels: usize) -> Result<Self, String> {
        let inner = FftFixedIn::<f32>::new(from as usize, to as usize, CHUNK_FRAMES, 2, channels)
            .map_err(|e| format!("cannot resample {from} Hz to {to} Hz: {e}"))?;
        let out_max = inner.output_frames_max();
        Ok(Self {
            to_skip: inner.output_delay(),
            inner,
            channels,
            ratio: f64::from(to) / f64::from(from),
            input: vec![Vec::with_capacity(CHUNK_FRAMES); channels],
            output: vec![vec![0.0; out_max]; channels],
            interleaved: Vec::with_capacity(out_max * channels),
            frames_in: 0,
            frames_out: 0,
        })
    }

    /// Takes interleaved input; hands each resampled chunk (interleaved) to `emit`.
    pub fn push<E>(
        &mut self,
        samples: &[f32],
        emit: &mut dyn FnMut(&[f32]) -> Result<(), E>,
    ) -> Result<(), E> {
        for frame in samples.chunks_exact(self.channels) {
            for (c, x) in frame.iter().enumerate() {
                self.input[c].push(*x);
            }
            self.frames_in += 1;
            if self.input[0].len() == self.inner.input_frames_next() {
                self.run(None, emit)?;
            }
        }
        Ok(())
    }

    /// Flushes the end: silence in until every output frame the input implies is out.
    pub fn finish<E>(&mut self, emit: &mut dyn FnMut(&[f32]) -> Result<(), E>) -> Result<(), E> {
        let total = (self.frames_in as f64 * self.ratio).round() as u64;
        while self.frames_out < total {
            let next = self.inner.input_frames_next();
            for channel in &mut self.input {
                channel.resize(next, 0.0);
            }
            self.run(Some(total), emit)?;
        }
        Ok(())
    }

    /// One resampler call on the gathered chunk; emits at most up to `limit` frames in total.
    fn run<E>(&mut self, limit: Option<u64>, emit: &mut dyn FnMut(&[f32]) -> Result<(), E>) -> Result<(), E> {
        let (_, produced) = self
            .inner
            .process_into_buffer(&self.input, &mut self.output, None)
            .expect("buffers are sized by the resampler");
        for channel in &mut self.input {
            channel.clear();
        }
        let skip = self.to_skip.min(produced);
        self.to_skip -= skip;
        let mut end = produced;
        if let Some(total) = limit {
            end = end.min(skip + (total - self.frames_out) as usize);
        }
        self.interleaved.clear();
        for n in skip..end {
            for c in 0..self.channels {
                self.interleaved.push(self.output[c][n]);
            }
        }
        self.frames_out += (end - skip) as u64;
        if self.interleaved.is_empty() {
            return Ok(());
        }
        emit(&self.interleaved)
    }
}
