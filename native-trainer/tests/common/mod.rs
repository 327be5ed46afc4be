//! Synthetic unpaired data for the trainer's tests: the same kinds of shapes, red on grey in
//! domain A and blue on grey in domain B; and what several tests share (loading an exported web
//! model, comparing outputs).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use burn::tensor::Device;
use clap::Parser;
use image::{Rgb, RgbImage};
use native_trainer::train::options::TrainArgs;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use unpaired::{Direction, Model, ModelManifest};

pub const GREY: [u8; 3] = [128, 128, 128];
pub const RED: [u8; 3] = [220, 40, 40];
pub const BLUE: [u8; 3] = [40, 40, 220];

/// A `size`² grey image with one to two filled rectangles or discs of `color`.
pub fn shapes(size: u32, color: [u8; 3], rng: &mut StdRng) -> RgbImage {
    let mut image = RgbImage::from_pixel(size, size, Rgb(GREY));
    for _ in 0..rng.random_range(1..=2) {
        let r = rng.random_range(size / 8..=size / 4) as i32;
        let cx = rng.random_range(r..size as i32 - r);
        let cy = rng.random_range(r..size as i32 - r);
        let disc = rng.random::<bool>();
        for y in 0..size as i32 {
            for x in 0..size as i32 {
                let inside = if disc {
                    (x - cx).pow(2) + (y - cy).pow(2) <= r * r
                } else {
                    (x - cx).abs() <= r && (y - cy).abs() <= r
                };
                if inside {
                    image.put_pixel(x as u32, y as u32, Rgb(color));
                }
            }
        }
    }
    image
}

/// Writes `count` images of each domain into `root/{phase}A` and `root/{phase}B`.
pub fn write_domains(root: &Path, phase: &str, count: usize, size: u32, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    for (domain, color) in [("A", RED), ("B", BLUE)] {
        let dir = root.join(format!("{phase}{domain}"));
        std::fs::create_dir_all(&dir).unwrap();
        for i in 0..count {
            shapes(size, color, &mut rng)
                .save(dir.join(format!("{i:03}.png")))
                .unwrap();
        }
    }
}

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    train: TrainArgs,
}

/// `train` options parsed from a command line, as a user would type them.
pub fn train_args(args: &[&str]) -> TrainArgs {
    let mut argv = vec!["train"];
    argv.extend_from_slice(args);
    Cli::try_parse_from(argv).expect("valid options").train
}

/// A path as an option value.
pub fn arg(path: &Path) -> String {
    path.display().to_string()
}

/// `dir/name`.
pub fn join(dir: &Path, name: &str) -> PathBuf {
    dir.join(name)
}

/// Loads an exported web model the way the browser crate does: manifest, checksums, burnpack.
pub fn load_web_model(dir: &Path) -> Model {
    let manifest =
        ModelManifest::from_json(&std::fs::read_to_string(dir.join("manifest.json")).unwrap())
            .unwrap();
    let read = |d: Direction| {
        manifest
            .weights(d)
            .ok()
            .map(|w| std::fs::read(dir.join(&w.file)).unwrap())
    };
    let (a, b) = (read(Direction::AToB), read(Direction::BToA));
    Model::load(manifest, a, b, &Device::flex()).expect("the exported model loads")
}

/// Held by every test that initialises networks: `--seed` seeds burn's device random generator,
/// which is one per process, so two trainings initialising at once in one test binary would draw
/// from each other's sequence.
pub fn one_training_at_a_time() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A file of the PyTorch fixture (`tests/fixtures/pytorch`, made by its `make_fixture.py`).
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/pytorch")
        .join(name)
}

/// A fixture's expected output: little-endian f32 values (planar CHW in [-1, 1]).
pub fn expected(name: &str) -> Vec<f32> {
    std::fs::read(fixture(name))
        .unwrap()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
        .collect()
}

/// The largest |a − b| over two outputs of the same size.
pub fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// The FID network's test fixture (`tests/fixtures/fid`, made by its `make_fixture.py`): a 16×
/// narrower Inception-v3 with random weights (`tiny_weights.safetensors`) and, in
/// `expected.json`, its numpy features for three pattern images.
pub fn fid_fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fid")
}

/// `expected.json` of the FID fixture.
#[derive(serde::Deserialize)]
pub struct FidFixture {
    /// How many times narrower than the real network.
    pub width_divisor: usize,
    /// The reference features of each pattern image.
    pub images: Vec<FidFixtureImage>,
}

/// One pattern image of the FID fixture and its reference features.
#[derive(serde::Deserialize)]
pub struct FidFixtureImage {
    /// Which of `make_fixture.py`'s patterns.
    pub pattern: u32,
    /// Its height.
    pub height: u32,
    /// Its width.
    pub width: u32,
    /// The numpy forward pass's pool features.
    pub features: Vec<f32>,
}

/// The FID fixture's `expected.json`.
pub fn fid_fixture() -> FidFixture {
    let text = std::fs::read_to_string(fid_fixture_dir().join("expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The FID fixture's network, so FID/KID code paths run without the real weights.
pub fn tiny_fid_extractor() -> native_trainer::eval::FeatureExtractor {
    use native_trainer::eval::{FeatureExtractor, inception::FidInceptionConfig, weights};
    let device = Device::flex();
    let config = FidInceptionConfig::new().with_width_divisor(fid_fixture().width_divisor);
    let weights_file = fid_fixture_dir().join("tiny_weights.safetensors");
    let network = weights::load(&weights_file, &config, &device).unwrap();
    FeatureExtractor::new(network, &device)
}
