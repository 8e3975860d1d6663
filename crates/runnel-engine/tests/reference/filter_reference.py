#!/usr/bin/env python3
"""Reference magnitude responses for Runnel's filter stage (crates/runnel-engine/tests/filter/).

Regenerate with:  python3 tests/reference/filter_reference.py   (needs scipy, numpy)

Writes, next to this script:
  filter_reference.csv  one line per case: kind,fs,f0,q,gain_db,order,points
                        points = space-separated "freq_hz:db" pairs
  filter_nyquist.csv    same format, 44.1 kHz cases evaluated from 0.3*fs to 0.495*fs; each pair
                        is "freq_hz:bilinear_db:analog_db" (analog_db = the analog prototype at the
                        same frequency, to quantify bilinear cramping)

Sources, all independent of the Rust code:
  hp, lp (Butterworth order 1..8): scipy.signal.butter(..., output="sos") + sosfreqz
  rhp, rlp (resonant 2nd order), lowshelf, highshelf, bell, notch, bandpass:
      biquad coefficients typed from R. Bristow-Johnson's "Audio EQ Cookbook" (Q variants;
      band-pass = "constant 0 dB peak gain"), evaluated with scipy.signal.freqz.
  analog prototypes: scipy.signal.butter(..., analog=True) / cookbook analog H(s), freqs.

Why RBJ notch/band-pass and not scipy.signal.iirnotch/iirpeak: those define Q through the digital
-3 dB bandwidth (beta = tan(w0/(2Q))), which is undefined once w0/Q exceeds pi (wide bands, Q down
to 0.1 here). The stage uses the cookbook (analog-prototype) Q for bells, notch and band-pass
alike; for narrow bands at low frequencies the two definitions converge.

Evaluation grid (issue 2/4): 8 points per decade from 20 Hz up to 0.4*fs, plus the band frequency,
points across the band of bells/notches, and 0.4*fs itself. Points whose reference is below
-120 dB are not stored (the tests skip below -80 dB anyway).
"""

import os

import numpy as np
from scipy import signal

HERE = os.path.dirname(os.path.abspath(__file__))
RATES = [44100.0, 48000.0, 96000.0]
STORE_FLOOR_DB = -120.0


def sosfreqz(sos, freqs, fs):
    fn = getattr(signal, "freqz_sos", None) or signal.sosfreqz
    return fn(sos, worN=freqs, fs=fs)[1]


def rbj(kind, fs, f0, q, gain_db):
    """Cookbook biquad (b, a)."""
    a_gain = 10.0 ** (gain_db / 40.0)
    w0 = 2.0 * np.pi * f0 / fs
    cw, sw = np.cos(w0), np.sin(w0)
    alpha = sw / (2.0 * q)
    if kind == "rlp":
        b = [(1 - cw) / 2, 1 - cw, (1 - cw) / 2]
        a = [1 + alpha, -2 * cw, 1 - alpha]
    elif kind == "rhp":
        b = [(1 + cw) / 2, -(1 + cw), (1 + cw) / 2]
        a = [1 + alpha, -2 * cw, 1 - alpha]
    elif kind == "bandpass":
        b = [alpha, 0.0, -alpha]
        a = [1 + alpha, -2 * cw, 1 - alpha]
    elif kind == "notch":
        b = [1.0, -2 * cw, 1.0]
        a = [1 + alpha, -2 * cw, 1 - alpha]
    elif kind == "bell":
        b = [1 + alpha * a_gain, -2 * cw, 1 - alpha * a_gain]
        a = [1 + alpha / a_gain, -2 * cw, 1 - alpha / a_gain]
    elif kind == "lowshelf":
        s = 2 * np.sqrt(a_gain) * alpha
        A = a_gain
        b = [A * ((A + 1) - (A - 1) * cw + s), 2 * A * ((A - 1) - (A + 1) * cw), A * ((A + 1) - (A - 1) * cw - s)]
        a = [(A + 1) + (A - 1) * cw + s, -2 * ((A - 1) + (A + 1) * cw), (A + 1) + (A - 1) * cw - s]
    elif kind == "highshelf":
        s = 2 * np.sqrt(a_gain) * alpha
        A = a_gain
        b = [A * ((A + 1) + (A - 1) * cw + s), -2 * A * ((A - 1) + (A + 1) * cw), A * ((A + 1) + (A - 1) * cw - s)]
        a = [(A + 1) - (A - 1) * cw + s, 2 * ((A - 1) - (A + 1) * cw), (A + 1) - (A - 1) * cw - s]
    else:
        raise ValueError(kind)
    return np.array(b, dtype=float), np.array(a, dtype=float)


def analog_prototype(kind, f0, q, gain_db, order):
    """(b, a) in s normalised to f0 (s = j f/f0)."""
    A = 10.0 ** (gain_db / 40.0)
    if kind in ("hp", "lp"):
        return signal.butter(order, 1.0, "highpass" if kind == "hp" else "lowpass", analog=True)
    return {
        "rlp": ([1.0], [1.0, 1.0 / q, 1.0]),
        "rhp": ([1.0, 0.0, 0.0], [1.0, 1.0 / q, 1.0]),
        "bandpass": ([1.0 / q, 0.0], [1.0, 1.0 / q, 1.0]),
        "notch": ([1.0, 0.0, 1.0], [1.0, 1.0 / q, 1.0]),
        "bell": ([1.0, A / q, 1.0], [1.0, 1.0 / (A * q), 1.0]),
        "lowshelf": ([A, A * np.sqrt(A) / q, A * A], [A, np.sqrt(A) / q, 1.0]),
        "highshelf": ([A * A, A * np.sqrt(A) / q, A], [1.0, np.sqrt(A) / q, A]),
    }[kind]


def response_db(kind, fs, f0, q, gain_db, order, freqs):
    if kind in ("hp", "lp"):
        sos = signal.butter(order, f0, "highpass" if kind == "hp" else "lowpass", fs=fs, output="sos")
        h = sosfreqz(sos, freqs, fs)
    else:
        b, a = rbj(kind, fs, f0, q, gain_db)
        h = signal.freqz(b, a, worN=freqs, fs=fs)[1]
    with np.errstate(divide="ignore"):
        return 20.0 * np.log10(np.abs(h))


def analog_db(kind, f0, q, gain_db, order, freqs):
    b, a = analog_prototype(kind, f0, q, gain_db, order)
    h = signal.freqs(b, a, worN=np.asarray(freqs) / f0)[1]
    with np.errstate(divide="ignore"):
        return 20.0 * np.log10(np.abs(h))


def grid(fs, f0, q):
    top = 0.4 * fs
    decades = np.log10(top / 20.0)
    freqs = list(20.0 * 10.0 ** (np.arange(int(np.floor(decades * 8)) + 1) / 8.0))
    freqs += [top, f0]
    if q > 0:
        # Points across the band (about +-2 bandwidths) so narrow bells/notches are sampled.
        octaves = max(1.0 / q, 0.02)
        freqs += [f0 * 2.0 ** (octaves * j / 4.0) for j in range(-8, 9)]
    freqs = sorted({round(f, 4) for f in freqs if 20.0 <= f <= top})
    return np.array(freqs)


def cases():
    for fs in RATES:
        for kind in ("hp", "lp"):
            for order in range(1, 9):
                for f0 in (20.0, 300.0, 3000.0, 16000.0):
                    yield kind, fs, f0, 0.0, 0.0, order
        for kind in ("rhp", "rlp"):
            for q in (0.5, 2.0, 10.0):
                for f0 in (50.0, 1000.0, 12000.0):
                    yield kind, fs, f0, q, 0.0, 2
        for kind in ("lowshelf", "highshelf"):
            for f0, gain, q in ((20.0, -6.0, 1.0), (100.0, 12.0, 0.7071), (1000.0, -24.0, 0.3),
                                (5000.0, 24.0, 4.0), (15000.0, 9.0, 0.7071)):
                yield kind, fs, f0, q, gain, 2
        for f0, gain, q in ((20.0, 6.0, 0.7), (100.0, -24.0, 18.0), (1000.0, 24.0, 18.0),
                            (1000.0, 12.0, 0.1), (5000.0, -12.0, 4.0), (15000.0, 12.0, 1.0),
                            (18000.0, -18.0, 2.0)):
            yield "bell", fs, f0, q, gain, 2
        for kind in ("notch", "bandpass"):
            for f0, q in ((50.0, 10.0), (1000.0, 0.1), (1000.0, 2.0), (10000.0, 18.0), (16000.0, 1.0)):
                yield kind, fs, f0, q, 0.0, 2


NYQUIST_CASES = [
    ("lp", 20000.0, 0.0, 0.0, 2),
    ("lp", 20000.0, 0.0, 0.0, 8),
    ("hp", 16000.0, 0.0, 0.0, 4),
    ("rlp", 18000.0, 4.0, 0.0, 2),
    ("bell", 16000.0, 1.0, 12.0, 2),
    ("bell", 10000.0, 2.0, -12.0, 2),
    ("lowshelf", 8000.0, 0.7071, -12.0, 2),
    ("highshelf", 12000.0, 0.7071, 12.0, 2),
    ("notch", 15000.0, 2.0, 0.0, 2),
    ("bandpass", 15000.0, 2.0, 0.0, 2),
]


def main():
    lines = ["kind,fs,f0,q,gain_db,order,points"]
    for kind, fs, f0, q, gain, order in cases():
        band_q = q if kind in ("bell", "notch", "bandpass", "rhp", "rlp") else 0.0
        freqs = grid(fs, f0, band_q)
        db = response_db(kind, fs, f0, q, gain, order, freqs)
        points = " ".join(f"{f:.4f}:{d:.6f}" for f, d in zip(freqs, db) if d > STORE_FLOOR_DB)
        lines.append(f"{kind},{fs:.0f},{f0:g},{q:g},{gain:g},{order},{points}")
    with open(os.path.join(HERE, "filter_reference.csv"), "w") as out:
        out.write("\n".join(lines) + "\n")

    fs = 44100.0
    freqs = np.array([r * fs for r in (0.3, 0.35, 0.4, 0.42, 0.44, 0.46, 0.48, 0.49, 0.495)])
    lines = ["kind,fs,f0,q,gain_db,order,points"]
    for kind, f0, q, gain, order in NYQUIST_CASES:
        db = response_db(kind, fs, f0, q, gain, order, freqs)
        an = analog_db(kind, f0, q, gain, order, freqs)
        points = " ".join(f"{f:.4f}:{d:.6f}:{a:.6f}" for f, d, a in zip(freqs, db, an) if d > STORE_FLOOR_DB)
        lines.append(f"{kind},{fs:.0f},{f0:g},{q:g},{gain:g},{order},{points}")
    with open(os.path.join(HERE, "filter_nyquist.csv"), "w") as out:
        out.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
