//! Where the suites that run the built bundles find them.

use std::path::{Path, PathBuf};

/// The bundled standalone binary: `$RUNNEL_BUNDLE_DIR/Runnel`, by default under this crate's
/// `target/bundled` (`RUNNEL_BUNDLE_DIR` lets a checkout test another checkout's bundle).
pub fn standalone_binary() -> PathBuf {
    let dir = std::env::var_os("RUNNEL_BUNDLE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bundled"));
    let binary = dir.join("Runnel");
    assert!(
        binary.is_file(),
        "{} does not exist; build it with `cargo xtask bundle runnel --release`",
        binary.display()
    );
    binary
}
