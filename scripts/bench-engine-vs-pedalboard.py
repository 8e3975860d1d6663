#!/usr/bin/env python3
"""Runnel's reference chain R1 against pedalboard's own R1, side by side in one run (issue 11).

R1 = high-pass 80 Hz 12 dB/oct -> low-pass 8 kHz 12 dB/oct -> +3.5 dB -> delay 350 ms,
feedback 35 %, mix 25 % -> reverb decay 1 s, mix 25 %.

- Runnel: target/bundled/Runnel.vst3 (or every --vst3 given, e.g. a baseline bundle copied
  aside), hosted by pedalboard, parameters set through the VST3 parameters (each value found by
  bisection on the plugin's own display text, so no mapping is assumed);
- pedalboard: its own HighpassFilter(80) -> LowpassFilter(8000) -> Gain(+3.5 dB) ->
  Delay(0.35 s, feedback 0.35, mix 0.25) -> Reverb(wet 0.25, dry 0.75; Freeverb has no decay
  time, and its cost does not depend on room_size).

Input: 5 minutes (--seconds) of stereo pink noise at 48 kHz, processed in 8192-frame blocks
(--block). Each chain is timed --rounds times, alternating, and the best round is reported as
ns per stereo frame and x realtime, with the ratio pedalboard / Runnel.

Run with the project venv (pedalboard 0.9.26), after `cargo xtask bundle runnel --release`:
    .venv/bin/python scripts/bench-engine-vs-pedalboard.py [--vst3 PATH ...]
"""

import argparse
import math
import pathlib
import time

import numpy as np
import pedalboard

ROOT = pathlib.Path(__file__).resolve().parent.parent
SAMPLE_RATE = 48_000


def pink_noise(frames: int, seed: int) -> np.ndarray:
    """Stereo pink noise (1/f power from 10 Hz up) at about -20 dBFS RMS, shape (2, frames)."""
    rng = np.random.default_rng(seed)
    out = np.empty((2, frames), dtype=np.float32)
    for ch in range(2):
        spectrum = np.fft.rfft(rng.standard_normal(frames))
        freqs = np.fft.rfftfreq(frames, 1.0 / SAMPLE_RATE)
        spectrum /= np.sqrt(np.maximum(freqs, 10.0))
        x = np.fft.irfft(spectrum, frames)
        out[ch] = (0.1 * x / np.sqrt(np.mean(x * x))).astype(np.float32)
    return out


def leading_number(text: str) -> float:
    """'350.0 ms' -> 350, '8.00 kHz' -> 8000, '-inf dB' -> -inf, '35 %' -> 35."""
    t = text.strip().replace("\u2212", "-")
    if t.startswith("-\u221e") or t.startswith("-inf"):
        return -math.inf
    end = 0
    while end < len(t) and (t[end].isdigit() or t[end] == "." or (end == 0 and t[end] in "+-")):
        end += 1
    number = float(t[:end])
    unit = t[end:].strip()
    return number * 1000 if unit.startswith("k") and len(unit) > 1 else number


def param(plugin, name: str):
    for p in plugin.parameters.values():
        if p.name == name:
            return p
    raise SystemExit(f"no parameter {name!r} in {plugin.name}: {[p.name for p in plugin.parameters.values()]}")


def set_number(plugin, name: str, target: float) -> str:
    """Sets a continuous parameter to the raw value whose display is `target` (bisection on the
    plugin's own text, which is monotone in the raw value)."""
    p = param(plugin, name)
    lo, hi = 0.0, 1.0
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        p.raw_value = mid
        if leading_number(p.string_value) < target:
            lo = mid
        else:
            hi = mid
    p.raw_value = hi
    return p.string_value


def set_text(plugin, name: str, text: str) -> str:
    """Sets a switch or choice to the raw value whose display starts with `text`."""
    p = param(plugin, name)
    for step in range(1001):
        p.raw_value = step / 1000
        if p.string_value.strip().lower().startswith(text.lower()):
            return p.string_value
    raise SystemExit(f"{name}: no value shows {text!r}")


def runnel_r1(path: pathlib.Path):
    assert path.exists(), f"{path} missing: run `cargo xtask bundle runnel --release` first"
    plugin = pedalboard.load_plugin(str(path))
    shown = [
        set_text(plugin, "Filter On", "on"),
        set_text(plugin, "HP On", "on"),
        set_number(plugin, "HP Cutoff", 80.0),
        set_text(plugin, "HP Slope", "12"),
        set_text(plugin, "LP On", "on"),
        set_number(plugin, "LP Cutoff", 8000.0),
        set_text(plugin, "LP Slope", "12"),
        set_number(plugin, "Output Gain", 3.5),
        set_text(plugin, "Delay On", "on"),
        set_number(plugin, "Delay Time", 350.0),
        set_number(plugin, "Delay Feedback", 35.0),
        set_number(plugin, "Delay Mix", 25.0),
        set_text(plugin, "Reverb On", "on"),
        set_number(plugin, "Reverb Decay", 1.0),
        set_number(plugin, "Reverb Mix", 25.0),
    ]
    return pedalboard.Pedalboard([plugin]), shown


def pedalboard_r1():
    for name in ["HighpassFilter", "LowpassFilter", "Gain", "Delay", "Reverb"]:
        assert hasattr(pedalboard, name), f"pedalboard has no {name}"
    return pedalboard.Pedalboard([
        pedalboard.HighpassFilter(cutoff_frequency_hz=80.0),
        pedalboard.LowpassFilter(cutoff_frequency_hz=8000.0),
        pedalboard.Gain(gain_db=3.5),
        pedalboard.Delay(delay_seconds=0.35, feedback=0.35, mix=0.25),
        pedalboard.Reverb(room_size=0.5, wet_level=0.25, dry_level=0.75),
    ])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vst3", action="append", type=pathlib.Path,
                        help="Runnel.vst3 bundle(s) to time (default target/bundled/Runnel.vst3)")
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--block", type=int, default=8192)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    bundles = args.vst3 or [ROOT / "target" / "bundled" / "Runnel.vst3"]

    frames = int(args.seconds * SAMPLE_RATE)
    audio = pink_noise(frames, 1)
    chains = {"pedalboard R1": pedalboard_r1()}
    for bundle in bundles:
        board, shown = runnel_r1(bundle)
        print(f"{bundle}: {', '.join(shown)}")
        chains[f"Runnel R1 ({bundle})"] = board

    best = {name: math.inf for name in chains}
    for _ in range(args.rounds):
        for name, board in chains.items():
            board.reset()
            start = time.perf_counter()
            out = board(audio, SAMPLE_RATE, buffer_size=args.block, reset=False)
            elapsed = time.perf_counter() - start
            assert np.all(np.isfinite(out)) and np.max(np.abs(out)) > 1e-3, f"{name}: no output"
            best[name] = min(best[name], elapsed)

    print(f"\n{args.seconds:.0f} s stereo pink noise, {SAMPLE_RATE} Hz, {args.block}-frame blocks, "
          f"best of {args.rounds} alternating rounds")
    reference = best["pedalboard R1"]
    for name, seconds in best.items():
        ns = seconds * 1e9 / frames
        print(f"{name:70s} {ns:8.1f} ns/frame  {args.seconds / seconds:7.0f}x realtime  "
              f"pedalboard/this = {reference / seconds:5.2f}")


if __name__ == "__main__":
    main()
