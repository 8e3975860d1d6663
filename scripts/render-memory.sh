#!/usr/bin/env bash
# Peak memory of `runnel render` on a 10-minute and a 60-minute stereo 48 kHz file (generated
# here, 16-bit, into a temporary folder): the issue's bound is a difference under 5 MiB and a
# peak under 40 MiB, for a plain render and for the two-pass --normalize/--true-peak render.
# Too slow for the test command (the 1-hour file alone is 660 MiB); the tests run 10 s vs 60 s.
#
# Usage: scripts/render-memory.sh [WORK_DIR]   (default: a temporary folder, removed at the end)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-$(mktemp -d)}
[ -n "${1:-}" ] || trap 'rm -rf "$work"' EXIT
mkdir -p "$work"
cargo build --release --quiet -p runnel-cli --bin runnel
runnel=$(pwd)/target/release/runnel

# Noise at -20 dBFS through sox (constant memory, any length).
for minutes in 10 60; do
  sox -n -r 48000 -c 2 -b 16 "$work/noise-$minutes.wav" synth $((minutes * 60)) pinknoise vol -20dB
done

printf '%-34s %12s %12s %10s\n' render "10 min MiB" "60 min MiB" "diff MiB"
for mode in plain normalized; do
  extra=()
  [ "$mode" = normalized ] && extra=(--normalize -16 --true-peak -1)
  kib=()
  for minutes in 10 60; do
    /usr/bin/time -f "%M" -o "$work/rss.txt" "$runnel" render "$work/noise-$minutes.wav" -o "$work/out.wav" \
      --force --quiet --format wav16 --jobs 1 "${extra[@]}"
    kib+=("$(cat "$work/rss.txt")")
    rm -f "$work/out.wav"
  done
  printf '%-34s %12.2f %12.2f %+10.2f\n' "runnel render ($mode)" "$(echo "${kib[0]} / 1024" | bc -l)" \
    "$(echo "${kib[1]} / 1024" | bc -l)" "$(echo "(${kib[1]} - ${kib[0]}) / 1024" | bc -l)"
done
