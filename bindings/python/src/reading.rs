//! `read_mrz` and the classes it returns: `Reading` (an `Mrz` with what the
//! reader adds), `Doubt` and `Correction`. `Doubt` and `Correction` are
//! plain values: equal when every attribute is, and pickled as their
//! attributes through `_restore_doubt` and `_restore_correction`.
//!
//! Reading an image takes tens to hundreds of milliseconds, so `read_mrz`
//! releases the GIL while the reader runs.

use hotel_mrz::reader::correct::Decoded;
use hotel_mrz::reader::decode::{DecodeError, MAX_INPUT_BYTES};
use hotel_mrz::reader::{
    Correction, Doubt, PartsError, ReadError, Reading, Reason, read_bytes_with,
};
use hotel_mrz::{Format, ParseOptions};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::{PyByteArray, PyDate, PyMemoryView, PyString};

use crate::error::{mrz_error, read_error};
use crate::mrz::{
    MRZ_COLUMNS, MRZ_LINES, PyMrz, Reduced, hash_of, index, known, misfit, parse_options, place,
    py_bool, py_bool_object, py_date, same_type,
};

/// The MRZ read from an image: everything `Mrz` has, with `valid` the
/// reader's verdict, plus confidence, corners and corrections.
///
/// Two are equal when their text, dates, confidences, corners and
/// corrections are; one pickles and copies whole.
#[pyclass(name = "Reading", module = "smart_hotel", frozen, extends = PyMrz)]
pub(crate) struct PyReading {
    inner: Reading,
}

/// Why a reading whose text passes every check is still not valid.
#[pyclass(name = "Doubt", module = "smart_hotel", frozen, get_all, eq, hash)]
#[derive(PartialEq, Eq, Hash)]
pub(crate) struct PyDoubt {
    /// `unsure_characters`, `unsure_unchecked_character` or
    /// `ambiguous_checks`.
    kind: &'static str,
    /// A sentence saying why, without document content.
    message: String,
}

/// One character the reader chose over its cell's most likely one.
///
/// `read` and `chosen` are characters of the document, so `repr` leaves
/// them out.
#[pyclass(name = "Correction", module = "smart_hotel", frozen, get_all, eq, hash)]
#[derive(PartialEq, Eq, Hash)]
pub(crate) struct PyCorrection {
    /// Line, 1-based.
    line: usize,
    /// Column, 1-based.
    column: usize,
    /// The cell's most likely character.
    read: char,
    /// The character chosen.
    chosen: char,
    /// `class` (the position does not allow the character read),
    /// `check_digit`, `layout` or `country_code`.
    reason: &'static str,
}

/// Reads the MRZ of an encoded image (PNG, JPEG, WebP, BMP, TIFF), given as
/// `bytes`, `bytearray` or `memoryview` (copied); `today` (default: today
/// in UTC) chooses the century of two-digit years.
#[pyfunction]
#[pyo3(signature = (image, *, today = None))]
pub(crate) fn read_mrz(
    py: Python<'_>,
    image: &Bound<'_, PyAny>,
    today: Option<&Bound<'_, PyAny>>,
) -> PyResult<Py<PyReading>> {
    let image = image_bytes(image)?;
    let options = parse_options(today)?;
    let reading = py
        .detach(|| read_bytes_with(&image, &options))
        .map_err(|e| read_error(py, &e))?;
    new_reading(py, reading, &options)
}

/// The Python object of `reading`, whose text was parsed with `options`.
fn new_reading(
    py: Python<'_>,
    reading: Reading,
    options: &ParseOptions,
) -> PyResult<Py<PyReading>> {
    // The reader only gives text of an MRZ shape, so this parse succeeds.
    let mrz = *reading.mrz().map_err(|e| mrz_error(py, e))?;
    let init = PyClassInitializer::from(PyMrz::new(mrz, options))
        .add_subclass(PyReading { inner: reading });
    Py::new(py, init)
}

/// What a `Reading` pickles as: format, lines, confidences, corrections
/// (0-based line and column, read, chosen, reason), the text's log
/// probability, checked confidence, corners and `today`. Strings are taken
/// as `str` objects and numbers as any object, so that a forged state is a
/// ValueError naming the part, never an error that holds its content.
type State<'py> = (
    Bound<'py, PyString>,
    Vec<Bound<'py, PyString>>,
    Vec<Vec<f32>>,
    Vec<RawCorrection<'py>>,
    f32,
    f32,
    Vec<(f32, f32)>,
    Bound<'py, PyAny>,
);

/// The state `Reading.__reduce__` writes, in `State`'s order.
type Pickled = (
    String,
    Vec<String>,
    Vec<Vec<f32>>,
    Vec<(usize, usize, char, char, String)>,
    f32,
    f32,
    Vec<(f32, f32)>,
    Py<PyDate>,
);

/// A correction in a pickled state (see `State`).
type RawCorrection<'py> = (
    Bound<'py, PyAny>,
    Bound<'py, PyAny>,
    Bound<'py, PyString>,
    Bound<'py, PyString>,
    Bound<'py, PyString>,
);

/// A `Reading` from its pickled state (`Reading.__reduce__`).
///
/// # Errors
///
/// ValueError naming the part of a state no reading gives; TypeError for
/// one not shaped as a state.
#[pyfunction(name = "_restore_reading")]
pub(crate) fn restore_reading(py: Python<'_>, state: State<'_>) -> PyResult<Py<PyReading>> {
    let (format, lines, confidence, corrections, log_prob, checked_p, corners, today) = state;
    let misfit =
        |part: PartsError| PyValueError::new_err(format!("not the state of a Reading: {part}"));
    let format = Format::from_name(&format.to_string_lossy()).ok_or(misfit(PartsError::Format))?;
    let corrections = corrections
        .iter()
        .map(correction_of)
        .collect::<PyResult<Option<Vec<_>>>>()?
        .ok_or(misfit(PartsError::Corrections))?;
    let decoded = Decoded {
        format,
        lines: lines
            .iter()
            .map(|l| l.to_string_lossy().into_owned().into_bytes())
            .collect(),
        confidence,
        corrections,
        valid: false,
        log_prob,
        checked_p,
    };
    let corners: [(f32, f32); 4] = corners
        .try_into()
        .map_err(|_| misfit(PartsError::Corners))?;
    let options = parse_options(Some(&today))?;
    let reading = Reading::from_parts(decoded, corners, &options).map_err(misfit)?;
    new_reading(py, reading, &options)
}

/// The correction of a pickled state's entry; `None` for numbers that are
/// not integers or out of range, characters that are not one ASCII
/// character, or an unknown reason (see [`index`] for the errors that pass
/// on).
fn correction_of(raw: &RawCorrection<'_>) -> PyResult<Option<Correction>> {
    let (line, column, read, chosen, reason) = raw;
    let char_of = |s: &Bound<'_, PyString>| match s.to_string_lossy().as_bytes() {
        &[c] => Some(c),
        _ => None,
    };
    let (Some(line), Some(column), Some(read), Some(chosen), Some(reason)) = (
        index(line)?,
        index(column)?,
        char_of(read),
        char_of(chosen),
        Reason::from_name(&reason.to_string_lossy()),
    ) else {
        return Ok(None);
    };
    Ok(Some(Correction {
        line,
        column,
        read,
        chosen,
        reason,
    }))
}

/// The bytes of `image`: `bytes` as they are, a `bytearray` copied, a
/// `memoryview` copied through `tobytes()` (the limited API has no buffer
/// access). A copy is made only within the reader's input limit: past it,
/// the `too_large` error comes first, before any copying (or time spent
/// holding the GIL).
fn image_bytes(image: &Bound<'_, PyAny>) -> PyResult<PyBackedBytes> {
    let too_large = |bytes| {
        let error = DecodeError::TooManyBytes {
            bytes,
            limit: MAX_INPUT_BYTES,
        };
        Err(read_error(image.py(), &ReadError::Decode(error)))
    };
    if image.is_instance_of::<PyMemoryView>() {
        let bytes: usize = image.getattr("nbytes")?.extract()?;
        if bytes > MAX_INPUT_BYTES {
            return too_large(bytes);
        }
        return Ok(image.call_method0("tobytes")?.extract()?);
    }
    if image.is_instance_of::<PyByteArray>() && image.len()? > MAX_INPUT_BYTES {
        return too_large(image.len()?);
    }
    if let Ok(bytes) = image.extract() {
        return Ok(bytes);
    }
    Err(PyTypeError::new_err(format!(
        "read_mrz takes bytes, bytearray or memoryview, not {}",
        image.get_type().name()?
    )))
}

#[pymethods]
impl PyReading {
    /// Whether the text passes every check and was read surely enough
    /// (see `doubts`).
    #[getter]
    fn valid(&self) -> bool {
        self.inner.is_valid()
    }

    /// The lowest character confidence of the whole zone, 0 to 1.
    #[getter]
    fn confidence(&self) -> f32 {
        self.inner.confidence()
    }

    /// Per line, the lowest character confidence.
    #[getter]
    fn line_confidence(&self) -> Vec<f32> {
        self.inner.line_confidence()
    }

    /// Per line, the confidence of each character, 0 to 1.
    #[getter]
    fn char_confidence(&self) -> Vec<Vec<f32>> {
        self.inner.char_confidence().to_vec()
    }

    /// How far the check digits settle the characters they cover, 0 to 1.
    #[getter]
    fn checked_confidence(&self) -> f32 {
        self.inner.checked_confidence()
    }

    /// The zone's corners in the image, (x, y) in pixels: top-left,
    /// top-right, bottom-right, bottom-left in the MRZ's reading direction.
    #[getter]
    fn corners(&self) -> Vec<(f32, f32)> {
        self.inner.corners().to_vec()
    }

    /// Whether a character was changed beyond its position's class (check
    /// digits, field layout, a country code).
    #[getter]
    fn corrected(&self) -> bool {
        self.inner.corrected()
    }

    /// Every character chosen over its cell's most likely one, in reading
    /// order; `corrected` says whether any went beyond the position's
    /// character class.
    #[getter]
    fn corrections(&self) -> Vec<PyCorrection> {
        self.inner
            .corrections()
            .iter()
            .map(|c| PyCorrection {
                line: c.line + 1,
                column: c.column + 1,
                read: char::from(c.read),
                chosen: char::from(c.chosen),
                reason: c.reason.name(),
            })
            .collect()
    }

    /// Whether a name character was unsure or corrected: names carry no
    /// check digit, so confirm them with the holder.
    #[getter]
    fn name_needs_confirmation(&self) -> bool {
        self.inner.name_needs_confirmation()
    }

    /// Why a text that passes every check is still not valid.
    #[getter]
    fn doubts(&self) -> Vec<PyDoubt> {
        self.inner
            .doubts()
            .iter()
            .map(|d| PyDoubt {
                kind: d.kind(),
                message: d.to_string(),
            })
            .collect()
    }

    /// Equal to a `Reading` of the same text, dates, confidences, corners
    /// and corrections.
    fn __eq__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        if !same_type(slf.as_any(), other) {
            return Ok(py.NotImplemented());
        }
        let other = other.cast::<PyReading>()?;
        Ok(py_bool_object(py, slf.get().inner == other.get().inner))
    }

    /// The hash of its `Mrz`: equal readings have equal text and dates.
    fn __hash__(slf: &Bound<'_, Self>) -> PyResult<isize> {
        hash_of(slf.py(), &slf.as_super().get().key())
    }

    /// `_restore_reading` and the reading's parts (see `State`).
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (Pickled,))> {
        let py = slf.py();
        let r = &slf.get().inner;
        let restore = py
            .import("smart_hotel._native")?
            .getattr("_restore_reading")?;
        let state = (
            r.format().name().to_owned(),
            r.text().lines().map(str::to_owned).collect(),
            r.char_confidence().to_vec(),
            r.corrections()
                .iter()
                .map(|c| {
                    let (read, chosen) = (char::from(c.read), char::from(c.chosen));
                    (c.line, c.column, read, chosen, c.reason.name().to_owned())
                })
                .collect(),
            r.log_prob(),
            r.checked_confidence(),
            r.corners().to_vec(),
            py_date(py, slf.as_super().get().today())?.unbind(),
        );
        Ok((restore, (state,)))
    }

    fn __repr__(&self) -> String {
        format!(
            "<Reading {} valid={} confidence={:.3}>",
            self.inner.format().name(),
            py_bool(self.inner.is_valid()),
            self.inner.confidence()
        )
    }
}

#[pymethods]
impl PyDoubt {
    /// `_restore_doubt` and the attributes.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Reduced<'py, (&'static str, String)>> {
        let restore = py
            .import("smart_hotel._native")?
            .getattr("_restore_doubt")?;
        Ok((restore, (self.kind, self.message.clone())))
    }

    fn __repr__(&self) -> String {
        format!("<Doubt {}>", self.kind)
    }
}

#[pymethods]
impl PyCorrection {
    /// `_restore_correction` and the attributes.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Reduced<'py, CorrectionState>> {
        let restore = py
            .import("smart_hotel._native")?
            .getattr("_restore_correction")?;
        Ok((
            restore,
            (self.line, self.column, self.read, self.chosen, self.reason),
        ))
    }

    fn __repr__(&self) -> String {
        format!(
            "<Correction {} line={} column={}>",
            self.reason, self.line, self.column
        )
    }
}

/// A `Correction`'s attributes in `_restore_correction`'s order.
type CorrectionState = (usize, usize, char, char, &'static str);

/// A `Doubt` from its attributes (`Doubt.__reduce__`).
///
/// # Errors
///
/// ValueError when `kind` is not a kind of doubt.
#[pyfunction(name = "_restore_doubt")]
pub(crate) fn restore_doubt(
    kind: &Bound<'_, PyString>,
    message: &Bound<'_, PyString>,
) -> PyResult<PyDoubt> {
    Ok(PyDoubt {
        kind: known(&Doubt::KINDS, kind).ok_or_else(|| misfit("Doubt", "kind"))?,
        message: message.to_string_lossy().into_owned(),
    })
}

/// A `Correction` from its attributes (`Correction.__reduce__`).
///
/// # Errors
///
/// ValueError naming the attribute that no reading gives: a place outside
/// an MRZ, a character that is not one of the MRZ's, the same character
/// read and chosen, or a reason that is not one.
#[pyfunction(name = "_restore_correction")]
pub(crate) fn restore_correction(
    line: &Bound<'_, PyAny>,
    column: &Bound<'_, PyAny>,
    read: &Bound<'_, PyString>,
    chosen: &Bound<'_, PyString>,
    reason: &Bound<'_, PyString>,
) -> PyResult<PyCorrection> {
    let misfit = |part| misfit("Correction", part);
    let character = |value: &Bound<'_, PyString>| {
        let value = value.to_string_lossy();
        let mut chars = value.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) if c.is_ascii_uppercase() || c.is_ascii_digit() || c == '<' => Some(c),
            _ => None,
        }
    };
    let read = character(read).ok_or_else(|| misfit("read"))?;
    let chosen = character(chosen)
        .filter(|&c| c != read)
        .ok_or_else(|| misfit("chosen"))?;
    Ok(PyCorrection {
        line: place(line, MRZ_LINES)?
            .ok_or_else(|| misfit("line"))?
            .into(),
        column: place(column, MRZ_COLUMNS)?
            .ok_or_else(|| misfit("column"))?
            .into(),
        read,
        chosen,
        reason: Reason::from_name(&reason.to_string_lossy())
            .map(Reason::name)
            .ok_or_else(|| misfit("reason"))?,
    })
}
