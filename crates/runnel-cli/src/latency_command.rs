//! `runnel latency`: the loopback round-trip latency meter (runnel_live::latency) on a JACK loop.

use std::process::ExitCode;

use clap::Args;
use runnel_live::jack_loop::{JackLoop, JackMeasurement};

/// Options of `runnel latency`.
#[derive(Args, Debug)]
#[command(after_help = "\
Examples:
  runnel latency --playback system:playback_1 --capture system:capture_1
      a physical loop: a cable from output 1 to input 1 of the JACK server's interface
  runnel latency --playback runnel:input_1 --capture runnel:output_1
      the standalone's own path inside the JACK graph (set its wet paths off first)

Exit status: 0 measured; 1 the loop is broken, noisy or unstable (nothing reported), or JACK
could not be reached or a port connected.")]
pub struct LatencyArgs {
    /// JACK port(s) to play the test signal into (repeat for several).
    #[arg(long, required = true, value_name = "PORT")]
    playback: Vec<String>,
    /// JACK port to record the loop's return from.
    #[arg(long, value_name = "PORT")]
    capture: String,
    /// The JACK server's name (default: $JACK_DEFAULT_SERVER, else the default server).
    #[arg(long, value_name = "NAME")]
    server: Option<String>,
    /// Longest round trip to look for, in seconds.
    #[arg(long, default_value_t = 1.0, value_name = "SECONDS")]
    max_latency: f64,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// Runs the measurement and prints the result.
pub fn run(args: LatencyArgs) -> ExitCode {
    if !(args.max_latency > 0.0 && args.max_latency <= 10.0) {
        eprintln!("runnel latency: --max-latency must be between 0 and 10 seconds, got {}", args.max_latency);
        return ExitCode::FAILURE;
    }
    if let Some(server) = &args.server {
        // libjack reads the server name from the environment; nothing else runs yet.
        std::env::set_var("JACK_DEFAULT_SERVER", server);
    }
    let meter = JackLoop {
        client_name: "runnel-latency".into(),
        playback: args.playback,
        capture: args.capture,
        max_latency_seconds: args.max_latency,
    };
    match meter.measure() {
        Ok(measurement) => report(&measurement, args.json),
        Err(e) => {
            eprintln!("runnel latency: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Prints a measurement (or its refusal); the status says which.
fn report(m: &JackMeasurement, json: bool) -> ExitCode {
    let period_ms = f64::from(m.period_frames) * 1000.0 / f64::from(m.sample_rate);
    if json {
        let mut object = serde_json::json!({
            "backend": "jack",
            "sample_rate": m.sample_rate,
            "period_frames": m.period_frames,
            "xruns": m.xruns,
        });
        match &m.result {
            Ok(e) => {
                object["frames"] = e.frames.into();
                object["milliseconds"] = e.milliseconds().into();
                object["inverted"] = e.inverted.into();
                object["spread_frames"] = e.spread_frames.into();
                object["fit_error_frames"] = e.standard_error_frames.into();
                object["peak_to_noise_db"] = e.peak_to_noise_db.into();
            }
            Err(error) => object["error"] = error.to_string().into(),
        }
        println!("{object}");
    } else {
        println!("JACK at {} Hz, period {} frames ({period_ms:.3} ms)", m.sample_rate, m.period_frames);
        match &m.result {
            Ok(e) => println!("{e}"),
            Err(error) => eprintln!("runnel latency: no measurement: {error}"),
        }
        if m.xruns > 0 {
            eprintln!("runnel latency: warning: {} JACK xruns during the measurement", m.xruns);
        }
    }
    if m.result.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
