//! `parse_mrz` and the classes it returns: `Mrz`, `Check` and `Problem`.
//!
//! `Mrz` wraps the Rust record and converts each field on access; its
//! `repr` shows the format and the verdict only, as the record holds
//! passport data. `Check` and `Problem` are plain values: equal when every
//! attribute is, and pickled as their attributes through `_restore_check`
//! and `_restore_problem`, which refuse names and places no parse gives
//! (a message is taken as written: as with any pickle, unpickle only what
//! you trust).

use std::hash::{DefaultHasher, Hash, Hasher};

use hotel_mrz::{Date, Field, Mrz, ParseOptions, ProblemKind, Resolved, parse};
use pyo3::exceptions::{PyOverflowError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDate, PyDateAccess, PyDict, PyString};

use crate::error::mrz_error;

/// A parsed machine-readable zone: fields, check verdicts and problems.
///
/// Two are equal when their text is and their dates resolved alike; one
/// pickles as its text and the `today` it was parsed against.
#[pyclass(name = "Mrz", module = "smart_hotel", frozen, subclass)]
pub(crate) struct PyMrz {
    inner: Mrz,
    /// The `today` the dates were resolved against.
    today: Date,
}

/// The verdict on one check digit.
#[pyclass(name = "Check", module = "smart_hotel", frozen, get_all, eq, hash)]
#[derive(PartialEq, Eq, Hash)]
pub(crate) struct PyCheck {
    /// The field the digit guards (`composite` for the composite check).
    field: &'static str,
    /// Whether the digit matches and the field's content is acceptable.
    valid: bool,
    /// Line of the check digit, 1-based.
    line: u8,
    /// Column of the check digit, 1-based.
    column: u8,
}

/// One thing wrong with a well-formed MRZ.
#[pyclass(name = "Problem", module = "smart_hotel", frozen, get_all, eq, hash)]
#[derive(PartialEq, Eq, Hash)]
pub(crate) struct PyProblem {
    /// The field concerned.
    field: &'static str,
    /// What is wrong (`check_digit_mismatch`, `impossible_date`, …).
    kind: &'static str,
    /// Line, 1-based.
    line: u8,
    /// Column of the first offending character, 1-based.
    column: u8,
    /// A sentence saying where and what, without document content.
    message: String,
}

/// Parses MRZ text; `today` (default: today in UTC) chooses the century of
/// two-digit years.
#[pyfunction]
#[pyo3(signature = (text, *, today = None))]
pub(crate) fn parse_mrz(
    py: Python<'_>,
    text: &Bound<'_, PyString>,
    today: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyMrz> {
    let options = parse_options(today)?;
    // A lone surrogate cannot be UTF-8: as U+FFFD it is an invalid
    // character at its place, where taking `&str` would raise a
    // UnicodeEncodeError holding the whole text.
    parse(&text.to_string_lossy(), &options)
        .map(|mrz| PyMrz::new(mrz, &options))
        .map_err(|e| mrz_error(py, &e))
}

impl PyMrz {
    pub(crate) fn new(inner: Mrz, options: &ParseOptions) -> Self {
        Self {
            inner,
            today: options.today,
        }
    }

    /// The `today` its dates were resolved against.
    pub(crate) fn today(&self) -> Date {
        self.today
    }

    /// What equality compares: the text and the resolved dates.
    pub(crate) fn key(&self) -> (String, Resolved, Option<Resolved>) {
        (
            self.text(),
            self.inner.birth_date(),
            self.inner.expiry_date(),
        )
    }
}

#[pymethods]
impl PyMrz {
    /// The format's short name: `td1`, `td2`, `td3`, `mrv_a`, `mrv_b` or
    /// `french_id`.
    #[getter]
    fn format(&self) -> &'static str {
        self.inner.format().name()
    }

    /// Whether every check passed and no field has a problem.
    #[getter]
    fn valid(&self) -> bool {
        self.inner.is_valid()
    }

    /// The normalised lines.
    #[getter]
    fn lines(&self) -> Vec<String> {
        self.inner.lines().map(str::to_owned).collect()
    }

    /// The normalised lines joined by newlines.
    #[getter]
    fn text(&self) -> String {
        self.inner.lines().collect::<Vec<_>>().join("\n")
    }

    #[getter]
    fn document_code(&self) -> &str {
        self.inner.document_code()
    }

    #[getter]
    fn issuing_state(&self) -> &str {
        self.inner.issuing_state()
    }

    #[getter]
    fn document_number(&self) -> &str {
        self.inner.document_number()
    }

    #[getter]
    fn surname(&self) -> String {
        self.inner.surname()
    }

    #[getter]
    fn given_names(&self) -> String {
        self.inner.given_names()
    }

    /// `None` for the French identity card, which has no such field.
    #[getter]
    fn nationality(&self) -> Option<&str> {
        self.inner.nationality()
    }

    /// The date of birth, or `None` when a part is unknown or the date
    /// cannot exist (see `birth_date_raw`).
    #[getter]
    fn birth_date<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDate>>> {
        to_py_date(py, self.inner.birth_date())
    }

    /// The date of birth as written, `YYMMDD`.
    #[getter]
    fn birth_date_raw(&self) -> &str {
        self.inner.birth_date_raw()
    }

    /// The sex as written: `M`, `F`, `X` or `<`.
    #[getter]
    fn sex(&self) -> &str {
        self.inner.sex_raw()
    }

    /// The date of expiry, or `None` when a part is unknown, the date cannot
    /// exist or the format has none.
    #[getter]
    fn expiry_date<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDate>>> {
        match self.inner.expiry_date() {
            Some(resolved) => to_py_date(py, resolved),
            None => Ok(None),
        }
    }

    /// The date of expiry as written, `YYMMDD`; `None` when the format has
    /// none.
    #[getter]
    fn expiry_date_raw(&self) -> Option<&str> {
        self.inner.expiry_date_raw()
    }

    /// The optional data (TD1: of line 1), fillers removed.
    #[getter]
    fn optional_data(&self) -> Option<&str> {
        self.inner.optional_data()
    }

    /// The line-2 optional data of a TD1 card.
    #[getter]
    fn optional_data_2(&self) -> Option<&str> {
        self.inner.optional_data_2()
    }

    /// The issuing office of a French identity card.
    #[getter]
    fn administrative_code(&self) -> Option<&str> {
        self.inner.administrative_code()
    }

    /// Every check digit's verdict, in layout order (composite last).
    #[getter]
    fn checks(&self) -> Vec<PyCheck> {
        self.inner
            .checks()
            .iter()
            .map(|c| PyCheck {
                field: c.field.name(),
                valid: c.is_valid(),
                line: c.line,
                column: c.column,
            })
            .collect()
    }

    /// Everything wrong, in reading order; empty when valid.
    #[getter]
    fn problems(&self) -> Vec<PyProblem> {
        self.inner
            .problems()
            .iter()
            .map(|p| PyProblem {
                field: p.field.name(),
                kind: p.kind.name(),
                line: p.line,
                column: p.column,
                message: p.to_string(),
            })
            .collect()
    }

    fn __eq__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        if !same_type(slf.as_any(), other) {
            return Ok(py.NotImplemented());
        }
        let other = other.cast::<PyMrz>()?;
        Ok(py_bool_object(py, slf.get().key() == other.get().key()))
    }

    fn __hash__(&self, py: Python<'_>) -> PyResult<isize> {
        hash_of(py, &self.key())
    }

    /// `parse_mrz` with the `today` it was parsed against, and its text.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        let parse = py.import("smart_hotel._native")?.getattr("parse_mrz")?;
        let options = PyDict::new(py);
        options.set_item("today", py_date(py, self.today)?)?;
        let parse_on_today = py
            .import("functools")?
            .getattr("partial")?
            .call((parse,), Some(&options))?;
        Ok((parse_on_today, (self.text(),)))
    }

    fn __repr__(&self) -> String {
        format!(
            "<Mrz {} valid={}>",
            self.inner.format().name(),
            py_bool(self.inner.is_valid())
        )
    }
}

#[pymethods]
impl PyCheck {
    /// `_restore_check` and the attributes.
    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<Reduced<'py, (&'static str, bool, u8, u8)>> {
        let restore = py
            .import("smart_hotel._native")?
            .getattr("_restore_check")?;
        Ok((restore, (self.field, self.valid, self.line, self.column)))
    }

    fn __repr__(&self) -> String {
        format!(
            "<Check {} valid={} line={} column={}>",
            self.field,
            py_bool(self.valid),
            self.line,
            self.column
        )
    }
}

#[pymethods]
impl PyProblem {
    /// `_restore_problem` and the attributes.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Reduced<'py, ProblemState>> {
        let restore = py
            .import("smart_hotel._native")?
            .getattr("_restore_problem")?;
        Ok((
            restore,
            (
                self.field,
                self.kind,
                self.line,
                self.column,
                self.message.clone(),
            ),
        ))
    }

    fn __repr__(&self) -> String {
        format!(
            "<Problem {} {} line={} column={}>",
            self.field, self.kind, self.line, self.column
        )
    }
}

/// A `Check` from its attributes (`Check.__reduce__`).
///
/// # Errors
///
/// ValueError naming the attribute that no parse gives: a field name that
/// is not one, a verdict that is not a bool, a place outside an MRZ.
#[pyfunction(name = "_restore_check")]
pub(crate) fn restore_check(
    field: &Bound<'_, PyString>,
    valid: &Bound<'_, PyAny>,
    line: &Bound<'_, PyAny>,
    column: &Bound<'_, PyAny>,
) -> PyResult<PyCheck> {
    let misfit = |part| misfit("Check", part);
    Ok(PyCheck {
        field: field_name(field).ok_or_else(|| misfit("field"))?,
        valid: valid
            .cast::<PyBool>()
            .map_err(|_| misfit("valid"))?
            .is_true(),
        line: place(line, MRZ_LINES)?.ok_or_else(|| misfit("line"))?,
        column: place(column, MRZ_COLUMNS)?.ok_or_else(|| misfit("column"))?,
    })
}

/// A `Problem` from its attributes (`Problem.__reduce__`).
///
/// # Errors
///
/// ValueError naming the attribute that no parse gives.
#[pyfunction(name = "_restore_problem")]
pub(crate) fn restore_problem(
    field: &Bound<'_, PyString>,
    kind: &Bound<'_, PyString>,
    line: &Bound<'_, PyAny>,
    column: &Bound<'_, PyAny>,
    message: &Bound<'_, PyString>,
) -> PyResult<PyProblem> {
    let misfit = |part| misfit("Problem", part);
    Ok(PyProblem {
        field: field_name(field).ok_or_else(|| misfit("field"))?,
        kind: known(&ProblemKind::NAMES, kind).ok_or_else(|| misfit("kind"))?,
        line: place(line, MRZ_LINES)?.ok_or_else(|| misfit("line"))?,
        column: place(column, MRZ_COLUMNS)?.ok_or_else(|| misfit("column"))?,
        message: message.to_string_lossy().into_owned(),
    })
}

/// What a value's `__reduce__` gives: the function that restores it, and
/// its arguments.
pub(crate) type Reduced<'py, A> = (Bound<'py, PyAny>, A);

/// A `Problem`'s attributes in `_restore_problem`'s order.
type ProblemState = (&'static str, &'static str, u8, u8, String);

/// Lines of the longest MRZ, 1-based.
pub(crate) const MRZ_LINES: std::ops::RangeInclusive<u8> = 1..=3;
/// Columns of the longest MRZ line, 1-based.
pub(crate) const MRZ_COLUMNS: std::ops::RangeInclusive<u8> = 1..=44;

/// A ValueError saying that `part` of a pickled `class` is not one a
/// parse or a reading gives; it holds none of the part's content.
pub(crate) fn misfit(class: &str, part: &str) -> PyErr {
    PyValueError::new_err(format!("not the state of a {class}: {part}"))
}

/// `value` as the static one of `names` it equals.
pub(crate) fn known(names: &[&'static str], value: &Bound<'_, PyString>) -> Option<&'static str> {
    let value = value.to_string_lossy();
    names.iter().copied().find(|name| *name == value)
}

/// The static name of the field called `value`.
fn field_name(value: &Bound<'_, PyString>) -> Option<&'static str> {
    Field::from_name(&value.to_string_lossy()).map(Field::name)
}

/// `value` as an integer in `range` (see [`index`]).
pub(crate) fn place(
    value: &Bound<'_, PyAny>,
    range: std::ops::RangeInclusive<u8>,
) -> PyResult<Option<u8>> {
    Ok(index(value)?
        .and_then(|v| u8::try_from(v).ok())
        .filter(|v| range.contains(v)))
}

/// `value` as an index: `None` when it is not an integer (a bool is not
/// one) or does not fit. An exception other than the failed conversion
/// (one the value's own `__index__` raises) passes on.
pub(crate) fn index(value: &Bound<'_, PyAny>) -> PyResult<Option<usize>> {
    if value.is_instance_of::<PyBool>() {
        return Ok(None);
    }
    let py = value.py();
    match value.extract::<usize>() {
        Ok(v) => Ok(Some(v)),
        Err(e)
            if e.is_instance_of::<PyTypeError>(py) || e.is_instance_of::<PyOverflowError>(py) =>
        {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// The parse options for `today` (a `datetime.date`, which a
/// `datetime.datetime` is too), or for today in UTC. Any other type is a
/// TypeError that names the argument.
pub(crate) fn parse_options(today: Option<&Bound<'_, PyAny>>) -> PyResult<ParseOptions> {
    let Some(today) = today else {
        return Ok(ParseOptions::today_utc());
    };
    let Ok(today) = today.cast::<PyDate>() else {
        return Err(PyTypeError::new_err(format!(
            "today must be a datetime.date, not {}",
            today.get_type().name()?
        )));
    };
    let year = u16::try_from(today.get_year())
        .map_err(|_| PyValueError::new_err("today: year out of range"))?;
    let date = Date::new(year, today.get_month(), today.get_day())
        .map_err(|e| PyValueError::new_err(format!("today: {e}")))?;
    Ok(ParseOptions::new(date))
}

/// `date` as a `datetime.date`.
pub(crate) fn py_date(py: Python<'_>, date: Date) -> PyResult<Bound<'_, PyDate>> {
    PyDate::new(py, i32::from(date.year()), date.month(), date.day())
}

/// A resolved MRZ date as `datetime.date` when every part is known.
fn to_py_date(py: Python<'_>, resolved: Resolved) -> PyResult<Option<Bound<'_, PyDate>>> {
    resolved.date().map(|d| py_date(py, d)).transpose()
}

/// `True` or `False`, as Python writes them.
pub(crate) fn py_bool(value: bool) -> &'static str {
    if value { "True" } else { "False" }
}

/// The hash of `key` for `__hash__`: Python's hash of the text and of
/// the rest's Rust hash, so that it varies between processes as a `str`'s
/// does (a fixed hash would fingerprint the passport text).
pub(crate) fn hash_of(
    py: Python<'_>,
    key: &(String, Resolved, Option<Resolved>),
) -> PyResult<isize> {
    let mut dates = DefaultHasher::new();
    (key.1, key.2).hash(&mut dates);
    (key.0.as_str(), dates.finish()).into_pyobject(py)?.hash()
}

/// Whether `other` is of `this`'s very type: an `Mrz` and a `Reading` of
/// the same text are not equal, nor is either equal to a string.
pub(crate) fn same_type(this: &Bound<'_, PyAny>, other: &Bound<'_, PyAny>) -> bool {
    other.get_type().is(this.get_type())
}

/// `value` as a Python bool, for comparison methods that may also return
/// `NotImplemented`.
pub(crate) fn py_bool_object(py: Python<'_>, value: bool) -> Py<PyAny> {
    PyBool::new(py, value).to_owned().into_any().unbind()
}
