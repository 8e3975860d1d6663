//! Writing the rendered stream: WAV (16/24-bit integer, 32-bit float, with hound) and FLAC
//! (16/24-bit, with flacenc, one frame at a time so memory stays constant), always into a
//! temporary file beside the destination that only [`PendingOutput::commit`] moves into place.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use flacenc::component::{BitRepr, StreamInfo};
use flacenc::error::Verify;
use flacenc::source::{Context, Fill, FrameBuf};

use super::dither::{DitherChoice, Tpdf};

/// The output formats of `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// WAV, 16-bit integer.
    Wav16,
    /// WAV, 24-bit integer.
    Wav24,
    /// WAV, 32-bit float (never clips; the default).
    Wav32f,
    /// FLAC, 16-bit.
    Flac16,
    /// FLAC, 24-bit.
    Flac24,
}

impl OutputFormat {
    /// The file extension (without the dot).
    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::Wav16 | OutputFormat::Wav24 | OutputFormat::Wav32f => "wav",
            OutputFormat::Flac16 | OutputFormat::Flac24 => "flac",
        }
    }

    /// Integer bits per sample, or `None` for float.
    pub fn integer_bits(self) -> Option<u32> {
        match self {
            OutputFormat::Wav16 | OutputFormat::Flac16 => Some(16),
            OutputFormat::Wav24 | OutputFormat::Flac24 => Some(24),
            OutputFormat::Wav32f => None,
        }
    }

    /// The format a destination's extension implies: `.flac` → FLAC 24-bit, anything else →
    /// 32-bit float WAV.
    pub fn for_path(path: &Path) -> Self {
        match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("flac") => OutputFormat::Flac24,
            _ => OutputFormat::Wav32f,
        }
    }
}

/// Scales a float sample to a `bits`-bit integer, rounding to nearest and clamping to the
/// integer range. Returns the value and whether it clipped.
pub fn quantize(x: f32, bits: u32) -> (i32, bool) {
    quantize_dithered(x, bits, 0.0)
}

/// [`quantize`] with `dither_lsb` (in integer steps) added before the rounding.
pub fn quantize_dithered(x: f32, bits: u32, dither_lsb: f64) -> (i32, bool) {
    let scale = (1i64 << (bits - 1)) as f64;
    let v = (f64::from(x) * scale + dither_lsb).round();
    let (lo, hi) = (-scale, scale - 1.0);
    if v > hi || v < lo || v.is_nan() {
        (if v.is_nan() { 0 } else { v.clamp(lo, hi) as i32 }, true)
    } else {
        (v as i32, false)
    }
}

/// A FLAC stream written frame by frame: `fLaC`, a STREAMINFO block rewritten at the end with the
/// real totals and MD5, then the frames.
struct FlacWriter {
    /// The file.
    file: BufWriter<File>,
    /// Stream parameters and totals.
    info: StreamInfo,
    /// Encoder settings (flacenc's defaults: its best compression).
    config: flacenc::error::Verified<flacenc::config::Encoder>,
    /// One frame of input plus the running MD5 and frame count.
    frame: (FrameBuf, Context),
    /// Interleaved integer samples waiting to fill a frame.
    pending: Vec<i32>,
    /// Serialised frame bytes (reused).
    sink: flacenc::bitsink::ByteSink,
    /// Channels.
    channels: usize,
}

/// Frames per FLAC block (the reference encoder's default).
const FLAC_BLOCK: usize = 4096;

impl FlacWriter {
    fn create(file: File, sample_rate: u32, channels: usize, bits: u32) -> Result<Self, String> {
        let info = StreamInfo::new(sample_rate as usize, channels, bits as usize)
            .map_err(|e| format!("FLAC cannot hold this stream: {e}"))?;
        let config = flacenc::config::Encoder::default()
            .into_verified()
            .map_err(|(_, e)| format!("FLAC encoder settings: {e:?}"))?;
        let frame = (
            FrameBuf::with_size(channels, FLAC_BLOCK).map_err(|e| e.to_string())?,
            Context::new(bits as usize, channels),
        );
        let mut writer = Self {
            file: BufWriter::new(file),
            info,
            config,
            frame,
            pending: Vec::with_capacity(FLAC_BLOCK * channels),
            sink: flacenc::bitsink::ByteSink::new(),
            channels,
        };
        writer.write_header().map_err(|e| e.to_string())?;
        Ok(writer)
    }

    /// `fLaC` and the (last, only) metadata block, STREAMINFO.
    fn write_header(&mut self) -> std::io::Result<()> {
        self.sink.clear();
        self.info.write(&mut self.sink).map_err(|e| std::io::Error::other(format!("{e:?}")))?;
        let body = self.sink.as_slice();
        self.file.write_all(b"fLaC")?;
        let len = body.len() as u32;
        self.file.write_all(&[0x80, (len >> 16) as u8, (len >> 8) as u8, len as u8])?;
        self.file.write_all(body)
    }

    fn write(&mut self, samples: &[i32]) -> Result<(), String> {
        for chunk in samples.chunks(self.channels) {
            self.pending.extend_from_slice(chunk);
            if self.pending.len() == FLAC_BLOCK * self.channels {
                self.encode_pending()?;
            }
        }
        Ok(())
    }

    fn encode_pending(&mut self) -> Result<(), String> {
        if self.pending.is_empty() {
            return Ok(());
        }
        self.frame.fill_interleaved(&self.pending).map_err(|e| e.to_string())?;
        let number = self.frame.1.current_frame_number().unwrap_or(0);
        let frame = flacenc::encode_fixed_size_frame(&self.config, &self.frame.0, number, &self.info)
            .map_err(|e| e.to_string())?;
        self.info.update_frame_info(&frame);
        self.sink.clear();
        frame.write(&mut self.sink).map_err(|e| format!("{e:?}"))?;
        self.file.write_all(self.sink.as_slice()).map_err(|e| e.to_string())?;
        self.pending.clear();
        Ok(())
    }

    fn finish(mut self) -> Result<(), String> {
        self.encode_pending()?;
        self.info.set_md5_digest(&self.frame.1.md5_digest());
        // Every block but the last is FLAC_BLOCK long; STREAMINFO states the fixed size.
        let _ = self.info.set_block_sizes(FLAC_BLOCK, FLAC_BLOCK);
        self.file.seek(SeekFrom::Start(0)).map_err(|e| e.to_string())?;
        self.write_header().map_err(|e| e.to_string())?;
        let file = self.file.into_inner().map_err(|e| e.to_string())?;
        file.sync_all().map_err(|e| e.to_string())
    }
}

/// The writer of one output file.
enum Writer {
    /// A WAV file.
    Wav(hound::WavWriter<BufWriter<File>>),
    /// A FLAC file.
    Flac(Box<FlacWriter>),
}

/// Writes interleaved float samples in one [`OutputFormat`], counting clipped samples.
pub struct AudioEncoder {
    /// The file writer.
    writer: Writer,
    /// Integer bits, or `None` for float.
    bits: Option<u32>,
    /// TPDF dither before rounding (integer formats with `--dither tpdf`).
    dither: Option<Tpdf>,
    /// Integer conversion buffer (reused).
    scratch: Vec<i32>,
    /// The last chunk as written, back in float (integer formats; reused).
    written: Vec<f32>,
    /// Samples that exceeded the integer range and were clamped.
    pub clipped: u64,
}

impl AudioEncoder {
    /// Starts a file of `format` at `path` (which must not exist; it is a fresh temporary);
    /// `dither` applies to integer formats.
    pub fn create(
        path: &Path,
        format: OutputFormat,
        sample_rate: u32,
        channels: usize,
        dither: DitherChoice,
    ) -> Result<Self, String> {
        let file = create_temporary(path).map_err(|e| e.to_string())?;
        let bits = format.integer_bits();
        let writer = match format {
            OutputFormat::Flac16 | OutputFormat::Flac24 => {
                Writer::Flac(Box::new(FlacWriter::create(file, sample_rate, channels, bits.unwrap_or(24))?))
            }
            _ => {
                let spec = hound::WavSpec {
                    channels: channels as u16,
                    sample_rate,
                    bits_per_sample: bits.unwrap_or(32) as u16,
                    sample_format: if bits.is_some() {
                        hound::SampleFormat::Int
                    } else {
                        hound::SampleFormat::Float
                    },
                };
                Writer::Wav(hound::WavWriter::new(BufWriter::new(file), spec).map_err(|e| e.to_string())?)
            }
        };
        let dither = (bits.is_some() && dither == DitherChoice::Tpdf).then(Tpdf::default);
        Ok(Self { writer, bits, dither, scratch: Vec::new(), written: Vec::new(), clipped: 0 })
    }

    /// Appends interleaved samples; returns them as written (dithered and rounded to the
    /// integer grid, back in float; the samples themselves for float), for a meter to read.
    pub fn write<'a>(&'a mut self, samples: &'a [f32]) -> Result<&'a [f32], String> {
        match (self.bits, &mut self.writer) {
            (None, Writer::Wav(w)) => {
                for &x in samples {
                    w.write_sample(x).map_err(|e| e.to_string())?;
                }
                Ok(samples)
            }
            (Some(bits), writer) => {
                let scale = (1i64 << (bits - 1)) as f32;
                self.scratch.clear();
                self.written.clear();
                for &x in samples {
                    let dither = self.dither.as_mut().map_or(0.0, Tpdf::next_lsb);
                    let (v, clipped) = quantize_dithered(x, bits, dither);
                    self.clipped += u64::from(clipped);
                    self.scratch.push(v);
                    self.written.push(v as f32 / scale);
                }
                match writer {
                    Writer::Wav(w) => {
                        for &v in &self.scratch {
                            w.write_sample(v).map_err(|e| e.to_string())?;
                        }
                    }
                    Writer::Flac(f) => f.write(&self.scratch)?,
                }
                Ok(&self.written)
            }
            (None, Writer::Flac(_)) => unreachable!("FLAC is always integer"),
        }
    }

    /// Completes the file (headers, flush, sync).
    pub fn finish(self) -> Result<(), String> {
        match self.writer {
            Writer::Wav(w) => w.finalize().map_err(|e| e.to_string()),
            Writer::Flac(f) => f.finish(),
        }
    }
}

/// Temporary files that exist now (created, not yet moved into place or removed), so that a
/// second Ctrl-C, which ends the process at once, can still remove them.
static LIVE_TEMPORARIES: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Creates `path` (which must not exist) and records it as a live temporary. Creation happens
/// under the record's lock, so once [`remove_temporaries_and_exit`] holds it no new temporary
/// can appear.
fn create_temporary(path: &Path) -> std::io::Result<File> {
    let mut live = LIVE_TEMPORARIES.lock().unwrap_or_else(PoisonError::into_inner);
    let file = File::options().write(true).create_new(true).open(path)?;
    live.push(path.to_path_buf());
    Ok(file)
}

/// Drops `path` from the live temporaries (it was moved into place or removed).
fn forget_temporary(path: &Path) {
    LIVE_TEMPORARIES.lock().unwrap_or_else(PoisonError::into_inner).retain(|p| p != path);
}

/// Removes every live temporary and ends the process with `code`, holding the record's lock
/// so no render thread creates another in between (a second Ctrl-C).
pub fn remove_temporaries_and_exit(code: i32) -> ! {
    let live = LIVE_TEMPORARIES.lock().unwrap_or_else(PoisonError::into_inner);
    for path in live.iter() {
        let _ = std::fs::remove_file(path);
    }
    std::process::exit(code)
}

/// Counter making temporary names unique within the process.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A file being written under a temporary name beside its destination. Dropping it without
/// [`commit`](Self::commit) removes the temporary, so a failed or interrupted render leaves
/// nothing behind.
pub struct PendingOutput {
    /// The temporary file.
    pub temp: PathBuf,
    /// Where it goes when complete.
    pub dest: PathBuf,
    /// Whether it was moved into place (nothing to clean up).
    committed: bool,
}

impl PendingOutput {
    /// A temporary name beside `dest` (hidden, with the process id and a counter), tagged with
    /// `purpose` ("part", "pass1").
    pub fn beside(dest: &Path, purpose: &str) -> Self {
        let name = dest.file_name().and_then(|n| n.to_str()).unwrap_or("output");
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let temp = dest.with_file_name(format!(".{name}.runnel-{}-{n}.{purpose}", std::process::id()));
        Self { temp, dest: dest.to_path_buf(), committed: false }
    }

    /// Moves the temporary into place. Without `overwrite` an existing destination is never
    /// replaced (a hard link fails if the name exists, atomically); with it, rename replaces it
    /// atomically.
    pub fn commit(mut self, overwrite: bool) -> std::io::Result<()> {
        if overwrite {
            std::fs::rename(&self.temp, &self.dest)?;
        } else {
            match std::fs::hard_link(&self.temp, &self.dest) {
                Ok(()) => std::fs::remove_file(&self.temp)?,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Err(e),
                // File systems without hard links: check, then rename (a small race window).
                Err(_) if !self.dest.exists() => std::fs::rename(&self.temp, &self.dest)?,
                Err(e) => return Err(e),
            }
        }
        self.committed = true;
        forget_temporary(&self.temp);
        Ok(())
    }
}

impl Drop for PendingOutput {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.temp);
            forget_temporary(&self.temp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantizing_rounds_to_nearest_and_clamps_at_the_integer_range() {
        assert_eq!(quantize(0.5, 16), (16384, false));
        assert_eq!(quantize(-1.0, 16), (-32768, false));
        assert_eq!(quantize(1.0, 16), (32767, true));
        assert_eq!(quantize(2.0, 24), ((1 << 23) - 1, true));
        assert_eq!(quantize(1.4 / 32768.0, 16), (1, false));
        assert_eq!(quantize(f32::NAN, 16), (0, true));
    }
}
