//! Writes a few synthetic samples per bucket as PNG, each with a copy that
//! marks the truth grid's cell centres (red) and zone corners (green), to
//! look at what the generator makes.
//!
//! `cargo run --release -p hotel-mrz --example synth_preview -- /tmp/synth-preview 3`

use std::path::PathBuf;

use hotel_mrz::synth::{Bucket, render::OcrB, sample};
use image::Rgb;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().unwrap_or_else(|| "/tmp/synth-preview".into()));
    let per_bucket: u64 = args.next().map_or(Ok(3), |s| s.parse())?;
    std::fs::create_dir_all(&dir)?;
    let font = OcrB::load()?;
    for bucket in Bucket::ALL {
        for seed in 0..per_bucket {
            let start = std::time::Instant::now();
            let s = sample(seed, bucket, &font);
            let ms = start.elapsed().as_secs_f64() * 1e3;
            let name = format!("{}-{seed}", bucket.name());
            s.image.save(dir.join(format!("{name}.png")))?;
            let mut marked = s.image.clone();
            let (w, h) = marked.dimensions();
            let mut dot = |x: f32, y: f32, c: Rgb<u8>| {
                if x >= 0.0 && y >= 0.0 && (x as u32) < w && (y as u32) < h {
                    marked.put_pixel(x as u32, y as u32, c);
                }
            };
            for line in s.grid.lines() {
                for c in 0..s.grid.chars() {
                    let (x, y) = s.grid.point(c as f32 + 0.5, (line.top + line.bottom) / 2.0);
                    dot(x, y, Rgb([255, 0, 0]));
                }
            }
            for (x, y) in s.grid.corners() {
                for d in -2..=2 {
                    dot(x + d as f32, y, Rgb([0, 255, 0]));
                    dot(x, y + d as f32, Rgb([0, 255, 0]));
                }
            }
            // The zone, with a margin, at twice the size.
            let xs = s.truth.corners.map(|c| c[0]);
            let ys = s.truth.corners.map(|c| c[1]);
            let pad = 2.0 * s.truth.char_height_px;
            let x0 = (xs.iter().copied().fold(f32::MAX, f32::min) - pad).max(0.0) as u32;
            let y0 = (ys.iter().copied().fold(f32::MAX, f32::min) - pad).max(0.0) as u32;
            let x1 = ((xs.iter().copied().fold(f32::MIN, f32::max) + pad) as u32).min(w);
            let y1 = ((ys.iter().copied().fold(f32::MIN, f32::max) + pad) as u32).min(h);
            let crop = image::imageops::crop_imm(&marked, x0, y0, x1 - x0, y1 - y0).to_image();
            let zoom = image::imageops::resize(
                &crop,
                crop.width() * 2,
                crop.height() * 2,
                image::imageops::FilterType::Nearest,
            );
            zoom.save(dir.join(format!("{name}-zone.png")))?;
            println!(
                "{name}: {} {}x{} cap {:.1}px rot {:.1} {} {ms:.0} ms",
                s.truth.format,
                w,
                h,
                s.truth.char_height_px,
                s.truth.params.rotation_deg,
                if s.truth.valid { "valid" } else { "invalid" },
            );
        }
    }
    Ok(())
}
