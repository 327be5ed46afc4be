//! Pixels ↔ tensors: exact round trips, padding to multiples of 4, output at the input's size,
//! scaling down large photos, and errors for unusable buffers.
#![cfg(not(target_family = "wasm"))]

use burn::tensor::Device;
use image::{Rgba, RgbaImage};
use unpaired::image_io::{self, ImageError};
use unpaired::manifest::{Direction, ModelManifest, WeightsFile};
use unpaired::{Model, ResnetGeneratorConfig, Translator};

fn pattern(width: u32, height: u32) -> RgbaImage {
    RgbaImage::from_fn(width, height, |x, y| {
        Rgba([
            (x * 7 % 256) as u8,
            (y * 13 % 256) as u8,
            ((x + y) * 3 % 256) as u8,
            (x % 200) as u8 + 50,
        ])
    })
}

#[test]
fn pixels_survive_the_round_trip_through_a_tensor() {
    let image = pattern(40, 24);
    let tensor = image_io::to_tensor(&image, &Device::flex()).unwrap();
    assert_eq!(tensor.dims(), [1, 3, 24, 40]);
    let values: Vec<f32> = tensor.into_data().try_into_vec().unwrap();
    assert!(values.iter().all(|v| (-1.0..=1.0).contains(v)));
    let back = image_io::from_planar(&values, 40, 24, Some(&image));
    assert_eq!(
        back, image,
        "every level and the alpha channel come back unchanged"
    );
}

#[test]
fn sizes_are_reflect_padded_to_multiples_of_four() {
    let image = pattern(37, 21);
    let tensor = image_io::to_tensor(&image, &Device::flex()).unwrap();
    assert_eq!(tensor.dims(), [1, 3, 24, 40]);
    // Reflection: column 37 mirrors column 35, row 21 mirrors row 19.
    let data: Vec<f32> = tensor.into_data().try_into_vec().unwrap();
    let at = |c: usize, y: usize, x: usize| data[c * 24 * 40 + y * 40 + x];
    assert_eq!(at(0, 3, 37), at(0, 3, 35));
    assert_eq!(at(1, 21, 5), at(1, 19, 5));
}

fn tiny_translator() -> Translator {
    let device = Device::flex();
    let generator = ResnetGeneratorConfig::new()
        .with_ngf(4)
        .with_n_blocks(1)
        .init(&device);
    let manifest = ModelManifest {
        format: 1,
        name: "tiny".into(),
        domain_a: "a".into(),
        domain_b: "b".into(),
        ngf: 4,
        n_blocks: 1,
        norm_affine: false,
        train_size: 64,
        precision: Default::default(),
        a_to_b: Some(WeightsFile::describe("a.bpk", b"")),
        b_to_a: None,
        description: None,
        card: None,
    };
    let mut translator = Translator::new(device, "cpu");
    translator.set_model(Model::from_generators(manifest, Some(generator), None));
    translator
}

#[test]
fn translations_come_back_at_the_input_size_with_its_alpha() {
    let translator = tiny_translator();
    for (w, h) in [(37, 21), (8, 8), (64, 48), (33, 90)] {
        let input = pattern(w, h);
        let output = translator
            .translate(input.clone(), Direction::AToB)
            .unwrap();
        assert_eq!(output.dimensions(), (w, h));
        assert!(
            output
                .pixels()
                .zip(input.pixels())
                .all(|(o, i)| o[3] == i[3])
        );
    }
}

#[test]
fn large_photos_are_scaled_down_to_the_maximum_side() {
    let mut translator = tiny_translator();
    translator.set_max_side(64).unwrap();
    let output = translator
        .translate(pattern(300, 200), Direction::AToB)
        .unwrap();
    assert_eq!(output.dimensions(), (64, 43));
    let portrait = image_io::fit_within(pattern(120, 600), 100).unwrap();
    assert_eq!(portrait.dimensions(), (20, 100));
    let small = image_io::fit_within(pattern(50, 30), 100).unwrap();
    assert_eq!(
        small.dimensions(),
        (50, 30),
        "images that fit are left alone"
    );
}

#[test]
fn unusable_images_are_errors_not_panics() {
    let translator = tiny_translator();
    let err = translator
        .translate(pattern(7, 30), Direction::AToB)
        .unwrap_err();
    assert!(err.to_string().contains("smallest size"), "{err}");
    let err = translator
        .translate(pattern(30, 30), Direction::BToA)
        .unwrap_err();
    assert!(err.to_string().contains("no b_to_a generator"), "{err}");
    assert_eq!(
        image_io::rgba_from_bytes(4, 4, vec![0; 10]).unwrap_err(),
        ImageError::BufferSize {
            width: 4,
            height: 4,
            expected: 64,
            actual: 10
        }
    );
    assert!(tiny_translator().set_max_side(4).is_err());
    let empty = Translator::new(Device::flex(), "cpu");
    assert!(
        empty
            .translate(pattern(16, 16), Direction::AToB)
            .unwrap_err()
            .to_string()
            .contains("no model")
    );
}
