//! Difficulty buckets and the one table of their degradation ranges.
//!
//! Every generated image belongs to one bucket; [`crate::synth::degrade`]
//! draws each parameter uniformly from the bucket's range below (a
//! probability is the chance that the effect is present at all).
//!
//! | parameter | clean | moderate | hard |
//! |---|---|---|---|
//! | in-plane rotation, max \|θ\| | 5° | 12° | 20° |
//! | upside down (180° ± θ) | never | 10% | 20% |
//! | perspective tilt | 0–3° | 0–10° | 5–25° |
//! | cap height in the written image | 18–40 px | 12–30 px | 8–20 px |
//! | gaussian blur σ | 0–0.5 px | 0.3–1.2 px | 0.6–2.0 px |
//! | blur σ at most | 5% of cap height | 8% | 12% |
//! | noise σ (of 255) | 0–3 | 2–7 | 5–14 |
//! | JPEG quality | 85–95 | 60–90 | 30–60 |
//! | written as PNG instead | 30% | 15% | 5% |
//! | uneven light strength | 0–0.15 | 0.1–0.35 | 0.3–0.6 |
//! | glare spot | never | 25% | 50% |
//! | glare strength (1 erases) | — | 0.2–0.5 | 0.5–1.0 |
//! | glare centred on the MRZ | — | 30% | 50% |
//!
//! The cap height is the mean height of the MRZ's capitals in the written
//! image; when a large one would not fit the frame even in the largest
//! frame, it is lowered to fit (never below the bucket's minimum).

use serde::{Deserialize, Serialize};

/// A difficulty bucket of generated images.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Bucket {
    /// Near-flat, sharp, large text, no glare.
    Clean,
    /// What a careful kiosk user produces.
    Moderate,
    /// Tilted, small, blurred, noisy, glared; some characters may be lost.
    Hard,
}

/// Which buckets a generated set draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BucketMix {
    /// Every image in one bucket.
    Only(Bucket),
    /// Image `i` in bucket `i mod 3` (clean, moderate, hard): equal thirds.
    Mixed,
}

/// The parameter ranges of one bucket (see the module docs' table).
#[derive(Debug, Clone, PartialEq)]
pub struct Ranges {
    /// Largest in-plane rotation away from upright (or from upside down),
    /// degrees.
    pub rotation_deg: f32,
    /// Chance that the document is upside down.
    pub upside_down: f64,
    /// Range of the perspective tilt of the document plane, degrees.
    pub tilt_deg: (f32, f32),
    /// Range of the MRZ cap height in the written image, pixels.
    pub char_height_px: (f32, f32),
    /// Range of the gaussian blur σ, pixels.
    pub blur_sigma_px: (f32, f32),
    /// The blur σ is at most this fraction of the cap height.
    pub blur_max_of_height: f32,
    /// Range of the noise σ, in 0–255 units.
    pub noise_sigma: (f32, f32),
    /// Range of the JPEG quality.
    pub jpeg_quality: (u8, u8),
    /// Chance of writing PNG instead of JPEG.
    pub png: f64,
    /// Range of the uneven light's strength (0 = even).
    pub light: (f32, f32),
    /// Chance of a glare spot.
    pub glare: f64,
    /// Range of the glare's strength (1 washes its centre out to white).
    pub glare_strength: (f32, f32),
    /// Chance, given a glare, that it is centred on the MRZ.
    pub glare_on_mrz: f64,
}

/// The table of the module docs, one row per bucket.
pub const RANGES: [(Bucket, Ranges); 3] = [
    (
        Bucket::Clean,
        Ranges {
            rotation_deg: 5.0,
            upside_down: 0.0,
            tilt_deg: (0.0, 3.0),
            char_height_px: (18.0, 40.0),
            blur_sigma_px: (0.0, 0.5),
            blur_max_of_height: 0.05,
            noise_sigma: (0.0, 3.0),
            jpeg_quality: (85, 95),
            png: 0.3,
            light: (0.0, 0.15),
            glare: 0.0,
            glare_strength: (0.0, 0.0),
            glare_on_mrz: 0.0,
        },
    ),
    (
        Bucket::Moderate,
        Ranges {
            rotation_deg: 12.0,
            upside_down: 0.1,
            tilt_deg: (0.0, 10.0),
            char_height_px: (12.0, 30.0),
            blur_sigma_px: (0.3, 1.2),
            blur_max_of_height: 0.08,
            noise_sigma: (2.0, 7.0),
            jpeg_quality: (60, 90),
            png: 0.15,
            light: (0.1, 0.35),
            glare: 0.25,
            glare_strength: (0.2, 0.5),
            glare_on_mrz: 0.3,
        },
    ),
    (
        Bucket::Hard,
        Ranges {
            rotation_deg: 20.0,
            upside_down: 0.2,
            tilt_deg: (5.0, 25.0),
            char_height_px: (8.0, 20.0),
            blur_sigma_px: (0.6, 2.0),
            blur_max_of_height: 0.12,
            noise_sigma: (5.0, 14.0),
            jpeg_quality: (30, 60),
            png: 0.05,
            light: (0.3, 0.6),
            glare: 0.5,
            glare_strength: (0.5, 1.0),
            glare_on_mrz: 0.5,
        },
    ),
];

impl Bucket {
    /// The three buckets, easiest first.
    pub const ALL: [Bucket; 3] = [Bucket::Clean, Bucket::Moderate, Bucket::Hard];

    /// `clean`, `moderate` or `hard`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Clean => "clean",
            Self::Moderate => "moderate",
            Self::Hard => "hard",
        }
    }

    /// The bucket with this name (any case).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|b| b.name().eq_ignore_ascii_case(name.trim()))
    }

    /// This bucket's row of [`RANGES`].
    pub fn ranges(self) -> &'static Ranges {
        &RANGES[self as usize].1
    }
}

impl BucketMix {
    /// `clean`, `moderate`, `hard` or `mixed` (any case).
    pub fn from_name(name: &str) -> Option<Self> {
        if name.trim().eq_ignore_ascii_case("mixed") {
            return Some(Self::Mixed);
        }
        Bucket::from_name(name).map(Self::Only)
    }

    /// The bucket of image `index` of a set.
    pub fn bucket_for(self, index: usize) -> Bucket {
        match self {
            Self::Only(b) => b,
            Self::Mixed => Bucket::ALL[index % 3],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_rows_are_in_bucket_order_and_ranges_are_ordered() {
        for (i, (bucket, r)) in RANGES.iter().enumerate() {
            assert_eq!(Bucket::ALL[i], *bucket);
            for (lo, hi) in [
                r.tilt_deg,
                r.char_height_px,
                r.blur_sigma_px,
                r.noise_sigma,
                r.light,
                r.glare_strength,
            ] {
                assert!(lo <= hi);
            }
            assert!(r.jpeg_quality.0 <= r.jpeg_quality.1);
            assert!(r.char_height_px.0 >= 8.0 && r.char_height_px.1 <= 40.0);
        }
    }

    #[test]
    fn names_round_trip_and_mixed_cycles_through_buckets() {
        for b in Bucket::ALL {
            assert_eq!(Bucket::from_name(b.name()), Some(b));
        }
        assert_eq!(BucketMix::from_name("MIXED"), Some(BucketMix::Mixed));
        assert_eq!(BucketMix::from_name("easy"), None);
        let got: Vec<Bucket> = (0..4).map(|i| BucketMix::Mixed.bucket_for(i)).collect();
        assert_eq!(
            got,
            [Bucket::Clean, Bucket::Moderate, Bucket::Hard, Bucket::Clean]
        );
    }
}
