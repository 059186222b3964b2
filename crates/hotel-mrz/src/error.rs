//! Errors: malformed MRZ text, and fields the generator cannot encode.
//!
//! A malformed input (wrong shape, a character outside the MRZ alphabet) is
//! an [`MrzError`]. A well-formed MRZ whose checks fail is *not* an error: it
//! parses to a [`crate::Mrz`] that lists its [`crate::Problem`]s. Messages
//! never quote document content; an invalid character is quoted because it
//! is, by definition, not MRZ content.

use thiserror::Error;

use crate::layout::{Field, Format};

/// Why text is not a well-formed MRZ.
///
/// Lines are counted 1-based among the non-blank lines of the input; columns
/// are 1-based MRZ positions, counted after whitespace inside the line has
/// been removed (so they match the ICAO position numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum MrzError {
    /// The input has no MRZ characters at all.
    #[error("no MRZ text")]
    Empty,
    /// A character outside `A`–`Z`, `0`–`9`, `<` (lower case is accepted).
    /// The message does not show it: it may be a letter of a name.
    #[error("line {line}, column {column}: not an MRZ character (A-Z, 0-9, <)")]
    InvalidCharacter {
        /// Line, 1-based.
        line: usize,
        /// Column, 1-based.
        column: usize,
        /// The character found.
        found: char,
    },
    /// A line is longer or shorter than its format allows.
    #[error("line {line} has {found} characters, expected {expected}")]
    LineLength {
        /// Line, 1-based.
        line: usize,
        /// First extra position, or the first missing one, 1-based.
        column: usize,
        /// Characters found on the line.
        found: usize,
        /// Characters the format needs.
        expected: usize,
    },
    /// The number of lines does not fit the format the first line implies.
    #[error("{found} lines, expected {expected} for lines of this length")]
    LineCount {
        /// The first extra line, or the first missing one, 1-based.
        line: usize,
        /// Lines found.
        found: usize,
        /// Lines the format needs.
        expected: usize,
    },
    /// No MRZ format has lines of this length.
    #[error("line {line} has {found} characters; MRZ lines have 30, 36 or 44")]
    UnknownFormat {
        /// Line, 1-based.
        line: usize,
        /// Characters found on the line.
        found: usize,
    },
}

/// Why the generator cannot encode a set of fields.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum GenerateError {
    /// A field is longer than its place in this format.
    #[error("{field} is too long for this format ({len} characters, at most {max})")]
    TooLong {
        /// Which field.
        field: Field,
        /// Its length after encoding.
        len: usize,
        /// Room for it.
        max: usize,
    },
    /// A field holds a character that cannot be written in an MRZ (or not in
    /// that field: a letter in a date, a digit in a name).
    #[error("{field} holds a character that is not allowed there")]
    InvalidCharacter {
        /// Which field.
        field: Field,
    },
    /// A date is not six characters of digits and `<<` parts.
    #[error("{field} must be YYMMDD (digits, or '<<' for an unknown part)")]
    InvalidDate {
        /// Which field.
        field: Field,
    },
    /// The sex is not `M`, `F`, `X` or `<`.
    #[error("sex must be M, F, X or <")]
    InvalidSex,
    /// The document code (or issuing state) would make the text read as
    /// another format: visas start with `V`, other formats must not, and the
    /// French ID card is `ID` issued by `FRA`.
    #[error("document code does not fit the {format} format")]
    DocumentCodeForFormat {
        /// The format asked for.
        format: Format,
    },
}

impl MrzError {
    /// The machine-readable kind used in JSON output: `empty`,
    /// `invalid_character`, `line_length`, `line_count` or `unknown_format`.
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::InvalidCharacter { .. } => "invalid_character",
            Self::LineLength { .. } => "line_length",
            Self::LineCount { .. } => "line_count",
            Self::UnknownFormat { .. } => "unknown_format",
        }
    }

    /// The line the error is on, 1-based (0 for [`MrzError::Empty`]).
    pub const fn line(&self) -> usize {
        match *self {
            Self::Empty => 0,
            Self::InvalidCharacter { line, .. }
            | Self::LineLength { line, .. }
            | Self::LineCount { line, .. }
            | Self::UnknownFormat { line, .. } => line,
        }
    }

    /// The column the error is at, 1-based (0 when the error concerns a
    /// whole line or the whole input).
    pub const fn column(&self) -> usize {
        match *self {
            Self::InvalidCharacter { column, .. } | Self::LineLength { column, .. } => column,
            Self::Empty | Self::LineCount { .. } | Self::UnknownFormat { .. } => 0,
        }
    }
}
