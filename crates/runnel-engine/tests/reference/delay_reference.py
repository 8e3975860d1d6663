#!/usr/bin/env python3
"""Reference data for tests/delay.rs, computed independently of the Rust code with scipy.

Run from anywhere: `python3 tests/reference/delay_reference.py` (numpy + scipy). It writes:

- delay_loop_tone_impulse.csv: impulse response (first 512 samples) of the delay's loop tone at
  fs = 48 kHz, high-pass 300 Hz then low-pass 3 kHz, each a first-order Butterworth designed by
  scipy.signal.butter (bilinear transform with pre-warping, which is what a TPT one-pole is).
  Columns: n, h[n].
- delay_sinc_kernel_rows.csv: rows of the 32-tap Kaiser-windowed sinc interpolation kernel (beta = 10,
  256 phases), computed with scipy.special.i0, numpy.sinc and scipy.signal.freqz: each row is
  normalised to unity DC, then fractional rows are scaled so that their magnitude response on
  1025 frequencies from 0 to Nyquist peaks at 1 - 2e-6 (the stage's "never amplify" rule).
  Columns: phase, tap, coefficient. Tap i weighs the sample 16 - i positions newer than the
  integer part of the delay, at fractional position mu = phase / 256.
"""
import os

import numpy as np
from scipy import signal, special

HERE = os.path.dirname(os.path.abspath(__file__))


def loop_tone_impulse():
    fs = 48000.0
    b_hp, a_hp = signal.butter(1, 300.0, btype="highpass", fs=fs)
    b_lp, a_lp = signal.butter(1, 3000.0, btype="lowpass", fs=fs)
    x = np.zeros(512)
    x[0] = 1.0
    h = signal.lfilter(b_lp, a_lp, signal.lfilter(b_hp, a_hp, x))
    with open(os.path.join(HERE, "delay_loop_tone_impulse.csv"), "w") as f:
        f.write("n,h\n")
        for n, v in enumerate(h):
            f.write(f"{n},{v:.12e}\n")


def sinc_rows():
    taps, phases, beta = 32, 256, 10.0
    half = taps // 2
    with open(os.path.join(HERE, "delay_sinc_kernel_rows.csv"), "w") as f:
        f.write("phase,tap,coefficient\n")
        for p in (0, 1, 37, 64, 128, 200, 255, 256):
            mu = p / phases
            t = half - np.arange(taps) - mu
            w = special.i0(beta * np.sqrt(np.clip(1.0 - (t / half) ** 2, 0.0, None))) / special.i0(beta)
            h = np.sinc(t) * w
            h /= h.sum()
            if 0 < p < phases:
                _, response = signal.freqz(h, worN=np.linspace(0.0, np.pi, 1025))
                peak = np.abs(response).max()
                limit = 1.0 - 2e-6
                if peak > limit:
                    h *= limit / peak
            for i, v in enumerate(h):
                f.write(f"{p},{i},{v:.12e}\n")


if __name__ == "__main__":
    loop_tone_impulse()
    sinc_rows()
