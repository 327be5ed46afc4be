//! `eval`: the FID Inception-v3 port against the project's numpy reference
//! (`tests/fixtures/fid/make_fixture.py`: a 16× narrower network with random weights, the real
//! file's tensor names, three pattern images that exercise the resize up, none and down), folder
//! reading, and the two distances on hand-checkable cases.

mod common;

use std::path::Path;

use common::{fid_fixture, fid_fixture_dir, tiny_fid_extractor};

use burn::tensor::Device;
use faer::Mat;
use image::RgbImage;
use native_trainer::eval::fid::{self, Features, Statistics};
use native_trainer::eval::inception::FidInceptionConfig;
use native_trainer::eval::kid::{self, KidOptions};
use native_trainer::eval::{EvalOptions, Evaluator, images, weights};

/// The pattern images of `make_fixture.py`, same integer formulas.
fn pattern(kind: u32, height: u32, width: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        image::Rgb(std::array::from_fn(|c| {
            let c = c as u32;
            let v = match kind {
                0 => (x * 37 + y * 91 + c * 53) ^ (x * y),
                1 => (x * x + 3 * y * y + 40 * c + (x / 7) * (y / 5) * 11) % 251,
                _ => ((x / 16 + y / 16) % 2) * 180 + (x + 2 * y + 60 * c) % 70,
            };
            (v & 255) as u8
        }))
    })
}

/// Largest difference relative to the reference's largest magnitude.
fn relative_error(ours: &[f32], reference: &[f32]) -> f32 {
    assert_eq!(ours.len(), reference.len());
    let scale = reference.iter().fold(0f32, |m, v| m.max(v.abs()));
    let diff = ours
        .iter()
        .zip(reference)
        .fold(0f32, |m, (a, b)| m.max((a - b).abs()));
    diff / scale
}

#[test]
fn narrowed_network_matches_the_numpy_reference() {
    let expected = fid_fixture();
    let extractor = tiny_fid_extractor();
    let images: Vec<RgbImage> = expected
        .images
        .iter()
        .map(|e| pattern(e.pattern, e.height, e.width))
        .collect();
    let rows = extractor.features_of_images(&images, 2).unwrap();
    assert_eq!(rows.len(), 3);
    for (row, e) in rows.iter().zip(&expected.images) {
        assert_eq!(row.len(), 2048 / expected.width_divisor);
        let error = relative_error(row, &e.features);
        println!(
            "pattern {} ({}×{}): relative error {error:.2e}",
            e.pattern, e.height, e.width
        );
        assert!(
            error < 1e-4,
            "pattern {}: relative error {error}",
            e.pattern
        );
    }
}

#[test]
fn folders_are_read_in_batches_and_bad_files_skipped() {
    let expected = fid_fixture();
    let dir = tempfile::tempdir().unwrap();
    for (i, e) in expected.images.iter().enumerate() {
        // Any format the trainer reads; lossless, so the features stay the fixture's.
        let (extension, format) = match i {
            1 => ("PNG", image::ImageFormat::Png),
            2 => ("webp", image::ImageFormat::WebP),
            _ => ("png", image::ImageFormat::Png),
        };
        pattern(e.pattern, e.height, e.width)
            .save_with_format(dir.path().join(format!("{i}_pattern.{extension}")), format)
            .unwrap();
    }
    std::fs::write(dir.path().join("3_broken.jpg"), b"not a jpeg").unwrap();
    std::fs::write(dir.path().join("notes.txt"), b"ignored").unwrap();
    std::fs::create_dir(dir.path().join("subfolder.png")).unwrap();

    let found = tiny_fid_extractor().features_of_dir(dir.path(), 2).unwrap();
    assert_eq!(found.features.len(), 3);
    assert_eq!(found.skipped.len(), 1);
    assert!(found.skipped[0].0.ends_with("3_broken.jpg"));
    for (i, e) in expected.images.iter().enumerate() {
        let row: Vec<f32> = (0..found.features.width())
            .map(|j| found.features.matrix[(i, j)] as f32)
            .collect();
        assert!(relative_error(&row, &e.features) < 1e-4);
    }
}

#[test]
fn folder_errors_are_readable() {
    let extractor = tiny_fid_extractor();
    let missing = extractor
        .features_of_dir(Path::new("/no/such/folder"), 4)
        .unwrap_err();
    assert!(missing.to_string().contains("does not exist"), "{missing}");

    let empty = tempfile::tempdir().unwrap();
    let none = extractor.features_of_dir(empty.path(), 4).unwrap_err();
    assert!(none.to_string().contains("holds no"), "{none}");

    std::fs::write(empty.path().join("a.png"), b"garbage").unwrap();
    let unreadable = extractor.features_of_dir(empty.path(), 4).unwrap_err();
    assert!(
        unreadable.to_string().contains("could be read"),
        "{unreadable}"
    );
}

#[test]
fn weights_errors_are_readable() {
    let device = Device::flex();
    // The narrowed file is not the real network.
    let error = weights::load(
        &fid_fixture_dir().join("tiny_weights.safetensors"),
        &FidInceptionConfig::new(),
        &device,
    )
    .unwrap_err();
    assert!(error.to_string().contains("does not hold"), "{error}");
    // Not a safetensors file at all.
    let error = weights::load(
        &fid_fixture_dir().join("expected.json"),
        &FidInceptionConfig::new(),
        &device,
    )
    .unwrap_err();
    assert!(error.to_string().contains("expected.json"), "{error}");
    // A --weights path that does not exist.
    let error = weights::locate(Some(Path::new("/no/such/weights.safetensors"))).unwrap_err();
    assert!(error.to_string().contains("--weights"), "{error}");
}

#[test]
fn resize_follows_the_reference_coordinates() {
    // 2×2 → 299×299: source coordinate dst · 2 / 299, the last row and column repeated.
    let image =
        RgbImage::from_raw(2, 2, vec![0, 0, 0, 255, 255, 255, 0, 0, 0, 255, 255, 255]).unwrap();
    let input = images::to_input(&image);
    let at = |x: usize| input[x] * 128.0 + 128.0;
    assert_eq!(at(0), 0.0);
    // dst 100 → source 0.6689: 0.6689 · 255.
    assert!(
        (at(100) - 255.0 * 200.0 / 299.0).abs() < 1e-3,
        "{}",
        at(100)
    );
    // Past source 1 the last column repeats.
    assert_eq!(at(298), 255.0);
    // Identity at 299×299.
    let same = pattern(1, 299, 299);
    let input = images::to_input(&same);
    assert_eq!(
        input[5 * 299 + 7] * 128.0 + 128.0,
        f32::from(same[(7, 5)][0])
    );
}

fn mat(rows: &[&[f64]]) -> Mat<f64> {
    Mat::from_fn(rows.len(), rows[0].len(), |i, j| rows[i][j])
}

fn max_diff(a: &Mat<f64>, b: &Mat<f64>) -> f64 {
    let mut m = 0f64;
    for i in 0..a.nrows() {
        for j in 0..a.ncols() {
            m = m.max((a[(i, j)] - b[(i, j)]).abs());
        }
    }
    m
}

#[test]
fn matrix_square_root_matches_hand_cases() {
    // [[5, 4], [4, 5]] = [[2, 1], [1, 2]]².
    let root = fid::sqrtm_psd(&mat(&[&[5.0, 4.0], &[4.0, 5.0]])).unwrap();
    assert!(max_diff(&root, &mat(&[&[2.0, 1.0], &[1.0, 2.0]])) < 1e-12);
    // R with eigenvalues 1, 2, 4: √(R²) = R.
    let r = mat(&[&[2.0, 1.0, 0.0], &[1.0, 3.0, 1.0], &[0.0, 1.0, 2.0]]);
    let root = fid::sqrtm_psd(&(&r * &r)).unwrap();
    assert!(max_diff(&root, &r) < 1e-12);
    // Singular: diag(9, 0).
    let root = fid::sqrtm_psd(&mat(&[&[9.0, 0.0], &[0.0, 0.0]])).unwrap();
    assert!(max_diff(&root, &mat(&[&[3.0, 0.0], &[0.0, 0.0]])) < 1e-12);
    // tr √(diag(4, 9) · diag(1, 4)) = 2 + 6.
    let trace = fid::trace_sqrt_product(
        &mat(&[&[4.0, 0.0], &[0.0, 9.0]]),
        &mat(&[&[1.0, 0.0], &[0.0, 4.0]]),
    )
    .unwrap();
    assert!((trace - 8.0).abs() < 1e-12, "{trace}");
    assert!(fid::sqrtm_psd(&Mat::<f64>::zeros(2, 3)).is_err());
}

/// Deterministic pseudo-random features: `n` rows of `d` values.
fn noise(n: usize, d: usize, seed: u64) -> Features {
    let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
    let rows: Vec<Vec<f32>> = (0..n)
        .map(|_| {
            (0..d)
                .map(|_| {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    ((state >> 33) as f64 / (1u64 << 31) as f64) as f32
                })
                .collect()
        })
        .collect();
    Features::from_rows(&rows).unwrap()
}

fn shifted(features: &Features, by: f64) -> Features {
    Features {
        matrix: Mat::from_fn(features.len(), features.width(), |i, j| {
            features.matrix[(i, j)] + by
        }),
    }
}

#[test]
fn fid_of_a_set_against_itself_is_zero_and_a_shift_costs_its_square() {
    // More dimensions than images: rank-deficient covariances, as with small test sets.
    // What is left is the square roots of rounding-level eigenvalues: ~1e-8 of the trace (≈ 5).
    let a = noise(40, 64, 1);
    let same = fid::fid(&a, &a).unwrap();
    assert!(same.abs() < 1e-6, "{same}");
    // Same covariance, mean moved by 0.5 on each of 64 axes: 64 · 0.25.
    let moved = fid::fid(&a, &shifted(&a, 0.5)).unwrap();
    assert!((moved - 16.0).abs() < 1e-6, "{moved}");
    // Independent draws of one distribution are close; symmetric in its arguments.
    let (x, y) = (noise(200, 8, 2), noise(200, 8, 3));
    let (xy, yx) = (fid::fid(&x, &y).unwrap(), fid::fid(&y, &x).unwrap());
    assert!(
        xy > 0.0 && xy < 0.05 && (xy - yx).abs() < 1e-12,
        "{xy} {yx}"
    );
    // Unbiased covariance, as numpy.cov: rows 0 and 2 on one axis → variance 2.
    let two = Features::from_rows(&[vec![0.0], vec![2.0]]).unwrap();
    let stats = Statistics::of(&two).unwrap();
    assert_eq!((stats.mean[(0, 0)], stats.covariance[(0, 0)]), (1.0, 2.0));
    assert!(fid::fid(&noise(1, 4, 0), &a).is_err());
}

#[test]
fn kid_matches_a_hand_case_and_behaves() {
    // x = {0, 1}, y = {1, 2}, d = 1, k = (ab + 1)³:
    // within x: 2·1 / 2 = 1; within y: 2·27 / 2 = 27; across: 2·(1 + 1 + 8 + 27) / 4 = 18.5.
    let x = mat(&[&[0.0], &[1.0]]);
    let y = mat(&[&[1.0], &[2.0]]);
    assert!((kid::mmd2_unbiased(&x, &y) - 9.5).abs() < 1e-12);

    let options = KidOptions {
        subsets: 20,
        subset_size: 1000,
        seed: 7,
    };
    let (a, b) = (noise(60, 16, 4), noise(50, 16, 5));
    let same = kid::kid(&a, &b, &options).unwrap();
    assert_eq!((same.subset_size, same.subsets), (50, 20));
    assert!(same.mean.abs() < 0.01 && same.std > 0.0, "{same:?}");
    let far = kid::kid(&a, &shifted(&b, 0.5), &options).unwrap();
    assert!(far.mean > 10.0 * same.mean.abs().max(1e-4), "{far:?}");
    // Seeded: the same draws again.
    assert_eq!(kid::kid(&a, &b, &options).unwrap(), same);
    assert!(kid::kid(&noise(1, 16, 0), &b, &options).is_err());
}

#[test]
fn evaluator_reports_fid_kid_and_counts() {
    let expected = fid_fixture();
    let (real, fake) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for (i, e) in expected.images.iter().enumerate() {
        let image = pattern(e.pattern, e.height, e.width);
        image.save(real.path().join(format!("{i}.png"))).unwrap();
        image.save(fake.path().join(format!("{i}.png"))).unwrap();
    }
    std::fs::write(fake.path().join("broken.png"), b"x").unwrap();
    let options = EvalOptions {
        batch_size: 2,
        ..EvalOptions::default()
    };
    let evaluator = Evaluator::with_extractor(tiny_fid_extractor(), &options);
    let report = evaluator.evaluate_dirs(real.path(), fake.path()).unwrap();
    assert_eq!((report.real.images, report.real.skipped), (3, 0));
    assert_eq!((report.fake.images, report.fake.skipped), (3, 1));
    assert_eq!((report.kid_subset_size, report.kid_subsets), (3, 100));
    // Features of up to ~10 over 128 axes: rounding leaves ~1e-5.
    assert!(report.fid.abs() < 1e-3, "{report:?}");
    let line = serde_json::to_value(&report).unwrap();
    for key in ["fid", "kid_mean", "kid_std", "real", "fake"] {
        assert!(line.get(key).is_some(), "{line}");
    }
}

#[test]
fn a_test_split_is_scored_both_ways_with_the_untranslated_baseline() {
    let sizes = [(40, 48), (48, 40), (56, 56), (64, 48)];
    let folder = |kind: u32| {
        let dir = tempfile::tempdir().unwrap();
        for (i, (h, w)) in sizes.iter().enumerate() {
            let path = dir.path().join(format!("{i}.png"));
            pattern(kind, *h, *w).save(path).unwrap();
        }
        dir
    };
    let (test_a, test_b) = (folder(0), folder(2));
    // A model that turns every A into a perfect B, and leaves every B a B.
    let (fake_a, fake_b) = (folder(2), folder(2));
    let options = EvalOptions {
        batch_size: 3,
        ..EvalOptions::default()
    };
    let evaluator = Evaluator::with_extractor(tiny_fid_extractor(), &options);
    let scores = evaluator
        .evaluate_split(
            [test_a.path(), test_b.path()],
            [fake_a.path(), fake_b.path()],
        )
        .unwrap();
    assert_eq!(scores.baseline.real.dir, test_b.path());
    assert_eq!(scores.baseline.fake.dir, test_a.path());
    assert_eq!(scores.a_to_b.fake.dir, fake_b.path());
    assert_eq!(scores.b_to_a.real.dir, test_a.path());
    assert!(scores.baseline.fid > 1.0, "{scores:?}");
    assert!(scores.a_to_b.fid.abs() < 1e-3, "{scores:?}");
    let relative = (scores.b_to_a.fid - scores.baseline.fid).abs() / scores.baseline.fid;
    assert!(relative < 1e-6, "{scores:?}");
    assert!(
        scores.a_to_b.kid_mean < scores.baseline.kid_mean,
        "{scores:?}"
    );
    for report in [&scores.a_to_b, &scores.b_to_a, &scores.baseline] {
        assert_eq!((report.real.images, report.fake.images), (4, 4));
    }
    let json = serde_json::to_value(&scores).unwrap();
    for key in ["a_to_b", "b_to_a", "baseline"] {
        assert!(json[key]["fid"].is_f64(), "{json}");
    }
}
