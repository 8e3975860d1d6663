#!/usr/bin/env bash
# Regenerates docs/screenshots/editor-{100,75,200}.png: the editor of the bundled standalone
# at 100 %, 75 % and 200 %, with a 1 kHz sine plus pink noise playing through it on a private
# JACK server (dummy driver) under a private Xvfb. Needs what scripts/system-deps.sh installs.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${SKIP_BUNDLE:-}" != 1 ]]; then
    cargo xtask bundle runnel --release
fi
cargo run --release --example editor_screenshots -- "${1:-docs/screenshots}"
