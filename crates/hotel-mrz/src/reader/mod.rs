//! Reading the MRZ from photos and camera frames, in pure Rust.
//!
//! The steps, each in its own module:
//!
//! - [`decode`]: encoded bytes to an image, within explicit size limits.
//! - [`grid`]: where an MRZ lies in an image (the contract between locating
//!   and everything after it).
//! - [`locate`]: finding the MRZ's lines and cells in a gray image.
//! - [`correct`]: from per-cell probabilities to the most probable
//!   consistent text (classes, check digits, name grammar, country codes).
//!
//! Characters are classified into [`CLASSES`], in that order: the digits,
//! the letters, then the filler `<`. [`crate::ocr::CharSet`] uses the same
//! order for its bits.

pub mod correct;
pub mod decode;
pub mod grid;
pub mod locate;

pub use grid::{Grid, LineBox};

/// The 37 MRZ characters in class order: `0`–`9`, `A`–`Z`, `<`.
pub const CLASSES: [u8; 37] = *b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<";

/// The class index of MRZ character `c` (see [`CLASSES`]), or `None` for
/// anything else.
pub const fn class_of(c: u8) -> Option<usize> {
    match c {
        b'0'..=b'9' => Some((c - b'0') as usize),
        b'A'..=b'Z' => Some((c - b'A') as usize + 10),
        b'<' => Some(36),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_and_class_of_agree() {
        for (i, &c) in CLASSES.iter().enumerate() {
            assert_eq!(class_of(c), Some(i));
        }
        assert_eq!(class_of(b'a'), None);
        assert_eq!(class_of(b' '), None);
    }
}
