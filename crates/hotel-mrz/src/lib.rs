//! Machine-readable zones (ICAO Doc 9303): parse, validate, generate, and
//! read them from images.
//!
//! The text layer reads every ICAO format (TD1, TD2, TD3, MRV-A, MRV-B)
//! and the French national identity card, reports every check digit and
//! every problem with its line and column, and never repairs a character.
//! Reading from photos and camera frames is in `reader` (feature `read`,
//! on by default), which corrects only what the layout and the check
//! digits allow.
//!
//! ```
//! use hotel_mrz::{Date, ParseOptions, parse};
//!
//! // ICAO 9303 Part 5 specimen (TD1).
//! let text = "I<UTOD231458907<<<<<<<<<<<<<<<\n\
//!             7408122F1204159UTO<<<<<<<<<<<6\n\
//!             ERIKSSON<<ANNA<MARIA<<<<<<<<<<";
//! let options = ParseOptions::new(Date::new(2025, 1, 1).unwrap());
//! let mrz = parse(text, &options).unwrap();
//! assert!(mrz.is_valid());
//! assert_eq!(mrz.document_number(), "D23145890");
//! ```
//!
//! # Layout
//!
//! - [`check`]: the check-digit rule (character values, weights 7-3-1).
//! - [`layout`]: where each field and check sits, per [`Format`].
//! - `input`: tolerated noise (whitespace, CRLF, lower case) and shape errors.
//! - [`date`]: `YYMMDD` dates, unknown parts and century resolution.
//! - `record`: [`parse`], the [`Mrz`] record, [`Check`]s and [`Problem`]s.
//! - `fields`, `generate`: owned [`Fields`] and [`generate()`].
//! - [`country`]: ICAO country and organisation codes with English names.
//! - [`ocr`]: candidate characters per position for OCR search.
//! - [`cli`]: the `hotel mrz parse` and `hotel mrz generate` commands.
//! - [`reader`] (feature `read`, on by default): reading the MRZ from images.
//! - `synth` (feature `synth`): synthetic documents to measure and train
//!   the reader.
#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod check;
pub mod cli;
pub mod country;
pub mod date;
mod error;
mod fields;
mod generate;
mod input;
pub mod layout;
pub mod ocr;
#[cfg(feature = "read")]
pub mod reader;
mod record;
#[cfg(feature = "synth")]
pub mod synth;

pub use date::{Century, Date, DateError, DateProblem, MrzDate, Resolved};
pub use error::{GenerateError, MrzError};
pub use fields::Fields;
pub use generate::generate;
pub use input::Normalisation;
pub use layout::{CharClass, Field, Format};
pub use record::{
    Check, DigitVerdict, Mrz, NameRaw, ParseOptions, Problem, ProblemKind, Sex, parse, validate,
};
