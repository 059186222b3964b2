//! Camera frames: reject frames without an MRZ cheaply (the zone search
//! without refinement, upright and turned by 90°), and settle on a reading
//! only when consecutive frames agree, so a kiosk can capture by itself.
//!
//! The quick test searches a large frame (over 1.6 MP) shrunk, where small
//! print (a document held far from the camera) can vanish. Searching each
//! rejected frame again at full resolution would make the test about three
//! times dearer on such frames, and most frames hold no document at all, so
//! only every [`FULL_SEARCH_EVERY`]th rejected frame is; once small print
//! is found that way, the following frames are searched at full resolution
//! until one has no MRZ.
//!
//! A single frame can be read wrongly and still validate (rarely: names
//! carry no check digit). Asking that [`FrameReader::agree`] consecutive
//! frames give the same valid text makes that far less likely, at the cost
//! of a few frames. Invalid readings are counted the same way
//! ([`Frame::Invalid`]), so a kiosk can tell a document whose own checks
//! fail from a blurred frame.

use std::fmt;

use image::GrayImage;

use crate::ParseOptions;

use super::locate::{likely_has_mrz, likely_has_small_mrz};
use super::{ReadError, Reading, read_gray};

/// Consecutive agreeing frames asked for by default.
pub const DEFAULT_AGREE: usize = 3;

/// One in this many frames the quick test rejects is searched again at
/// full resolution (module docs).
pub const FULL_SEARCH_EVERY: usize = 4;

/// What one frame gave.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Frame {
    /// No MRZ in this frame (most frames of a kiosk camera): rejected by
    /// the quick test, or found no zone.
    NoMrz,
    /// A zone was seen but nothing MRZ-shaped read from it (blurred,
    /// partly covered): hold the document still.
    Unsettled,
    /// An MRZ was read but it is not valid ([`Reading::is_valid`]), the
    /// same text for `agreeing` consecutive frames (this one included).
    /// One such frame is most often a blurred one; the same invalid text
    /// frame after frame is a document whose own checks fail (a misprint,
    /// a forgery), for the desk rather than another try.
    Invalid {
        /// The reading of this frame ([`Reading::doubts`] or part 1's
        /// problems say why it is invalid).
        reading: Reading,
        /// Consecutive frames with this same invalid text.
        agreeing: usize,
    },
    /// A valid reading, agreed by `agreeing` consecutive frames so far
    /// (this one included), fewer than asked.
    Agreeing {
        /// The reading of this frame.
        reading: Reading,
        /// Consecutive frames with this same text.
        agreeing: usize,
    },
    /// The reading is final: enough consecutive frames agreed.
    Final(Reading),
}

/// Reads a sequence of camera frames (see the module docs).
///
/// After [`Frame::Final`] the run starts again: a document held in front
/// of the camera gives `Final` again every [`FrameReader::agree`] frames,
/// so a kiosk stops reading (or calls [`FrameReader::reset`] for the next
/// guest) once it has its reading. Its `Debug` leaves out the text.
pub struct FrameReader {
    options: ParseOptions,
    agree: usize,
    /// The current run of frames that read the same text: the text,
    /// whether it was valid, and its length. Kept only in memory, never
    /// logged.
    run: Option<(String, bool, usize)>,
    /// Frames rejected since the last full-resolution search.
    rejected: usize,
    /// Whether the last frame with an MRZ was found only at full
    /// resolution.
    small_print: bool,
}

impl fmt::Debug for FrameReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FrameReader")
            .field("agree", &self.agree)
            .field("agreeing", &self.run.as_ref().map_or(0, |(_, _, n)| *n))
            .finish_non_exhaustive()
    }
}

impl FrameReader {
    /// A reader that calls a reading final after `agree` consecutive
    /// frames give the same valid text (at least 1).
    pub fn new(agree: usize, options: ParseOptions) -> Self {
        Self {
            options,
            agree: agree.max(1),
            run: None,
            rejected: 0,
            small_print: false,
        }
    }

    /// Consecutive agreeing frames asked for.
    pub fn agree(&self) -> usize {
        self.agree
    }

    /// Reads one frame.
    pub fn push(&mut self, frame: &GrayImage) -> Frame {
        if !self.looks_like_mrz(frame) {
            self.run = None;
            return Frame::NoMrz;
        }
        let reading = match read_gray(frame, &self.options) {
            Ok(reading) => reading,
            Err(ReadError::Unreadable) => {
                self.run = None;
                return Frame::Unsettled;
            }
            Err(_) => {
                self.run = None;
                return Frame::NoMrz;
            }
        };
        let valid = reading.is_valid();
        let agreeing = match &mut self.run {
            Some((text, was_valid, n)) if *was_valid == valid && text == reading.text() => {
                *n += 1;
                *n
            }
            _ => {
                self.run = Some((reading.text().to_owned(), valid, 1));
                1
            }
        };
        if !valid {
            return Frame::Invalid { reading, agreeing };
        }
        if agreeing >= self.agree {
            self.run = None;
            Frame::Final(reading)
        } else {
            Frame::Agreeing { reading, agreeing }
        }
    }

    /// Forgets the current run (a new guest steps up).
    pub fn reset(&mut self) {
        self.run = None;
    }

    /// The quick test, either way up: shrunk as [`likely_has_mrz`] does,
    /// and at full resolution for small print when that is due (module
    /// docs).
    fn looks_like_mrz(&mut self, frame: &GrayImage) -> bool {
        if likely_has_mrz(frame) {
            self.small_print = false;
            return true;
        }
        let turned = image::imageops::rotate90(frame);
        if likely_has_mrz(&turned) {
            self.small_print = false;
            return true;
        }
        self.rejected += 1;
        if !self.small_print && self.rejected < FULL_SEARCH_EVERY {
            return false;
        }
        self.rejected = 0;
        self.small_print = likely_has_small_mrz(frame) || likely_has_small_mrz(&turned);
        self.small_print
    }
}
