//! Loudness and level measurement of a stream of interleaved samples: EBU R128 / ITU-R BS.1770-4
//! through the `ebur128` crate (integrated loudness, loudness range, momentary and short-term
//! maxima, true peak), plus sample peak, RMS and DC offset. Memory is constant: the meter keeps
//! its gating blocks in a histogram (bins of 0.075 LU, so at most ±0.04 LU from the exact
//! integral), never a list that grows with the length.

use ebur128::{Channel, EbuR128, Mode};

/// What to measure; true peak (4× oversampling) costs the most, so renders ask for it only when
/// `--true-peak` needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// Integrated loudness and sample peak (every render's summary).
    Summary,
    /// [`Summary`](Self::Summary) plus true peak (renders with `--true-peak`).
    SummaryWithTruePeak,
    /// Everything `runnel analyze` prints.
    Full,
}

/// The BS.1770 role of each channel of a file with `channels` channels, in the WAV / SMPTE
/// order (the order of EBU's own multichannel test files): 1 mono; 2 L R; 3 L R C; 4 L R Ls Rs;
/// 5 L R C Ls Rs; 6 L R C LFE Ls Rs; 7 L R C LFE Cs Ls Rs; 8 L R C LFE Lb Rb Ls Rs. L, R, C and
/// back channels (Cs, Lb, Rb at ±135…180°) weigh 1.0, the surrounds (Ls, Rs at ±90…110°) 1.41
/// (+1.5 dB), and the LFE is excluded, as BS.1770-4 specifies. `None` past 8 channels.
pub fn bs1770_channel_map(channels: usize) -> Option<Vec<Channel>> {
    use Channel::*;
    Some(match channels {
        1 => vec![Left],
        2 => vec![Left, Right],
        3 => vec![Left, Right, Center],
        4 => vec![Left, Right, LeftSurround, RightSurround],
        5 => vec![Left, Right, Center, LeftSurround, RightSurround],
        6 => vec![Left, Right, Center, Unused, LeftSurround, RightSurround],
        7 => vec![Left, Right, Center, Unused, Mp180, LeftSurround, RightSurround],
        8 => vec![Left, Right, Center, Unused, Mp135, Mm135, Mp090, Mm090],
        _ => return None,
    })
}

/// Momentary hops per short-term reading: 50 ms, so a 3 s window is missed by at most 25 ms
/// (−0.04 LU on Tech 3341 case 10's 3 s bursts); its 3 s sum costs 7.5× the momentary one.
const SHORT_TERM_HOPS: u64 = 5;

/// A streaming meter; feed it with [`add`](Self::add), read it with [`report`](Self::report).
pub struct LoudnessMeter {
    /// The BS.1770 meter.
    meter: EbuR128,
    /// What is measured.
    detail: Detail,
    /// Interleaved channels.
    channels: usize,
    /// Sample rate in Hz.
    sample_rate: u32,
    /// Frames per 10 ms hop: the momentary maximum is read every hop, the short-term maximum
    /// every [`SHORT_TERM_HOPS`] hops. EBU Tech 3341 asks live meters for at least 10 Hz; a
    /// file meter reading that coarsely misses a 400 ms burst's window by up to 50 ms (−0.58 LU,
    /// Tech 3341 case 13), at 10 ms by at most 5 ms (−0.05 LU).
    hop_frames: u64,
    /// Frames fed so far.
    frames: u64,
    /// Largest momentary loudness seen once the 400 ms window was full.
    max_momentary: f64,
    /// Largest short-term loudness seen once the 3 s window was full.
    max_short_term: f64,
    /// Sum of squares over all samples (for RMS).
    sum_squares: f64,
    /// Sum of all samples (for the DC offset).
    sum: f64,
    /// Largest absolute sample.
    sample_peak: f32,
}

/// Measured levels of a whole stream. Loudness values are −∞ for silence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoudnessReport {
    /// Integrated loudness, LUFS (gated, BS.1770-4).
    pub integrated_lufs: f64,
    /// Loudness range, LU (EBU Tech 3342); NaN unless measured.
    pub range_lu: f64,
    /// Largest momentary (400 ms) loudness, LUFS; NaN unless measured.
    pub max_momentary_lufs: f64,
    /// Largest short-term (3 s) loudness, LUFS; NaN unless measured.
    pub max_short_term_lufs: f64,
    /// Largest absolute sample, dBFS.
    pub sample_peak_dbfs: f64,
    /// Largest true (inter-sample, 4× oversampled) peak, dBTP; NaN unless measured.
    pub true_peak_dbtp: f64,
    /// RMS over all channels, dBFS (a full-scale sine reads −3.01).
    pub rms_dbfs: f64,
    /// Mean sample value over all channels (linear, full scale = 1).
    pub dc_offset: f64,
    /// Length in seconds.
    pub duration_s: f64,
    /// Frames measured.
    pub frames: u64,
}

/// Linear amplitude to dB (−∞ for 0).
pub fn to_db(amplitude: f64) -> f64 {
    20.0 * amplitude.log10()
}

impl LoudnessMeter {
    /// A meter for `channels` interleaved channels at `sample_rate`.
    pub fn new(channels: usize, sample_rate: u32, detail: Detail) -> Result<Self, String> {
        let mut mode = Mode::I | Mode::SAMPLE_PEAK | Mode::HISTOGRAM;
        if detail != Detail::Summary {
            mode |= Mode::TRUE_PEAK;
        }
        if detail == Detail::Full {
            mode |= Mode::LRA | Mode::M | Mode::S;
        }
        let mut meter = EbuR128::new(channels as u32, sample_rate, mode)
            .map_err(|e| format!("cannot measure loudness at {sample_rate} Hz × {channels} channels: {e}"))?;
        let map = bs1770_channel_map(channels)
            .ok_or_else(|| format!("{channels} channels: no loudness mapping"))?;
        meter.set_channel_map(&map).map_err(|e| format!("channel map for {channels} channels: {e}"))?;
        Ok(Self {
            meter,
            detail,
            channels,
            sample_rate,
            hop_frames: (u64::from(sample_rate) / 100).max(1),
            frames: 0,
            max_momentary: f64::NEG_INFINITY,
            max_short_term: f64::NEG_INFINITY,
            sum_squares: 0.0,
            sum: 0.0,
            sample_peak: 0.0,
        })
    }

    /// Feeds interleaved samples (a whole number of frames).
    pub fn add(&mut self, interleaved: &[f32]) {
        for &x in interleaved {
            self.sum_squares += f64::from(x) * f64::from(x);
            self.sum += f64::from(x);
            self.sample_peak = self.sample_peak.max(x.abs());
        }
        if self.detail != Detail::Full {
            // Errors only come from a wrong frame count, which the caller rules out.
            let _ = self.meter.add_frames_f32(interleaved);
            self.frames += (interleaved.len() / self.channels) as u64;
            return;
        }
        // Split at 10 ms hop boundaries so the maxima are read at 100 Hz (short-term at 20 Hz).
        let mut rest = interleaved;
        while !rest.is_empty() {
            let to_boundary = self.hop_frames - self.frames % self.hop_frames;
            let take = (to_boundary as usize).min(rest.len() / self.channels);
            let (now, later) = rest.split_at(take * self.channels);
            let _ = self.meter.add_frames_f32(now);
            self.frames += take as u64;
            rest = later;
            if self.frames.is_multiple_of(self.hop_frames) {
                self.read_maxima();
            }
        }
    }

    /// Reads momentary and short-term loudness once their windows hold real signal.
    fn read_maxima(&mut self) {
        let rate = u64::from(self.sample_rate);
        if self.frames * 10 >= rate * 4 {
            if let Ok(m) = self.meter.loudness_momentary() {
                self.max_momentary = self.max_momentary.max(m);
            }
        }
        let short_term_hop = (self.frames / self.hop_frames).is_multiple_of(SHORT_TERM_HOPS);
        if self.frames >= rate * 3 && short_term_hop {
            if let Ok(s) = self.meter.loudness_shortterm() {
                self.max_short_term = self.max_short_term.max(s);
            }
        }
    }

    /// The measurements so far.
    pub fn report(&self) -> LoudnessReport {
        let per_channel_max = |f: &dyn Fn(u32) -> Result<f64, ebur128::Error>| {
            (0..self.channels as u32).filter_map(|c| f(c).ok()).fold(0.0f64, f64::max)
        };
        let samples = (self.frames * self.channels as u64).max(1) as f64;
        let full = self.detail == Detail::Full;
        LoudnessReport {
            integrated_lufs: self.meter.loudness_global().unwrap_or(f64::NEG_INFINITY),
            range_lu: if full { self.meter.loudness_range().unwrap_or(f64::NAN) } else { f64::NAN },
            max_momentary_lufs: if full { self.max_momentary } else { f64::NAN },
            max_short_term_lufs: if full { self.max_short_term } else { f64::NAN },
            sample_peak_dbfs: to_db(f64::from(self.sample_peak)),
            true_peak_dbtp: if self.detail == Detail::Summary {
                f64::NAN
            } else {
                to_db(per_channel_max(&|c| self.meter.true_peak(c)))
            },
            rms_dbfs: 10.0 * (self.sum_squares / samples).log10(),
            dc_offset: self.sum / samples,
            duration_s: self.frames as f64 / f64::from(self.sample_rate),
            frames: self.frames,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_scale_sine_reads_its_analytic_rms_peak_and_no_dc() {
        let rate = 48_000;
        let sine: Vec<f32> = (0..rate * 2)
            .flat_map(|n| {
                let x = (2.0 * std::f64::consts::PI * 997.0 * n as f64 / rate as f64).sin() as f32;
                [x, x]
            })
            .collect();
        let mut meter = LoudnessMeter::new(2, rate as u32, Detail::Full).unwrap();
        meter.add(&sine);
        let r = meter.report();
        assert!((r.rms_dbfs + 3.0103).abs() < 0.01, "{}", r.rms_dbfs);
        assert!(r.sample_peak_dbfs.abs() < 0.01 && r.sample_peak_dbfs <= 0.0, "{}", r.sample_peak_dbfs);
        assert!(r.dc_offset.abs() < 1e-4, "{}", r.dc_offset);
        assert!((r.duration_s - 2.0).abs() < 1e-9);
        // A stereo full-scale 997 Hz sine: −3.01 dB per channel, +3.01 for two channels, and
        // the K-weighting's +0.69 dB at 1 kHz minus the −0.691 constant: 0.0 LUFS ±0.1.
        assert!(r.integrated_lufs.abs() < 0.1, "{}", r.integrated_lufs);
    }
}
