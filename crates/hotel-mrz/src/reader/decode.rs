//! Encoded image bytes (PNG, JPEG, WebP, BMP, TIFF) to a decoded image, with
//! explicit limits.
//!
//! Input comes from a camera, a scanner or an integrator's upload, so every
//! size is checked before memory is spent on it: the byte count first, then
//! the pixel dimensions read from the file's header, then the decoder's own
//! allocations (`image::Limits::max_alloc`). A corrupt, truncated or
//! unsupported file is a [`DecodeError`], never a panic.
//!
//! This is not where the MRZ is looked for; see [`super::locate`].

use std::io::Cursor;

use image::{DynamicImage, GrayImage, ImageDecoder, ImageError, ImageFormat, ImageReader};
use thiserror::Error;

/// Largest encoded input accepted by default: 25 MiB.
pub const MAX_INPUT_BYTES: usize = 25 * 1024 * 1024;
/// Largest width or height accepted by default, in pixels.
pub const MAX_SIDE_PX: u32 = 10_000;
/// Largest pixel count accepted by default: 40 megapixels.
pub const MAX_PIXELS: u64 = 40_000_000;
/// Most memory the decoder may allocate by default: 256 MiB (a 40 MP RGB
/// image with 8 bits per channel needs 120 MB).
pub const MAX_ALLOC_BYTES: u64 = 256 * 1024 * 1024;

/// The limits applied while decoding. [`Default`] gives the module's
/// constants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeLimits {
    /// Largest encoded input, in bytes.
    pub max_input_bytes: usize,
    /// Largest width or height, in pixels.
    pub max_side_px: u32,
    /// Largest width × height.
    pub max_pixels: u64,
    /// Most memory the decoder may allocate, output image included.
    pub max_alloc_bytes: u64,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        Self {
            max_input_bytes: MAX_INPUT_BYTES,
            max_side_px: MAX_SIDE_PX,
            max_pixels: MAX_PIXELS,
            max_alloc_bytes: MAX_ALLOC_BYTES,
        }
    }
}

/// Why bytes could not be turned into an image. [`DecodeError::kind`] names
/// the case for JSON output.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// No bytes, or an image with no pixels.
    #[error("the input is empty")]
    Empty,
    /// More bytes than [`DecodeLimits::max_input_bytes`].
    #[error("the input is larger than the limit of {limit} bytes")]
    TooManyBytes {
        /// The input's length, or the limit plus one where reading stopped
        /// there.
        bytes: usize,
        /// The limit.
        limit: usize,
    },
    /// The header claims more pixels than the limits allow.
    #[error("the image is {width}×{height} pixels, more than the limits allow")]
    TooManyPixels {
        /// Width from the header.
        width: u32,
        /// Height from the header.
        height: u32,
    },
    /// The decoder would need more memory than
    /// [`DecodeLimits::max_alloc_bytes`].
    #[error("the image is larger than the limits allow (sides, pixels or decoder memory)")]
    TooMuchMemory(#[source] ImageError),
    /// A JPEG without its end marker: cut off (its decoder would make up
    /// the missing part).
    #[error("the image is truncated: the JPEG has no end marker")]
    Truncated,
    /// The bytes start like no supported format (PNG, JPEG, WebP, BMP,
    /// TIFF): an unknown one, or a known one without a built-in decoder
    /// (a GIF, say).
    #[error("the input is not an image in a supported format")]
    NotAnImage,
    /// The file is corrupt, truncated or uses a feature the decoder lacks.
    #[error("the image is corrupt, truncated or unsupported")]
    Corrupt(#[source] ImageError),
}

impl DecodeError {
    /// A stable name for the case: `empty`, `too_large` (bytes, pixels or
    /// memory) or `decode` (not an image, corrupt, truncated, unsupported).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::TooManyBytes { .. } | Self::TooManyPixels { .. } | Self::TooMuchMemory(_) => {
                "too_large"
            }
            Self::NotAnImage | Self::Corrupt(_) | Self::Truncated => "decode",
        }
    }
}

/// Decodes `bytes` with the default [`DecodeLimits`].
///
/// # Errors
///
/// [`DecodeError`]: see [`decode_with`].
pub fn decode(bytes: &[u8]) -> Result<DynamicImage, DecodeError> {
    decode_with(bytes, &DecodeLimits::default())
}

/// Decodes `bytes` (format guessed from the content) within `limits`.
///
/// # Errors
///
/// - [`DecodeError::Empty`] for no bytes or a 0-pixel image;
/// - [`DecodeError::TooManyBytes`], [`DecodeError::TooManyPixels`] (checked
///   from the header, before decoding) and [`DecodeError::TooMuchMemory`];
/// - [`DecodeError::NotAnImage`] and [`DecodeError::Corrupt`].
pub fn decode_with(bytes: &[u8], limits: &DecodeLimits) -> Result<DynamicImage, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    if bytes.len() > limits.max_input_bytes {
        return Err(DecodeError::TooManyBytes {
            bytes: bytes.len(),
            limit: limits.max_input_bytes,
        });
    }

    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| DecodeError::Corrupt(ImageError::IoError(e)))?;
    match reader.format() {
        Some(ImageFormat::Jpeg) if !has_jpeg_eoi(bytes) => {
            return Err(DecodeError::Truncated);
        }
        Some(
            ImageFormat::Png
            | ImageFormat::Jpeg
            | ImageFormat::WebP
            | ImageFormat::Bmp
            | ImageFormat::Tiff,
        ) => {}
        // Not recognised, or recognised (a GIF, say) but none of the five.
        _ => return Err(DecodeError::NotAnImage),
    }
    let mut image_limits = image::Limits::default();
    image_limits.max_image_width = Some(limits.max_side_px);
    image_limits.max_image_height = Some(limits.max_side_px);
    image_limits.max_alloc = Some(limits.max_alloc_bytes);
    reader.limits(image_limits);

    // Reads the header only: no pixel buffer exists yet.
    let decoder = reader.into_decoder().map_err(classify)?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(DecodeError::Empty);
    }
    let pixels = u64::from(width) * u64::from(height);
    if width > limits.max_side_px || height > limits.max_side_px || pixels > limits.max_pixels {
        return Err(DecodeError::TooManyPixels { width, height });
    }
    if decoder.total_bytes() > limits.max_alloc_bytes {
        return Err(DecodeError::TooMuchMemory(ImageError::Limits(
            image::error::LimitError::from_kind(image::error::LimitErrorKind::InsufficientMemory),
        )));
    }

    DynamicImage::from_decoder(decoder).map_err(classify)
}

/// Decodes `bytes` with the default limits and converts to 8-bit gray.
///
/// # Errors
///
/// As [`decode`].
pub fn decode_gray(bytes: &[u8]) -> Result<GrayImage, DecodeError> {
    decode(bytes).map(|image| to_gray(&image))
}

/// The image as 8-bit luma (sRGB weights), transparency laid on white
/// paper: a scan or a cut-out saved with a transparent background reads as
/// a document on white, not on black.
///
/// 8-bit colour, what cameras and JPEG give, is weighed in 16-bit fixed
/// point (`luma`): `to_luma8` gives the same values (a few in a thousand
/// one level apart) through a float pipeline per pixel that took a seventh
/// of a whole read.
pub fn to_gray(image: &DynamicImage) -> GrayImage {
    let (width, height) = (image.width(), image.height());
    let converted = match image {
        DynamicImage::ImageLuma8(gray) => return gray.clone(),
        DynamicImage::ImageRgb8(rgb) => GrayImage::from_raw(width, height, lumas::<3>(rgb)),
        DynamicImage::ImageRgba8(rgba) => GrayImage::from_raw(width, height, lumas::<4>(rgba)),
        // Two bytes a pixel, not the four of `to_rgba8`: a large 16-bit
        // image with alpha stays within the decoder's memory.
        other if other.color().has_alpha() => {
            let pixels = other.to_luma_alpha8();
            let (pairs, _) = pixels.as_raw().as_chunks::<2>();
            GrayImage::from_raw(
                width,
                height,
                pairs.iter().map(|&[y, a]| over_white(y, a)).collect(),
            )
        }
        _ => None,
    };
    converted.unwrap_or_else(|| image.to_luma8())
}

/// The luma of each pixel of `N` 8-bit channels, red, green and blue first
/// and, with four, alpha last (over white).
fn lumas<const N: usize>(raw: &[u8]) -> Vec<u8> {
    let (pixels, _) = raw.as_chunks::<N>();
    pixels
        .iter()
        .map(|p| {
            let y = luma(p[0], p[1], p[2]);
            if N == 4 { over_white(y, p[3]) } else { y }
        })
        .collect()
}

/// A luma of opacity `alpha` (0–255) laid over white, rounded.
fn over_white(y: u8, alpha: u8) -> u8 {
    let (y, a) = (u32::from(y), u32::from(alpha));
    // y·a + 255·(255 − a) is at most 255², so the result is at most 255.
    ((y * a + 255 * (255 - a) + 127) / 255) as u8
}

/// The sRGB luminance weights (0.21264, 0.71517, 0.07219) in 1/65536ths.
const LUMA_WEIGHTS: [u32; 3] = [13_936, 46_869, 4_731];

/// The luma of one sRGB pixel, rounded.
fn luma(r: u8, g: u8, b: u8) -> u8 {
    let [wr, wg, wb] = LUMA_WEIGHTS;
    let sum = wr * u32::from(r) + wg * u32::from(g) + wb * u32::from(b);
    // The weights sum to 65536, so the result is at most 255.
    ((sum + 32_768) >> 16) as u8
}

/// Whether a JPEG holds its end-of-image marker `FF D9` after the start of
/// its first scan. The marker segments before the scan are stepped over by
/// their lengths (an Exif thumbnail in APP1 is a whole JPEG, end marker
/// included), and entropy-coded data never holds `FF D9`: a file cut
/// anywhere before its end lacks it. Bytes after the marker (a newline, a
/// camera's trailer) are allowed.
fn has_jpeg_eoi(bytes: &[u8]) -> bool {
    const EOI: [u8; 2] = [0xFF, 0xD9];
    // After SOI (`FF D8`): `FF`, the marker, then (except for markers that
    // stand alone) a big-endian length that counts itself.
    let mut at = 2;
    while let Some(&[ff, marker]) = bytes.get(at..at + 2) {
        if ff != 0xFF {
            return false;
        }
        match marker {
            // Fill bytes before a marker.
            0xFF => at += 1,
            // An end before any scan: no image, which the decoder reports.
            0xD9 => return true,
            0x01 | 0xD0..=0xD7 => at += 2,
            _ => {
                let Some(&[hi, lo]) = bytes.get(at + 2..at + 4) else {
                    return false;
                };
                let next = at + 2 + usize::from(u16::from_be_bytes([hi, lo]));
                if marker == 0xDA {
                    return bytes
                        .get(next..)
                        .is_some_and(|scan| scan.windows(2).any(|w| w == EOI));
                }
                at = next;
            }
        }
    }
    false
}

/// Sorts an `image` error into the right [`DecodeError`] case.
fn classify(error: ImageError) -> DecodeError {
    match error {
        ImageError::Limits(_) => DecodeError::TooMuchMemory(error),
        ImageError::Unsupported(_)
        | ImageError::Decoding(_)
        | ImageError::IoError(_)
        | ImageError::Parameter(_)
        | ImageError::Encoding(_) => DecodeError::Corrupt(error),
    }
}

#[cfg(test)]
mod tests {
    use image::{Luma, Rgb, RgbImage, Rgba, RgbaImage};

    use super::*;

    /// A small RGB test card: a gradient with a dark square.
    fn card() -> RgbImage {
        RgbImage::from_fn(48, 32, |x, y| {
            if (10..20).contains(&x) && (8..18).contains(&y) {
                Rgb([10, 20, 30])
            } else {
                Rgb([(x * 5) as u8, (y * 7) as u8, 200])
            }
        })
    }

    fn encoded(format: ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        DynamicImage::ImageRgb8(card())
            .write_to(&mut out, format)
            .unwrap();
        out.into_inner()
    }

    /// A PNG with an IHDR chunk claiming `width` × `height` 8-bit gray
    /// pixels, then a tiny IDAT and IEND, every CRC correct.
    fn png_header(width: u32, height: u32) -> Vec<u8> {
        let mut out = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&width.to_be_bytes());
        ihdr.extend_from_slice(&height.to_be_bytes());
        ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
        push_chunk(&mut out, b"IHDR", &ihdr);
        // A zlib stream of one stored empty block.
        push_chunk(
            &mut out,
            b"IDAT",
            &[0x78, 0x01, 0x01, 0x00, 0x00, 0xff, 0xff, 0, 0, 0, 1],
        );
        push_chunk(&mut out, b"IEND", &[]);
        out
    }

    fn push_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        let mut chunk = kind.to_vec();
        chunk.extend_from_slice(data);
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend_from_slice(&chunk);
        out.extend_from_slice(&crc32(&chunk).to_be_bytes());
    }

    /// CRC-32 (ISO 3309, as PNG uses), bit by bit.
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                let mask = (crc & 1).wrapping_neg();
                crc = (crc >> 1) ^ (0xedb8_8320 & mask);
            }
        }
        !crc
    }

    #[test]
    fn crc32_matches_the_known_check_value() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
    }

    #[test]
    fn decodes_each_supported_format() {
        for format in [
            ImageFormat::Png,
            ImageFormat::Jpeg,
            ImageFormat::WebP,
            ImageFormat::Bmp,
            ImageFormat::Tiff,
        ] {
            let image = decode(&encoded(format)).unwrap_or_else(|e| panic!("{format:?}: {e}"));
            assert_eq!((image.width(), image.height()), (48, 32), "{format:?}");
            let gray = to_gray(&image);
            let inside = gray.get_pixel(15, 12).0[0];
            let outside = gray.get_pixel(40, 25).0[0];
            assert!(
                inside < 40 && outside > 100,
                "{format:?}: {inside} {outside}"
            );
        }
    }

    #[test]
    fn colour_to_gray_agrees_with_the_float_conversion() {
        // Every red and green level, blue stepping through its range.
        let rgb = RgbImage::from_fn(256, 256, |x, y| {
            Rgb([x as u8, y as u8, (x * 7 + y * 13) as u8])
        });
        let rgba = DynamicImage::ImageRgb8(rgb.clone()).to_rgba8();
        for image in [DynamicImage::ImageRgb8(rgb), DynamicImage::ImageRgba8(rgba)] {
            let ours = to_gray(&image);
            let float = image.to_luma8();
            assert_eq!(ours.dimensions(), float.dimensions());
            // Float rounding at exact halves may go the other way.
            let mut differ = 0;
            for (a, b) in ours.pixels().zip(float.pixels()) {
                assert!(a.0[0].abs_diff(b.0[0]) <= 1, "{a:?} against {b:?}");
                differ += usize::from(a != b);
            }
            assert!(differ < 300, "{differ} of 65536 pixels differ");
        }
        assert_eq!(luma(255, 255, 255), 255);
        assert_eq!(luma(0, 0, 0), 0);
    }

    #[test]
    fn transparency_is_laid_on_white() {
        // Dark ink opaque, a transparent background stored as black, and
        // half-transparent black.
        let rgba = RgbaImage::from_fn(3, 1, |x, _| match x {
            0 => Rgba([20, 20, 20, 255]),
            1 => Rgba([0, 0, 0, 0]),
            _ => Rgba([0, 0, 0, 128]),
        });
        let gray = to_gray(&DynamicImage::ImageRgba8(rgba.clone()));
        assert_eq!(gray.as_raw(), &[20, 255, 127]);
        // The same through a PNG, and through 16-bit gray with alpha.
        let mut png = Cursor::new(Vec::new());
        rgba.write_to(&mut png, ImageFormat::Png).unwrap();
        assert_eq!(
            decode_gray(png.get_ref()).unwrap().as_raw(),
            &[20, 255, 127]
        );
        let la = DynamicImage::ImageRgba8(rgba).to_luma_alpha16();
        let gray = to_gray(&DynamicImage::ImageLumaA16(la));
        assert_eq!(gray.as_raw(), &[20, 255, 127]);
    }

    #[test]
    fn gray_input_stays_gray() {
        let gray = GrayImage::from_pixel(5, 4, Luma([77]));
        let mut out = Cursor::new(Vec::new());
        DynamicImage::ImageLuma8(gray.clone())
            .write_to(&mut out, ImageFormat::Png)
            .unwrap();
        assert_eq!(decode_gray(out.get_ref()).unwrap(), gray);
    }

    #[test]
    fn empty_input_is_empty() {
        assert_eq!(decode(&[]).unwrap_err().kind(), "empty");
    }

    #[test]
    fn random_bytes_are_not_an_image() {
        // A fixed xorshift stream: deterministic "random" bytes.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let bytes: Vec<u8> = (0..4096)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        let err = decode(&bytes).unwrap_err();
        assert!(matches!(err, DecodeError::NotAnImage), "{err:?}");
        assert_eq!(err.kind(), "decode");
    }

    #[test]
    fn truncated_png_and_jpeg_are_decode_errors() {
        for format in [ImageFormat::Png, ImageFormat::Jpeg] {
            let bytes = encoded(format);
            let mut cuts = vec![bytes.len() / 2, bytes.len() / 4, 20];
            if format == ImageFormat::Jpeg {
                // The JPEG decoder makes up a missing tail: any cut before
                // the end marker must still be an error.
                cuts.extend([bytes.len() - 1, bytes.len() - 2]);
            }
            for cut in cuts {
                let err = decode(&bytes[..cut]).unwrap_err();
                assert_eq!(err.kind(), "decode", "{format:?} cut at {cut}: {err:?}");
            }
        }
    }

    #[test]
    fn a_gif_is_not_an_image_in_a_supported_format() {
        // A 1×1 GIF89a: recognised by its magic, but no GIF decoder is
        // built in.
        let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff\
\x21\xf9\x04\x01\x00\x00\x00\x00\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00\
\x02\x02\x44\x01\x00\x3b";
        let err = decode(gif).unwrap_err();
        assert!(matches!(err, DecodeError::NotAnImage), "{err:?}");
        assert_eq!(err.kind(), "decode");
    }

    #[test]
    fn jpeg_with_bytes_after_its_end_marker_decodes() {
        let bytes = encoded(ImageFormat::Jpeg);
        for tail in [
            &b"\n"[..],
            b"\0\0\0",
            b"trailer of a phone camera \xFF\xD8 \xFF",
        ] {
            let mut padded = bytes.clone();
            padded.extend_from_slice(tail);
            let image = decode(&padded).unwrap_or_else(|e| panic!("{tail:?}: {e}"));
            assert_eq!((image.width(), image.height()), (48, 32));
        }
    }

    #[test]
    fn jpeg_cut_after_a_thumbnail_is_truncated() {
        // An APP1 segment holding a whole small JPEG (a thumbnail, end
        // marker included) before the main image, which is cut short.
        let main = encoded(ImageFormat::Jpeg);
        let thumbnail = encoded(ImageFormat::Jpeg);
        let mut app1 = vec![0xFF, 0xE1];
        app1.extend_from_slice(&((thumbnail.len() + 2) as u16).to_be_bytes());
        app1.extend_from_slice(&thumbnail);
        let mut bytes = main[..2].to_vec();
        bytes.extend_from_slice(&app1);
        bytes.extend_from_slice(&main[2..]);
        assert!(decode(&bytes).is_ok());
        let err = decode(&bytes[..bytes.len() - 40]).unwrap_err();
        assert!(matches!(err, DecodeError::Truncated), "{err:?}");
    }

    #[test]
    fn header_claiming_huge_dimensions_is_too_large_before_decoding() {
        let err = decode(&png_header(100_000, 100_000)).unwrap_err();
        assert_eq!(err.kind(), "too_large", "{err:?}");
        // Within the side limit but above the pixel count.
        let limits = DecodeLimits {
            max_side_px: 100_000,
            ..DecodeLimits::default()
        };
        let err = decode_with(&png_header(9_000, 9_000), &limits).unwrap_err();
        assert!(matches!(err, DecodeError::TooManyPixels { .. }), "{err:?}");
    }

    #[test]
    fn header_with_plausible_dimensions_but_no_data_is_a_decode_error() {
        let err = decode(&png_header(640, 480)).unwrap_err();
        assert_eq!(err.kind(), "decode", "{err:?}");
    }

    #[test]
    fn too_many_bytes_is_too_large() {
        let bytes = encoded(ImageFormat::Bmp);
        let limits = DecodeLimits {
            max_input_bytes: bytes.len() - 1,
            ..DecodeLimits::default()
        };
        let err = decode_with(&bytes, &limits).unwrap_err();
        assert!(matches!(err, DecodeError::TooManyBytes { .. }), "{err:?}");
        assert_eq!(err.kind(), "too_large");
        // And the default limit, with bytes that would otherwise decode.
        let mut big = encoded(ImageFormat::Png);
        big.resize(MAX_INPUT_BYTES + 1, 0);
        assert_eq!(decode(&big).unwrap_err().kind(), "too_large");
    }

    #[test]
    fn memory_limit_is_too_large() {
        let limits = DecodeLimits {
            max_alloc_bytes: 1000,
            ..DecodeLimits::default()
        };
        let err = decode_with(&encoded(ImageFormat::Png), &limits).unwrap_err();
        assert_eq!(err.kind(), "too_large", "{err:?}");
    }
}
