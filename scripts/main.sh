#!/usr/bin/env bash
# The main job: install what is needed, bundle the CLAP/VST3 plugins and the standalone, then
# render a short demo through the engine so you can hear it.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/system-deps.sh

cargo xtask bundle runnel --release
cargo run --release --quiet -p runnel-engine --example render_demo -- target/demo

cat <<MSG

Runnel is built.
  CLAP:       $(pwd)/target/bundled/Runnel.clap     -> copy to ~/.clap/
  VST3:       $(pwd)/target/bundled/Runnel.vst3     -> copy to ~/.vst3/
  Standalone: $(pwd)/target/bundled/Runnel          (run with --help for devices and options;
              e.g. 'target/bundled/Runnel --backend jack' or '--backend alsa --period-size 128')
  Demo:       $(pwd)/target/demo/dry.wav and $(pwd)/target/demo/runnel.wav
MSG
