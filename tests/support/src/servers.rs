//! External programs the end-to-end suites start: finding them, stopping them gracefully, and a
//! private X server for editor tests.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long a server may take to come up before the test fails.
pub const SERVER_TIMEOUT: Duration = Duration::from_secs(10);

/// The full path of `tool` on `PATH`, or a test failure saying which Debian package to install.
/// A missing tool fails rather than skips: a suite that silently does nothing proves nothing.
pub fn require_tool(tool: &str, package: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(tool))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!(
                "`{tool}` is not on PATH; this test needs it (Debian package `{package}`, \
                 installed by scripts/system-deps.sh)"
            )
        })
}

/// Stops a server gracefully (SIGTERM, so it removes its sockets, lock files and shared
/// memory), then forcibly after 3 s.
pub fn terminate(mut child: Child) {
    // std has no SIGTERM and this crate has no libc dependency; kill(1) is always there.
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// A private X server (Xvfb, 1280×800×24, no TCP); dropping it stops the server.
pub struct PrivateDisplay {
    /// The Xvfb process; `None` only while dropping.
    server: Option<Child>,
    /// Its display name, e.g. `:3`.
    name: String,
}

impl PrivateDisplay {
    /// Starts Xvfb on a display number it picks itself (`-displayfd`, so it never meets a running
    /// server), with its diagnostics going to `stderr`. Errors (as text, to be shown with the
    /// caller's logs) if Xvfb does not report its display within [`SERVER_TIMEOUT`].
    pub fn start(stderr: Stdio) -> Result<Self, String> {
        Self::start_with_screen(stderr, 1280, 800)
    }

    /// Like [`start`](Self::start) with a `width`×`height`×24 screen (for windows larger than
    /// the default screen, e.g. the editor at 200 %).
    pub fn start_with_screen(stderr: Stdio, width: u32, height: u32) -> Result<Self, String> {
        let xvfb = require_tool("Xvfb", "xvfb");
        let screen = format!("{width}x{height}x24");
        let mut server = Command::new(xvfb)
            .args(["-displayfd", "1", "-screen", "0", &screen, "-nolisten", "tcp"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .map_err(|e| format!("spawn Xvfb: {e}"))?;
        let stdout = server.stdout.take().expect("Xvfb stdout is piped");
        // Xvfb writes the display number once it accepts connections. Read it on a thread so a
        // hung server cannot hang the test; EOF (Xvfb died) also ends the read.
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = sender.send(line);
        });
        let line = receiver.recv_timeout(SERVER_TIMEOUT).unwrap_or_default();
        match line.trim().parse::<u32>() {
            Ok(number) => Ok(Self { server: Some(server), name: format!(":{number}") }),
            Err(_) => {
                terminate(server);
                Err(format!("Xvfb did not report a display number (got {line:?})"))
            }
        }
    }

    /// The display name for `DISPLAY`, e.g. `:3`.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for PrivateDisplay {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            terminate(server);
        }
    }
}
