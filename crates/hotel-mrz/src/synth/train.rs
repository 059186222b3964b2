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
//! The network is dense layers, optionally after convolution stages
//! ([`crate::reader::classify::conv`]); both learn in the same step.
//!
//! `examples/train_model.rs` runs it and writes `model/ocrb.bin`.

use std::ops::Range;

use image::{DynamicImage, GrayImage};
use imageproc::geometric_transformations::Projection;
use nalgebra::{DMatrix, DMatrixView};
use rand::{Rng, SeedableRng, seq::SliceRandom};
use rand_chacha::ChaCha8Rng;

use crate::reader::cells::{PATCH_H, PATCH_LEN, PATCH_W, normalise, patches_into};
use crate::reader::classify::conv::{self, Conv, Maps};
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
    /// Output channels of each convolution stage (none: dense layers
    /// alone).
    pub convs: Vec<usize>,
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
            convs: Vec::new(),
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
///
/// # Panics
///
/// When the settings make no model: more than 3 convolution stages, or a
/// stage of 0 or over 128 channels.
pub fn train(set: &CellSet, settings: &Settings, mut progress: impl FnMut(usize, f32)) -> Model {
    let mut rng = ChaCha8Rng::seed_from_u64(settings.seed);
    // He-uniform initial weights.
    let mut he = |fan_in: usize, count: usize| -> Vec<f32> {
        let bound = (6.0 / fan_in as f32).sqrt();
        (0..count)
            .map(|_| rng.random_range(-bound..bound))
            .collect()
    };
    let mut channels = 1;
    let mut convs = Vec::new();
    for &outputs in &settings.convs {
        let weights = he(conv::TAPS * channels, conv::TAPS * channels * outputs);
        convs.push(Conv::new(channels, outputs, weights).expect("weights sized for the stage"));
        channels = outputs;
    }
    let pooled = PATCH_LEN >> (2 * convs.len());
    let mut sizes = vec![if convs.is_empty() {
        PATCH_LEN
    } else {
        pooled * channels
    }];
    sizes.extend(&settings.hidden);
    sizes.push(CLASS_COUNT);
    let layers: Vec<Layer> = sizes
        .windows(2)
        .map(|w| {
            Layer::new(w[0], w[1], he(w[0], w[0] * w[1]))
                .unwrap_or_else(|| unreachable!("sizes agree"))
        })
        .collect();
    let mut model = Model::with_convs(convs, layers)
        .unwrap_or_else(|e| panic!("the settings make no model: {e}"));
    let mut velocity = Params::zeros(&model);

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

/// One value per weight and bias, in the model's shape: a gradient, or
/// the momentum of each parameter.
struct Params {
    /// Per stage, its weights' and its biases' values.
    convs: Vec<(Vec<f32>, Vec<f32>)>,
    /// Per dense layer, its weights' and its biases' values.
    layers: Vec<(Vec<f32>, Vec<f32>)>,
}

impl Params {
    /// Zeros in the shape of `model`.
    fn zeros(model: &Model) -> Self {
        Self {
            convs: model
                .convs()
                .iter()
                .map(|c| (vec![0.0; c.weights.len()], vec![0.0; c.bias.len()]))
                .collect(),
            layers: model
                .layers()
                .iter()
                .map(|l| (vec![0.0; l.weights.len()], vec![0.0; l.bias.len()]))
                .collect(),
        }
    }
}

/// What a convolution stage's forward pass keeps for its backward one.
struct StageTrace {
    maps: Maps,
    /// The stage's input columns ([`conv::im2col`]).
    cols: Vec<f32>,
    /// Each pooled value's index into the stage's convolution.
    argmax: Vec<u32>,
    /// The stage's output, after the pool and the ReLU.
    out: Vec<f32>,
}

/// Momentum descent of `params` along `grad`, with weight decay `decay`.
fn descend(
    params: &mut [f32],
    velocity: &mut [f32],
    grad: &[f32],
    (rate, momentum, decay): (f32, f32, f32),
) {
    for ((p, v), d) in params.iter_mut().zip(velocity).zip(grad) {
        *v = momentum * *v - rate * (d + decay * *p);
        *p += *v;
    }
}

/// One gradient step on a batch; returns the batch's summed loss.
fn step(
    model: &mut Model,
    velocity: &mut Params,
    x: &[f32],
    labels: &[u8],
    rate: f32,
    settings: &Settings,
) -> f32 {
    let (loss, grad) = gradients(model, x, labels);
    let weights = (rate, settings.momentum, settings.decay);
    // Biases are not decayed.
    let biases = (rate, settings.momentum, 0.0);
    let (convs, layers) = model.parts_mut();
    for ((stage, (vw, vb)), (gw, gb)) in convs.iter_mut().zip(&mut velocity.convs).zip(&grad.convs)
    {
        descend(&mut stage.weights, vw, gw, weights);
        descend(&mut stage.bias, vb, gb, biases);
    }
    for ((layer, (vw, vb)), (gw, gb)) in layers
        .iter_mut()
        .zip(&mut velocity.layers)
        .zip(&grad.layers)
    {
        descend(&mut layer.weights, vw, gw, weights);
        descend(&mut layer.bias, vb, gb, biases);
    }
    loss
}

/// The summed cross-entropy loss of a batch and its gradient, averaged
/// over the batch, for every parameter of `model`.
fn gradients(model: &Model, x: &[f32], labels: &[u8]) -> (f32, Params) {
    let n = labels.len();
    let mut out = Params::zeros(model);
    // Forward through the stages, keeping what each backward step needs.
    let mut traces: Vec<StageTrace> = Vec::new();
    let mut y = Vec::new();
    for (stage, maps) in model
        .convs()
        .iter()
        .zip(Model::stage_maps(model.convs(), n))
    {
        let input = traces.last().map_or(x, |t| &t.out[..]);
        let mut trace = StageTrace {
            maps,
            cols: Vec::new(),
            argmax: Vec::new(),
            out: Vec::new(),
        };
        conv::im2col(input, stage.inputs, maps, &mut trace.cols);
        stage.convolve(&trace.cols, maps, &mut y);
        conv::pool(
            &y,
            stage.outputs,
            maps,
            &mut trace.out,
            Some(&mut trace.argmax),
        );
        relu(&mut trace.out);
        traces.push(trace);
    }
    // Forward through the dense layers, keeping each layer's input.
    let mut features = Vec::new();
    match (traces.last(), model.convs().last()) {
        (Some(t), Some(last)) => {
            let len = t.maps.pooled().h * t.maps.pooled().w;
            conv::planes_to_patches(&t.out, last.outputs, n, len, &mut features);
        }
        _ => features.extend_from_slice(x),
    }
    let mut inputs = vec![features];
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
    // Backward through the dense layers, last first.
    let has_convs = !traces.is_empty();
    for (i, layer) in model.layers().iter().enumerate().rev() {
        let input = &inputs[i];
        let g = DMatrixView::from_slice(&grad, layer.outputs, n);
        let xin = DMatrixView::from_slice(input, layer.inputs, n);
        let dw: DMatrix<f32> = g * xin.transpose();
        out.layers[i].0.copy_from_slice(dw.as_slice());
        for (o, b) in out.layers[i].1.iter_mut().enumerate() {
            *b = g.row(o).sum();
        }
        if i > 0 || has_convs {
            let w = DMatrixView::from_slice(&layer.weights, layer.outputs, layer.inputs);
            let mut dx: DMatrix<f32> = w.transpose() * g;
            // Every input of a dense layer but the patch is a ReLU's
            // output.
            for (d, &a) in dx.as_mut_slice().iter_mut().zip(input) {
                if a <= 0.0 {
                    *d = 0.0;
                }
            }
            grad = dx.as_slice().to_vec();
        }
    }
    // Backward through the stages: `grad` is now the gradient of the last
    // stage's output, ReLU applied, patch by patch.
    let mut dy = Vec::new();
    let mut dx = Vec::new();
    if let (Some(t), Some(last)) = (traces.last(), model.convs().last()) {
        let len = t.maps.pooled().h * t.maps.pooled().w;
        conv::patches_to_planes(&grad, last.outputs, n, len, &mut dx);
        std::mem::swap(&mut grad, &mut dx);
    }
    for (i, stage) in model.convs().iter().enumerate().rev() {
        let trace = &traces[i];
        let m = trace.maps.positions();
        // Through the pool: each pooled value's gradient goes to the
        // position that won it.
        dy.clear();
        dy.resize(m * stage.outputs, 0.0);
        for (&at, &g) in trace.argmax.iter().zip(&grad) {
            dy[at as usize] += g;
        }
        let g = DMatrixView::from_slice(&dy, m, stage.outputs);
        let cols = DMatrixView::from_slice(&trace.cols, m, stage.fan_in());
        let dw: DMatrix<f32> = cols.transpose() * g;
        out.convs[i].0.copy_from_slice(dw.as_slice());
        for (o, b) in out.convs[i].1.iter_mut().enumerate() {
            *b = g.column(o).sum();
        }
        if i > 0 {
            let w = DMatrixView::from_slice(&stage.weights, stage.fan_in(), stage.outputs);
            let dcols: DMatrix<f32> = g * w.transpose();
            conv::col2im(dcols.as_slice(), stage.inputs, trace.maps, &mut dx);
            // The stage's input is the previous stage's ReLU output.
            for (d, &a) in dx.iter_mut().zip(&traces[i - 1].out) {
                if a <= 0.0 {
                    *d = 0.0;
                }
            }
            std::mem::swap(&mut grad, &mut dx);
        }
    }
    (loss, out)
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

    /// A normalised patch of a dark bar, upright or lying, moved by up to
    /// three samples each way, with grain.
    fn shifted_bar(upright: bool, rng: &mut ChaCha8Rng) -> [f32; PATCH_LEN] {
        let (dx, dy) = (rng.random_range(-3..=3), rng.random_range(-3..=3));
        let mut patch = [0.0; PATCH_LEN];
        for (i, v) in patch.iter_mut().enumerate() {
            let (x, y) = ((i % PATCH_W) as i32 - dx, (i / PATCH_W) as i32 - dy);
            let inside = if upright {
                (6..10).contains(&x) && (4..20).contains(&y)
            } else {
                (2..14).contains(&x) && (10..14).contains(&y)
            };
            *v = if inside { 0.8 } else { 0.0 } + 0.2 * normal(rng);
        }
        normalise(&mut patch);
        patch
    }

    #[test]
    fn a_network_with_convolution_stages_learns_bars_wherever_they_stand() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut set = CellSet::default();
        for i in 0..400 {
            let upright = i % 2 == 0;
            set.patches
                .extend_from_slice(&shifted_bar(upright, &mut rng));
            set.labels.push(u8::from(upright));
            set.buckets.push(Bucket::Clean);
            set.heights.push(16.0);
            set.contrasts.push(100.0);
        }
        let (train_set, test_set) = (set.subset(|i| i < 300), set.subset(|i| i >= 300));
        let settings = Settings {
            convs: vec![4, 8],
            hidden: vec![16],
            epochs: 4,
            batch: 16,
            ..Settings::default()
        };
        let mut losses = Vec::new();
        let model = train(&train_set, &settings, |_, loss| losses.push(loss));
        assert_eq!(model.convs().len(), 2);
        assert!(losses[3] < losses[0] * 0.5, "losses {losses:?}");
        let (_, overall) = accuracy(&model, &test_set);
        assert!(overall > 0.95, "accuracy {overall}");
        // What was trained is what loads.
        assert_eq!(Model::from_bytes(&model.to_bytes()).unwrap(), model);
    }

    #[test]
    fn gradients_match_finite_differences() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let settings = Settings {
            convs: vec![3, 4],
            hidden: vec![8],
            epochs: 0,
            ..Settings::default()
        };
        let model = train(&CellSet::default(), &settings, |_, _| {});
        let mut x = Vec::new();
        for i in 0..3 {
            x.extend_from_slice(&shifted_bar(i % 2 == 0, &mut rng));
        }
        let labels = [1, 0, 5];
        let (_, grad) = gradients(&model, &x, &labels);
        // The loss is summed and the gradient averaged over the batch.
        let loss_of = |m: &Model| f64::from(gradients(m, &x, &labels).0) / 3.0;
        let h = 1e-3;
        // The central difference of the loss along one parameter, which
        // `nudge` moves by the amount it is given.
        let numeric = |nudge: &dyn Fn(&mut Model, f32)| {
            let mut plus = model.clone();
            nudge(&mut plus, h);
            let mut minus = model.clone();
            nudge(&mut minus, -h);
            (loss_of(&plus) - loss_of(&minus)) / (2.0 * f64::from(h))
        };
        let agrees = |numeric: f64, analytic: f32| {
            (numeric - f64::from(analytic)).abs() < 2e-3 + 0.05 * f64::from(analytic).abs()
        };
        let mut checked = 0;
        for stage in 0..2 {
            for w in [0, 7, 20] {
                let n = numeric(&|m, d| m.parts_mut().0[stage].weights[w] += d);
                let analytic = grad.convs[stage].0[w];
                assert!(
                    agrees(n, analytic),
                    "stage {stage} weight {w}: numeric {n}, analytic {analytic}"
                );
                checked += usize::from(analytic.abs() > 1e-4);
            }
        }
        // A bias of each stage and each layer, and a weight of each layer:
        // its name, how to move it, and its gradient.
        type Nudge = (&'static str, fn(&mut Model, f32), f32);
        let nudges: [Nudge; 6] = [
            (
                "stage 0 bias",
                |m, d| m.parts_mut().0[0].bias[1] += d,
                grad.convs[0].1[1],
            ),
            (
                "stage 1 bias",
                |m, d| m.parts_mut().0[1].bias[2] += d,
                grad.convs[1].1[2],
            ),
            (
                "layer 0 bias",
                |m, d| m.parts_mut().1[0].bias[1] += d,
                grad.layers[0].1[1],
            ),
            (
                "layer 1 bias",
                |m, d| m.parts_mut().1[1].bias[1] += d,
                grad.layers[1].1[1],
            ),
            (
                "layer 0 weight",
                |m, d| m.parts_mut().1[0].weights[9] += d,
                grad.layers[0].0[9],
            ),
            (
                "layer 1 weight",
                |m, d| m.parts_mut().1[1].weights[40] += d,
                grad.layers[1].0[40],
            ),
        ];
        for (name, nudge, analytic) in nudges {
            let n = numeric(&nudge);
            assert!(
                agrees(n, analytic),
                "{name}: numeric {n}, analytic {analytic}"
            );
        }
        // Most of the stage weights checked have a gradient to check.
        assert!(checked >= 4, "{checked} nonzero");
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
