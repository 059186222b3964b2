//! The synthetic document generator, black-box: determinism, truth that
//! agrees with part 1, an exact grid, bucket ranges, and sets on disk.

use hotel_mrz::synth::render::OcrB;
use hotel_mrz::synth::truth::{FileType, REFERENCE_DATE, Truth};
use hotel_mrz::synth::{Bucket, BucketMix, Sample, sample, write_set};
use hotel_mrz::{ParseOptions, parse};
use image::RgbImage;

fn font() -> OcrB {
    OcrB::load().expect("OCR-B font (apt-get install fonts-ocr-b)")
}

/// Darkness (0 white … 1 black) at a point, bilinear-free: the pixel under it.
fn darkness(image: &RgbImage, (x, y): (f32, f32)) -> Option<f32> {
    if x < 0.0 || y < 0.0 || x >= image.width() as f32 || y >= image.height() as f32 {
        return None;
    }
    let p = image.get_pixel(x as u32, y as u32).0;
    let luma = 0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2]);
    Some(1.0 - luma / 255.0)
}

fn mean(v: &[f32]) -> f32 {
    v.iter().sum::<f32>() / v.len().max(1) as f32
}

#[test]
fn same_seed_gives_the_same_bytes_and_truth() {
    let font = font();
    let a = sample(11, Bucket::Moderate, &font);
    let b = sample(11, Bucket::Moderate, &font);
    assert_eq!(a.image.as_raw(), b.image.as_raw());
    assert_eq!(a.file_bytes().unwrap(), b.file_bytes().unwrap());
    assert_eq!(
        serde_json::to_string(&a.truth).unwrap(),
        serde_json::to_string(&b.truth).unwrap()
    );
    let c = sample(12, Bucket::Moderate, &font);
    assert_ne!(a.truth.mrz, c.truth.mrz);
}

#[test]
fn truth_agrees_with_part_one_and_the_grid_lies_on_the_ink() {
    let font = font();
    let options = ParseOptions::new(REFERENCE_DATE);
    for seed in 0..3 {
        let s = sample(seed, Bucket::Clean, &font);
        let t = &s.truth;
        let mrz = parse(&t.mrz, &options).expect("truth MRZ parses");
        assert_eq!(mrz.format().name(), t.format);
        assert_eq!(mrz.is_valid(), t.valid, "seed {seed}");
        assert_eq!(t.valid, t.params.invalid.is_none(), "seed {seed}");
        assert_eq!(s.grid.lines().len(), mrz.format().line_count());
        assert_eq!(s.grid.chars(), mrz.format().line_len());

        let (w, h) = s.image.dimensions();
        assert_eq!([w, h], t.params.frame);
        for [x, y] in t.corners {
            assert!(x > 0.0 && y > 0.0 && x < w as f32 && y < h as f32);
        }

        // Ink at the cells, paper between the lines and beside the zone.
        let g = &s.grid;
        let mut cells = Vec::new();
        for line in g.lines() {
            for c in 0..g.chars() {
                for (fx, fy) in [(0.3, 0.3), (0.5, 0.5), (0.7, 0.7), (0.3, 0.7), (0.7, 0.3)] {
                    let y = line.top + fy * (line.bottom - line.top);
                    cells.extend(darkness(&s.image, g.point(c as f32 + fx, y)));
                }
            }
        }
        let mut paper = Vec::new();
        for pair in g.lines().windows(2) {
            let y = (pair[0].bottom + pair[1].top) / 2.0;
            for c in 0..g.chars() {
                paper.extend(darkness(&s.image, g.point(c as f32 + 0.5, y)));
            }
        }
        for line in g.lines() {
            let y = (line.top + line.bottom) / 2.0;
            paper.extend(darkness(&s.image, g.point(-0.6, y)));
            paper.extend(darkness(&s.image, g.point(g.chars() as f32 + 0.6, y)));
        }
        let (ink, gap) = (mean(&cells), mean(&paper));
        assert!(
            ink > gap + 0.1,
            "seed {seed}: cells {ink:.3}, gaps {gap:.3}"
        );

        // The truth record rebuilds the same grid.
        let rebuilt = t.grid().expect("grid from truth");
        for (a, b) in rebuilt.corners().iter().zip(g.corners()) {
            assert!((a.0 - b.0).abs() < 0.05 && (a.1 - b.1).abs() < 0.05);
        }
        let mid = g.lines()[0];
        let p = g.point(7.5, mid.bottom);
        let q = rebuilt.point(7.5, mid.bottom);
        assert!((p.0 - q.0).abs() < 0.05 && (p.1 - q.1).abs() < 0.05);
    }
}

/// Checks one sample's recorded parameters against its bucket's row.
fn assert_in_ranges(s: &Sample) {
    let t = &s.truth;
    let p = &t.params;
    let r = t.bucket.ranges();
    let tol = 1e-3;
    let (lo, hi) = r.char_height_px;
    assert!(
        t.char_height_px >= lo - tol && t.char_height_px <= hi + tol,
        "{}: cap {}",
        t.seed,
        t.char_height_px
    );
    // Rotation as seen in the image: perspective bends it by a degree or so.
    let off = if p.upside_down {
        180.0 - p.rotation_deg.abs()
    } else {
        p.rotation_deg.abs()
    };
    assert!(
        off <= r.rotation_deg + 2.0,
        "{}: rotation {}",
        t.seed,
        p.rotation_deg
    );
    if r.upside_down == 0.0 {
        assert!(!p.upside_down);
    }
    let tilt = p.tilt_x_deg.hypot(p.tilt_y_deg);
    assert!(tilt >= r.tilt_deg.0 - tol && tilt <= r.tilt_deg.1 + tol);
    assert!(p.blur_sigma_px <= r.blur_sigma_px.1 + tol);
    assert!(p.blur_sigma_px <= r.blur_max_of_height * r.char_height_px.1 + tol);
    assert!(p.noise_sigma >= r.noise_sigma.0 - tol && p.noise_sigma <= r.noise_sigma.1 + tol);
    match p.file_type {
        FileType::Jpeg => {
            let q = p.jpeg_quality.expect("JPEG has a quality");
            assert!(q >= r.jpeg_quality.0 && q <= r.jpeg_quality.1);
        }
        FileType::Png => assert_eq!(p.jpeg_quality, None),
    }
    assert!(p.light.strength >= r.light.0 - tol && p.light.strength <= r.light.1 + tol);
    if let Some(g) = &p.glare {
        assert!(r.glare > 0.0);
        assert!(g.strength >= r.glare_strength.0 - tol && g.strength <= r.glare_strength.1 + tol);
    }
}

#[test]
fn every_bucket_respects_its_ranges() {
    let font = font();
    for bucket in Bucket::ALL {
        for seed in [100, 101] {
            let s = sample(seed, bucket, &font);
            assert_eq!(s.truth.bucket, bucket);
            assert_in_ranges(&s);
        }
    }
}

#[test]
fn a_written_set_holds_the_images_and_truth_of_its_samples() {
    let font = font();
    let dir = std::env::temp_dir().join(format!("hotel-mrz-synth-{}", std::process::id()));
    let summary = write_set(&dir, 3, 9, BucketMix::Mixed, &font).unwrap();
    assert_eq!(summary.images, 3);
    assert_eq!(summary.per_bucket, [1, 1, 1]);
    let text = std::fs::read_to_string(dir.join("truth.jsonl")).unwrap();
    let truths: Vec<Truth> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(truths.len(), 3);
    for (i, t) in truths.iter().enumerate() {
        assert!(t.file.starts_with(&format!("{i:06}.")));
        assert_eq!(t.bucket, BucketMix::Mixed.bucket_for(i));
        let bytes = std::fs::read(dir.join(&t.file)).unwrap();
        let decoded = image::load_from_memory(&bytes).unwrap().to_rgb8();
        assert_eq!([decoded.width(), decoded.height()], t.params.frame);
        if i > 0 {
            continue;
        }
        // The seed regenerates the same file.
        let again = sample(t.seed, t.bucket, &font);
        assert_eq!(again.file_bytes().unwrap(), bytes);
        assert_eq!(again.truth.mrz, t.mrz);
        assert_eq!(decoded.as_raw(), again.image.as_raw());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
