//! Running a processor over a whole signal the way a host does: block by block.

/// Copies `left`/`right` and runs `process` on consecutive blocks of `block` frames (the last one
/// may be shorter), returning the processed stereo signal.
pub fn render_blocks(
    left: &[f32],
    right: &[f32],
    block: usize,
    mut process: impl FnMut(&mut [f32], &mut [f32]),
) -> (Vec<f32>, Vec<f32>) {
    assert_eq!(left.len(), right.len(), "stereo channels of different lengths");
    assert!(block > 0, "block size 0");
    let mut l = left.to_vec();
    let mut r = right.to_vec();
    for (cl, cr) in l.chunks_mut(block).zip(r.chunks_mut(block)) {
        process(cl, cr);
    }
    (l, r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_cover_the_signal_once_in_order() {
        let input: Vec<f32> = (0..10).map(|i| i as f32).collect();
        let mut sizes = Vec::new();
        let (l, r) = render_blocks(&input, &input, 4, |l, r| {
            sizes.push(l.len());
            l.iter_mut().for_each(|x| *x *= 2.0);
            r.iter_mut().for_each(|x| *x = -*x);
        });
        assert_eq!(sizes, [4, 4, 2]);
        assert_eq!(l[9], 18.0);
        assert_eq!(r[3], -3.0);
    }
}
