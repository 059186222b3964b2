//! The character classifier: a small network from a cell patch
//! ([`super::cells`]) to the probability of each of the 37
//! [`CLASSES`](super::CLASSES): convolution stages ([`conv`]), then fully
//! connected layers.
//!
//! The built-in weights (`model/ocrb.bin`) are trained from OCR-B glyphs by
//! `crates/hotel-mrz/examples/train_model.rs` (see the crate README) and
//! compiled into the library: nothing is downloaded.
//!
//! The file format is little-endian: the magic `HMRZNET2`, the patch width
//! and height (`u16` each), the convolution stage count (`u32`), then per
//! stage its input and output channels (`u32` each), its weights
//! (`9 × inputs × outputs` `f32`, laid out as [`Conv::weights`]) and its
//! biases (`outputs` `f32`); then the dense layer count (`u32`), then per
//! layer its input and output sizes (`u32` each), its weights (`inputs ×
//! outputs` `f32`, row-major by input) and its biases (`outputs` `f32`).
//! Every dense layer but the last is followed by a ReLU; the last by a
//! softmax. A file of the earlier magic `HMRZMLP1` has no stage count and
//! no stages: dense layers alone.

use std::sync::OnceLock;

use nalgebra::{DMatrix, DMatrixView};
use thiserror::Error;

use super::cells::{PATCH_H, PATCH_LEN, PATCH_W};

pub mod conv;

pub use conv::{Conv, Maps};

/// Classes the classifier tells apart (see [`super::CLASSES`]).
pub const CLASS_COUNT: usize = 37;

const MAGIC: &[u8; 8] = b"HMRZNET2";
/// The magic of files of dense layers alone.
const MAGIC_DENSE: &[u8; 8] = b"HMRZMLP1";
/// Largest layer accepted when loading (inputs × outputs; for a stage,
/// 9 × inputs × outputs).
const MAX_LAYER_WEIGHTS: usize = 4 << 20;
/// Most layers accepted when loading.
const MAX_LAYERS: usize = 8;
/// Most convolution stages: each halves the patch, and a third leaves
/// 2 × 3 positions of the 16 × 24 patch.
const MAX_CONVS: usize = 3;
/// Most channels of a stage: with [`CHUNK`], bounds a stage's scratch
/// (9 values per position and input channel) to about 100 MB.
const MAX_CHANNELS: usize = 128;
/// Patches run through the network at once: bounds the scratch a
/// convolution needs (its columns hold 9 values per position and input
/// channel).
const CHUNK: usize = 256;

static BUILTIN_BYTES: &[u8] = include_bytes!("../../../model/ocrb.bin");

/// Why a model file could not be loaded.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ModelError {
    /// The file does not start with the magic bytes.
    #[error("not a hotel-mrz model file")]
    Magic,
    /// The file ends before its header says it should.
    #[error("the model file is truncated")]
    Truncated,
    /// The file holds more bytes than its layers.
    #[error("the model file has trailing bytes")]
    Trailing,
    /// The patch size or the layer shapes do not fit this classifier.
    #[error("the model's shape does not fit: {0}")]
    Shape(&'static str),
}

/// One fully connected layer.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    /// Input size.
    pub inputs: usize,
    /// Output size.
    pub outputs: usize,
    /// `inputs × outputs` weights, row-major by input.
    pub weights: Vec<f32>,
    /// `outputs` biases.
    pub bias: Vec<f32>,
}

impl Layer {
    /// A layer of zero biases and the given weights; `None` when the sizes
    /// do not agree.
    pub fn new(inputs: usize, outputs: usize, weights: Vec<f32>) -> Option<Self> {
        (weights.len() == inputs * outputs).then(|| Self {
            inputs,
            outputs,
            weights,
            bias: vec![0.0; outputs],
        })
    }

    /// `out = x · W + b` for `n` rows of `x` (`n × inputs` values,
    /// row-major); `out` gets `n × outputs` values, row-major.
    pub fn forward(&self, x: &[f32], n: usize, out: &mut Vec<f32>) {
        // Row-major `n × k` is column-major `k × n`: with the weights stored
        // row-major by input, `out = W · x` in nalgebra's column-major view.
        let w = DMatrixView::from_slice(&self.weights, self.outputs, self.inputs);
        let x = DMatrixView::from_slice(&x[..n * self.inputs], self.inputs, n);
        let mut y = DMatrix::from_fn(self.outputs, n, |o, _| self.bias[o]);
        y.gemm(1.0, &w, &x, 1.0);
        out.clear();
        out.extend_from_slice(y.as_slice());
    }
}

/// A classifier: convolution stages over the patch, then dense layers
/// from what they leave to [`CLASS_COUNT`] outputs.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    convs: Vec<Conv>,
    layers: Vec<Layer>,
}

impl Model {
    /// A model of dense `layers` alone.
    ///
    /// # Errors
    ///
    /// [`ModelError::Shape`] when the layers do not chain from
    /// [`PATCH_LEN`] inputs to [`CLASS_COUNT`] outputs.
    pub fn new(layers: Vec<Layer>) -> Result<Self, ModelError> {
        Self::with_convs(Vec::new(), layers)
    }

    /// A model of convolution stages `convs` over the patch, then dense
    /// `layers`.
    ///
    /// # Errors
    ///
    /// [`ModelError::Shape`] when the stages do not chain from one channel,
    /// or the layers from what the stages leave to [`CLASS_COUNT`] outputs.
    pub fn with_convs(convs: Vec<Conv>, layers: Vec<Layer>) -> Result<Self, ModelError> {
        if convs.len() > MAX_CONVS {
            return Err(ModelError::Shape("at most 3 convolution stages"));
        }
        if convs.first().is_some_and(|c| c.inputs != 1) {
            return Err(ModelError::Shape("the first stage takes one channel"));
        }
        if convs.windows(2).any(|w| w[0].outputs != w[1].inputs) {
            return Err(ModelError::Shape("stage channels do not chain"));
        }
        if convs
            .iter()
            .any(|c| c.outputs == 0 || c.outputs > MAX_CHANNELS)
        {
            return Err(ModelError::Shape("a stage has 1 to 128 channels"));
        }
        if convs.iter().any(|c| {
            c.weights.len() != conv::TAPS * c.inputs * c.outputs
                || c.bias.len() != c.outputs
                || c.weights.len() > MAX_LAYER_WEIGHTS
        }) {
            return Err(ModelError::Shape(
                "a stage's weights do not match its sizes",
            ));
        }
        if layers.is_empty() || layers.len() > MAX_LAYERS {
            return Err(ModelError::Shape("between 1 and 8 layers"));
        }
        let features = Self::features(&convs);
        if layers[0].inputs != features {
            return Err(ModelError::Shape(
                "the first layer takes what the stages leave",
            ));
        }
        if layers.windows(2).any(|w| w[0].outputs != w[1].inputs) {
            return Err(ModelError::Shape("layer sizes do not chain"));
        }
        if layers.last().is_some_and(|l| l.outputs != CLASS_COUNT) {
            return Err(ModelError::Shape("the last layer gives 37 classes"));
        }
        if layers.iter().any(|l| {
            l.weights.len() != l.inputs * l.outputs
                || l.bias.len() != l.outputs
                || l.weights.len() > MAX_LAYER_WEIGHTS
        }) {
            return Err(ModelError::Shape(
                "a layer's weights do not match its sizes",
            ));
        }
        Ok(Self { convs, layers })
    }

    /// Values per patch that `convs` leave for the dense layers.
    fn features(convs: &[Conv]) -> usize {
        let maps = Self::stage_maps(convs, 1);
        let last = maps.last().map_or(
            Maps {
                n: 1,
                h: PATCH_H,
                w: PATCH_W,
            },
            |m| m.pooled(),
        );
        last.h * last.w * convs.last().map_or(1, |c| c.outputs)
    }

    /// The input maps of each of `convs` for `n` patches.
    pub fn stage_maps(convs: &[Conv], n: usize) -> Vec<Maps> {
        let mut maps = Maps {
            n,
            h: PATCH_H,
            w: PATCH_W,
        };
        convs
            .iter()
            .map(|_| {
                let here = maps;
                maps = maps.pooled();
                here
            })
            .collect()
    }

    /// The model compiled into the library.
    ///
    /// # Errors
    ///
    /// The built-in file's load error; a test keeps it loadable.
    pub fn builtin() -> Result<&'static Model, &'static ModelError> {
        static MODEL: OnceLock<Result<Model, ModelError>> = OnceLock::new();
        MODEL
            .get_or_init(|| Model::from_bytes(BUILTIN_BYTES))
            .as_ref()
    }

    /// The convolution stages, input first.
    pub fn convs(&self) -> &[Conv] {
        &self.convs
    }

    /// The dense layers, input first.
    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// Mutable stages and layers, for training. Their shapes must not
    /// change.
    pub fn parts_mut(&mut self) -> (&mut [Conv], &mut [Layer]) {
        (&mut self.convs, &mut self.layers)
    }

    /// Loads a model file (module docs).
    ///
    /// # Errors
    ///
    /// A [`ModelError`] naming what is wrong; never panics on any input.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ModelError> {
        let mut r = Cursor(bytes);
        let magic = r.take(8)?;
        if magic != MAGIC && magic != MAGIC_DENSE {
            return Err(ModelError::Magic);
        }
        if usize::from(r.u16()?) != PATCH_W || usize::from(r.u16()?) != PATCH_H {
            return Err(ModelError::Shape("patch size"));
        }
        let mut convs = Vec::new();
        if magic == MAGIC {
            let count = r.u32()? as usize;
            if count > MAX_CONVS {
                return Err(ModelError::Shape("at most 3 convolution stages"));
            }
            for _ in 0..count {
                let (inputs, outputs) = (r.u32()? as usize, r.u32()? as usize);
                if inputs > MAX_CHANNELS || outputs > MAX_CHANNELS {
                    return Err(ModelError::Shape("a stage has 1 to 128 channels"));
                }
                let size = inputs
                    .checked_mul(outputs)
                    .and_then(|s| s.checked_mul(conv::TAPS))
                    .filter(|&s| s <= MAX_LAYER_WEIGHTS)
                    .ok_or(ModelError::Shape("a stage is too large"))?;
                let weights = r.f32s(size)?;
                let bias = r.f32s(outputs)?;
                convs.push(Conv {
                    inputs,
                    outputs,
                    weights,
                    bias,
                });
            }
        }
        let count = r.u32()? as usize;
        if count == 0 || count > MAX_LAYERS {
            return Err(ModelError::Shape("between 1 and 8 layers"));
        }
        let mut layers = Vec::with_capacity(count);
        for _ in 0..count {
            let (inputs, outputs) = (r.u32()? as usize, r.u32()? as usize);
            let size = inputs
                .checked_mul(outputs)
                .filter(|&s| s <= MAX_LAYER_WEIGHTS)
                .ok_or(ModelError::Shape("a layer is too large"))?;
            let weights = r.f32s(size)?;
            let bias = r.f32s(outputs)?;
            layers.push(Layer {
                inputs,
                outputs,
                weights,
                bias,
            });
        }
        if !r.0.is_empty() {
            return Err(ModelError::Trailing);
        }
        Self::with_convs(convs, layers)
    }

    /// The model file's bytes (module docs); a model of dense layers
    /// alone is written with the earlier magic, which every build loads.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        if self.convs.is_empty() {
            out.extend_from_slice(MAGIC_DENSE);
        } else {
            out.extend_from_slice(MAGIC);
        }
        out.extend_from_slice(&(PATCH_W as u16).to_le_bytes());
        out.extend_from_slice(&(PATCH_H as u16).to_le_bytes());
        if !self.convs.is_empty() {
            out.extend_from_slice(&(self.convs.len() as u32).to_le_bytes());
        }
        for c in &self.convs {
            out.extend_from_slice(&(c.inputs as u32).to_le_bytes());
            out.extend_from_slice(&(c.outputs as u32).to_le_bytes());
            for v in c.weights.iter().chain(&c.bias) {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        out.extend_from_slice(&(self.layers.len() as u32).to_le_bytes());
        for l in &self.layers {
            out.extend_from_slice(&(l.inputs as u32).to_le_bytes());
            out.extend_from_slice(&(l.outputs as u32).to_le_bytes());
            for v in l.weights.iter().chain(&l.bias) {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        out
    }

    /// Class probabilities of each patch in `patches` (`PATCH_LEN` values
    /// each): [`CLASS_COUNT`] values per patch, in patch order.
    pub fn probabilities(&self, patches: &[f32]) -> Vec<f32> {
        let n = patches.len() / PATCH_LEN;
        let mut probs = Vec::with_capacity(n * CLASS_COUNT);
        let (mut x, mut y, mut cols) = (Vec::new(), Vec::new(), Vec::new());
        let mut pooled = Vec::new();
        for chunk in patches[..n * PATCH_LEN].chunks(CHUNK * PATCH_LEN) {
            let m = chunk.len() / PATCH_LEN;
            x.clear();
            x.extend_from_slice(chunk);
            // A patch is one plane of one channel.
            for (stage, maps) in self.convs.iter().zip(Self::stage_maps(&self.convs, m)) {
                stage.forward(&x, maps, &mut cols, &mut y, &mut pooled);
                std::mem::swap(&mut x, &mut pooled);
            }
            if let Some(last) = self.convs.last() {
                let len = x.len() / (m * last.outputs);
                conv::planes_to_patches(&x, last.outputs, m, len, &mut y);
                std::mem::swap(&mut x, &mut y);
            }
            for (i, layer) in self.layers.iter().enumerate() {
                layer.forward(&x, m, &mut y);
                if i + 1 < self.layers.len() {
                    relu(&mut y);
                }
                std::mem::swap(&mut x, &mut y);
            }
            for row in x.chunks_mut(CLASS_COUNT) {
                softmax(row);
            }
            probs.extend_from_slice(&x);
        }
        probs
    }
}

/// `max(0, v)` in place.
pub fn relu(values: &mut [f32]) {
    for v in values {
        *v = v.max(0.0);
    }
}

/// Softmax of one row in place.
pub fn softmax(row: &mut [f32]) {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for v in row.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    for v in row.iter_mut() {
        *v /= sum;
    }
}

/// Reads a model file front to back.
struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ModelError> {
        if self.0.len() < n {
            return Err(ModelError::Truncated);
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn u16(&mut self) -> Result<u16, ModelError> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Result<u32, ModelError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn f32s(&mut self, n: usize) -> Result<Vec<f32>, ModelError> {
        let bytes = self.take(n.checked_mul(4).ok_or(ModelError::Truncated)?)?;
        Ok(bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Model {
        let hidden = 4;
        let w1 = (0..PATCH_LEN * hidden)
            .map(|i| (i % 7) as f32 * 0.01)
            .collect();
        let w2 = (0..hidden * CLASS_COUNT)
            .map(|i| (i % 5) as f32 * 0.1)
            .collect();
        Model::new(vec![
            Layer::new(PATCH_LEN, hidden, w1).unwrap(),
            Layer::new(hidden, CLASS_COUNT, w2).unwrap(),
        ])
        .unwrap()
    }

    #[test]
    fn bytes_round_trip_and_probabilities_sum_to_one() {
        let model = tiny();
        let bytes = model.to_bytes();
        assert_eq!(Model::from_bytes(&bytes).unwrap(), model);
        let patches = vec![0.5; PATCH_LEN * 3];
        let p = model.probabilities(&patches);
        assert_eq!(p.len(), 3 * CLASS_COUNT);
        for row in p.chunks(CLASS_COUNT) {
            assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-4);
        }
    }

    #[test]
    fn damaged_files_are_errors() {
        let bytes = tiny().to_bytes();
        assert_eq!(Model::from_bytes(b"nonsense"), Err(ModelError::Magic));
        assert_eq!(
            Model::from_bytes(&bytes[..bytes.len() - 1]),
            Err(ModelError::Truncated)
        );
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(Model::from_bytes(&longer), Err(ModelError::Trailing));
        let mut huge = bytes[..16].to_vec();
        huge.extend_from_slice(&u32::MAX.to_le_bytes());
        huge.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(
            Model::from_bytes(&huge),
            Err(ModelError::Shape(_))
        ));
        for n in 0..bytes.len().min(64) {
            assert!(Model::from_bytes(&bytes[..n]).is_err());
        }
    }

    #[test]
    fn a_model_with_convolution_stages_loads_whole_or_not_at_all() {
        let weights = |n: usize| (0..n).map(|i| (i % 11) as f32 * 0.01).collect::<Vec<_>>();
        // 16 × 24 → 8 × 12 → 4 × 6 positions, 3 channels: 72 features.
        let convs = vec![
            Conv::new(1, 2, weights(9 * 2)).unwrap(),
            Conv::new(2, 3, weights(9 * 2 * 3)).unwrap(),
        ];
        let dense = |inputs| Layer::new(inputs, CLASS_COUNT, weights(inputs * CLASS_COUNT));
        let model = Model::with_convs(convs.clone(), vec![dense(72).unwrap()]).unwrap();
        let bytes = model.to_bytes();
        assert_eq!(Model::from_bytes(&bytes).unwrap(), model);
        let p = model.probabilities(&vec![0.3; PATCH_LEN * 300]);
        assert_eq!(p.len(), 300 * CLASS_COUNT);
        for row in p.chunks(CLASS_COUNT) {
            assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-4, "{row:?}");
        }
        for n in 0..bytes.len() {
            assert!(Model::from_bytes(&bytes[..n]).is_err(), "{n} bytes");
        }
        // The dense layers must take what the stages leave.
        assert!(Model::with_convs(convs.clone(), vec![dense(PATCH_LEN).unwrap()]).is_err());
        // A stage of more than 128 channels is refused before any weight
        // is read.
        let mut wide = bytes[..12].to_vec();
        wide.extend_from_slice(&1u32.to_le_bytes());
        wide.extend_from_slice(&1u32.to_le_bytes());
        wide.extend_from_slice(&129u32.to_le_bytes());
        assert!(matches!(
            Model::from_bytes(&wide),
            Err(ModelError::Shape(_))
        ));
        // Stages must chain from one channel.
        let mut second_first = convs;
        second_first.swap(0, 1);
        assert!(Model::with_convs(second_first, vec![dense(72).unwrap()]).is_err());
    }

    #[test]
    fn the_builtin_model_loads() {
        let model = Model::builtin().expect("model/ocrb.bin loads");
        assert_eq!(model.layers()[0].inputs, Model::features(model.convs()));
    }
}
