//! The fixture the browser tests compare against (`tests/fixtures/tiny/`): a small two-way model
//! (ngf 8, 2 blocks, f16), an odd-sized input and the native Flex translation of it in both
//! directions. This test proves the committed expected outputs are what the native code computes
//! today; `UNPAIRED_BLESS=1 cargo test --test fixture` rewrites them (and creates the model and
//! input when they are missing) after a deliberate change to the networks.
#![cfg(not(target_family = "wasm"))]

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use image::{Rgba, RgbaImage};
use unpaired::manifest::{ModelManifest, WeightsFile};
use unpaired::{Direction, Precision, ResnetGeneratorConfig, Translator, weights};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny")
}

fn blessing() -> bool {
    std::env::var_os("UNPAIRED_BLESS").is_some()
}

/// A 45×38 picture with smooth gradients, a disc and a hard edge: odd sizes exercise the padding.
fn make_input() -> RgbaImage {
    RgbaImage::from_fn(45, 38, |x, y| {
        let (fx, fy) = (x as f32 / 44.0, y as f32 / 37.0);
        let disc = ((fx - 0.6).powi(2) + (fy - 0.4).powi(2)).sqrt() < 0.25;
        let r = if disc { 230.0 } else { 40.0 + 180.0 * fx };
        let g = if x > 30 { 200.0 } else { 60.0 + 120.0 * fy };
        let b = 255.0 * (1.0 - fx) * fy;
        Rgba([r as u8, g as u8, b as u8, 255])
    })
}

fn create_model(dir: &Path) {
    let device = Device::flex();
    device.seed(20171022);
    let config = ResnetGeneratorConfig::new().with_ngf(8).with_n_blocks(2);
    let mut files = Vec::new();
    for direction in Direction::ALL {
        let bytes = weights::to_bytes(&config.init(&device), Precision::F16).unwrap();
        let name = format!("{}.bpk", direction.as_str());
        std::fs::write(dir.join(&name), &bytes).unwrap();
        files.push(WeightsFile::describe(name, &bytes));
    }
    let manifest = ModelManifest {
        format: 1,
        name: "tiny-test".into(),
        domain_a: "left".into(),
        domain_b: "right".into(),
        ngf: 8,
        n_blocks: 2,
        norm_affine: false,
        train_size: 64,
        precision: Precision::F16,
        b_to_a: files.pop(),
        a_to_b: files.pop(),
        description: Some("Random weights, for tests only.".into()),
        card: None,
    };
    std::fs::write(dir.join("manifest.json"), manifest.to_json()).unwrap();
}

fn read_f32(path: &Path) -> Vec<f32> {
    std::fs::read(path)
        .unwrap_or_else(|e| {
            panic!(
                "{}: {e}; run with UNPAIRED_BLESS=1 to create it",
                path.display()
            )
        })
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
        .collect()
}

#[test]
fn committed_expected_outputs_are_the_native_translation() {
    let dir = dir();
    if blessing() {
        std::fs::create_dir_all(&dir).unwrap();
        if !dir.join("manifest.json").exists() {
            create_model(&dir);
        }
        if !dir.join("input.png").exists() {
            make_input().save(dir.join("input.png")).unwrap();
        }
    }
    let manifest = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
    let read = |name: &str| std::fs::read(dir.join(name)).ok();
    let mut translator = Translator::new(Device::flex(), "cpu");
    translator
        .load_model(
            ModelManifest::from_json(&manifest).unwrap(),
            read("a_to_b.bpk"),
            read("b_to_a.bpk"),
        )
        .unwrap();
    let input = image::open(dir.join("input.png")).unwrap().to_rgba8();
    for direction in Direction::ALL {
        let planar = translator
            .start(input.clone(), direction)
            .unwrap()
            .into_planar("cpu")
            .unwrap();
        assert_eq!((planar.width, planar.height), (45, 38));
        let path = dir.join(format!("expected_{}.f32", direction.as_str()));
        if blessing() {
            let bytes: Vec<u8> = planar.values.iter().flat_map(|v| v.to_le_bytes()).collect();
            std::fs::write(&path, bytes).unwrap();
        }
        let expected = read_f32(&path);
        assert_eq!(expected.len(), planar.values.len());
        let max_diff = expected
            .iter()
            .zip(&planar.values)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        // The same code on the same kind of CPU: only summation order may differ.
        assert!(max_diff <= 1e-5, "{direction:?}: max |Δ| {max_diff}");
        // Random weights still give a picture, not a constant.
        let spread = planar.values.iter().fold(0f32, |m, v| m.max(v.abs()));
        assert!(spread > 0.01, "{direction:?}: output is flat");
    }
}
