//! The browser's CPU engine (`unpaired::cpu`) against burn's Flex backend on the trained model the
//! web app ships by default: the same translation within 1e-4 in both directions.
#![cfg(not(target_family = "wasm"))]

use std::path::Path;

use burn::tensor::Device;
use image::{Rgba, RgbaImage};
use unpaired::{Direction, ModelManifest, Translator};

fn translator(engine: bool) -> Translator {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("www/models/horse2zebra-small");
    let manifest = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
    let read = |name: &str| std::fs::read(dir.join(name)).ok();
    let mut translator = Translator::new(Device::flex(), "cpu");
    translator.set_cpu_engine(engine);
    assert_eq!(translator.cpu_engine(), engine);
    translator
        .load_model(
            ModelManifest::from_json(&manifest).unwrap(),
            read("a_to_b.bpk"),
            read("b_to_a.bpk"),
        )
        .unwrap();
    translator
}

/// A photo-like 130×98 picture (sizes not multiples of 4: padding and cropping are exercised).
fn picture() -> RgbaImage {
    RgbaImage::from_fn(130, 98, |x, y| {
        let (fx, fy) = (x as f32 / 129.0, y as f32 / 97.0);
        let body = ((fx - 0.5) / 0.3).powi(2) + ((fy - 0.55) / 0.2).powi(2) < 1.0;
        let stripes = ((x / 6) % 2) as f32 * 30.0;
        let r = if body {
            120.0 + stripes
        } else {
            70.0 + 60.0 * fy
        };
        let g = if body {
            80.0 + stripes
        } else {
            140.0 - 40.0 * fy
        };
        let b = if body { 50.0 } else { 200.0 * (1.0 - fy) };
        Rgba([r as u8, g as u8, b as u8, 255])
    })
}

#[test]
fn the_engine_translates_the_default_model_as_burn_does() {
    let (engine, reference) = (translator(true), translator(false));
    for direction in Direction::ALL {
        let ours = engine
            .start(picture(), direction)
            .unwrap()
            .into_planar("cpu")
            .unwrap();
        let expected = reference
            .start(picture(), direction)
            .unwrap()
            .into_planar("cpu")
            .unwrap();
        assert_eq!((ours.width, ours.height), (130, 98));
        let worst = ours
            .values
            .iter()
            .zip(&expected.values)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        assert!(worst < 1e-4, "{direction:?}: max |Δ| {worst}");
        let spread = ours.values.iter().fold(0f32, |m, v| m.max(v.abs()));
        assert!(spread > 0.1, "{direction:?}: output is flat");
    }
}
