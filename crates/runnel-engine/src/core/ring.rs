//! The engine's one ring buffer: the storage of every delay line (the delay stage's lines, the
//! reverb's pre-delay/early-reflection lines, its 16 network lines and its all-passes).
//!
//! The length is a power of two, so wrapping an index is a mask. Samples are addressed by
//! *age*: age 1 is the sample pushed last, age `capacity()` the oldest still held. A reader
//! that needs a contiguous window of up to `mirror` samples (the delay's 32-tap interpolator)
//! asks for a mirror: the first `mirror` slots are duplicated after the end, so any window
//! starting inside the ring is one contiguous slice and the read needs no wrap check.

/// Length of the runs [`copy_samples`] copies without a library call: the engine's control
/// interval, the usual length of the reverb's runs (and of its rings' mirrors).
const SHORT_RUN: usize = crate::smoothing::CONTROL_INTERVAL;

/// `dst.copy_from_slice(src)`, with a run of exactly [`SHORT_RUN`] samples copied as one
/// fixed-size block: two or four vector moves in place, where a copy of a length unknown at
/// compile time is a call into the C library's `memcpy`, whose overhead dominated the reverb's
/// many copies of 16 samples (about 5 % of its time).
#[inline(always)]
pub fn copy_samples(dst: &mut [f32], src: &[f32]) {
    if dst.len() == SHORT_RUN && src.len() == SHORT_RUN {
        let dst: &mut [f32; SHORT_RUN] = dst.try_into().expect("length checked");
        let src: &[f32; SHORT_RUN] = src.try_into().expect("length checked");
        *dst = *src;
    } else {
        dst.copy_from_slice(src);
    }
}

/// A power-of-two ring of `f32` samples with an optional mirrored tail.
#[derive(Debug, Clone, Default)]
pub struct Ring {
    /// The ring followed by the mirror of its first `mirror` slots.
    buffer: Vec<f32>,
    /// Ring length − 1.
    mask: usize,
    /// Slot the next push writes (the newest sample is one before it).
    write: usize,
    /// Number of mirrored slots after the ring.
    mirror: usize,
}

impl Ring {
    /// Allocates (call from `prepare`) a silent ring holding at least `min_len` samples, with
    /// `mirror` slots mirrored for contiguous windows.
    pub fn allocate(&mut self, min_len: usize, mirror: usize) {
        let len = min_len.max(1).next_power_of_two();
        self.buffer = vec![0.0; len + mirror];
        // `vec![0.0; n]` maps zero pages lazily, so the first pass of the write head through a
        // long line would page-fault inside `process` (a kernel round trip per 4 KiB, e.g.
        // 1500 faults in the first 16 s of the delay). Writing every sample here, with a value
        // the optimizer cannot know is zero, makes the pages resident now.
        self.buffer.fill(std::hint::black_box(0.0));
        self.mask = len - 1;
        self.write = 0;
        self.mirror = mirror;
    }

    /// Whether [`allocate`](Self::allocate) has run.
    #[inline]
    pub fn is_allocated(&self) -> bool {
        !self.buffer.is_empty()
    }

    /// How many samples the ring holds (its power-of-two length; 0 before allocation).
    #[inline]
    pub fn capacity(&self) -> usize {
        if self.buffer.is_empty() {
            0
        } else {
            self.mask + 1
        }
    }

    /// Silences the ring without reallocating.
    pub fn clear(&mut self) {
        self.buffer.fill(0.0);
        self.write = 0;
    }

    /// Appends one sample, overwriting the oldest. The ring must be allocated.
    #[inline(always)]
    pub fn push(&mut self, sample: f32) {
        let w = self.write;
        self.buffer[w] = sample;
        if w < self.mirror {
            // Keep the mirror identical so a window starting near the end stays contiguous.
            self.buffer[w + self.mask + 1] = sample;
        }
        self.write = (w + 1) & self.mask;
    }

    /// Appends `samples` in order, as many [`push`](Self::push)es would (same content, same
    /// head), with block copies: at most two for the ring and one to refresh the mirror.
    #[inline]
    pub fn push_slice(&mut self, samples: &[f32]) {
        let capacity = self.mask + 1;
        // Only the last `capacity` samples survive.
        let skipped = samples.len().saturating_sub(capacity);
        let samples = &samples[skipped..];
        let start = (self.write + skipped) & self.mask;
        let first = (capacity - start).min(samples.len());
        copy_samples(&mut self.buffer[start..start + first], &samples[..first]);
        let wrapped = samples.len() - first;
        if wrapped > 0 {
            self.buffer[..wrapped].copy_from_slice(&samples[first..]);
        }
        // As `push` does, mirror the first `mirror` slots (at most the whole ring: a mirror
        // longer than a tiny ring keeps its tail as it was).
        let mirrored = self.mirror.min(capacity);
        if (start < mirrored || wrapped > 0) && mirrored > 0 {
            let (ring, mirror) = self.buffer.split_at_mut(capacity);
            copy_samples(&mut mirror[..mirrored], &ring[..mirrored]);
        }
        self.write = (start + samples.len()) & self.mask;
    }

    /// [`push_slice`](Self::push_slice) of a run of exactly [`SHORT_RUN`] samples, inlined: a
    /// run that neither wraps nor touches the mirrored slots (the usual case) is one fixed-size
    /// copy. The reverb's all-passes push such a run per stage and control interval; through
    /// the general `push_slice` call each cost about 80 instructions.
    #[inline(always)]
    pub fn push_run(&mut self, run: &[f32; SHORT_RUN]) {
        let start = self.write;
        if start >= self.mirror && start + SHORT_RUN <= self.mask + 1 {
            let slots: &mut [f32; SHORT_RUN] =
                (&mut self.buffer[start..start + SHORT_RUN]).try_into().expect("length checked");
            *slots = *run;
            self.write = (start + SHORT_RUN) & self.mask;
        } else {
            self.push_slice(run);
        }
    }

    /// `out[j]` = what [`at`](Self::at)`(age)` will return `j` pushes from now, for every `j`
    /// (`out.len()` ≤ `age`, so no such push reaches the run): one or two copies instead of a
    /// read per sample.
    pub fn read_run(&self, age: usize, out: &mut [f32]) {
        let capacity = self.mask + 1;
        let start = self.write.wrapping_sub(age) & self.mask;
        let first = (capacity - start).min(out.len());
        let (head, tail) = out.split_at_mut(first);
        copy_samples(head, &self.buffer[start..start + first]);
        let wrapped = tail.len();
        if wrapped > 0 {
            tail.copy_from_slice(&self.buffer[..wrapped]);
        }
    }

    /// The sample pushed `age` pushes ago (1 = the newest; wraps modulo the capacity).
    #[inline(always)]
    pub fn at(&self, age: usize) -> f32 {
        self.buffer[self.write.wrapping_sub(age) & self.mask]
    }

    /// The samples `ages[k] + extra` pushes ago, for every `k` (wrapping like [`at`](Self::at)):
    /// a tap pattern read in one pass, with the bounds check hoisted out of the loop.
    #[inline(always)]
    #[allow(clippy::needless_range_loop)]
    pub fn gather<const N: usize>(&self, ages: &[u32; N], extra: u32) -> [f32; N] {
        let (write, mask) = (self.write as u32, self.mask as u32);
        let buffer = &self.buffer[..=self.mask];
        let mut out = [0.0; N];
        for k in 0..N {
            out[k] = buffer[(write.wrapping_sub(ages[k].wrapping_add(extra)) & mask) as usize];
        }
        out
    }

    /// `len` (≤ the mirror) consecutive samples, oldest first, starting `age` pushes ago, as one
    /// slice (the block-wise form of [`window`](Self::window)).
    #[inline(always)]
    pub fn span(&self, age: usize, len: usize) -> &[f32] {
        debug_assert!(len <= self.mirror, "span longer than the mirror");
        let start = self.write.wrapping_sub(age) & self.mask;
        &self.buffer[start..start + len]
    }

    /// `len` (≤ the mirror) consecutive samples, oldest first, starting `age` pushes ago.
    #[inline(always)]
    pub fn window<const LEN: usize>(&self, age: usize) -> &[f32; LEN] {
        let start = self.write.wrapping_sub(age) & self.mask;
        self.buffer[start..start + LEN].try_into().expect("window longer than the mirror")
    }

    /// The raw storage (ring then mirror), for state inspection in tests.
    #[cfg(test)]
    pub fn storage(&self) -> &[f32] {
        &self.buffer
    }
}

/// `LANES` rings of one length pushed together (one write head), stored frame by frame: the
/// reverb network's 16 lines. A push writes one contiguous frame (one or two vector stores),
/// and a read of every lane at its own age is one gather, instead of 16 separate rings each
/// with its own buffer, mask and head to load.
#[derive(Debug, Clone)]
pub struct RingBank<const LANES: usize> {
    /// `capacity` frames, one sample per lane each.
    buffer: Vec<[f32; LANES]>,
    /// Capacity − 1 (the capacity is a power of two).
    mask: usize,
    /// Frame the next push writes.
    write: usize,
}

impl<const LANES: usize> Default for RingBank<LANES> {
    fn default() -> Self {
        Self { buffer: Vec::new(), mask: 0, write: 0 }
    }
}

impl<const LANES: usize> RingBank<LANES> {
    /// Allocates (call from `prepare`) silent rings holding at least `min_len` frames.
    pub fn allocate(&mut self, min_len: usize) {
        let len = min_len.max(1).next_power_of_two();
        self.buffer = vec![[0.0; LANES]; len];
        self.mask = len - 1;
        self.write = 0;
    }

    /// Whether [`allocate`](Self::allocate) has run.
    #[inline]
    pub fn is_allocated(&self) -> bool {
        !self.buffer.is_empty()
    }

    /// Silences every lane without reallocating.
    pub fn clear(&mut self) {
        self.buffer.fill([0.0; LANES]);
        self.write = 0;
    }

    /// Appends one sample to every lane. The bank must be allocated.
    #[inline(always)]
    pub fn push(&mut self, frame: [f32; LANES]) {
        self.buffer[self.write] = frame;
        self.write = (self.write + 1) & self.mask;
    }

    /// Lane `lane`'s sample pushed `age` pushes ago (1 = the newest; wraps modulo the capacity).
    #[inline(always)]
    pub fn at(&self, lane: usize, age: usize) -> f32 {
        self.buffer[self.write.wrapping_sub(age) & self.mask][lane]
    }

    /// Deskews a window of every lane into rows: `out[u][i] = at(i, oldest[i] − u)` for
    /// `u < rows` (oldest first; `rows ≤ ROWS`, every age `oldest[i] − u` ≥ 1). A reader that
    /// needs each lane's consecutive samples at that lane's own delay (the reverb network's
    /// interpolated reads over a run) then loads whole rows instead of gathering lane by lane:
    /// strided copies without wrap checks unless a window straddles the end.
    #[inline(always)]
    pub fn deskew<const ROWS: usize>(
        &self,
        oldest: &[u32; LANES],
        rows: usize,
        out: &mut [[f32; LANES]; ROWS],
    ) {
        let rows = rows.min(ROWS);
        let len = self.mask + 1;
        let starts: [usize; LANES] =
            std::array::from_fn(|lane| self.write.wrapping_sub(oldest[lane] as usize) & self.mask);
        if rows == ROWS && starts.iter().all(|&start| start + ROWS <= len) {
            // Row after row (every lane's window contiguous, the usual run): the reader's first
            // rows are complete first, instead of only once the last lane's column is written
            // (the rows are stored lane by lane; a row load waits for all of its stores).
            let windows: [&[[f32; LANES]; ROWS]; LANES] = std::array::from_fn(|lane| {
                self.buffer[starts[lane]..starts[lane] + ROWS].try_into().expect("window length")
            });
            for (u, row) in out.iter_mut().enumerate() {
                for (lane, window) in windows.iter().enumerate() {
                    row[lane] = window[u][lane];
                }
            }
            return;
        }
        for (lane, &age) in oldest.iter().enumerate() {
            let start = self.write.wrapping_sub(age as usize) & self.mask;
            if start + rows <= len {
                let window = &self.buffer[start..start + rows];
                for (row, frame) in out.iter_mut().zip(window) {
                    row[lane] = frame[lane];
                }
            } else {
                for (u, row) in out.iter_mut().take(rows).enumerate() {
                    row[lane] = self.buffer[(start + u) & self.mask][lane];
                }
            }
        }
    }

    /// Every lane at its own age plus `extra`: `out[i] = at(i, ages[i] + extra)`. Indices are
    /// computed in 32 bits (a capacity is far below 2³²) so they map onto vector gathers.
    #[inline(always)]
    #[allow(clippy::needless_range_loop)]
    pub fn gather(&self, ages: &[u32; LANES], extra: u32) -> [f32; LANES] {
        let (write, mask) = (self.write as u32, self.mask as u32);
        // Slicing to `mask + 1` frames lets the compiler see every masked index is in bounds.
        let buffer = &self.buffer[..=self.mask];
        let mut out = [0.0; LANES];
        for lane in 0..LANES {
            out[lane] = buffer[(write.wrapping_sub(ages[lane].wrapping_add(extra)) & mask) as usize][lane];
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `push_slice` leaves the ring (mirror included) and its head exactly as pushing the same
    /// samples one by one does, for runs shorter and longer than the ring and across the wrap;
    /// `read_run` returns what `at` returns push by push.
    #[test]
    fn runs_equal_sample_by_sample_pushes_and_reads() {
        let (mut by_run, mut by_sample) = (Ring::default(), Ring::default());
        by_run.allocate(50, 8);
        by_sample.allocate(50, 8);
        let mut next = 0.0f32;
        for (round, len) in [1usize, 7, 64, 13, 0, 200, 63, 64, 65, 31].iter().cycle().take(60).enumerate() {
            let samples: Vec<f32> = (0..*len).map(|i| next + i as f32).collect();
            next += *len as f32;
            let age = 1 + round % 40;
            let mut run = vec![0.0; age.min(20)];
            by_run.read_run(age, &mut run);
            let mut probe = by_sample.clone();
            for (j, value) in run.iter().enumerate() {
                assert_eq!(*value, probe.at(age), "round {round}, read {j}");
                probe.push(-1.0);
            }
            by_run.push_slice(&samples);
            for x in &samples {
                by_sample.push(*x);
            }
            assert_eq!(by_run.storage(), by_sample.storage(), "round {round}");
            assert_eq!(by_run.write, by_sample.write);
        }
    }

    #[test]
    fn bank_lanes_are_rings_with_one_head() {
        let mut bank = RingBank::<4>::default();
        bank.allocate(6);
        let mut rings: [Ring; 4] = Default::default();
        rings.iter_mut().for_each(|r| r.allocate(6, 0));
        for t in 0..21 {
            let frame: [f32; 4] = std::array::from_fn(|lane| (t * 10 + lane) as f32);
            bank.push(frame);
            rings.iter_mut().zip(frame).for_each(|(r, v)| r.push(v));
        }
        for age in 1..=8 {
            for (lane, ring) in rings.iter().enumerate() {
                assert_eq!(bank.at(lane, age), ring.at(age));
            }
        }
        let ages = [1u32, 3, 7, 8];
        for extra in [0, 1] {
            let expected: [f32; 4] =
                std::array::from_fn(|lane| rings[lane].at((ages[lane] + extra) as usize));
            assert_eq!(bank.gather(&ages, extra), expected);
        }
        // Deskewed windows, also straddling the end of the storage (capacity 8).
        let oldest = [8u32, 5, 3, 7];
        let mut rows = [[0.0f32; 4]; 4];
        bank.deskew(&oldest, 3, &mut rows);
        for (u, row) in rows.iter().take(3).enumerate() {
            for (lane, ring) in rings.iter().enumerate() {
                assert_eq!(row[lane], ring.at(oldest[lane] as usize - u), "row {u} lane {lane}");
            }
        }
        assert_eq!(rows[3], [0.0; 4], "rows past the count are untouched");
        bank.clear();
        assert_eq!(bank.gather(&ages, 0), [0.0; 4]);
    }

    #[test]
    fn push_slice_in_chunks_equals_single_pushes_mirror_included() {
        for run in [1usize, 3, 5, 8, 13, 20] {
            let (mut a, mut b) = (Ring::default(), Ring::default());
            a.allocate(8, 4);
            b.allocate(8, 4);
            let samples: Vec<f32> = (0..40).map(|i| i as f32).collect();
            for chunk in samples.chunks(run) {
                a.push_slice(chunk);
                chunk.iter().for_each(|&s| b.push(s));
                assert_eq!(a.storage(), b.storage(), "run {run}");
            }
        }
    }

    #[test]
    fn ages_wrap_and_windows_are_contiguous_across_the_end() {
        let mut ring = Ring::default();
        ring.allocate(6, 4);
        assert_eq!(ring.capacity(), 8);
        for i in 0..21 {
            ring.push(i as f32);
        }
        // Newest is 20, oldest held is 13.
        assert_eq!((ring.at(1), ring.at(8)), (20.0, 13.0));
        // Every window of 4 reads the 4 samples from `age` on, oldest first, wherever it starts.
        for age in 4..=8 {
            let expected: [f32; 4] = std::array::from_fn(|i| (21 - age + i) as f32);
            assert_eq!(ring.window::<4>(age), &expected, "age {age}");
        }
        ring.clear();
        assert!(ring.storage().iter().all(|&v| v == 0.0));
    }
}
