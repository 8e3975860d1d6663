//! The minimum of the last `W` values of a signal, in O(1) amortised per sample: the limiter's
//! lookahead needs the smallest required gain over its window.
//!
//! A monotonic queue (Lemire's "streaming maximum–minimum filter"): it keeps only the values
//! that can still become the minimum, in increasing order, each with the time it entered.
//! Not a delay line: it stores candidates, at most `W` of them, in fixed storage from `prepare`.

/// A running window minimum with fixed capacity.
#[derive(Debug, Clone, Default)]
pub struct WindowMin {
    /// Candidate values, a circular queue (front = the current minimum).
    values: Vec<f32>,
    /// Time each candidate entered.
    times: Vec<u64>,
    /// Slot of the front candidate.
    head: usize,
    /// Number of candidates.
    len: usize,
    /// Samples pushed so far.
    now: u64,
    /// The window length `W` (≥ 1, ≤ the capacity).
    window: usize,
}

impl WindowMin {
    /// Allocates for windows of up to `max_window` values (call from `prepare`).
    pub fn allocate(&mut self, max_window: usize) {
        let capacity = max_window.max(1) + 1;
        self.values = vec![0.0; capacity];
        self.times = vec![0; capacity];
        self.window = self.window.clamp(1, max_window.max(1));
        self.reset();
    }

    /// Sets the window length (clamped to the allocation) and forgets all candidates.
    pub fn set_window(&mut self, window: usize) {
        self.window = window.clamp(1, self.values.len().saturating_sub(1).max(1));
        self.reset();
    }

    /// Forgets every candidate.
    pub fn reset(&mut self) {
        self.head = 0;
        self.len = 0;
        self.now = 0;
    }

    /// Pushes `value` and returns the minimum of the last `W` values pushed (since the last
    /// reset: fewer at first).
    #[inline]
    pub fn push(&mut self, value: f32) -> f32 {
        let capacity = self.values.len();
        // Drop candidates that can never be the minimum again.
        while self.len > 0 {
            let back = (self.head + self.len - 1) % capacity;
            if self.values[back] >= value {
                self.len -= 1;
            } else {
                break;
            }
        }
        // Drop the front if it has left the window.
        if self.len > 0 && self.now - self.times[self.head] >= self.window as u64 {
            self.head = (self.head + 1) % capacity;
            self.len -= 1;
        }
        let slot = (self.head + self.len) % capacity;
        self.values[slot] = value;
        self.times[slot] = self.now;
        self.len += 1;
        self.now += 1;
        self.values[self.head]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_a_brute_force_minimum() {
        let mut min = WindowMin::default();
        min.allocate(16);
        min.set_window(7);
        let mut state = 12345u32;
        let mut signal = Vec::new();
        for n in 0..2000usize {
            state = state.wrapping_mul(1664525).wrapping_add(1013904223);
            let v = (state >> 8) as f32 / (1 << 24) as f32;
            signal.push(v);
            let got = min.push(v);
            let start = (n + 1).saturating_sub(7);
            let want = signal[start..=n].iter().cloned().fold(f32::INFINITY, f32::min);
            assert_eq!(got, want, "at {n}");
        }
    }
}
