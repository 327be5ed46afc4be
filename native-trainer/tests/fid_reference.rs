//! Optional: the full FID Inception-v3 with its real weights against the reference feature values
//! of `../shared/models/README.md` (a numpy forward pass). Needs the weights
//! (`bash scripts/fetch-fid-weights.sh`, or `UNPAIRED_FID_WEIGHTS`); the image half also needs
//! `../shared/datasets/horse2zebra`. Each half is skipped with a message when its input is absent:
//!
//! ```sh
//! cargo test -p native-trainer --no-default-features --test fid_reference -- --nocapture
//! ```
//!
//! The reference fed its images through PIL's bilinear resize (half-pixel centres, rounded to
//! 8 bits), not `eval`'s resize, so this test resizes the same way (`pil_bilinear` below) to compare
//! the networks; the JPEG decoders still differ (libjpeg there, zune-jpeg here), hence the looser
//! tolerance for the photos than for the synthetic pattern.

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use image::RgbImage;
use native_trainer::eval::inception::INPUT_SIZE;
use native_trainer::eval::{FeatureExtractor, images, weights};

fn extractor() -> Option<FeatureExtractor> {
    match weights::locate(None) {
        Ok(path) => {
            println!("weights: {}", path.display());
            Some(FeatureExtractor::load(&path, &Device::flex()).unwrap())
        }
        Err(e) => {
            println!("SKIPPED: {e}");
            None
        }
    }
}

/// The fixed pattern of shared/models' `fid_inception_numpy.py --synthetic`.
fn synthetic_input() -> Vec<f32> {
    let n = INPUT_SIZE;
    let mut out = vec![0f32; 3 * n * n];
    for c in 0..3 {
        for h in 0..n {
            for w in 0..n {
                let (c, hf, wf) = (c as f64, h as f64, w as f64);
                let u8 = (127.5
                    + 127.5
                        * (0.05 * hf + 0.031 * wf + 2.0 * c).sin()
                        * (0.017 * wf - 0.023 * hf).cos())
                .round();
                out[(c as usize * n + h) * n + w] = ((u8 - 128.0) / 128.0) as f32;
            }
        }
    }
    out
}

struct Summary {
    mean: f64,
    l2: f64,
    max: f64,
}

fn summary(f: &[f32]) -> Summary {
    let values: Vec<f64> = f.iter().map(|&v| f64::from(v)).collect();
    Summary {
        mean: values.iter().sum::<f64>() / values.len() as f64,
        l2: values.iter().map(|v| v * v).sum::<f64>().sqrt(),
        max: values.iter().cloned().fold(f64::MIN, f64::max),
    }
}

fn relative(ours: f64, reference: f64) -> f64 {
    (ours - reference).abs() / reference.abs()
}

#[test]
fn synthetic_pattern_matches_the_reference() {
    let Some(extractor) = extractor() else { return };
    let features = extractor
        .features_of_inputs(vec![synthetic_input()])
        .unwrap()
        .remove(0);
    assert_eq!(features.len(), 2048);
    assert!(features.iter().all(|&v| v >= 0.0));
    let s = summary(&features);
    let first8 = [
        0.273289, 0.014167, 0.0, 0.038012, 0.493524, 0.414916, 0.091278, 0.002768,
    ];
    let errors = [
        relative(s.mean, 0.251858),
        relative(s.l2, 21.314106),
        relative(s.max, 4.473829),
    ];
    let first8_abs = features
        .iter()
        .zip(first8)
        .map(|(&a, b)| (f64::from(a) - b).abs())
        .fold(0f64, f64::max);
    println!(
        "synthetic: mean {:.6} l2 {:.6} max {:.6} first8 {:?}",
        s.mean,
        s.l2,
        s.max,
        &features[..8]
    );
    println!(
        "relative error: mean {:.2e}, l2 {:.2e}, max {:.2e}; first 8 largest absolute difference {first8_abs:.2e}",
        errors[0], errors[1], errors[2]
    );
    // The reference prints 6 decimals: up to 5e-7 of rounding.
    assert!(errors.iter().all(|&e| e < 2e-5), "{errors:?}");
    assert!(first8_abs < 2e-6, "{first8_abs}");
}

/// Pillow's `Image.resize(size, BILINEAR)` for 8-bit RGB: per axis, a triangle filter over
/// half-pixel centres (widened when shrinking), 22-bit fixed-point coefficients, horizontal pass
/// first, each pass rounded to 8 bits.
fn pil_bilinear(image: &RgbImage, width: u32, height: u32) -> RgbImage {
    fn coefficients(input: usize, output: usize) -> Vec<(usize, Vec<i64>)> {
        let scale = input as f64 / output as f64;
        let filter_scale = scale.max(1.0);
        let support = filter_scale;
        (0..output)
            .map(|i| {
                let center = (i as f64 + 0.5) * scale;
                let min = ((center - support + 0.5) as i64).max(0) as usize;
                let max = ((center + support + 0.5) as i64).min(input as i64) as usize;
                let weights: Vec<f64> = (min..max)
                    .map(|x| {
                        let t = ((x as f64 - center + 0.5) / filter_scale).abs();
                        if t < 1.0 { 1.0 - t } else { 0.0 }
                    })
                    .collect();
                let total: f64 = weights.iter().sum();
                let fixed = weights
                    .iter()
                    .map(|w| {
                        let k = w / total * f64::from(1 << 22);
                        (if k < 0.0 { k - 0.5 } else { k + 0.5 }) as i64
                    })
                    .collect();
                (min, fixed)
            })
            .collect()
    }
    let pass = |source: &RgbImage, out_w: u32, out_h: u32, horizontal: bool| {
        let taps = if horizontal {
            coefficients(source.width() as usize, out_w as usize)
        } else {
            coefficients(source.height() as usize, out_h as usize)
        };
        RgbImage::from_fn(out_w, out_h, |x, y| {
            let (start, k) = &taps[if horizontal { x } else { y } as usize];
            image::Rgb(std::array::from_fn(|c| {
                let mut sum: i64 = 1 << 21;
                for (t, w) in k.iter().enumerate() {
                    let (sx, sy) = if horizontal {
                        ((start + t) as u32, y)
                    } else {
                        (x, (start + t) as u32)
                    };
                    sum += i64::from(source[(sx, sy)][c]) * w;
                }
                (sum >> 22).clamp(0, 255) as u8
            }))
        })
    };
    let wide = pass(image, width, image.height(), true);
    pass(&wide, width, height, false)
}

fn correlation(a: &[f32], b: &[f32]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (
        a.iter().map(|&v| f64::from(v)).sum::<f64>() / n,
        b.iter().map(|&v| f64::from(v)).sum::<f64>() / n,
    );
    let (mut cov, mut va, mut vb) = (0.0, 0.0, 0.0);
    for (&x, &y) in a.iter().zip(b) {
        let (x, y) = (f64::from(x) - ma, f64::from(y) - mb);
        cov += x * y;
        va += x * x;
        vb += y * y;
    }
    cov / (va * vb).sqrt()
}

fn shared_dataset() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/datasets/horse2zebra")
}

#[test]
fn horse2zebra_photos_match_the_reference() {
    let dataset = shared_dataset();
    if !dataset.is_dir() {
        println!("SKIPPED: {} is absent", dataset.display());
        return;
    }
    let Some(extractor) = extractor() else { return };
    let horse = images::decode(&dataset.join("testA/n02381460_1000.jpg")).unwrap();
    let zebra = images::decode(&dataset.join("testB/n02391049_100.jpg")).unwrap();
    let inputs = [&horse, &zebra]
        .iter()
        .map(|i| images::to_input(&pil_bilinear(i, 299, 299)))
        .collect();
    let features = extractor.features_of_inputs(inputs).unwrap();
    let (h, z) = (summary(&features[0]), summary(&features[1]));
    let errors = [
        relative(h.mean, 0.314399),
        relative(h.l2, 18.840481),
        relative(z.mean, 0.220285),
        relative(z.l2, 16.345505),
    ];
    let first3 = [0.263212, 0.241039, 0.389782];
    let first3_rel = features[0]
        .iter()
        .zip(first3)
        .map(|(&a, b)| relative(f64::from(a), b))
        .fold(0f64, f64::max);
    let r = correlation(&features[0], &features[1]);
    println!(
        "horse: mean {:.6} l2 {:.6} first3 {:?}; zebra: mean {:.6} l2 {:.6}; correlation {r:.3}",
        h.mean,
        h.l2,
        &features[0][..3],
        z.mean,
        z.l2
    );
    println!(
        "relative error: horse mean {:.2e} l2 {:.2e} first3 {first3_rel:.2e}; zebra mean {:.2e} l2 {:.2e}",
        errors[0], errors[1], errors[2], errors[3]
    );
    // Pixels decoded by another JPEG decoder: allow 1%.
    assert!(errors.iter().all(|&e| e < 1e-2), "{errors:?}");
    assert!(first3_rel < 3e-2, "{first3_rel}");
    assert!((0.0..0.3).contains(&r), "horse/zebra correlation {r}");

    // For the record: the same photos through eval's own resize.
    let ours = extractor.features_of_images(&[horse, zebra], 2).unwrap();
    let (h2, z2) = (summary(&ours[0]), summary(&ours[1]));
    println!(
        "eval's resize: horse mean {:.6} l2 {:.6}; zebra mean {:.6} l2 {:.6}",
        h2.mean, h2.l2, z2.mean, z2.l2
    );
}
