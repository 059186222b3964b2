//! Python bindings of the Smart Hotel crates: the native part of the Python
//! package `smart_hotel` (imported as `smart_hotel._native` and re-exported
//! by the package).
//!
//! This layer converts types and errors only: every verdict, field and
//! confidence comes from the Rust crates as they give it. It is not a place
//! for parsing or reading logic; that lives in `hotel-mrz`.
//!
//! # Layout
//!
//! - `error`: the exception hierarchy rooted at `smart_hotel.HotelError`,
//!   and the conversion of each Rust error into it.
//! - `mrz`: `parse_mrz` and the `Mrz`, `Check` and `Problem` classes.
//! - `reading`: `read_mrz` and the `Reading`, `Doubt` and `Correction`
//!   classes.

use pyo3::prelude::*;

mod error;
mod mrz;
mod reading;

/// The native module, `smart_hotel._native`.
#[pymodule]
#[pyo3(name = "_native")]
fn native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    error::register(m)?;
    m.add_class::<mrz::PyMrz>()?;
    m.add_class::<mrz::PyCheck>()?;
    m.add_class::<mrz::PyProblem>()?;
    m.add_class::<reading::PyReading>()?;
    m.add_class::<reading::PyDoubt>()?;
    m.add_class::<reading::PyCorrection>()?;
    m.add_function(wrap_pyfunction!(mrz::parse_mrz, m)?)?;
    m.add_function(wrap_pyfunction!(reading::read_mrz, m)?)?;
    m.add_function(wrap_pyfunction!(reading::restore_reading, m)?)?;
    m.add_function(wrap_pyfunction!(mrz::restore_check, m)?)?;
    m.add_function(wrap_pyfunction!(mrz::restore_problem, m)?)?;
    m.add_function(wrap_pyfunction!(reading::restore_doubt, m)?)?;
    m.add_function(wrap_pyfunction!(reading::restore_correction, m)?)?;
    Ok(())
}
