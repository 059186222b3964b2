//! The character classifier: a small fully connected network from a cell
//! patch ([`super::cells`]) to the probability of each of the 37
//! [`CLASSES`](super::CLASSES).
//!
//! The built-in weights (`model/ocrb.bin`) are trained from OCR-B glyphs by
//! `crates/hotel-mrz/examples/train_model.rs` (see the crate README) and
//! compiled into the library: nothing is downloaded.
//!
//! The file format is little-endian: the magic `HMRZMLP1`, the patch width
//! and height (`u16` each), the layer count (`u32`), then per layer its
//! input and output sizes (`u32` each), its weights (`inputs × outputs`
//! `f32`, row-major by input) and its biases (`outputs` `f32`). Every layer
//! but the last is followed by a ReLU; the last by a softmax.

use std::sync::OnceLock;

use nalgebra::{DMatrix, DMatrixView};
use thiserror::Error;

use super::cells::{PATCH_H, PATCH_LEN, PATCH_W};

/// Classes the classifier tells apart (see [`super::CLASSES`]).
pub const CLASS_COUNT: usize = 37;

const MAGIC: &[u8; 8] = b"HMRZMLP1";
/// Largest layer accepted when loading (inputs × outputs).
const MAX_LAYER_WEIGHTS: usize = 4 << 20;
/// Most layers accepted when loading.
const MAX_LAYERS: usize = 8;

static BUILTIN_BYTES: &[u8] = include_bytes!("../../model/ocrb.bin");

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

/// A classifier: layers from [`PATCH_LEN`] inputs to [`CLASS_COUNT`]
/// outputs.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    layers: Vec<Layer>,
}

impl Model {
    /// A model of `layers`.
    ///
    /// # Errors
    ///
    /// [`ModelError::Shape`] when the layers do not chain from
    /// [`PATCH_LEN`] inputs to [`CLASS_COUNT`] outputs.
    pub fn new(layers: Vec<Layer>) -> Result<Self, ModelError> {
        if layers.is_empty() || layers.len() > MAX_LAYERS {
            return Err(ModelError::Shape("between 1 and 8 layers"));
        }
        if layers[0].inputs != PATCH_LEN {
            return Err(ModelError::Shape("the first layer takes one patch"));
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
        Ok(Self { layers })
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

    /// The layers, input first.
    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// Mutable layers, for training. Their shapes must not change.
    pub fn layers_mut(&mut self) -> &mut [Layer] {
        &mut self.layers
    }

    /// Loads a model file (module docs).
    ///
    /// # Errors
    ///
    /// A [`ModelError`] naming what is wrong; never panics on any input.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ModelError> {
        let mut r = Cursor(bytes);
        if r.take(8)? != MAGIC {
            return Err(ModelError::Magic);
        }
        if usize::from(r.u16()?) != PATCH_W || usize::from(r.u16()?) != PATCH_H {
            return Err(ModelError::Shape("patch size"));
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
        Self::new(layers)
    }

    /// The model file's bytes (module docs).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(PATCH_W as u16).to_le_bytes());
        out.extend_from_slice(&(PATCH_H as u16).to_le_bytes());
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
        let mut x = patches[..n * PATCH_LEN].to_vec();
        let mut y = Vec::new();
        for (i, layer) in self.layers.iter().enumerate() {
            layer.forward(&x, n, &mut y);
            if i + 1 < self.layers.len() {
                relu(&mut y);
            }
            std::mem::swap(&mut x, &mut y);
        }
        for row in x.chunks_mut(CLASS_COUNT) {
            softmax(row);
        }
        x
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
    fn the_builtin_model_loads() {
        let model = Model::builtin().expect("model/ocrb.bin loads");
        assert_eq!(model.layers()[0].inputs, PATCH_LEN);
    }
}
