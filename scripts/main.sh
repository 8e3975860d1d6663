#!/usr/bin/env bash
# The main job: install what is needed, bundle the CLAP/VST3 plugins and the standalone, then
# render a short demo through the engine so you can hear it.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/system-deps.sh

cargo xtask bundle runnel --release
cargo run --release --quiet -p runnel-engine --example render_demo -- target/demo
# The command-line tool, and the demo's dry file rendered through it (a real file, a preset,
# loudness-normalised) the way a user would.
cargo build --release --quiet -p runnel-cli
target/release/runnel render target/demo/dry.wav -o target/demo/dry-vocal-plate.wav \
  --preset "Vocal Plate" --normalize -16 --true-peak -1 --force --quiet

cat <<MSG

Runnel is built.
  CLAP:       $(pwd)/target/bundled/Runnel.clap     -> copy to ~/.clap/
  VST3:       $(pwd)/target/bundled/Runnel.vst3     -> copy to ~/.vst3/
  Standalone: $(pwd)/target/bundled/Runnel          (run with --help for devices and options;
              e.g. 'target/bundled/Runnel --backend jack' or '--backend alsa --period-size 128')
  Demo:       $(pwd)/target/demo/dry.wav and $(pwd)/target/demo/runnel.wav
  CLI:        $(pwd)/target/release/runnel (render, analyze, presets, params; --help on each)
              rendered $(pwd)/target/demo/dry-vocal-plate.wav with 'runnel render'
MSG
