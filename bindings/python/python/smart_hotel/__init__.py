"""Smart Hotel: parse machine-readable zones (ICAO 9303) and read them from images.

Everything is implemented in Rust (crate ``hotel-mrz``); this package only
re-exports the native module.
"""

from smart_hotel._native import (
    Check,
    Correction,
    Doubt,
    HotelError,
    Mrz,
    MrzError,
    Problem,
    ReadError,
    Reading,
    parse_mrz,
    read_mrz,
)

__all__ = [
    "Check",
    "Correction",
    "Doubt",
    "HotelError",
    "Mrz",
    "MrzError",
    "Problem",
    "ReadError",
    "Reading",
    "parse_mrz",
    "read_mrz",
]
