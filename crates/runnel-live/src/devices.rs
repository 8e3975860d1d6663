//! What audio I/O this machine offers: every cpal backend (ALSA, CoreAudio, WASAPI, …) with its
//! devices, their channel counts, sample formats, rates and buffer sizes, and a running JACK
//! server with its rate, period and physical ports.

use std::fmt;

use cpal::traits::{DeviceTrait, HostTrait};

/// Sample rates users ask for; a device's listing names those it supports.
pub const COMMON_RATES: [u32; 6] = [44_100, 48_000, 88_200, 96_000, 176_400, 192_000];

/// What a device supports in one direction, summarised over all of cpal's configuration ranges
/// (a device can list hundreds: every channel count × sample format).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capabilities {
    /// Channel counts offered, ascending.
    pub channels: Vec<u16>,
    /// PCM sample formats offered, as cpal names them (`f32`, `i16`, `i24`, `i32`, `u8`, …).
    pub formats: Vec<String>,
    /// Lowest and highest sample rate over all ranges, Hz.
    pub rates: (u32, u32),
    /// Which of [`COMMON_RATES`] some range covers.
    pub common_rates: Vec<u32>,
    /// Smallest and largest buffer in frames over all ranges, when the backend knows them.
    pub buffer: Option<(u32, u32)>,
}

impl Capabilities {
    /// Summarises cpal's ranges; `None` when there are none (no such direction). DSD formats are
    /// left out: they are not PCM and Runnel never opens them.
    fn from_ranges(ranges: &[cpal::SupportedStreamConfigRange]) -> Option<Self> {
        let pcm: Vec<_> = ranges.iter().filter(|r| !r.sample_format().is_dsd()).collect();
        if pcm.is_empty() {
            return None;
        }
        let mut channels: Vec<u16> = pcm.iter().map(|r| r.channels()).collect();
        channels.sort_unstable();
        channels.dedup();
        let mut formats: Vec<String> = pcm.iter().map(|r| r.sample_format().to_string()).collect();
        formats.sort();
        formats.dedup();
        let rates = (
            pcm.iter().map(|r| r.min_sample_rate()).min().unwrap_or(0),
            pcm.iter().map(|r| r.max_sample_rate()).max().unwrap_or(0),
        );
        let common_rates = COMMON_RATES
            .into_iter()
            .filter(|&rate| pcm.iter().any(|r| (r.min_sample_rate()..=r.max_sample_rate()).contains(&rate)))
            .collect();
        let buffers: Vec<(u32, u32)> = pcm
            .iter()
            .filter_map(|r| match r.buffer_size() {
                cpal::SupportedBufferSize::Range { min, max } => Some((*min, *max)),
                cpal::SupportedBufferSize::Unknown => None,
            })
            .collect();
        let buffer = (!buffers.is_empty()).then(|| {
            (buffers.iter().map(|b| b.0).min().unwrap_or(0), buffers.iter().map(|b| b.1).max().unwrap_or(0))
        });
        Some(Self { channels, formats, rates, common_rates, buffer })
    }
}

impl fmt::Display for Capabilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ch; {}; ", channel_text(&self.channels), self.formats.join(" "))?;
        if self.rates.0 == self.rates.1 {
            write!(f, "{} Hz", self.rates.0)?;
        } else {
            write!(f, "{}–{} Hz", self.rates.0, self.rates.1)?;
        }
        if !self.common_rates.is_empty() && self.rates.0 != self.rates.1 {
            let rates: Vec<String> = self.common_rates.iter().map(u32::to_string).collect();
            write!(f, " (incl. {})", rates.join(", "))?;
        }
        match self.buffer {
            Some((min, max)) => write!(f, "; buffer {min}–{max} frames"),
            None => write!(f, "; buffer size unknown"),
        }
    }
}

/// Channel counts as runs: `[1, 2, 3, 4, 8]` → `1–4, 8`.
fn channel_text(channels: &[u16]) -> String {
    let mut runs: Vec<String> = Vec::new();
    let mut i = 0;
    while i < channels.len() {
        let start = channels[i];
        while i + 1 < channels.len() && channels[i + 1] == channels[i] + 1 {
            i += 1;
        }
        let end = channels[i];
        runs.push(if start == end { start.to_string() } else { format!("{start}–{end}") });
        i += 1;
    }
    runs.join(", ")
}

/// A device of one backend.
#[derive(Debug, Clone)]
pub struct Device {
    /// The device's name as its backend describes it (what the standalone's `--input-device` and
    /// `--output-device` match).
    pub name: String,
    /// The backend's identifier for it (for ALSA the PCM name, e.g. `hw:CARD=PCH,DEV=0`), when it
    /// has one.
    pub id: Option<String>,
    /// Whether the backend calls it its default input.
    pub default_input: bool,
    /// Whether the backend calls it its default output.
    pub default_output: bool,
    /// What it captures (`None`: no input).
    pub input: Option<Capabilities>,
    /// What it plays (`None`: no output).
    pub output: Option<Capabilities>,
}

/// One cpal backend and what it lists.
#[derive(Debug)]
pub struct Backend {
    /// The backend's name (`ALSA`, `CoreAudio`, `WASAPI`, …).
    pub name: String,
    /// Its devices, or why they could not be listed.
    pub devices: Result<Vec<Device>, String>,
}

/// Lists every cpal backend compiled in and available here, with its devices.
pub fn cpal_backends() -> Vec<Backend> {
    cpal::available_hosts()
        .into_iter()
        .map(|id| {
            let devices = cpal::host_from_id(id).map_err(|e| e.to_string()).and_then(|host| {
                let default_in = host.default_input_device().map(|d| d.to_string());
                let default_out = host.default_output_device().map(|d| d.to_string());
                let devices = host.devices().map_err(|e| e.to_string())?;
                Ok(devices
                    .map(|device| {
                        let name = device.to_string();
                        Device {
                            id: device.id().ok().map(|id| id.id().to_string()),
                            default_input: default_in.as_deref() == Some(name.as_str()),
                            default_output: default_out.as_deref() == Some(name.as_str()),
                            input: device
                                .supported_input_configs()
                                .ok()
                                .and_then(|c| Capabilities::from_ranges(&c.collect::<Vec<_>>())),
                            output: device
                                .supported_output_configs()
                                .ok()
                                .and_then(|c| Capabilities::from_ranges(&c.collect::<Vec<_>>())),
                            name,
                        }
                    })
                    .collect())
            });
            Backend { name: id.name().to_string(), devices }
        })
        .collect()
}

/// A running JACK server as its clients see it.
#[derive(Debug, Clone)]
pub struct JackServer {
    /// Sample rate, Hz.
    pub sample_rate: u32,
    /// Period (buffer size), frames.
    pub period_frames: u32,
    /// Physical capture ports (the interface's inputs, as JACK outputs).
    pub capture_ports: Vec<String>,
    /// Physical playback ports (the interface's outputs, as JACK inputs).
    pub playback_ports: Vec<String>,
}

/// The JACK server `JACK_DEFAULT_SERVER` (or the default) names, if one runs; never starts one.
pub fn jack_server() -> Result<JackServer, String> {
    let (client, _status) = jack::Client::new("runnel-devices", jack::ClientOptions::NO_START_SERVER)
        .map_err(|_| "no JACK server is running".to_string())?;
    let physical = |direction: jack::PortFlags| {
        client.ports(None, Some("audio"), jack::PortFlags::IS_PHYSICAL | direction)
    };
    Ok(JackServer {
        sample_rate: client.sample_rate(),
        period_frames: client.buffer_size(),
        capture_ports: physical(jack::PortFlags::IS_OUTPUT),
        playback_ports: physical(jack::PortFlags::IS_INPUT),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_counts_are_shown_as_runs() {
        assert_eq!(channel_text(&[2]), "2");
        assert_eq!(channel_text(&[1, 2, 3, 4, 8]), "1–4, 8");
        assert_eq!(channel_text(&[1, 3, 5, 6]), "1, 3, 5–6");
    }

    #[test]
    fn ranges_are_summarised_without_dsd() {
        use cpal::{SampleFormat, SupportedBufferSize, SupportedStreamConfigRange};
        let range = |channels, format, min, max| {
            SupportedStreamConfigRange::new(
                channels,
                min,
                max,
                SupportedBufferSize::Range { min: 64, max: 8192 },
                format,
            )
        };
        let summary = Capabilities::from_ranges(&[
            range(2, SampleFormat::I16, 44_100, 48_000),
            range(1, SampleFormat::F32, 96_000, 96_000),
            range(2, SampleFormat::DsdU8, 8_000, 384_000),
        ])
        .expect("PCM ranges");
        assert_eq!(summary.channels, [1, 2]);
        assert_eq!(summary.formats, ["f32", "i16"]);
        assert_eq!(summary.rates, (44_100, 96_000));
        assert_eq!(summary.common_rates, [44_100, 48_000, 96_000]);
        assert_eq!(
            summary.to_string(),
            "1–2 ch; f32 i16; 44100–96000 Hz (incl. 44100, 48000, 96000); buffer 64–8192 frames"
        );
        assert_eq!(Capabilities::from_ranges(&[range(2, SampleFormat::DsdU8, 1, 2)]), None);
    }
}
