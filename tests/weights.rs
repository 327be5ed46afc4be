//! Weights files: round trips in f32 and f16, and a clear error for every kind of bad file.
#![cfg(not(target_family = "wasm"))]

use burn::module::Module;
use burn::tensor::Device;
use unpaired::manifest::{ManifestError, ModelManifest, WeightsFile};
use unpaired::weights::{self, WeightsError};
use unpaired::{
    PatchDiscriminatorConfig, Precision, ResnetGenerator, ResnetGeneratorConfig, Translator,
};

fn config() -> ResnetGeneratorConfig {
    ResnetGeneratorConfig::new().with_ngf(8).with_n_blocks(2)
}

fn params(module: &ResnetGenerator) -> Vec<f32> {
    use burn::store::ModuleSnapshot;
    module
        .collect(None, None, false)
        .iter()
        .flat_map(|t| {
            let data = burn::store::bridge::to_data(t).unwrap();
            data.convert::<f32>().try_into_vec::<f32>().unwrap()
        })
        .collect()
}

#[test]
fn f32_weights_load_back_exactly() {
    let device = Device::flex();
    let original = config().init(&device);
    let bytes = weights::to_bytes(&original, Precision::F32).unwrap();
    let loaded = weights::load_into(config().init(&device), bytes).unwrap();
    assert_eq!(params(&original), params(&loaded));
}

#[test]
fn f16_weights_are_half_the_size_and_close() {
    let device = Device::flex();
    let original = config().init(&device);
    let full = weights::to_bytes(&original, Precision::F32).unwrap();
    let half = weights::to_bytes(&original, Precision::F16).unwrap();
    assert!(
        half.len() * 10 < full.len() * 6,
        "f16 {} vs f32 {} bytes",
        half.len(),
        full.len()
    );
    let loaded = weights::load_into(config().init(&device), half).unwrap();
    for (a, b) in params(&original).iter().zip(params(&loaded)) {
        // f16 keeps 11 significant bits: relative error ≤ 2^-11, plus subnormal steps near 0.
        assert!((a - b).abs() <= a.abs() * 4.9e-4 + 6e-8, "{a} became {b}");
    }
}

fn generator_bytes() -> Vec<u8> {
    weights::to_bytes(&config().init(&Device::flex()), Precision::F32).unwrap()
}

#[test]
fn bad_files_are_named_errors() {
    let device = Device::flex();
    let load = |bytes: Vec<u8>| weights::load_into(config().init(&device), bytes).unwrap_err();

    let err = load(b"<!DOCTYPE html><html>404 Not Found</html>".to_vec());
    assert!(matches!(err, WeightsError::NotBurnpack(_)), "{err}");

    let err = load(Vec::new());
    assert!(
        matches!(
            err,
            WeightsError::Truncated(_) | WeightsError::NotBurnpack(_)
        ),
        "{err}"
    );

    let bytes = generator_bytes();
    for cut in [bytes.len() / 2, bytes.len() - 1, 40] {
        let err = load(bytes[..cut].to_vec());
        assert!(
            matches!(err, WeightsError::Truncated(_)),
            "cut at {cut}: {err}"
        );
    }

    let wider = weights::to_bytes(&config().with_ngf(16).init(&device), Precision::F32).unwrap();
    let err = load(wider);
    assert!(matches!(err, WeightsError::WrongConfig { .. }), "{err}");
    assert!(err.to_string().contains("\"ngf\":16"), "{err}");

    let d = PatchDiscriminatorConfig::new().with_ndf(8).init(&device);
    let err = load(weights::to_bytes(&d, Precision::F32).unwrap());
    assert!(matches!(err, WeightsError::WrongNetwork { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "weights file holds a patch discriminator, not a resnet generator"
    );
}

fn manifest(bytes: &[u8]) -> ModelManifest {
    ModelManifest {
        format: 1,
        name: "test".into(),
        domain_a: "horse".into(),
        domain_b: "zebra".into(),
        ngf: 8,
        n_blocks: 2,
        norm_affine: false,
        train_size: 64,
        precision: Precision::F32,
        a_to_b: Some(WeightsFile::describe("a_to_b.bpk", bytes)),
        b_to_a: None,
        description: None,
        card: None,
    }
}

#[test]
fn manifests_round_trip_and_check_their_files() {
    let bytes = generator_bytes();
    let m = manifest(&bytes);
    assert_eq!(ModelManifest::from_json(&m.to_json()).unwrap(), m);
    assert_eq!(m.directions(), vec![unpaired::Direction::AToB]);

    let mut translator = Translator::new(Device::flex(), "cpu");
    translator
        .load_model(m.clone(), Some(bytes.clone()), None)
        .unwrap();

    let mut damaged = bytes.clone();
    damaged[bytes.len() / 2] ^= 1;
    let err = translator
        .load_model(m.clone(), Some(damaged), None)
        .unwrap_err();
    assert!(err.to_string().contains("damaged or incomplete"), "{err}");
    assert!(
        translator.model().is_some(),
        "a failed load keeps the previous model"
    );

    let err = translator.load_model(m.clone(), None, None).unwrap_err();
    assert!(err.to_string().contains("not provided"), "{err}");
}

#[test]
fn bad_manifests_are_named_errors() {
    assert!(matches!(
        ModelManifest::from_json("not json"),
        Err(ManifestError::Invalid(_))
    ));
    assert!(matches!(
        ModelManifest::from_json("{\"format\": 1}"),
        Err(ManifestError::Invalid(_))
    ));
    let mut m = manifest(b"");
    m.format = 7;
    assert_eq!(
        ModelManifest::from_json(&m.to_json()),
        Err(ManifestError::UnsupportedFormat(7))
    );
    let mut m = manifest(b"");
    m.a_to_b = None;
    assert!(matches!(
        ModelManifest::from_json(&m.to_json()),
        Err(ManifestError::NoDirections(_))
    ));
    let mut m = manifest(b"");
    m.ngf = 0;
    assert!(matches!(
        ModelManifest::from_json(&m.to_json()),
        Err(ManifestError::BadGenerator { .. })
    ));
    for file in ["../other/a_to_b.bpk", "https://elsewhere.example/a.bpk", ""] {
        let mut m = manifest(b"");
        m.a_to_b.as_mut().unwrap().file = file.into();
        assert_eq!(
            ModelManifest::from_json(&m.to_json()),
            Err(ManifestError::BadWeightsFile(file.into())),
            "weights must be a file beside the manifest"
        );
    }
    for card in [
        "../secrets.md",
        "/etc/passwd",
        "cards/a.md",
        ".hidden.md",
        "",
    ] {
        let mut m = manifest(b"");
        m.card = Some(card.into());
        assert_eq!(
            ModelManifest::from_json(&m.to_json()),
            Err(ManifestError::BadCard(card.into())),
            "the card must be a file beside the manifest"
        );
    }
    let mut m = manifest(b"");
    m.card = Some("MODEL_CARD.md".into());
    assert_eq!(ModelManifest::from_json(&m.to_json()).unwrap(), m);
}

#[test]
fn parameter_count_survives_save_and_load() {
    let device = Device::flex();
    let g = ResnetGeneratorConfig::new()
        .with_ngf(16)
        .with_n_blocks(6)
        .init(&device);
    let bytes = weights::to_bytes(&g, Precision::F16).unwrap();
    let loaded = weights::load_into(
        ResnetGeneratorConfig::new()
            .with_ngf(16)
            .with_n_blocks(6)
            .init(&device),
        bytes,
    )
    .unwrap();
    assert_eq!(loaded.num_params(), g.num_params());
}

#[test]
fn files_without_our_metadata_still_get_named_shape_errors() {
    use burn::store::{BurnpackStore, ModuleSnapshot};
    let device = Device::flex();
    // A burnpack written by plain burn code (no Unpaired metadata) for a wider generator.
    let mut store = BurnpackStore::from_bytes(None).clear_metadata();
    config()
        .with_ngf(16)
        .init(&device)
        .save_into(&mut store)
        .unwrap();
    let bytes = store.get_bytes().unwrap().to_vec();
    let err = weights::load_into(config().init(&device), bytes).unwrap_err();
    assert!(matches!(err, WeightsError::Mismatch(_)), "{err}");
    assert!(
        err.to_string().contains("stem.weight"),
        "names the tensor: {err}"
    );
}

#[test]
fn precision_names_are_the_manifests_spelling() {
    for precision in [Precision::F32, Precision::F16] {
        let json = serde_json::to_string(&precision).unwrap();
        assert_eq!(json, format!("\"{}\"", precision.as_str()));
    }
}
