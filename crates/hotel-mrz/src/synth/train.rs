//! Training the character classifier of [`crate::reader::classify`] on
//! cells of generated documents.
//!
//! Each generated image gives its cells twice: through the grid the
//! locator finds (what reading will see) when it matches the truth, and
//! through the exact grid moved by a small random shift, scale and line
//! box error (what a slightly wrong locator gives). Labels come from the
//! truth text. The network is trained by minibatch gradient descent with
//! momentum on the cross-entropy loss.
//!
//! `examples/train_model.rs` runs it and writes `model/ocrb.bin`.

use std::ops::Range;

use image::{DynamicImage, GrayImage};
use imageproc::geometric_transformations::Projection;
use nalgebra::{DMatrix, DMatrixView};
use rand::{Rng, SeedableRng, seq::SliceRandom};
use rand_chacha::ChaCha8Rng;

use crate::reader::cells::{PATCH_H, PATCH_LEN, PATCH_W, normalise, patches_into};
use crate::reader::classify::{CLASS_COUNT, Layer, Model, relu, softmax};
use crate::reader::{Grid, LineBox, class_of, locate};
use crate::synth::paint::normal;
use crate::synth::{Bucket, legibility, render::OcrB, sample};

/// Labelled cell patches.
#[derive(Debug, Clone, Default)]
pub struct CellSet {
    /// `PATCH_LEN` values per cell.
    pub patches: Vec<f32>,
    /// The class of each cell.
    pub labels: Vec<u8>,
    /// The bucket of each cell's image.
    pub buckets: Vec<Bucket>,
    /// The character height of each cell's image, pixels.
    pub heights: Vec<f32>,
    /// The remaining contrast of each cell's glyph, grey levels (see
    /// [`legibility`]): how faint glare and light left it.
    pub contrasts: Vec<f32>,
}

impl CellSet {
    /// Cells held.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether no cell is held.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The cells whose index passes `keep`.
    pub fn subset(&self, keep: impl Fn(usize) -> bool) -> CellSet {
        let mut out = CellSet::default();
        for i in (0..self.len()).filter(|&i| keep(i)) {
            out.patches
                .extend_from_slice(&self.patches[i * PATCH_LEN..(i + 1) * PATCH_LEN]);
            out.labels.push(self.labels[i]);
            out.buckets.push(self.buckets[i]);
            out.heights.push(self.heights[i]);
            out.contrasts.push(self.contrasts[i]);
        }
        out
    }

    /// Adds the cells of `other`.
    pub fn append(&mut self, other: CellSet) {
        self.patches.extend(other.patches);
        self.labels.extend(other.labels);
        self.buckets.extend(other.buckets);
        self.heights.extend(other.heights);
        self.contrasts.extend(other.contrasts);
    }
}

/// Which grids cells are cut through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// The exact grid only, unmoved: a clean measure of the classifier.
    Exact,
    /// The located grid when it matches the truth, and the exact grid
    /// moved at random: training data.
    Training,
}

/// The cells of the generated images of `seeds`, the bucket of each seed
/// taken from `bucket_of`.
pub fn collect(
    seeds: Range<u64>,
    bucket_of: impl Fn(u64) -> Bucket,
    cut: Cut,
    font: &OcrB,
) -> CellSet {
    let mut set = CellSet::default();
    for seed in seeds {
        let bucket = bucket_of(seed);
        let s = sample(seed, bucket, font);
        let contrasts: Vec<f32> =
            legibility::glyph_contrasts(&s.image, &s.grid, &s.truth.mrz, font)
                .into_iter()
                .flatten()
                .collect();
        let gray = crate::reader::decode::to_gray(&DynamicImage::ImageRgb8(s.image));
        let labels: Vec<u8> = s
            .truth
            .mrz
            .lines()
            .flat_map(|l| l.bytes())
            .filter_map(|c| class_of(c).map(|k| k as u8))
            .collect();
        let cells = s.grid.lines().len() * s.grid.chars();
        if labels.len() != cells || contrasts.len() != cells {
            continue;
        }
        let mut grids = Vec::new();
        match cut {
            Cut::Exact => grids.push(s.grid.clone()),
            Cut::Training => {
                let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_ce11);
                grids.push(jittered(&s.grid, &mut rng));
                if let Some(found) = matching_located(&gray, &s.grid, s.truth.char_height_px) {
                    grids.push(found);
                }
            }
        }
        for grid in grids {
            patches_into(&gray, &grid, &mut set.patches);
            set.labels.extend_from_slice(&labels);
            set.buckets.extend(std::iter::repeat_n(bucket, cells));
            set.heights
                .extend(std::iter::repeat_n(s.truth.char_height_px, cells));
            set.contrasts.extend_from_slice(&contrasts);
        }
    }
    set
}

/// The located grid (either way up) whose corners lie within half a
/// character height of the truth's.
fn matching_located(image: &GrayImage, truth: &Grid, char_height: f32) -> Option<Grid> {
    let close = |g: &Grid| {
        g.chars() == truth.chars()
            && g.lines().len() == truth.lines().len()
            && g.corners().iter().zip(truth.corners()).all(|(a, b)| {
                ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt() < char_height / 2.0
            })
    };
    locate::locate(image)
        .into_iter()
        .flat_map(|g| [g.rotated_180(), g])
        .find(close)
}

/// `grid` moved by a random shift (±0.12 pitch across, ±0.06 pitch up and
/// down), scale (±2%) and line box error (±6% of its height).
fn jittered(grid: &Grid, rng: &mut impl Rng) -> Grid {
    let chars = grid.chars() as f32;
    let scale = rng.random_range(0.98..1.02);
    let (dx, dy) = (rng.random_range(-0.12..0.12), rng.random_range(-0.06..0.06));
    // Scale about the zone's centre, then shift.
    let jitter = Projection::translate(chars / 2.0 + dx, dy)
        * Projection::scale(scale, 1.0)
        * Projection::translate(-chars / 2.0, 0.0);
    let lines = grid
        .lines()
        .iter()
        .map(|l| {
            let h = l.bottom - l.top;
            LineBox {
                top: l.top + h * rng.random_range(-0.06..0.06),
                bottom: l.bottom + h * rng.random_range(-0.06..0.06),
            }
        })
        .collect();
    Grid::new(*grid.to_image() * jitter, grid.chars(), lines)
}

/// Training settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Hidden layer sizes.
    pub hidden: Vec<usize>,
    /// Passes over the training cells.
    pub epochs: usize,
    /// Cells per gradient step.
    pub batch: usize,
    /// Learning rate of the first epoch (halved over the later ones).
    pub rate: f32,
    /// Momentum.
    pub momentum: f32,
    /// L2 weight decay.
    pub decay: f32,
    /// Seed of the initial weights and the shuffling.
    pub seed: u64,
    /// Cells whose character height is below this many pixels are seen
    /// `small_repeats` times per epoch instead of once.
    pub small_below_px: f32,
    /// Passes per epoch over the cells of small characters (1: no extra
    /// weight).
    pub small_repeats: usize,
    /// Cells whose glyph's remaining contrast is below this many grey
    /// levels are seen `faint_repeats` times per epoch instead of once.
    pub faint_below: f32,
    /// Passes per epoch over the cells of faint glyphs (1: no extra
    /// weight).
    pub faint_repeats: usize,
    /// The share of cells drawn, afresh each epoch, with grain added (see
    /// [`fade`]): glyphs fainter against their noise than the generated
    /// images hold often enough to learn from.
    pub fade_share: f32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            hidden: vec![256],
            epochs: 12,
            batch: 128,
            rate: 0.05,
            momentum: 0.9,
            decay: 1e-4,
            seed: 1,
            small_below_px: 0.0,
            small_repeats: 1,
            faint_below: 0.0,
            faint_repeats: 1,
            fade_share: 0.0,
        }
    }
}

/// Trains a new model on `set`; `progress` hears after each epoch its
/// number and mean loss.
pub fn train(set: &CellSet, settings: &Settings, mut progress: impl FnMut(usize, f32)) -> Model {
    let mut rng = ChaCha8Rng::seed_from_u64(settings.seed);
    let mut sizes = vec![PATCH_LEN];
    sizes.extend(&settings.hidden);
    sizes.push(CLASS_COUNT);
    let layers: Vec<Layer> = sizes
        .windows(2)
        .map(|w| {
            // He-uniform initial weights.
            let bound = (6.0 / w[0] as f32).sqrt();
            let weights = (0..w[0] * w[1])
                .map(|_| rng.random_range(-bound..bound))
                .collect();
            Layer::new(w[0], w[1], weights).unwrap_or_else(|| unreachable!("sizes agree"))
        })
        .collect();
    let mut velocity: Vec<(Vec<f32>, Vec<f32>)> = layers
        .iter()
        .map(|l| (vec![0.0; l.weights.len()], vec![0.0; l.bias.len()]))
        .collect();
    let mut model = Model::new(layers).unwrap_or_else(|e| unreachable!("{e}"));

    // Small characters and faint glyphs get their extra weight by being
    // drawn more often.
    let mut order: Vec<usize> = (0..set.len()).collect();
    for _ in 1..settings.small_repeats {
        order.extend((0..set.len()).filter(|&i| set.heights[i] < settings.small_below_px));
    }
    for _ in 1..settings.faint_repeats {
        order.extend((0..set.len()).filter(|&i| set.contrasts[i] < settings.faint_below));
    }
    let mut x = Vec::new();
    for epoch in 0..settings.epochs {
        order.shuffle(&mut rng);
        let rate = settings.rate * 0.5f32.powf(epoch as f32 / (settings.epochs as f32 / 4.0));
        let mut loss = 0.0;
        for batch in order.chunks(settings.batch) {
            x.clear();
            for &i in batch {
                let cell = &set.patches[i * PATCH_LEN..(i + 1) * PATCH_LEN];
                if settings.fade_share > 0.0 && rng.random::<f32>() < settings.fade_share {
                    let mut patch = [0.0; PATCH_LEN];
                    patch.copy_from_slice(cell);
                    fade(&mut patch, set.heights[i], &mut rng);
                    x.extend_from_slice(&patch);
                } else {
                    x.extend_from_slice(cell);
                }
            }
            let labels: Vec<u8> = batch.iter().map(|&i| set.labels[i]).collect();
            loss += step(&mut model, &mut velocity, &x, &labels, rate, settings);
        }
        progress(epoch + 1, loss / order.len().max(1) as f32);
    }
    model
}

/// Grain of σ 0.4–1.8 (the patch's own deviation is 1) added to a
/// normalised `patch` of a `height`-pixel character, which is then
/// normalised again: the glyph keeps its shape and loses its contrast
/// against the noise, as glare that lifts ink and paper alike leaves it.
/// The grain is drawn per image pixel and spread over the samples it
/// covers, so that small print gets coarse grain as its images do.
fn fade(patch: &mut [f32; PATCH_LEN], height: f32, rng: &mut ChaCha8Rng) {
    // Samples per image pixel: a patch spans 1.3 glyph heights.
    let per_px = (PATCH_H as f32 / (1.3 * height.max(1.0))).max(1.0);
    let (w, h) = (
        (PATCH_W as f32 / per_px).ceil() as usize + 2,
        (PATCH_H as f32 / per_px).ceil() as usize + 2,
    );
    let sigma = rng.random_range(0.4..1.8);
    let grain: Vec<f32> = (0..w * h).map(|_| normal(rng) * sigma).collect();
    for (i, v) in patch.iter_mut().enumerate() {
        let x = (i % PATCH_W) as f32 / per_px;
        let y = (i / PATCH_W) as f32 / per_px;
        let (ix, iy) = (x as usize, y as usize);
        let (ax, ay) = (x - ix as f32, y - iy as f32);
        let g = |cx: usize, cy: usize| grain[cy * w + cx];
        let top = g(ix, iy) * (1.0 - ax) + g(ix + 1, iy) * ax;
        let bottom = g(ix, iy + 1) * (1.0 - ax) + g(ix + 1, iy + 1) * ax;
        *v += top * (1.0 - ay) + bottom * ay;
    }
    normalise(patch);
}

/// One gradient step on a batch; returns the batch's summed loss.
fn step(
    model: &mut Model,
    velocity: &mut [(Vec<f32>, Vec<f32>)],
    x: &[f32],
    labels: &[u8],
    rate: f32,
    settings: &Settings,
) -> f32 {
    let n = labels.len();
    // Forward, keeping each layer's input.
    let mut inputs = vec![x.to_vec()];
    let layer_count = model.layers().len();
    for (i, layer) in model.layers().iter().enumerate() {
        let mut y = Vec::new();
        layer.forward(&inputs[i], n, &mut y);
        if i + 1 < layer_count {
            relu(&mut y);
        }
        inputs.push(y);
    }
    let mut grad = inputs.pop().unwrap_or_default();
    let mut loss = 0.0;
    for (row, &label) in grad.chunks_mut(CLASS_COUNT).zip(labels) {
        softmax(row);
        loss -= row[usize::from(label)].max(1e-12).ln();
        row[usize::from(label)] -= 1.0;
        for v in row.iter_mut() {
            *v /= n as f32;
        }
    }
    // Backward, last layer first.
    for (i, layer) in model.layers_mut().iter_mut().enumerate().rev() {
        let input = &inputs[i];
        let g = DMatrixView::from_slice(&grad, layer.outputs, n);
        let xin = DMatrixView::from_slice(input, layer.inputs, n);
        let dw: DMatrix<f32> = g * xin.transpose();
        let db: Vec<f32> = (0..layer.outputs).map(|o| g.row(o).sum()).collect();
        let next = (i > 0).then(|| {
            let w = DMatrixView::from_slice(&layer.weights, layer.outputs, layer.inputs);
            let mut dx: DMatrix<f32> = w.transpose() * g;
            for (d, &a) in dx.as_mut_slice().iter_mut().zip(input) {
                if a <= 0.0 {
                    *d = 0.0;
                }
            }
            dx
        });
        let (vw, vb) = &mut velocity[i];
        for ((w, v), d) in layer
            .weights
            .iter_mut()
            .zip(vw.iter_mut())
            .zip(dw.as_slice())
        {
            *v = settings.momentum * *v - rate * (d + settings.decay * *w);
            *w += *v;
        }
        for ((b, v), d) in layer.bias.iter_mut().zip(vb.iter_mut()).zip(&db) {
            *v = settings.momentum * *v - rate * d;
            *b += *v;
        }
        if let Some(dx) = next {
            grad = dx.as_slice().to_vec();
        }
    }
    loss
}

/// The share of `set`'s cells whose most probable class is the label, per
/// bucket that has cells (easiest first), and overall.
pub fn accuracy(model: &Model, set: &CellSet) -> (Vec<(Bucket, f32)>, f32) {
    let probs = model.probabilities(&set.patches);
    let mut right = [0usize; 3];
    let mut total = [0usize; 3];
    for ((row, &label), &bucket) in probs.chunks(CLASS_COUNT).zip(&set.labels).zip(&set.buckets) {
        let best = row
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map_or(0, |(k, _)| k);
        total[bucket as usize] += 1;
        right[bucket as usize] += usize::from(best == usize::from(label));
    }
    let per = Bucket::ALL
        .iter()
        .filter(|b| total[**b as usize] > 0)
        .map(|&b| (b, right[b as usize] as f32 / total[b as usize] as f32))
        .collect();
    let all = right.iter().sum::<usize>() as f32 / total.iter().sum::<usize>().max(1) as f32;
    (per, all)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A normalised patch of one dark upright bar on paper.
    fn bar() -> [f32; PATCH_LEN] {
        let mut patch = [0.0; PATCH_LEN];
        for (i, v) in patch.iter_mut().enumerate() {
            if (6..10).contains(&(i % PATCH_W)) && (4..20).contains(&(i / PATCH_W)) {
                *v = 0.8;
            }
        }
        normalise(&mut patch);
        patch
    }

    fn correlation(a: &[f32], b: &[f32]) -> f32 {
        let dot = |x: &[f32], y: &[f32]| x.iter().zip(y).map(|(p, q)| p * q).sum::<f32>();
        dot(a, b) / (dot(a, a) * dot(b, b)).sqrt()
    }

    #[test]
    fn a_faded_patch_stays_normalised_and_keeps_a_fainter_glyph() {
        let clean = bar();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for height in [8.0, 16.0, 30.0] {
            let mut faded = clean;
            fade(&mut faded, height, &mut rng);
            let n = PATCH_LEN as f32;
            let mean = faded.iter().sum::<f32>() / n;
            let deviation = (faded.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / n).sqrt();
            assert!(mean.abs() < 1e-3, "mean {mean}");
            assert!((deviation - 1.0).abs() < 0.05, "deviation {deviation}");
            let r = correlation(&clean, &faded);
            assert!((0.2..0.95).contains(&r), "{height} px: correlation {r}");
        }
    }

    #[test]
    fn small_print_gets_coarser_grain() {
        // Neighbouring samples share more of their grain when an image
        // pixel spans several samples.
        let neighbour_likeness = |height: f32| {
            let mut rng = ChaCha8Rng::seed_from_u64(11);
            let mut sum = 0.0;
            for _ in 0..50 {
                let mut flat = [0.0; PATCH_LEN];
                fade(&mut flat, height, &mut rng);
                let (a, b): (Vec<f32>, Vec<f32>) = (0..PATCH_LEN - 1)
                    .filter(|i| i % PATCH_W != PATCH_W - 1)
                    .map(|i| (flat[i], flat[i + 1]))
                    .unzip();
                sum += correlation(&a, &b);
            }
            sum / 50.0
        };
        let (small, large) = (neighbour_likeness(8.0), neighbour_likeness(30.0));
        assert!(small > large + 0.3, "8 px {small}, 30 px {large}");
    }

    #[test]
    fn a_subset_keeps_each_cell_whole() {
        let mut set = CellSet::default();
        for k in 0..4u8 {
            set.patches
                .extend(std::iter::repeat_n(f32::from(k), PATCH_LEN));
            set.labels.push(k);
            set.buckets.push(Bucket::Hard);
            set.heights.push(10.0 + f32::from(k));
            set.contrasts.push(20.0 * f32::from(k));
        }
        let faint = set.subset(|i| set.contrasts[i] < 50.0);
        assert_eq!(faint.labels, [0, 1, 2]);
        assert_eq!(faint.heights, [10.0, 11.0, 12.0]);
        assert_eq!(faint.contrasts, [0.0, 20.0, 40.0]);
        assert_eq!(faint.patches.len(), 3 * PATCH_LEN);
        assert!(faint.patches[2 * PATCH_LEN..].iter().all(|&v| v == 2.0));
    }

    #[test]
    fn collected_cells_carry_their_glyphs_contrast() {
        let font = OcrB::load().expect("the OCR-B font (apt-get install fonts-ocr-b)");
        let set = collect(9_300_000..9_300_002, |_| Bucket::Clean, Cut::Exact, &font);
        assert!(!set.is_empty());
        assert_eq!(set.contrasts.len(), set.len());
        // Clean images keep every glyph dark: none near erased.
        assert!(
            set.contrasts
                .iter()
                .all(|&c| c > 3.0 * legibility::ERASED_CONTRAST),
            "{:?}",
            set.contrasts.iter().copied().fold(f32::MAX, f32::min)
        );
    }
}
