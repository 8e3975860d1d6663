"""Independent meter for the runnel CLI's loudness tests: prints one JSON line per WAV given,
with pyloudnorm's integrated loudness (ITU-R BS.1770-4) and a true peak from 4x oversampling
with scipy's polyphase resampler (a different interpolator from the one in the ebur128 crate)."""

import json
import sys

import numpy as np
import pyloudnorm
from scipy.io import wavfile
from scipy.signal import resample_poly


def measure(path):
    rate, data = wavfile.read(path)
    if data.dtype.kind == "i":
        data = data.astype(np.float64) / float(np.iinfo(data.dtype).max + 1)
    data = data.astype(np.float64)
    meter = pyloudnorm.Meter(rate)
    oversampled = resample_poly(data, 4, 1, axis=0)
    return {
        "file": path,
        "integrated_lufs": float(meter.integrated_loudness(data)),
        "true_peak_dbtp": float(20 * np.log10(np.max(np.abs(oversampled)))),
    }


if __name__ == "__main__":
    for path in sys.argv[1:]:
        print(json.dumps(measure(path)))
