//! `runnel live`: the engine as a windowless JACK client (runnel_live::jack_host), for a headless
//! box, with presets and `--set` from the parameter table, an optional recording, a one-line live
//! status and a summary when SIGINT or SIGTERM ends it.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;
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

Only the JACK backend is available here so far (start jackd first, or use the standalone
`Runnel --backend alsa` for ALSA). Stop with Ctrl-C (or SIGTERM): the recording is finished and
a summary printed.

Exit status: 0 after a clean stop; 1 on a bad preset or --set, when JACK cannot be reached, a port
cannot be connected or the recording cannot be written.")]
pub struct LiveArgs {
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
    // The recorder needs the server's rate before the host starts; a probe client asks for it.
    let sample_rate = runnel_live::devices::jack_server()?.sample_rate;
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
    let host =
        JackHost::start(&args.client_name, &values.to_settings(), &args.connect_in, &args.connect_out, tap)
            .map_err(|e| e.to_string())?;
    let name = host.client_name();
    let period_ms = f64::from(host.period_frames) * 1000.0 / f64::from(host.sample_rate);
    eprintln!(
        "runnel live: JACK client {name} at {} Hz, period {} frames ({period_ms:.2} ms); engine latency {} frames; \
         ports {name}:in_1/2 → {name}:out_1/2{}",
        host.sample_rate,
        host.period_frames,
        host.engine_latency,
        args.record.as_ref().map(|p| format!("; recording to {}", p.display())).unwrap_or_default()
    );
    let started = Instant::now();
    let stats = host.stats().clone();
    let mut last_busy = (0u64, 0u64);
    while !stop.load(Ordering::Acquire) && args.duration.is_none_or(|d| started.elapsed().as_secs_f64() < d) {
        std::thread::sleep(STATUS_INTERVAL);
        if !args.quiet {
            eprint!("\r{}", status_line(&stats, period_ms, &mut last_busy, record_counters.as_deref()));
        }
    }
    if !args.quiet {
        eprintln!();
    }
    let tap = host.stop().map_err(|e| e.to_string())?;
    drop(tap);
    if let Some(recorder) = recorder {
        let path = recorder.path().display().to_string();
        recorder.finish().map_err(|e| format!("the recording {path} could not be finished: {e}"))?;
    }
    println!("{}", summary(&stats, started.elapsed(), period_ms, record_counters.as_deref()));
    Ok(())
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
fn summary(stats: &LiveStats, elapsed: Duration, period_ms: f64, record: Option<&RecordCounters>) -> String {
    let callbacks = stats.callbacks.load(Ordering::Relaxed);
    let busy = stats.busy_ns.load(Ordering::Relaxed);
    let load = if callbacks == 0 { 0.0 } else { 100.0 * busy as f64 / callbacks as f64 / (period_ms * 1e6) };
    let mut text = format!(
        "runnel live: ran {:.1} s, {callbacks} callbacks, average DSP load {load:.2} %, {} JACK xruns, {} late callbacks",
        elapsed.as_secs_f64(),
        stats.xruns.load(Ordering::Relaxed),
        stats.late_callbacks.load(Ordering::Relaxed)
    );
    if let Some(r) = record {
        text.push_str(&format!(
            "; recorded {} frames, dropped {}",
            r.written_frames.load(Ordering::Relaxed),
            r.dropped_frames.load(Ordering::Relaxed)
        ));
    }
    text
}
