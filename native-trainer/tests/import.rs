//! Importing reference PyTorch checkpoints: numerical parity with PyTorch on the fixtures made by
//! `tests/fixtures/pytorch/make_fixture.py`, the variants real checkpoints come in, explained
//! errors for files that are not CycleGAN generators, and the export the web app loads.

mod common;

use std::path::Path;

use burn::tensor::Device;
use common::{expected, fixture, max_diff};
use native_trainer::export::ModelIndex;
use native_trainer::import::{ImportArgs, PrecisionArg};
use native_trainer::pytorch::{self, Contents};
use unpaired::{
    Direction, Model, ModelManifest, ResnetGenerator, ResnetGeneratorConfig, Translator,
};

fn tiny() -> ResnetGeneratorConfig {
    ResnetGeneratorConfig::new().with_ngf(8).with_n_blocks(2)
}

/// Runs a generator through the translator (normalisation, padding, readback) on the fixture input.
fn translate(generator: ResnetGenerator) -> Vec<f32> {
    let manifest = ModelManifest::from_json(
        r#"{"format":1,"name":"t","domain_a":"a","domain_b":"b","ngf":8,"n_blocks":2,"train_size":64,
            "a_to_b":{"file":"-","sha256":"-","bytes":0}}"#,
    )
    .unwrap();
    let mut translator = Translator::new(Device::flex(), "cpu");
    translator.set_model(Model::from_generators(manifest, Some(generator), None));
    let input = image::open(fixture("input.png")).unwrap().to_rgba8();
    let planar = translator
        .start(input, Direction::AToB)
        .unwrap()
        .into_planar("cpu")
        .unwrap();
    planar.values
}

#[test]
fn reference_checkpoint_matches_pytorch_output() {
    let generator = pytorch::load_generator(&fixture("tiny_G.pth"), &tiny()).unwrap();
    let diff = max_diff(&translate(generator), &expected("expected_G.f32"));
    eprintln!("tiny_G.pth: max |Δ| to PyTorch = {diff:e}");
    assert!(diff <= 1e-4, "max |Δ| to PyTorch {diff}");
}

#[test]
fn wrapped_checkpoints_with_running_stats_import_the_same() {
    let checkpoint = pytorch::read_checkpoint(&fixture("tiny_G_wrapped_old.pth")).unwrap();
    assert_eq!(checkpoint.prefix, "state_dict.");
    assert!(checkpoint.tensors.contains_key("model.2.running_mean"));
    let generator = pytorch::load_generator(&fixture("tiny_G_wrapped_old.pth"), &tiny()).unwrap();
    let diff = max_diff(&translate(generator), &expected("expected_G.f32"));
    assert!(diff <= 1e-4, "max |Δ| to PyTorch {diff}");
}

#[test]
fn legacy_format_checkpoint_matches_pytorch_output() {
    // tiny_G.pth in the format before PyTorch 1.6 (the published CycleGAN models'), written by
    // make_legacy.py without torch: burn-store's reader and PyTorch's output agree with it.
    let generator = pytorch::load_generator(&fixture("tiny_G_legacy.pth"), &tiny()).unwrap();
    let diff = max_diff(&translate(generator), &expected("expected_G.f32"));
    assert!(diff <= 1e-4, "max |Δ| to PyTorch {diff}");
}

#[test]
fn affine_norm_variant_with_block_names_matches_pytorch() {
    let checkpoint = pytorch::read_checkpoint(&fixture("tiny_G_affine_block.pth")).unwrap();
    assert_eq!(
        checkpoint.contents(),
        Contents::ResnetGenerator {
            ngf: 8,
            n_blocks: 2,
            block_name: "block".into(),
            norm_affine: true
        }
    );
    let generator = pytorch::load_generator(&fixture("tiny_G_affine_block.pth"), &tiny()).unwrap();
    assert!(generator.config().norm_affine);
    let diff = max_diff(
        &translate(generator),
        &expected("expected_G_affine_block.f32"),
    );
    assert!(diff <= 1e-4, "max |Δ| to PyTorch {diff}");
}

fn import_error(file: &str, config: &ResnetGeneratorConfig) -> String {
    format!(
        "{:#}",
        pytorch::load_generator(&fixture(file), config).unwrap_err()
    )
}

#[test]
fn wrong_architecture_is_explained() {
    let err = import_error("tiny_G.pth", &tiny().with_ngf(16));
    assert!(
        err.contains("holds a ResNet generator with ngf 8 and 2 residual blocks"),
        "{err}"
    );
    assert!(
        err.contains("model.1.weight: expected [16, 3, 7, 7], the file has [8, 3, 7, 7]"),
        "{err}"
    );

    let err = import_error("tiny_G.pth", &tiny().with_n_blocks(9));
    assert!(err.contains("--netG resnet_2blocks --ngf 8"), "{err}");
    assert!(
        err.contains("key(s) missing: model.12.conv_block.1.bias"),
        "{err}"
    );
    assert!(
        err.contains("4 key(s) unexpected: model.12.bias, model.12.weight"),
        "{err}"
    );

    let err = import_error("tiny_D.pth", &tiny());
    assert!(err.contains("PatchGAN discriminator (ndf 8)"), "{err}");
    let err = import_error("tiny_unet.pth", &tiny());
    assert!(err.contains("U-Net"), "{err}");
    let err = import_error("input.png", &tiny());
    assert!(err.contains("not a readable PyTorch checkpoint"), "{err}");
    let err = import_error("no-such-file.pth", &tiny());
    assert!(err.contains("does not exist"), "{err}");
}

fn import_args(out: &Path, from_b: Option<&str>) -> ImportArgs {
    ImportArgs {
        from: fixture("tiny_G.pth"),
        from_b: from_b.map(fixture),
        net_g: "resnet_2blocks".parse().unwrap(),
        ngf: 8,
        name: "tiny".into(),
        domain_a: "left".into(),
        domain_b: "right".into(),
        train_size: 64,
        precision: PrecisionArg::F32,
        out: Some(out.to_path_buf()),
        make_default: false,
    }
}

/// An exported model in a translator, loaded the way the browser crate loads it.
fn load_export(dir: &Path) -> Translator {
    let mut translator = Translator::new(Device::flex(), "cpu");
    translator.set_model(common::load_web_model(dir));
    translator
}

#[test]
fn single_direction_import_exports_a_web_model() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("tiny");
    let manifest = native_trainer::import::run(&import_args(&out, None)).unwrap();
    assert_eq!(manifest.directions(), vec![Direction::AToB]);

    let translator = load_export(&out);
    let input = image::open(fixture("input.png")).unwrap().to_rgba8();
    let values = translator
        .start(input.clone(), Direction::AToB)
        .unwrap()
        .into_planar("cpu")
        .unwrap()
        .values;
    assert!(max_diff(&values, &expected("expected_G.f32")) <= 1e-4);
    let err = translator
        .translate(input, Direction::BToA)
        .unwrap_err()
        .to_string();
    assert!(err.contains("no b_to_a generator"), "{err}");

    let index: ModelIndex =
        serde_json::from_str(&std::fs::read_to_string(root.path().join("index.json")).unwrap())
            .unwrap();
    assert_eq!(index.models.len(), 1);
    assert_eq!(index.models[0].path, "tiny/manifest.json");
    assert_eq!(index.models[0].directions, vec![Direction::AToB]);
}

#[test]
fn command_line_import_writes_both_directions_in_f16() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("pair");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_native-trainer"))
        .args(["import", "--from"])
        .arg(fixture("tiny_G.pth"))
        .arg("--from-b")
        .arg(fixture("tiny_G_wrapped_old.pth"))
        .args([
            "--netG",
            "resnet_2blocks",
            "--ngf",
            "8",
            "--name",
            "pair",
            "--out",
        ])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let translator = load_export(&out);
    let manifest = &translator.model().unwrap().manifest;
    assert_eq!(manifest.directions(), Direction::ALL.to_vec());
    assert_eq!(manifest.precision, unpaired::Precision::F16);
    let input = image::open(fixture("input.png")).unwrap().to_rgba8();
    for direction in Direction::ALL {
        let values = translator
            .start(input.clone(), direction)
            .unwrap()
            .into_planar("cpu")
            .unwrap()
            .values;
        // f16 weights: ~3 significant digits per weight, through 13 layers.
        let diff = max_diff(&values, &expected("expected_G.f32"));
        assert!(diff <= 2e-2, "{direction:?}: max |Δ| {diff}");
    }

    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_native-trainer"))
        .args(["import", "--from"])
        .arg(fixture("tiny_D.pth"))
        .args(["--name", "d", "--out"])
        .arg(root.path().join("d"))
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("PatchGAN discriminator"), "{stderr}");
    assert!(
        !root.path().join("d").exists(),
        "nothing is written for a refused file"
    );
}

/// The export the browser tests load (`tests/fixtures/pytorch/web/`) is `import`'s output for
/// `tiny_G.pth` and still matches PyTorch. (Burnpack files carry random parameter ids, so fresh
/// exports differ byte for byte.) `UNPAIRED_BLESS=1 cargo test -p native-trainer --test import`
/// rewrites it after a change to the export format.
#[test]
fn committed_web_export_matches_pytorch() {
    let committed = fixture("web");
    if std::env::var_os("UNPAIRED_BLESS").is_some() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("tiny");
        native_trainer::import::run(&import_args(&out, None)).unwrap();
        std::fs::create_dir_all(&committed).unwrap();
        for file in ["manifest.json", "a_to_b.bpk"] {
            std::fs::copy(out.join(file), committed.join(file)).unwrap();
        }
    }
    let translator = load_export(&committed);
    assert_eq!(
        translator.model().unwrap().manifest.directions(),
        vec![Direction::AToB]
    );
    let input = image::open(fixture("input.png")).unwrap().to_rgba8();
    let values = translator
        .start(input, Direction::AToB)
        .unwrap()
        .into_planar("cpu")
        .unwrap()
        .values;
    let diff = max_diff(&values, &expected("expected_G.f32"));
    assert!(diff <= 1e-4, "max |Δ| to PyTorch {diff}");
}
