#!/usr/bin/env bash
# Soak of the live path (issue 14): `runnel live` on a private JACK server (dummy driver) at
# 64-frame periods for SECONDS (default 600), fed a sine by jack_simple_client, recording its
# output; prints the live summary (callbacks, DSP load, JACK xruns, late callbacks, recorded and
# dropped frames) and checks the recording's length. Not part of the test command: it takes ten
# minutes, and a busy machine makes a non-realtime dummy server miss cycles (JACK xruns) that say
# nothing about Runnel; the counters that are Runnel's own are late callbacks and dropped frames.
# Where the user may schedule real-time threads (root, or an rtprio limit), the server runs
# real-time (`jackd -R`), as on a live machine, and its clients' process threads with it.
# With `control` as third argument, the same server runs as long with a second
# jack_simple_client in Runnel's place, and the server's xruns of both runs are printed side by
# side: what the machine's scheduling costs any two clients, against what it costs with Runnel.
#
# Usage: scripts/soak-live.sh [SECONDS] [PERIOD] [control]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
period=${2:-64}
work=$(mktemp -d)
export JACK_DEFAULT_SERVER="runnel-soak-$$"
cargo build --release --quiet -p runnel-cli --bin runnel
runnel=$(pwd)/target/release/runnel

control=${3:-}
# The server's log lines that report an xrun (a late client, or the driver's own timing).
server_xruns() { grep -ci 'xrun' "$work/jackd.log" || true; }

if chrt -f 10 true 2>/dev/null; then
  scheduling=(-R -P 70)
  echo "soak: JACK server real-time (SCHED_FIFO 70)"
else
  scheduling=(--no-realtime)
  echo "soak: JACK server without real-time scheduling (no permission): expect server xruns"
fi
start_server() {
  jackd "${scheduling[@]}" -n "$JACK_DEFAULT_SERVER" -d dummy -r 48000 -p "$period" >"$work/jackd.log" 2>&1 &
  jackd_pid=$!
  for _ in $(seq 50); do jack_lsp >/dev/null 2>&1 && break; sleep 0.2; done
  jack_simple_client >/dev/null 2>&1 &
  sine_pid=$!
  for _ in $(seq 50); do jack_lsp 2>/dev/null | grep -q '^jack_simple_client:output1' && break; sleep 0.2; done
}
stop_server() {
  kill "$sine_pid" 2>/dev/null || true
  sleep 0.5
  kill "$jackd_pid" 2>/dev/null || true
  wait "$jackd_pid" 2>/dev/null || true
}
trap 'kill $jackd_pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

control_xruns=
if [ "$control" = control ]; then
  start_server
  jack_simple_client second >/dev/null 2>&1 &
  second_pid=$!
  sleep "$seconds"
  kill "$second_pid" 2>/dev/null || true
  stop_server
  control_xruns=$(server_xruns)
  echo "soak: control, ${seconds} s with two jack_simple_clients: ${control_xruns} server xruns"
fi

start_server

"$runnel" live --quiet --duration "$seconds" --record "$work/soak.wav" \
  --connect-in jack_simple_client:output1 --connect-in jack_simple_client:output2 | tee "$work/summary.txt"
stop_server

written=$(sed -n 's/.*recorded \([0-9]*\) frames.*/\1/p' "$work/summary.txt")
dropped=$(sed -n 's/.*dropped \([0-9]*\).*/\1/p' "$work/summary.txt")
file_frames=$(soxi -s "$work/soak.wav")
echo "soak: ${seconds} s at ${period}-frame periods; recorded ${written} frames (file holds ${file_frames}), dropped ${dropped}"
if [ -n "$control_xruns" ]; then
  echo "soak: server xruns with Runnel $(server_xruns), with a second sine client instead ${control_xruns}"
fi
[ "$file_frames" -eq "$written" ] && [ "$dropped" -eq 0 ]
