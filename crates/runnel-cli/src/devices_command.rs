//! `runnel devices`: the audio backends, devices and configurations this machine offers
//! (runnel_live::devices), as text or JSON.

use clap::Args;
use runnel_live::devices::{cpal_backends, jack_server, Backend, Capabilities, Device};
use serde_json::{json, Value};

/// Options of `runnel devices`.
#[derive(Args, Debug)]
#[command(after_help = "\
Examples:
  runnel devices
  runnel devices --json | jq '.backends[].devices[].name'

Exit status: 0 (also when no device or JACK server is found: the listing says so).")]
pub struct DevicesArgs {
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// The device listing, as text or JSON.
pub fn listing(args: &DevicesArgs) -> String {
    let backends = cpal_backends();
    let jack = jack_server();
    if args.json {
        let object = json!({
            "backends": backends.iter().map(backend_json).collect::<Vec<_>>(),
            "jack": match &jack {
                Ok(server) => json!({
                    "sample_rate": server.sample_rate,
                    "period_frames": server.period_frames,
                    "capture_ports": server.capture_ports,
                    "playback_ports": server.playback_ports,
                }),
                Err(reason) => json!({ "error": reason }),
            },
        });
        return format!("{object}\n");
    }
    let mut out = String::new();
    for backend in &backends {
        out.push_str(&format!("{}\n", backend.name));
        match &backend.devices {
            Err(reason) => out.push_str(&format!("  (cannot list devices: {reason})\n")),
            Ok(devices) if devices.is_empty() => out.push_str("  (no devices)\n"),
            Ok(devices) => {
                for (index, device) in devices.iter().enumerate() {
                    out.push_str(&device_text(index, device));
                }
            }
        }
    }
    match &jack {
        Ok(server) => {
            out.push_str(&format!(
                "JACK server: {} Hz, period {} frames ({:.2} ms)\n",
                server.sample_rate,
                server.period_frames,
                f64::from(server.period_frames) * 1000.0 / f64::from(server.sample_rate)
            ));
            out.push_str(&format!("  capture ports:  {}\n", list_or_none(&server.capture_ports)));
            out.push_str(&format!("  playback ports: {}\n", list_or_none(&server.playback_ports)));
        }
        Err(reason) => out.push_str(&format!("JACK: {reason}\n")),
    }
    out
}

/// One device as text: index, name, defaults, then one line per configuration range.
fn device_text(index: usize, device: &Device) -> String {
    let mut marks = Vec::new();
    if device.default_input {
        marks.push("default input");
    }
    if device.default_output {
        marks.push("default output");
    }
    let marks = if marks.is_empty() { String::new() } else { format!(" ({})", marks.join(", ")) };
    let mut out = format!("  [{index}] {}{marks}\n", device.name);
    if let Some(id) = device.id.as_ref().filter(|id| **id != device.name) {
        out.push_str(&format!("      id:  {id}\n"));
    }
    for (direction, capabilities) in [("in: ", &device.input), ("out:", &device.output)] {
        if let Some(capabilities) = capabilities {
            out.push_str(&format!("      {direction} {capabilities}\n"));
        }
    }
    out
}

/// Ports as a comma-separated list, or "(none)".
fn list_or_none(ports: &[String]) -> String {
    if ports.is_empty() {
        "(none)".into()
    } else {
        ports.join(", ")
    }
}

/// A backend as JSON.
fn backend_json(backend: &Backend) -> Value {
    match &backend.devices {
        Ok(devices) => json!({
            "name": backend.name,
            "devices": devices.iter().map(|d| json!({
                "name": d.name,
                "id": d.id,
                "default_input": d.default_input,
                "default_output": d.default_output,
                "input": d.input.as_ref().map(capabilities_json),
                "output": d.output.as_ref().map(capabilities_json),
            })).collect::<Vec<_>>(),
        }),
        Err(reason) => json!({ "name": backend.name, "error": reason }),
    }
}

/// A direction's capabilities as JSON.
fn capabilities_json(c: &Capabilities) -> Value {
    json!({
        "channels": c.channels,
        "formats": c.formats,
        "min_rate": c.rates.0,
        "max_rate": c.rates.1,
        "common_rates": c.common_rates,
        "buffer_frames": c.buffer.map(|(min, max)| json!([min, max])),
    })
}
