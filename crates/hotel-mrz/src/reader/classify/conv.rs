//! A convolution stage of the classifier: a 3×3 convolution over feature
//! maps, zero-padded so the maps keep their size, then a ReLU and a 2×2
//! max-pool that halves them.
//!
//! Maps are stored as planes: each channel's map of every patch of the
//! batch, row by row (`[channel][patch][y][x]`). A convolution is one
//! matrix product: each 3×3 tap of each input channel becomes one column
//! holding that tap's value at every position ([`im2col`]), and the
//! weights combine the columns into the output planes at once. Every copy
//! is then a run of contiguous values, and the work lands in the same
//! matrix routine as the dense layers'.

use nalgebra::{DMatrixView, DMatrixViewMut};

/// Taps of a 3×3 kernel.
pub const TAPS: usize = 9;

/// One convolution stage.
#[derive(Debug, Clone, PartialEq)]
pub struct Conv {
    /// Input channels.
    pub inputs: usize,
    /// Output channels.
    pub outputs: usize,
    /// `outputs × inputs × TAPS` weights: output channel `o`'s weight of
    /// input channel `c` at tap `t` (row-major in the kernel) is at
    /// `(o × inputs + c) × TAPS + t`.
    pub weights: Vec<f32>,
    /// `outputs` biases.
    pub bias: Vec<f32>,
}

/// The size of a batch of maps: patches, rows, columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Maps {
    /// Patches in the batch.
    pub n: usize,
    /// Rows of each map.
    pub h: usize,
    /// Columns of each map.
    pub w: usize,
}

impl Maps {
    /// Positions over the whole batch: the length of one plane.
    pub fn positions(self) -> usize {
        self.n * self.h * self.w
    }

    /// The maps after a 2×2 pool.
    pub fn pooled(self) -> Maps {
        Maps {
            n: self.n,
            h: self.h / 2,
            w: self.w / 2,
        }
    }
}

impl Conv {
    /// A stage of zero biases and the given weights; `None` when the sizes
    /// do not agree.
    pub fn new(inputs: usize, outputs: usize, weights: Vec<f32>) -> Option<Self> {
        (weights.len() == TAPS * inputs * outputs).then(|| Self {
            inputs,
            outputs,
            weights,
            bias: vec![0.0; outputs],
        })
    }

    /// Inputs to one output value: taps × input channels.
    pub fn fan_in(&self) -> usize {
        TAPS * self.inputs
    }

    /// The convolution with bias, before the ReLU and the pool, of the
    /// columns [`im2col`] made of maps of size `maps`: `outputs` planes.
    pub fn convolve(&self, cols: &[f32], maps: Maps, out: &mut Vec<f32>) {
        let m = maps.positions();
        out.clear();
        out.reserve(m * self.outputs);
        for &b in &self.bias {
            out.extend(std::iter::repeat_n(b, m));
        }
        let x = DMatrixView::from_slice(&cols[..m * self.fan_in()], m, self.fan_in());
        let w = DMatrixView::from_slice(&self.weights, self.fan_in(), self.outputs);
        let mut y = DMatrixViewMut::from_slice(out, m, self.outputs);
        y.gemm(1.0, &x, &w, 1.0);
    }

    /// The whole stage: convolution, ReLU and pool of `x` (`inputs`
    /// planes over `maps`) into `out` (`outputs` planes over
    /// `maps.pooled()`); `cols` and `y` are scratch.
    pub fn forward(
        &self,
        x: &[f32],
        maps: Maps,
        cols: &mut Vec<f32>,
        y: &mut Vec<f32>,
        out: &mut Vec<f32>,
    ) {
        im2col(x, self.inputs, maps, cols);
        self.convolve(cols, maps, y);
        // The ReLU commutes with the max-pool: pool first, on a quarter
        // of the values.
        pool(y, self.outputs, maps, out, None);
        super::relu(out);
    }
}

/// The source of tap `t` for row `y` of a map `h` rows high: the row, and
/// the column offset (one past the source column) of the tap.
fn tap_source(t: usize, y: usize, h: usize) -> Option<(usize, usize)> {
    let sy = (y + t / 3).checked_sub(1).filter(|&sy| sy < h)?;
    Some((sy, t % 3))
}

/// The 3×3 neighbourhoods of every position of `x` (`channels` planes
/// over `maps`), zero outside each map: one column per input channel and
/// tap (channel-major, `channel × TAPS + tap`), each holding that tap's
/// value at every position.
pub fn im2col(x: &[f32], channels: usize, maps: Maps, cols: &mut Vec<f32>) {
    let Maps { n, h, w } = maps;
    let plane = maps.positions();
    cols.clear();
    cols.resize(plane * channels * TAPS, 0.0);
    for (k, col) in cols.chunks_exact_mut(plane).enumerate() {
        let (c, t) = (k / TAPS, k % TAPS);
        let src = &x[c * plane..(c + 1) * plane];
        for p in 0..n {
            for y in 0..h {
                let Some((sy, dx)) = tap_source(t, y, h) else {
                    continue;
                };
                let from = &src[(p * h + sy) * w..(p * h + sy + 1) * w];
                let to = &mut col[(p * h + y) * w..(p * h + y + 1) * w];
                // Output column `x` reads source column `x + dx - 1`.
                match dx {
                    0 => to[1..].copy_from_slice(&from[..w - 1]),
                    1 => to.copy_from_slice(from),
                    _ => to[..w - 1].copy_from_slice(&from[1..]),
                }
            }
        }
    }
}

/// Adds the columns' gradient `dcols` (as [`im2col`] laid them out) back
/// onto the positions they were copied from: the gradient of the maps.
pub fn col2im(dcols: &[f32], channels: usize, maps: Maps, dx: &mut Vec<f32>) {
    let Maps { n, h, w } = maps;
    let plane = maps.positions();
    dx.clear();
    dx.resize(plane * channels, 0.0);
    for (k, col) in dcols.chunks_exact(plane).enumerate().take(channels * TAPS) {
        let (c, t) = (k / TAPS, k % TAPS);
        let dst = &mut dx[c * plane..(c + 1) * plane];
        for p in 0..n {
            for y in 0..h {
                let Some((sy, shift)) = tap_source(t, y, h) else {
                    continue;
                };
                let from = &col[(p * h + y) * w..(p * h + y + 1) * w];
                let to = &mut dst[(p * h + sy) * w..(p * h + sy + 1) * w];
                let (to, from) = match shift {
                    0 => (&mut to[..w - 1], &from[1..]),
                    1 => (&mut to[..], from),
                    _ => (&mut to[1..], &from[..w - 1]),
                };
                for (d, g) in to.iter_mut().zip(from) {
                    *d += g;
                }
            }
        }
    }
}

/// The 2×2 max-pool of `y` (`channels` planes over `maps`) into `out`;
/// with `argmax`, each pooled value's index into `y` as well.
pub fn pool(
    y: &[f32],
    channels: usize,
    maps: Maps,
    out: &mut Vec<f32>,
    mut argmax: Option<&mut Vec<u32>>,
) {
    let Maps { h, w, .. } = maps;
    let half = maps.pooled();
    out.clear();
    out.reserve(half.positions() * channels);
    if let Some(a) = argmax.as_deref_mut() {
        a.clear();
    }
    // Rows pair up across the whole plane: a map's height is even.
    for pair in 0..channels * maps.n * half.h {
        let top = 2 * pair * w;
        for px in 0..half.w {
            let i = top + 2 * px;
            let mut best = (y[i], i);
            for j in [i + 1, i + w, i + w + 1] {
                if y[j] > best.0 {
                    best = (y[j], j);
                }
            }
            out.push(best.0);
            if let Some(a) = argmax.as_deref_mut() {
                a.push(best.1 as u32);
            }
        }
    }
    debug_assert_eq!(h % 2, 0);
}

/// Planes (`channels × n × len`, `[channel][patch][value]`) regrouped by
/// patch (`[patch][channel][value]`), as the dense layers take them.
pub fn planes_to_patches(
    planes: &[f32],
    channels: usize,
    n: usize,
    len: usize,
    out: &mut Vec<f32>,
) {
    out.clear();
    out.resize(planes.len(), 0.0);
    for c in 0..channels {
        for p in 0..n {
            let from = (c * n + p) * len;
            let to = (p * channels + c) * len;
            out[to..to + len].copy_from_slice(&planes[from..from + len]);
        }
    }
}

/// The inverse of [`planes_to_patches`].
pub fn patches_to_planes(
    patches: &[f32],
    channels: usize,
    n: usize,
    len: usize,
    out: &mut Vec<f32>,
) {
    out.clear();
    out.resize(patches.len(), 0.0);
    for c in 0..channels {
        for p in 0..n {
            let from = (p * channels + c) * len;
            let to = (c * n + p) * len;
            out[to..to + len].copy_from_slice(&patches[from..from + len]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_centre_tap_kernel_copies_its_input_and_the_pool_keeps_the_largest() {
        // One input channel, one output: only the centre tap set.
        let mut weights = vec![0.0; TAPS];
        weights[4] = 1.0;
        let conv = Conv::new(1, 1, weights).unwrap();
        let maps = Maps { n: 1, h: 2, w: 4 };
        let x = [1.0, -2.0, 3.0, 0.5, -1.0, 4.0, -3.0, -0.5];
        let (mut cols, mut y, mut out) = (Vec::new(), Vec::new(), Vec::new());
        conv.forward(&x, maps, &mut cols, &mut y, &mut out);
        assert_eq!(y, x);
        assert_eq!(out, [4.0, 3.0]);
    }

    #[test]
    fn taps_outside_the_map_are_zero() {
        // The top-left tap alone: each output is its up-left neighbour.
        let mut weights = vec![0.0; TAPS];
        weights[0] = 1.0;
        let conv = Conv::new(1, 1, weights).unwrap();
        let maps = Maps { n: 2, h: 2, w: 2 };
        let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
        let mut cols = Vec::new();
        im2col(&x, 1, maps, &mut cols);
        let mut y = Vec::new();
        conv.convolve(&cols, maps, &mut y);
        // The second patch does not see the first.
        assert_eq!(y, [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 5.0]);
    }

    #[test]
    fn each_output_channel_sums_its_input_channels() {
        // Two input channels, two outputs: output 0 takes the right-hand
        // neighbour of channel 0; output 1 doubles channel 1's centre.
        let mut weights = vec![0.0; 2 * 2 * TAPS];
        weights[5] = 1.0;
        weights[(2 + 1) * TAPS + 4] = 2.0;
        let conv = Conv::new(2, 2, weights).unwrap();
        let maps = Maps { n: 1, h: 1, w: 3 };
        let x = [1.0, 2.0, 3.0, 10.0, 20.0, 30.0];
        let mut cols = Vec::new();
        im2col(&x, 2, maps, &mut cols);
        let mut y = Vec::new();
        conv.convolve(&cols, maps, &mut y);
        assert_eq!(y, [2.0, 3.0, 0.0, 20.0, 40.0, 60.0]);
    }

    #[test]
    fn col2im_adds_back_what_im2col_spread() {
        // Each position is copied once per tap that reaches it, so summing
        // the columns back gives each value times its neighbour count.
        let maps = Maps { n: 1, h: 3, w: 3 };
        let x: Vec<f32> = (0..18).map(|v| v as f32).collect();
        let mut cols = Vec::new();
        im2col(&x, 2, maps, &mut cols);
        let mut back = Vec::new();
        col2im(&cols, 2, maps, &mut back);
        let reach = [4.0, 6.0, 4.0, 6.0, 9.0, 6.0, 4.0, 6.0, 4.0];
        for (i, (b, v)) in back.iter().zip(&x).enumerate() {
            assert_eq!(*b, v * reach[i % 9], "value {i}");
        }
    }

    #[test]
    fn planes_and_patches_regroup_both_ways() {
        let planes: Vec<f32> = (0..12).map(|v| v as f32).collect();
        let (mut patches, mut back) = (Vec::new(), Vec::new());
        planes_to_patches(&planes, 3, 2, 2, &mut patches);
        assert_eq!(
            patches,
            [0.0, 1.0, 4.0, 5.0, 8.0, 9.0, 2.0, 3.0, 6.0, 7.0, 10.0, 11.0]
        );
        patches_to_planes(&patches, 3, 2, 2, &mut back);
        assert_eq!(back, planes);
    }
}
