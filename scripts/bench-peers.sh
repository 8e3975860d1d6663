#!/usr/bin/env bash
# Peer benchmark for `runnel render` (not a test: timings depend on the machine and its load).
#
# 1. Reference chain R1 on a 5-minute stereo 48 kHz float WAV of pink noise, file to file:
#    runnel render vs pedalboard 0.9.26 (its own HighpassFilter/LowpassFilter/Gain/Delay/Reverb,
#    from the test venv) vs sox; wall time, ×realtime, peak memory (GNU time), ratios; plus the
#    engine alone on the same audio in memory (examples/engine_only.rs), so render's file-to-file
#    overhead (decode, encode, queues) shows.
#    R1 = high-pass 80 Hz 12 dB/oct → low-pass 8 kHz 12 dB/oct → +3.5 dB → delay 350 ms,
#    feedback 35 %, mix 25 % → reverb decay 1 s, mix 25 %. pedalboard's Reverb has no decay time
#    (room_size 0.5 stands in) and sox has no feedback delay (three echoes at 35 % steps stand in
#    for it), so the peers run a comparable, not identical, chain.
# 2. A batch of 16 one-minute files with --jobs 1 vs --jobs = cores.
#
# Usage: scripts/bench-peers.sh [WORK_DIR]   (default: a temporary folder, removed at the end)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=${1:-$(mktemp -d)}
[ -n "${1:-}" ] || trap 'rm -rf "$work"' EXIT
mkdir -p "$work"
cores=$(nproc)

for tool in sox /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "missing $tool: run scripts/system-deps.sh" >&2; exit 1; }
done
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r tests/requirements-host.txt
cargo build --release --quiet -p runnel-cli --bin runnel --example engine_only
runnel=$root/target/release/runnel
engine_only=$root/target/release/examples/engine_only

# Pink noise (Voss–McCartney-free: white noise through Kellet's pink filter), -18 dBFS RMS.
.venv/bin/python - "$work" <<'PY'
import sys, numpy as np
from scipy.io import wavfile
from scipy.signal import lfilter
work = sys.argv[1]
rate = 48_000
rng = np.random.default_rng(1)
def pink(seconds):
    white = rng.standard_normal((int(seconds * rate), 2))
    # A standard 3-pole approximation of a -3 dB/octave slope.
    b = [0.049922035, -0.095993537, 0.050612699, -0.004408786]
    a = [1, -2.494956002, 2.017265875, -0.522189400]
    x = lfilter(b, a, white, axis=0)
    return (x / np.sqrt(np.mean(x ** 2)) * 10 ** (-18 / 20)).astype(np.float32)
wavfile.write(f"{work}/pink-5min.wav", rate, pink(300))
one = pink(60)
for i in range(16):
    wavfile.write(f"{work}/batch-{i:02}.wav", rate, np.roll(one, i * 4801, axis=0))
PY

R1_SETS=(--set hp_on=on --set hp_freq=80 --set "hp_slope=12 dB/oct" --set lp_on=on --set lp_freq=8k
  --set "lp_slope=12 dB/oct" --set in_gain=3.5 --set delay_on=on --set dly_sync=off --set dly_time=350ms
  --set dly_feedback=35% --set dly_mix=25% --set reverb_on=on --set rv_decay=1 --set rv_mix=25%)
engine_sets=()
for ((i = 1; i < ${#R1_SETS[@]}; i += 2)); do engine_sets+=("${R1_SETS[i]}"); done

# Runs a command under GNU time; prints "wall_seconds peak_KiB".
measure() {
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" >/dev/null 2>"$work/err.txt" || { cat "$work/err.txt" >&2; exit 1; }
  cat "$work/time.txt"
}

input=$work/pink-5min.wav
duration=300
read -r runnel_s runnel_kib < <(measure "$runnel" render "$input" -o "$work/runnel.wav" --force --quiet --tail 0 \
  --format wav32f --jobs 1 "${R1_SETS[@]}")
engine_s=$("$engine_only" "$input" 1024 "${engine_sets[@]}")
cat > "$work/pedalboard_r1.py" <<'PY'
import sys
from pedalboard import Pedalboard, HighpassFilter, LowpassFilter, Gain, Delay, Reverb
from pedalboard.io import AudioFile
with AudioFile(sys.argv[1]) as f:
    audio, rate = f.read(f.frames), f.samplerate
board = Pedalboard([HighpassFilter(cutoff_frequency_hz=80), LowpassFilter(cutoff_frequency_hz=8000),
                    Gain(gain_db=3.5), Delay(delay_seconds=0.35, feedback=0.35, mix=0.25),
                    Reverb(room_size=0.5, wet_level=0.25, dry_level=0.75)])
out = board(audio, rate)
with AudioFile(sys.argv[2], "w", rate, out.shape[0]) as f:
    f.write(out)
PY
read -r pedal_s pedal_kib < <(measure "$root/.venv/bin/python" "$work/pedalboard_r1.py" "$input" "$work/pedalboard.wav")
read -r sox_s sox_kib < <(measure sox "$input" -e floating-point -b 32 "$work/sox.wav" highpass 80 lowpass 8000 \
  gain 3.5 echos 0.8 1 350 0.35 700 0.1225 1050 0.0429 reverb 50 50 100 100 0 -6)

echo
echo "R1 on 5 min stereo 48 kHz float pink noise, file to file ($(date -u +%F), $cores cores)"
printf '%-26s %9s %11s %10s\n' tool "wall s" "x realtime" "peak MiB"
row() { printf '%-26s %9.2f %11.1f %10.1f\n' "$1" "$2" "$(echo "$duration / $2" | bc -l)" "$(echo "$3 / 1024" | bc -l)"; }
row "runnel render (jobs 1)" "$runnel_s" "$runnel_kib"
row "pedalboard 0.9.26" "$pedal_s" "$pedal_kib"
row "sox" "$sox_s" "$sox_kib"
printf '%-26s %9.2f %11.1f %10s\n' "runnel engine only" "$engine_s" "$(echo "$duration / $engine_s" | bc -l)" "-"
echo
printf 'runnel / pedalboard wall: %.2f   runnel / sox wall: %.2f\n' \
  "$(echo "$runnel_s / $pedal_s" | bc -l)" "$(echo "$runnel_s / $sox_s" | bc -l)"
printf 'runnel / pedalboard memory: %.3f   runnel / sox memory: %.2f\n' \
  "$(echo "$runnel_kib / $pedal_kib" | bc -l)" "$(echo "$runnel_kib / $sox_kib" | bc -l)"
printf 'render overhead over the engine alone: %+.1f %% (goal <= 10 %%)\n' \
  "$(echo "($runnel_s / $engine_s - 1) * 100" | bc -l)"

batch=("$work"/batch-*.wav)
read -r one_s one_kib < <(measure "$runnel" render "${batch[@]}" --out-dir "$work/batch1" --force --quiet --tail 0 \
  --jobs 1 "${R1_SETS[@]}")
read -r all_s all_kib < <(measure "$runnel" render "${batch[@]}" --out-dir "$work/batchN" --force --quiet --tail 0 \
  --jobs "$cores" "${R1_SETS[@]}")
echo
echo "Batch of 16 one-minute files (R1)"
printf '%-26s %9s %11s %10s\n' jobs "wall s" "x realtime" "peak MiB"
printf '%-26s %9.2f %11.1f %10.1f\n' "--jobs 1" "$one_s" "$(echo "960 / $one_s" | bc -l)" "$(echo "$one_kib / 1024" | bc -l)"
printf '%-26s %9.2f %11.1f %10.1f\n' "--jobs $cores" "$all_s" "$(echo "960 / $all_s" | bc -l)" "$(echo "$all_kib / 1024" | bc -l)"
printf 'speed-up %.2f on %d cores (goal >= %.1f)\n' "$(echo "$one_s / $all_s" | bc -l)" "$cores" "$(echo "0.9 * $cores" | bc -l)"
