//! Screenshots of the editor with real audio running: starts a private Xvfb, a private JACK
//! server (dummy driver, 48 kHz, 256 frames), the bundled standalone, and a JACK client that
//! plays a 1 kHz sine (−12 dBFS) plus pink noise (about −30 dBFS RMS) into it; then sizes the
//! editor window to 100 %, 75 % and 200 % and writes each as a PNG.
//!
//! Run through `scripts/screenshots.sh` (it builds the bundle first). Arguments: the output
//! directory (default `docs/screenshots`). The bundle is `target/bundled/Runnel` unless
//! `RUNNEL_BUNDLE_DIR` says otherwise.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use jack::{AudioOut, Client, ClientOptions, Control, Port, ProcessScope};
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{AtomEnum, ConfigureWindowAux, ConnectionExt, ImageFormat, Window};
use x11rb::rust_connection::RustConnection;

use test_support::servers::{require_tool, terminate, PrivateDisplay};
use test_support::Rng;

/// The JACK server's sample rate.
const SAMPLE_RATE: usize = 48_000;
/// The editor's design size (`editor::layout::DESIGN_SIZE`).
const DESIGN: (u32, u32) = (1040, 860);
/// The scales photographed, with their file names.
const SHOTS: [(f32, &str); 3] = [(1.0, "editor-100.png"), (0.75, "editor-75.png"), (2.0, "editor-200.png")];

/// Plays a precomputed loop into both of the standalone's inputs.
struct Player {
    /// Connected to `runnel:input_1/2`.
    outputs: [Port<AudioOut>; 2],
    /// The loop (mono, both channels get it).
    signal: Vec<f32>,
    /// Read position in the loop.
    position: usize,
}

impl jack::ProcessHandler for Player {
    fn process(&mut self, _client: &Client, ps: &ProcessScope) -> Control {
        let frames = ps.n_frames() as usize;
        let start = self.position;
        for output in &mut self.outputs {
            for (i, sample) in output.as_mut_slice(ps).iter_mut().enumerate() {
                *sample = self.signal[(start + i) % self.signal.len()];
            }
        }
        self.position = (start + frames) % self.signal.len();
        Control::Continue
    }
}

/// Four seconds of a 1 kHz sine at −12 dBFS plus pink noise (white noise through Paul Kellet's
/// economy pinking filter, a sum of three one-pole low-passes), as one loop.
fn test_signal() -> Vec<f32> {
    let mut rng = Rng::new(2026);
    let (mut b0, mut b1, mut b2) = (0.0f64, 0.0f64, 0.0f64);
    (0..SAMPLE_RATE * 4)
        .map(|n| {
            let white = rng.uniform(-1.0, 1.0);
            b0 = 0.99765 * b0 + white * 0.0990460;
            b1 = 0.96300 * b1 + white * 0.2965164;
            b2 = 0.57000 * b2 + white * 1.0526913;
            let pink = (b0 + b1 + b2 + white * 0.1848) * 0.05;
            let sine = 0.25 * (2.0 * std::f64::consts::PI * 1000.0 * n as f64 / SAMPLE_RATE as f64).sin();
            (sine + pink * 0.25) as f32
        })
        .collect()
}

/// The top-level window named `name`, if any.
fn find_window(conn: &RustConnection, root: Window, name: &str) -> Option<Window> {
    let tree = conn.query_tree(root).ok()?.reply().ok()?;
    tree.children.into_iter().find(|&w| {
        conn.get_property(false, w, AtomEnum::WM_NAME, AtomEnum::STRING, 0, 64)
            .ok()
            .and_then(|c| c.reply().ok())
            .is_some_and(|p| p.value == name.as_bytes())
    })
}

/// Captures `window` (24-bit TrueColor, BGRX in memory) and writes it as an RGB PNG.
fn capture(conn: &RustConnection, window: Window, path: &Path) -> (u32, u32) {
    let geometry = conn.get_geometry(window).unwrap().reply().unwrap();
    let (w, h) = (geometry.width as u32, geometry.height as u32);
    let image =
        conn.get_image(ImageFormat::Z_PIXMAP, window, 0, 0, w as u16, h as u16, !0).unwrap().reply().unwrap();
    let rgb: Vec<u8> = image.data.chunks_exact(4).flat_map(|p| [p[2], p[1], p[0]]).collect();
    let file = std::fs::File::create(path).expect("create the PNG file");
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.write_header().unwrap().write_image_data(&rgb).unwrap();
    (w, h)
}

fn main() {
    let out_dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "docs/screenshots".into()));
    std::fs::create_dir_all(&out_dir).unwrap();
    let bundle = std::env::var_os("RUNNEL_BUNDLE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bundled"));
    let standalone = bundle.join("Runnel");
    assert!(standalone.is_file(), "{} missing: build the bundle", standalone.display());

    let display = PrivateDisplay::start_with_screen(Stdio::null(), 2200, 1800).expect("Xvfb");
    let server_name = format!("runnel-shots-{}", std::process::id());
    std::env::set_var("JACK_DEFAULT_SERVER", &server_name);
    let jackd: Child = Command::new(require_tool("jackd", "jackd2"))
        .args(["--no-realtime", "-n", &server_name, "-d", "dummy", "-r", "48000", "-p", "256"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn jackd");
    let deadline = Instant::now() + Duration::from_secs(20);
    let client = loop {
        std::thread::sleep(Duration::from_millis(300));
        if let Ok((client, _)) = Client::new("runnel-shots", ClientOptions::NO_START_SERVER) {
            break client;
        }
        assert!(Instant::now() < deadline, "jackd did not start");
    };
    let mut runnel: Child = Command::new(&standalone)
        .args(["--backend", "jack"])
        .env("DISPLAY", display.name())
        .env("JACK_DEFAULT_SERVER", &server_name)
        .env_remove("WAYLAND_DISPLAY")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the standalone");

    let deadline = Instant::now() + Duration::from_secs(30);
    while client.port_by_name("runnel:input_2").is_none() {
        assert!(Instant::now() < deadline, "the standalone registered no ports");
        std::thread::sleep(Duration::from_millis(100));
    }
    let outputs = [
        client.register_port("out_1", AudioOut::default()).unwrap(),
        client.register_port("out_2", AudioOut::default()).unwrap(),
    ];
    let active = client.activate_async((), Player { outputs, signal: test_signal(), position: 0 }).unwrap();
    for (i, target) in ["runnel:input_1", "runnel:input_2"].iter().enumerate() {
        active.as_client().connect_ports_by_name(&format!("runnel-shots:out_{}", i + 1), target).unwrap();
    }

    let (conn, screen) = RustConnection::connect(Some(display.name())).expect("connect to Xvfb");
    let root = conn.setup().roots[screen].root;
    let deadline = Instant::now() + Duration::from_secs(20);
    let window = loop {
        if let Some(w) = find_window(&conn, root, "Runnel") {
            break w;
        }
        assert!(Instant::now() < deadline, "no editor window");
        std::thread::sleep(Duration::from_millis(200));
    };
    // Let the analyzer, meters and loudness settle on the signal.
    std::thread::sleep(Duration::from_secs(5));
    for (scale, name) in SHOTS {
        let (w, h) = ((DESIGN.0 as f32 * scale).round() as u32, (DESIGN.1 as f32 * scale).round() as u32);
        conn.configure_window(window, &ConfigureWindowAux::new().width(w).height(h)).unwrap();
        conn.flush().unwrap();
        std::thread::sleep(Duration::from_secs(3));
        let path = out_dir.join(name);
        let (cw, ch) = capture(&conn, window, &path);
        println!("{} ({cw}×{ch}, requested {w}×{h})", path.display());
    }

    let _ = active.deactivate();
    let _ = runnel.kill();
    let _ = runnel.wait();
    terminate(jackd);
    drop(display);
}
