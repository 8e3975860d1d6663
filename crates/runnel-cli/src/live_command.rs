//! `runnel live`: the engine without a window, for a headless box — as a JACK client
//! (runnel_live::jack_host) or between a cpal capture and playback device
//! (runnel_live::cpal_host: ALSA, CoreAudio, WASAPI) — with presets and `--set` from the parameter
//! table, an optional recording, a one-line live status and a summary when SIGINT or SIGTERM ends
//! it.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;
use runnel_live::cpal_host::{CpalHost, CpalOptions, StreamCounters};
use runnel_live::jack_host::{JackHost, LiveStats};
use runnel_live::recorder::{RecordCounters, Recorder};

/// How often the status line is refreshed.
const STATUS_INTERVAL: Duration = Duration::from_millis(500);
/// The recorder's ring: seconds of audio the writer may fall behind before frames are dropped.
const RECORD_RING_SECONDS: f64 = 2.0;

/// Options of `runnel live`.
#[derive(Args, Debug)]
#[command(after_help = "\
Examples:
  runnel live --connect-in system:capture_1 --connect-out system:playback_1 --connect-out system:playback_2
  runnel live --preset 'Vocal Plate' --set delay_mix=20% --record take.wav --connect-in system:capture_1
  runnel live --backend alsa --input-device 'USB Audio' --output-device 'USB Audio' --period 128

With JACK (the default backend) Runnel processes inside JACK's cycle and adds nothing to it; the
engine's own latency (a lookahead) is published in the ports' JACK latency ranges. With a cpal
backend (alsa, coreaudio, wasapi…; `runnel devices` lists the devices) it starts playback with two
periods queued between capture and playback, times the round trip while running (status line and
summary), corrects clock drift between different devices with crossfaded slips, and counts
overflows, underruns and slips. Stop with Ctrl-C (or SIGTERM): the
recording is finished and a summary printed.

Exit status: 0 after a clean stop; 1 on a bad preset or --set, when JACK cannot be reached, a port
cannot be connected, a device refuses a setting, or the recording cannot be written.")]
pub struct LiveArgs {
    /// Audio backend: `jack`, or a cpal backend (`alsa`, `coreaudio`, `wasapi`, …).
    #[arg(long, default_value = "jack", value_name = "NAME")]
    backend: String,
    /// cpal backends: the capture device by name (default: the backend's default).
    #[arg(long, value_name = "NAME")]
    input_device: Option<String>,
    /// cpal backends: the playback device by name (default: the backend's default).
    #[arg(long, value_name = "NAME")]
    output_device: Option<String>,
    /// cpal backends: sample rate in Hz.
    #[arg(long, default_value_t = 48_000, value_name = "HZ")]
    sample_rate: u32,
    /// cpal backends: period (buffer size) in frames.
    #[arg(long, default_value_t = 256, value_name = "FRAMES")]
    period: u32,
    /// JACK port(s) to connect to Runnel's inputs (one port feeds both).
    #[arg(long = "connect-in", value_name = "PORT")]
    connect_in: Vec<String>,
    /// JACK port(s) to connect Runnel's outputs to (first → out_1, second → out_2).
    #[arg(long = "connect-out", value_name = "PORT")]
    connect_out: Vec<String>,
    /// A preset: a factory or user preset name, or a preset file.
    #[arg(long, value_name = "NAME|FILE")]
    preset: Option<String>,
    /// Set a parameter, as the plugin shows it (`runnel params` lists them): hp_freq=1.2k.
    #[arg(long = "set", value_name = "ID=VALUE")]
    sets: Vec<String>,
    /// Record the processed output to this WAV file (32-bit float).
    #[arg(long, value_name = "FILE")]
    record: Option<PathBuf>,
    /// The JACK server's name (default: $JACK_DEFAULT_SERVER, else the default server).
    #[arg(long, value_name = "NAME")]
    server: Option<String>,
    /// The JACK client name.
    #[arg(long, default_value = "runnel-live", value_name = "NAME")]
    client_name: String,
    /// Stop by itself after this many seconds.
    #[arg(long, value_name = "SECONDS")]
    duration: Option<f64>,
    /// No live status line (the summary is still printed).
    #[arg(long)]
    quiet: bool,
}

/// Runs until stopped.
pub fn run(args: LiveArgs) -> ExitCode {
    match live(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("runnel live: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The command's body; errors are one line for the user.
fn live(args: &LiveArgs) -> Result<(), String> {
    let values = crate::values_from(args.preset.as_deref(), &args.sets)?;
    if let Some(server) = &args.server {
        // libjack reads the server name from the environment; no other thread runs yet.
        std::env::set_var("JACK_DEFAULT_SERVER", server);
    }
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        ctrlc::set_handler(move || stop.store(true, Ordering::Release))
            .map_err(|e| format!("cannot install the SIGINT/SIGTERM handler: {e}"))?;
    }
    let jack = args.backend.eq_ignore_ascii_case("jack");
    if jack && (args.input_device.is_some() || args.output_device.is_some()) {
        return Err(
            "--input-device/--output-device are for cpal backends; with JACK use --connect-in/--connect-out"
                .into(),
        );
    }
    // The recorder needs the rate before the host starts; with JACK a probe client asks for it.
    let sample_rate = if jack { runnel_live::devices::jack_server()?.sample_rate } else { args.sample_rate };
    let (recorder, tap) = match &args.record {
        Some(path) => {
            let ring = (RECORD_RING_SECONDS * f64::from(sample_rate)) as usize;
            let (recorder, tap) = Recorder::start(path, sample_rate, ring, None)
                .map_err(|e| format!("cannot record to {}: {e}", path.display()))?;
            (Some(recorder), Some(tap))
        }
        None => (None, None),
    };
    let record_counters = tap.as_ref().map(|t| t.counters().clone());
    let recording_text =
        args.record.as_ref().map(|p| format!("; recording to {}", p.display())).unwrap_or_default();
    let settings = values.to_settings();
    let host = if jack {
        let host =
            JackHost::start(&args.client_name, &settings, &args.connect_in, &args.connect_out, tap, None)
                .map_err(|e| e.to_string())?;
        let name = host.client_name();
        eprintln!(
            "runnel live: JACK client {name} at {} Hz, period {} frames ({:.2} ms); engine latency {} frames; \
             ports {name}:in_1/2 → {name}:out_1/2{recording_text}",
            host.sample_rate,
            host.period_frames,
            milliseconds(host.period_frames, host.sample_rate),
            host.engine_latency,
        );
        Host::Jack(host)
    } else {
        let options = CpalOptions {
            backend: Some(args.backend.clone()),
            input_device: args.input_device.clone(),
            output_device: args.output_device.clone(),
            sample_rate: args.sample_rate,
            period: args.period,
            engine_stall: None,
        };
        let host = CpalHost::start(&options, &settings, tap)?;
        eprintln!(
            "runnel live: {} at {} Hz, period {} frames ({:.2} ms); latency: playback buffer {} + engine {} + \
             capture queue (measured while running){recording_text}",
            host.description,
            host.sample_rate,
            host.period_frames,
            milliseconds(host.period_frames, host.sample_rate),
            host.period_frames,
            host.engine_latency,
        );
        Host::Cpal(host)
    };
    let (period_frames, rate) = host.period();
    let period_ms = milliseconds(period_frames, rate);
    let started = Instant::now();
    let stats = host.stats().clone();
    let streams = host.stream_counters();
    let mut last_busy = (0u64, 0u64);
    while !stop.load(Ordering::Acquire) && args.duration.is_none_or(|d| started.elapsed().as_secs_f64() < d) {
        std::thread::sleep(STATUS_INTERVAL);
        if !args.quiet {
            let line = status_line(
                &stats,
                streams.as_deref(),
                period_ms,
                &mut last_busy,
                record_counters.as_deref(),
            );
            eprint!("\r{line}");
        }
    }
    if !args.quiet {
        eprintln!();
    }
    host.stop()?;
    if let Some(recorder) = recorder {
        let path = recorder.path().display().to_string();
        recorder.finish().map_err(|e| format!("the recording {path} could not be finished: {e}"))?;
    }
    println!(
        "{}",
        summary(&stats, streams.as_deref(), started.elapsed(), period_ms, record_counters.as_deref())
    );
    Ok(())
}

/// The running host, either kind.
enum Host {
    /// Inside JACK's cycle.
    Jack(JackHost),
    /// Between two cpal streams.
    Cpal(CpalHost),
}

impl Host {
    /// The live counters.
    fn stats(&self) -> &Arc<LiveStats> {
        match self {
            Host::Jack(host) => host.stats(),
            Host::Cpal(host) => host.stats(),
        }
    }

    /// The two-stream counters (cpal only).
    fn stream_counters(&self) -> Option<Arc<StreamCounters>> {
        match self {
            Host::Jack(_) => None,
            Host::Cpal(host) => Some(host.counters().clone()),
        }
    }

    /// Period in frames and rate in Hz.
    fn period(&self) -> (u32, u32) {
        match self {
            Host::Jack(host) => (host.period_frames, host.sample_rate),
            Host::Cpal(host) => (host.period_frames, host.sample_rate),
        }
    }

    /// Stops audio; nothing is pushed to the recorder after this returns.
    fn stop(self) -> Result<(), String> {
        match self {
            Host::Jack(host) => host.stop().map(drop).map_err(|e| e.to_string()),
            Host::Cpal(host) => {
                drop(host);
                Ok(())
            }
        }
    }
}

/// `frames` at `rate` in milliseconds.
fn milliseconds(frames: u32, rate: u32) -> f64 {
    f64::from(frames) * 1000.0 / f64::from(rate.max(1))
}

/// The measured round trip of the two-stream host as text.
fn round_trip_text(c: &StreamCounters) -> String {
    match (c.round_trip_frames(), c.queue_frames()) {
        (Some(total), Some(queue)) => format!(
            "latency {total:.0} frames = {:.2} ms (playback buffer {} + engine {} + capture queue {queue:.0})",
            total * 1000.0 / f64::from(c.sample_rate.max(1)),
            c.playback_buffer_frames,
            c.engine_latency_frames
        ),
        _ => "latency not measured yet".into(),
    }
}

/// The two-stream counters as text (empty for JACK).
fn stream_text(streams: Option<&StreamCounters>) -> String {
    streams.map_or_else(String::new, |c| {
        format!(
            "  {}  overflow {}  underrun {}  drift {}/{}  catch-up {}",
            round_trip_text(c),
            c.input_overflow_frames.load(Ordering::Relaxed),
            c.output_underrun_frames.load(Ordering::Relaxed),
            c.drift_dropped_frames.load(Ordering::Relaxed),
            c.drift_repeated_frames.load(Ordering::Relaxed),
            c.catch_up_frames.load(Ordering::Relaxed)
        )
    })
}

/// dBFS of a peak, with a floor.
fn dbfs(peak: f32) -> String {
    if peak <= 1e-6 {
        "-inf".into()
    } else {
        format!("{:.1}", 20.0 * peak.log10())
    }
}

/// A loudness for the status line, with a floor.
fn lufs(value: f32) -> String {
    if value < -99.0 {
        "-inf".into()
    } else {
        format!("{value:.1}")
    }
}

/// The live status: peaks since the last line, the output's momentary loudness, DSP load (average over the interval and the
/// longest callback against the period), xruns, late callbacks and recording counters.
fn status_line(
    stats: &LiveStats,
    streams: Option<&StreamCounters>,
    period_ms: f64,
    last: &mut (u64, u64),
    record: Option<&RecordCounters>,
) -> String {
    let (input, output) = stats.take_peaks();
    let callbacks = stats.callbacks.load(Ordering::Relaxed);
    let busy = stats.busy_ns.load(Ordering::Relaxed);
    let (d_callbacks, d_busy) = (callbacks - last.0, busy - last.1);
    *last = (callbacks, busy);
    let period_ns = period_ms * 1e6;
    let load = if d_callbacks == 0 { 0.0 } else { 100.0 * d_busy as f64 / d_callbacks as f64 / period_ns };
    let peak_load = 100.0 * stats.busy_ns_peak.swap(0, Ordering::Relaxed) as f64 / period_ns;
    let mut line = format!(
        "in {:>6} dBFS  out {:>6} dBFS  M {:>6} LUFS  DSP {load:4.1} % (peak {peak_load:5.1} %)  xruns {}  late {}",
        dbfs(input),
        dbfs(output),
        lufs(stats.momentary_lufs()),
        stats.xruns.load(Ordering::Relaxed),
        stats.late_callbacks.load(Ordering::Relaxed)
    );
    line.push_str(&stream_text(streams));
    if let Some(r) = record {
        line.push_str(&format!(
            "  rec {} frames, dropped {}",
            r.written_frames.load(Ordering::Relaxed),
            r.dropped_frames.load(Ordering::Relaxed)
        ));
    }
    line
}

/// The exit summary.
fn summary(
    stats: &LiveStats,
    streams: Option<&StreamCounters>,
    elapsed: Duration,
    period_ms: f64,
    record: Option<&RecordCounters>,
) -> String {
    let callbacks = stats.callbacks.load(Ordering::Relaxed);
    let busy = stats.busy_ns.load(Ordering::Relaxed);
    let load = if callbacks == 0 { 0.0 } else { 100.0 * busy as f64 / callbacks as f64 / (period_ms * 1e6) };
    let mut text = format!(
        "runnel live: ran {:.1} s, {callbacks} callbacks, average DSP load {load:.2} %, {} xruns, {} late callbacks",
        elapsed.as_secs_f64(),
        stats.xruns.load(Ordering::Relaxed),
        stats.late_callbacks.load(Ordering::Relaxed)
    );
    if let Some(c) = streams {
        text.push_str(&format!(
            ", {}, input overflow {} frames, output underrun {} frames, clock drift {} frames skipped, {} repeated, \
             {} frames dropped to catch up after xruns",
            round_trip_text(c),
            c.input_overflow_frames.load(Ordering::Relaxed),
            c.output_underrun_frames.load(Ordering::Relaxed),
            c.drift_dropped_frames.load(Ordering::Relaxed),
            c.drift_repeated_frames.load(Ordering::Relaxed),
            c.catch_up_frames.load(Ordering::Relaxed)
        ));
    }
    if let Some(r) = record {
        text.push_str(&format!(
            "; recorded {} frames, dropped {}",
            r.written_frames.load(Ordering::Relaxed),
            r.dropped_frames.load(Ordering::Relaxed)
        ));
    }
    text
}
