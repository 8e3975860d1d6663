//! Reading audio files as a stream of interleaved `f32` chunks, with symphonia: WAV, FLAC, AIFF,
//! MP3 and Ogg Vorbis. Only one packet is decoded at a time, so memory does not depend on the
//! file's length.
//!
//! Gapless: symphonia's `enable_gapless` is on, so an MP3 with a LAME/Xing info tag loses the
//! encoder delay and padding the tag states (plus the decoder's own 529-sample delay) and
//! decodes to the length and alignment of the encoder's input. An MP3 without the tag keeps
//! them (nothing says how long they are).

use std::fmt;
use std::fs::File;
use std::path::Path;

use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::{Decoder as CodecDecoder, DecoderOptions, CODEC_TYPE_NULL};
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::{FormatOptions, FormatReader};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

/// The most channels a render accepts: the engine is a stereo chain (mono runs through it as
/// two equal sides). More channels are refused rather than guessed at.
pub const MAX_CHANNELS: usize = 2;

/// The most channels `runnel analyze` measures (7.1; the BS.1770 mapping is in
/// [`crate::loudness::bs1770_channel_map`]).
pub const MAX_ANALYZE_CHANNELS: usize = 8;

/// Why a file could not be read.
#[derive(Debug)]
pub enum DecodeError {
    /// The file could not be opened or read.
    Io(std::io::Error),
    /// The file is empty.
    Empty,
    /// Not a format symphonia recognises (or a header too damaged to recognise).
    Unsupported(String),
    /// No audio track in the container.
    NoAudioTrack,
    /// The track's sample rate is not stated.
    UnknownRate,
    /// More channels than the caller accepts: (found, most accepted).
    TooManyChannels(usize, usize),
    /// The data is damaged past what the decoder can skip.
    Corrupt(String),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Io(e) => write!(f, "cannot read: {e}"),
            DecodeError::Empty => write!(f, "empty file"),
            DecodeError::Unsupported(why) => {
                write!(f, "not a supported audio file (WAV, FLAC, AIFF, MP3, Ogg Vorbis): {why}")
            }
            DecodeError::NoAudioTrack => write!(f, "no audio track"),
            DecodeError::UnknownRate => write!(f, "the file does not state its sample rate"),
            DecodeError::TooManyChannels(n, MAX_CHANNELS) => {
                write!(f, "{n} channels; runnel renders mono and stereo files only")
            }
            DecodeError::TooManyChannels(n, most) => {
                write!(f, "{n} channels; at most {most} are measured")
            }
            DecodeError::Corrupt(why) => write!(f, "damaged audio data: {why}"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// An open audio file, decoded one packet at a time.
pub struct AudioDecoder {
    /// The container reader.
    format: Box<dyn FormatReader>,
    /// The codec decoder of the chosen track.
    codec: Box<dyn CodecDecoder>,
    /// The track being decoded.
    track_id: u32,
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Channels (1 or 2 for a render; up to [`MAX_ANALYZE_CHANNELS`] for analyze).
    pub channels: usize,
    /// The most channels accepted.
    max_channels: usize,
    /// Length in frames when the container states it.
    pub frames: Option<u64>,
    /// Interleaved `f32` copy of the last decoded packet; reallocated only when a packet is
    /// larger than any before.
    buffer: Option<SampleBuffer<f32>>,
    /// Whether `buffer` holds a chunk decoded ahead (to learn the channel count) and not yet
    /// handed out.
    pending: bool,
    /// Packets the decoder refused and skipped (an MP3 frame with a bad CRC, say).
    pub skipped_packets: u32,
}

/// Packets in a row that may fail to decode before the file counts as damaged.
const MAX_SKIPPED_IN_A_ROW: u32 = 8;

impl AudioDecoder {
    /// Opens `path` for a render (mono or stereo) and chooses its first audio track.
    pub fn open(path: &Path) -> Result<Self, DecodeError> {
        Self::open_with_channels(path, MAX_CHANNELS)
    }

    /// Opens `path`, accepting up to `max_channels` channels, and chooses its first audio track.
    pub fn open_with_channels(path: &Path, max_channels: usize) -> Result<Self, DecodeError> {
        let file = File::open(path).map_err(DecodeError::Io)?;
        if file.metadata().map_err(DecodeError::Io)?.len() == 0 {
            return Err(DecodeError::Empty);
        }
        let stream = MediaSourceStream::new(Box::new(file), Default::default());
        let mut hint = Hint::new();
        if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
            hint.with_extension(ext);
        }
        // Trim the encoder delay and padding that LAME/Xing tags state.
        let gapless = FormatOptions { enable_gapless: true, ..Default::default() };
        let probed = symphonia::default::get_probe()
            .format(&hint, stream, &gapless, &MetadataOptions::default())
            .map_err(|e| match e {
                SymphoniaError::IoError(io) if io.kind() != std::io::ErrorKind::UnexpectedEof => {
                    DecodeError::Io(io)
                }
                SymphoniaError::IoError(_) => {
                    DecodeError::Unsupported("no known format header (or a truncated one)".into())
                }
                other => DecodeError::Unsupported(other.to_string()),
            })?;
        let format = probed.format;
        let track = format
            .tracks()
            .iter()
            .find(|t| t.codec_params.codec != CODEC_TYPE_NULL)
            .ok_or(DecodeError::NoAudioTrack)?;
        let params = &track.codec_params;
        let sample_rate = params.sample_rate.ok_or(DecodeError::UnknownRate)?;
        let channels = params.channels.map(|c| c.count()).unwrap_or(0);
        if channels > max_channels {
            return Err(DecodeError::TooManyChannels(channels, max_channels));
        }
        let codec = symphonia::default::get_codecs()
            .make(params, &DecoderOptions::default())
            .map_err(|e| DecodeError::Unsupported(e.to_string()))?;
        let mut decoder = Self {
            track_id: track.id,
            sample_rate,
            // Some containers (Ogg) state channels only in the first packet; 0 = learn it there.
            channels,
            max_channels,
            frames: params.n_frames,
            format,
            codec,
            buffer: None,
            pending: false,
            skipped_packets: 0,
        };
        if decoder.channels == 0 {
            // Decode ahead; the chunk is handed out by the first `next_chunk`.
            decoder.pending = decoder.next_chunk()?.is_some();
            if decoder.channels == 0 {
                return Err(DecodeError::NoAudioTrack);
            }
        }
        Ok(decoder)
    }

    /// The next decoded chunk (interleaved, a whole number of frames), or `None` at the end.
    pub fn next_chunk(&mut self) -> Result<Option<&[f32]>, DecodeError> {
        if std::mem::take(&mut self.pending) {
            return Ok(self.buffer.as_ref().map(|b| b.samples()));
        }
        let mut failures_in_a_row = 0;
        loop {
            let packet = match self.format.next_packet() {
                Ok(packet) => packet,
                Err(SymphoniaError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    return Ok(None)
                }
                Err(SymphoniaError::ResetRequired) => return Ok(None),
                Err(SymphoniaError::IoError(e)) => return Err(DecodeError::Io(e)),
                Err(e) => return Err(DecodeError::Corrupt(e.to_string())),
            };
            if packet.track_id() != self.track_id {
                continue;
            }
            let decoded = match self.codec.decode(&packet) {
                Ok(decoded) => decoded,
                Err(SymphoniaError::DecodeError(why)) => {
                    self.skipped_packets += 1;
                    failures_in_a_row += 1;
                    if failures_in_a_row >= MAX_SKIPPED_IN_A_ROW {
                        return Err(DecodeError::Corrupt(why.to_string()));
                    }
                    continue;
                }
                Err(SymphoniaError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    return Ok(None)
                }
                Err(e) => return Err(DecodeError::Corrupt(e.to_string())),
            };
            let spec = *decoded.spec();
            let count = spec.channels.count();
            if count > self.max_channels {
                return Err(DecodeError::TooManyChannels(count, self.max_channels));
            }
            if self.channels == 0 {
                self.channels = count;
            } else if count != self.channels {
                return Err(DecodeError::Corrupt(format!(
                    "the channel count changes from {} to {count}",
                    self.channels
                )));
            }
            let frames = decoded.frames();
            if frames == 0 {
                continue;
            }
            let needed = decoded.capacity() as u64;
            if self.buffer.as_ref().is_none_or(|b| (b.capacity() as u64) < needed * count as u64) {
                self.buffer = Some(SampleBuffer::new(needed, spec));
            }
            let buffer = self.buffer.as_mut().expect("just ensured");
            buffer.copy_interleaved_ref(decoded);
            return Ok(Some(buffer.samples()));
        }
    }
}
