#!/usr/bin/env python3
"""Side by side: Runnel's true-peak limiter and compressor against pedalboard's (JUCE's)
Limiter and Compressor, on the same signals; prints a table.

Runnel is run through the engine's example binary `dynamics_render` (built here with cargo);
pedalboard 0.9.26 comes from the project venv:

    .venv/bin/python scripts/compare-dynamics.py

Measured per signal: sample peak and true peak of the output (4x polyphase resampling with
scipy, the BS.1770 way) relative to each limiter's own output ceiling (Runnel's is the
ceiling set; pedalboard's Limiter, JUCE's, scales its output so that it ends at 0 dBFS whatever
the threshold, so its ceiling is 0 dBFS), the latency (position of a quiet impulse), and
THD+N of a 1 kHz sine driven 6 dB into the ceiling (from 1 s on). For the compressors: the gain
of a 1 kHz sine 10 dB over the threshold (4:1, hard knee: analytic -7.5 dB), the attack time
constant measured on a level step, and THD+N of a 100 Hz sine under compression.
Not part of the test command (it builds a release binary and takes a few seconds).
"""

import os
import subprocess
import sys
import tempfile

import numpy as np
import pedalboard
from scipy.signal import resample_poly

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RATE = 48_000
CEILING_DB = -1.0


def build():
    subprocess.run(
        ["cargo", "build", "--release", "-q", "-p", "runnel-engine", "--example", "dynamics_render"],
        cwd=ROOT, check=True)
    return os.path.join(ROOT, "target", "release", "examples", "dynamics_render")


def runnel(binary, stage, x, *assignments):
    """Runs a mono signal (as both channels) through one Runnel stage; returns (left, latency)."""
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, "in.f32"), os.path.join(tmp, "out.f32")
        np.repeat(x.astype("<f4"), 2).tofile(src)
        out = subprocess.run([binary, stage, str(RATE), src, dst, *assignments],
                             check=True, capture_output=True, text=True).stdout
        latency = int(out.split()[1])
        y = np.fromfile(dst, dtype="<f4").reshape(-1, 2)[:, 0]
    return y.astype(np.float64), latency


def pedal(plugin, x):
    return plugin(np.stack([x, x]).astype(np.float32), RATE)[0].astype(np.float64)


def set_attrs(plugin, **values):
    for name, value in values.items():
        assert hasattr(plugin, name), f"{type(plugin).__name__} has no attribute {name}"
        setattr(plugin, name, value)
    return plugin


def db(v):
    return 20 * np.log10(max(abs(v), 1e-12))


def true_peak_db(y):
    return db(np.max(np.abs(resample_poly(y, 4, 1))))


def thd_n_percent(y, hz, start):
    seg = y[start:start + RATE // 2]
    n = np.arange(len(seg))
    basis = np.stack([np.sin(2 * np.pi * hz * n / RATE), np.cos(2 * np.pi * hz * n / RATE)], axis=1)
    coef, *_ = np.linalg.lstsq(basis, seg, rcond=None)
    residual = seg - basis @ coef
    return 100 * np.sqrt(np.sum(residual ** 2) / np.sum(seg ** 2))


def impulse_latency(y):
    return int(np.argmax(np.abs(y) > 1e-6))


def signals():
    n = 2 * RATE
    k = np.arange(n)
    rng = np.random.default_rng(1)
    beat = RATE // 4
    t = (k % beat) / RATE
    drums = np.clip(4 * (np.exp(-30 * t) * rng.uniform(-1, 1, n) + np.exp(-12 * t) * np.sin(2 * np.pi * 60 * t)), -1, 1)
    return {
        "fs/4 sine 45deg 0 dBFS": np.sin(np.pi / 2 * k + np.pi / 4),
        "997 Hz square 0 dBFS": np.where((k * 997 / RATE) % 1 < 0.5, 1.0, -1.0),
        "clipped drums": drums,
        "white noise +20 dB": rng.uniform(-10, 10, n),
    }


def limiter_table(binary):
    rows = []
    ours = ["lim_ceiling=%g" % CEILING_DB, "lim_lookahead=1.5", "lim_release=60"]
    theirs = lambda: set_attrs(pedalboard.Limiter(), threshold_db=CEILING_DB, release_ms=60.0)
    for name, x in signals().items():
        y_ours, _ = runnel(binary, "limiter", x, *ours)
        y_theirs = pedal(theirs(), x)
        for who, y, ceiling in (("Runnel", y_ours, CEILING_DB), ("pedalboard", y_theirs, 0.0)):
            rows.append((name, who, db(np.max(np.abs(y))) - ceiling, true_peak_db(y) - ceiling))
    imp = np.zeros(RATE // 2)
    imp[1000] = 0.05
    lat_ours = impulse_latency(runnel(binary, "limiter", imp, *ours)[0]) - 1000
    lat_theirs = impulse_latency(pedal(theirs(), imp)) - 1000
    reported = runnel(binary, "limiter", imp, *ours)[1]
    sine = 10 ** ((CEILING_DB + 6) / 20) * np.sin(2 * np.pi * 1000 * np.arange(2 * RATE) / RATE)
    thd_ours = thd_n_percent(runnel(binary, "limiter", sine, *ours)[0], 1000, RATE)
    thd_theirs = thd_n_percent(pedal(theirs(), sine), 1000, RATE)
    print(f"\nLimiter, ceiling/threshold {CEILING_DB} dB, 48 kHz (overshoot = peak - own ceiling, dB;"
          " pedalboard's output ceiling is 0 dBFS)")
    print(f"{'signal':26} {'plugin':11} {'sample peak':>12} {'true peak':>10}")
    for name, who, sp, tp in rows:
        print(f"{name:26} {who:11} {sp:+12.3f} {tp:+10.3f}")
    print(f"{'latency (samples)':26} {'Runnel':11} {lat_ours:12d}   (reported {reported})")
    print(f"{'':26} {'pedalboard':11} {lat_theirs:12d}")
    print(f"{'THD+N 1 kHz, +6 dB in':26} {'Runnel':11} {thd_ours:11.4f}%")
    print(f"{'':26} {'pedalboard':11} {thd_theirs:11.4f}%")


def compressor_table(binary):
    threshold, ratio, attack, release = -20.0, 4.0, 5.0, 100.0
    ours = [f"comp_threshold={threshold}", f"comp_ratio={ratio}", "comp_knee=0",
            f"comp_attack={attack}", f"comp_release={release}"]
    theirs = lambda: set_attrs(pedalboard.Compressor(), threshold_db=threshold, ratio=ratio,
                               attack_ms=attack, release_ms=release)
    n = 2 * RATE
    k = np.arange(n)
    sine = 10 ** ((threshold + 10) / 20) * np.sin(2 * np.pi * 1000 * k / RATE)
    step = np.where(k < RATE, 10 ** (-40 / 20), 10 ** (-10 / 20)) * np.ones(n)
    bass = 10 ** (-6 / 20) * np.sin(2 * np.pi * 100 * k / RATE)
    print(f"\nCompressor {ratio}:1 at {threshold} dB, attack {attack} ms, release {release} ms, hard knee")
    print("(gain: 1 kHz sine whose peaks are 10 dB over the threshold; peak detection rides the"
          " waveform, so both read less than the static curve's -7.5 dB)")
    print(f"{'plugin':11} {'gain +10 dB over':>17} {'attack tau':>11} {'THD+N 100 Hz':>13} {'latency':>8}")
    analytic = -10 * (1 - 1 / ratio)
    for who, run in (("Runnel", lambda x: runnel(binary, "compressor", x, *ours)[0]),
                     ("pedalboard", lambda x: pedal(theirs(), x))):
        y = run(sine)
        gain = db(np.sqrt(np.mean(y[RATE:] ** 2)) / np.sqrt(np.mean(sine[RATE:] ** 2)))
        ys = run(step)
        reduction = -20 * np.log10(np.maximum(np.abs(ys[RATE:]), 1e-12) / 10 ** (-10 / 20))
        final = reduction[RATE // 2]
        tau = np.argmax(reduction >= final * (1 - np.exp(-1))) / RATE * 1000
        thd = thd_n_percent(run(bass), 100, RATE)
        imp = np.zeros(RATE // 2)
        imp[1000] = 0.01
        lat = impulse_latency(run(imp)) - 1000
        print(f"{who:11} {gain:+14.2f} dB {tau:8.2f} ms {thd:12.3f}% {lat:8d}")
    print(f"{'analytic':11} {analytic:+14.2f} dB {attack:8.2f} ms")


def main():
    binary = build()
    limiter_table(binary)
    compressor_table(binary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
