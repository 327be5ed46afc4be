//! Optional: a real full-size checkpoint from the wild. PyPI's `vintagify==0.1.2` ships
//! `vintagify/resources/G_A2B_epoch33.pth` (45.6 MB): a ResNet-9, ngf 64, one direction (modern →
//! vintage photo), trained at 512 px, in the common variant with blocks named `block` and affine
//! InstanceNorm. Skipped with a message when the file is absent. To feed it:
//!
//! ```sh
//! pip download --no-deps -d target/vintagify vintagify==0.1.2
//! (cd target/vintagify && unzip -oq vintagify-0.1.2-py3-none-any.whl)
//! cargo test -p native-trainer --no-default-features --test vintagify -- --nocapture
//! ```
//!
//! or point `UNPAIRED_VINTAGIFY_PTH` at the file. The translated photo is written to
//! `target/vintagify/output.png` for a person to look at. If PyTorch's output for the same photo is
//! at `target/vintagify/torch_output.f32` (little-endian f32, 1×3×H×W, from vintagify's own
//! generator class or `tests/fixtures/pytorch/make_fixture.py`'s `ResnetGenerator(ngf=64,
//! n_blocks=9, affine=True, attr="block")`), the two are compared too.

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use native_trainer::pytorch::{self, Contents};
use unpaired::{Direction, Model, ModelManifest, ResnetGeneratorConfig, Translator};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn checkpoint_path() -> PathBuf {
    std::env::var_os("UNPAIRED_VINTAGIFY_PTH").map_or_else(
        || root().join("target/vintagify/vintagify/resources/G_A2B_epoch33.pth"),
        PathBuf::from,
    )
}

/// A real photo: the first horse of `../shared`'s test split when it is there, else the fixture.
fn photo() -> PathBuf {
    let shared = root().join("../shared/datasets/horse2zebra/testA/n02381460_1000.jpg");
    if shared.exists() {
        shared
    } else {
        root().join("tests/fixtures/pytorch/input.png")
    }
}

/// Pearson correlation of two equal-length series.
fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    cov / (va * vb).sqrt()
}

fn luminance(image: &image::RgbaImage) -> Vec<f64> {
    image
        .pixels()
        .map(|p| 0.299 * p[0] as f64 + 0.587 * p[1] as f64 + 0.114 * p[2] as f64)
        .collect()
}

#[test]
fn vintagify_checkpoint_imports_and_translates_a_photo() {
    let path = checkpoint_path();
    if !path.exists() {
        eprintln!(
            "skipped: {} is absent (see this test's header for the pip download that feeds it)",
            path.display()
        );
        return;
    }
    let checkpoint = pytorch::read_checkpoint(&path).unwrap();
    assert_eq!(
        checkpoint.contents(),
        Contents::ResnetGenerator {
            ngf: 64,
            n_blocks: 9,
            block_name: "block".into(),
            norm_affine: true
        }
    );
    let generator = pytorch::load_generator(&path, &ResnetGeneratorConfig::new()).unwrap();
    let manifest = ModelManifest::from_json(
        r#"{"format":1,"name":"vintagify","domain_a":"modern","domain_b":"vintage","ngf":64,
            "n_blocks":9,"norm_affine":true,"train_size":512,"a_to_b":{"file":"-","sha256":"-","bytes":0}}"#,
    )
    .unwrap();
    let mut translator = Translator::new(Device::flex(), "cpu");
    translator.set_model(Model::from_generators(manifest, Some(generator), None));
    let input = image::open(photo()).unwrap().to_rgba8();
    let started = std::time::Instant::now();
    let planar = translator
        .start(input.clone(), Direction::AToB)
        .unwrap()
        .into_planar("cpu")
        .unwrap();
    eprintln!(
        "translated {:?} in {:.1?}",
        input.dimensions(),
        started.elapsed()
    );
    let output = unpaired::translator::to_image(&planar, Some(&input));
    if let Ok(bytes) = std::fs::read(root().join("target/vintagify/torch_output.f32")) {
        let torch: Vec<f32> = bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
            .collect();
        assert_eq!(
            torch.len(),
            planar.values.len(),
            "PyTorch's output is for another photo size"
        );
        let diff = torch
            .iter()
            .zip(&planar.values)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        eprintln!("max |Δ| to PyTorch's output: {diff:e}");
        // f32 convolutions summed in another order through 11M parameters: measured 2.0e-5 on
        // the first horse of horse2zebra's testA (PyTorch 2.11 CPU vs Flex).
        assert!(diff <= 1e-4, "max |Δ| to PyTorch {diff}");
    }
    assert_eq!(output.dimensions(), input.dimensions());
    let out_dir = root().join("target/vintagify");
    std::fs::create_dir_all(&out_dir).unwrap();
    output.save(out_dir.join("output.png")).unwrap();
    input.save(out_dir.join("input.png")).unwrap();
    // A trained style transfer keeps the photo's structure: light and dark stay where they were.
    // Random or mis-mapped weights give noise or a flat image, with a correlation near 0.
    let r = correlation(&luminance(&input), &luminance(&output));
    eprintln!(
        "luminance correlation input/output: {r:.3}; images in {}",
        out_dir.display()
    );
    assert!(
        r > 0.6,
        "the output does not look like the photo (correlation {r:.3})"
    );
}
