//! The Python exceptions: `HotelError`, the root of every error this package
//! raises, and one subclass per Rust error type.
//!
//! Each exception keeps the Rust error's machine-readable kind (and where it
//! has them, line and column or a finer reason) as attributes, and its
//! `Display` text as the message. Those texts never quote document content,
//! so neither do the exceptions.

use pyo3::exceptions::{PyBaseException, PyException};
use pyo3::prelude::*;

pyo3::create_exception!(
    smart_hotel,
    HotelError,
    PyException,
    "The root of every error raised by smart_hotel."
);
pyo3::create_exception!(
    smart_hotel,
    MrzError,
    HotelError,
    "Text that is not shaped like an MRZ. Attributes: kind, line, column."
);
pyo3::create_exception!(
    smart_hotel,
    ReadError,
    HotelError,
    "An image that gave no MRZ. Attribute kind: 'decode', 'no_mrz' or 'unreadable'; \
     reason: the decoder's finer reason for 'decode', else None."
);

/// Adds the exception classes to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("HotelError", py.get_type::<HotelError>())?;
    m.add("MrzError", py.get_type::<MrzError>())?;
    m.add("ReadError", py.get_type::<ReadError>())?;
    Ok(())
}

/// `smart_hotel.MrzError` for `error`, with `kind`, `line` and `column`.
pub(crate) fn mrz_error(py: Python<'_>, error: &hotel_mrz::MrzError) -> PyErr {
    with_attributes(py, MrzError::new_err(error.to_string()), |value| {
        value.setattr("kind", error.kind())?;
        value.setattr("line", error.line())?;
        value.setattr("column", error.column())
    })
}

/// `smart_hotel.ReadError` for `error`, with `kind` and `reason`.
pub(crate) fn read_error(py: Python<'_>, error: &hotel_mrz::reader::ReadError) -> PyErr {
    with_attributes(py, ReadError::new_err(error.to_string()), |value| {
        value.setattr("kind", error.kind())?;
        value.setattr("reason", error.reason())
    })
}

/// `err` with the attributes `set` gives its value; should setting one
/// fail, that failure is raised instead.
fn with_attributes(
    py: Python<'_>,
    err: PyErr,
    set: impl FnOnce(&Bound<'_, PyBaseException>) -> PyResult<()>,
) -> PyErr {
    match set(err.value(py)) {
        Ok(()) => err,
        Err(e) => e,
    }
}
