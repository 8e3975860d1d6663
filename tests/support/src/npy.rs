//! Writing signals as NumPy `.npy` files, the layout the Python (pedalboard) side loads.

use std::io::Write;
use std::path::Path;

/// Writes `signal` (channels × frames) as a little-endian float32 `.npy` file of shape
/// `(channels, frames)`, the layout pedalboard takes, so Python reads it with `np.load`.
pub fn write_npy(path: &Path, signal: &[Vec<f32>]) -> std::io::Result<()> {
    let frames = signal.first().map_or(0, Vec::len);
    let mut header =
        format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({}, {}), }}", signal.len(), frames);
    // Magic (6) + version (2) + header length (2) + header must be a multiple of 64, ending in \n.
    let unpadded = 10 + header.len() + 1;
    header.push_str(&" ".repeat((64 - unpadded % 64) % 64));
    header.push('\n');
    let mut bytes = Vec::with_capacity(10 + header.len() + 4 * frames * signal.len());
    bytes.extend_from_slice(b"\x93NUMPY\x01\x00");
    bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    for ch in signal {
        for x in ch {
            bytes.extend_from_slice(&x.to_le_bytes());
        }
    }
    std::fs::File::create(path)?.write_all(&bytes)
}
