//! `bench-fixture`: one seeded random generator written every way the browser benchmark
//! (`tests/bench/`) needs it: a web model folder for our translator, the same network as ONNX for
//! onnxruntime-web, an input, and the native Flex output of that input as the reference.
//!
//! Files in `--out DIR`:
//!
//! | file | what |
//! |---|---|
//! | `model/manifest.json`, `model/a_to_b.bpk` | the web model (f32 weights), loadable by `Translator.loadModel` |
//! | `index.json` | lists `model/` (so `DIR` also works as a models folder for the web app) |
//! | `generator.onnx` | the same generator as an ONNX graph (`export-onnx`'s writer) |
//! | `input.f32` | the input: planar `[3, H, W]` f32 little-endian, uniform in [-1, 1] |
//! | `expected.f32` | the native burn Flex output for it, same layout |
//! | `meta.json` | shape, seed, file names |

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use burn::module::{Module, ModuleMapper, Param};
use burn::tensor::{Device, Tensor, TensorData};
use clap::Args;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use unpaired::manifest::ModelParts;
use unpaired::{Precision, ResnetGenerator, ResnetGeneratorConfig};

use crate::export::{self, write_atomically};
use crate::onnx;

/// Options of `bench-fixture`.
#[derive(Debug, Clone, Args)]
pub struct BenchFixtureArgs {
    /// Generator filters in the first layer.
    #[arg(long, default_value_t = 64)]
    pub ngf: usize,
    /// Residual blocks.
    #[arg(long = "n-blocks", alias = "n_blocks", default_value_t = 9)]
    pub n_blocks: usize,
    /// Square image side in pixels (a multiple of 4, at least 8).
    #[arg(long, default_value_t = 256)]
    pub size: usize,
    /// Seed of the weights and the input.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output folder.
    #[arg(long)]
    pub out: PathBuf,
}

/// Replaces every float parameter with seeded random values: 4-d weights uniform with standard
/// deviation 0.02 (the reference's initialisation scale), 1-d parameters (biases) uniform in
/// ±0.1 so that every bias of the exported graph matters, not only zeros.
struct RandomParams {
    rng: StdRng,
    device: Device,
}

impl ModuleMapper for RandomParams {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let dims = param.val().dims();
        let bound = if D == 1 { 0.1 } else { 0.02 * 3f32.sqrt() };
        let values: Vec<f32> = (0..dims.iter().product::<usize>())
            .map(|_| self.rng.random_range(-bound..bound))
            .collect();
        Param::from_tensor(Tensor::from_data(
            TensorData::new(values, dims),
            &self.device,
        ))
    }
}

/// A generator of shape `config` whose every parameter comes from `seed` alone (not from burn's
/// per-process device generator), on `device`.
pub fn random_generator(
    config: &ResnetGeneratorConfig,
    seed: u64,
    device: &Device,
) -> ResnetGenerator {
    config.init(device).map(&mut RandomParams {
        rng: StdRng::seed_from_u64(seed),
        device: device.clone(),
    })
}

/// `count` values uniform in [-1, 1] from `seed` (a different stream from the weights').
pub fn random_input(count: usize, seed: u64) -> Vec<f32> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed_5eed_5eed_5eed);
    (0..count).map(|_| rng.random_range(-1.0..=1.0)).collect()
}

/// Little-endian f32 bytes.
pub fn f32_bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// What `bench-fixture` wrote.
#[derive(Debug)]
pub struct Fixture {
    /// `meta.json`'s content.
    pub meta: serde_json::Value,
    /// The folder.
    pub dir: PathBuf,
}

/// Writes the fixture.
pub fn run(args: &BenchFixtureArgs) -> Result<Fixture> {
    anyhow::ensure!(
        args.size >= 8 && args.size.is_multiple_of(4),
        "--size must be a multiple of 4 and at least 8, got {}",
        args.size
    );
    anyhow::ensure!(
        args.ngf > 0 && args.n_blocks > 0,
        "--ngf and --n-blocks must be positive"
    );
    let device = Device::flex();
    let config = ResnetGeneratorConfig::new()
        .with_ngf(args.ngf)
        .with_n_blocks(args.n_blocks);
    let generator = random_generator(&config, args.seed, &device);
    let dir = &args.out;
    let model_dir = dir.join("model");
    std::fs::create_dir_all(&model_dir)
        .with_context(|| format!("creating {}", model_dir.display()))?;
    export::export(
        &ModelParts {
            name: format!("bench-ngf{}-{}blocks", args.ngf, args.n_blocks),
            domain_a: "A".into(),
            domain_b: "B".into(),
            train_size: args.size as u32,
            precision: Precision::F32,
            description: Some(format!(
                "Benchmark fixture: random weights from seed {}, not a trained model.",
                args.seed
            )),
            a_to_b: Some(&generator),
            b_to_a: None,
            card: None,
        },
        false,
        &model_dir,
    )?;
    onnx::write(&generator, dir, "generator")?;

    let side = args.size;
    let input = random_input(3 * side * side, args.seed);
    write_atomically(&dir.join("input.f32"), &f32_bytes(&input))?;
    let tensor = Tensor::<4>::from_data(TensorData::new(input, [1, 3, side, side]), &device);
    let expected = generator
        .forward(tensor)
        .into_data()
        .try_into_vec::<f32>()
        .map_err(|e| anyhow::anyhow!("reading the output: {e:?}"))?;
    write_atomically(&dir.join("expected.f32"), &f32_bytes(&expected))?;

    let meta = serde_json::json!({
        "ngf": args.ngf,
        "n_blocks": args.n_blocks,
        "width": side,
        "height": side,
        "seed": args.seed,
        "direction": "a_to_b",
        "layout": "planar [3, height, width] f32 little-endian, values in [-1, 1]",
        "manifest": "model/manifest.json",
        "weights": "model/a_to_b.bpk",
        "onnx": "generator.onnx",
        "onnx_opset": onnx::OPSET,
        "input": "input.f32",
        "expected": "expected.f32",
        "expected_by": "burn 0.22.1 Flex, native",
    });
    write_atomically(
        &dir.join("meta.json"),
        (serde_json::to_string_pretty(&meta)? + "\n").as_bytes(),
    )?;
    Ok(Fixture {
        meta,
        dir: dir.to_path_buf(),
    })
}

/// Reads a little-endian f32 file (`input.f32`, `expected.f32`).
pub fn read_f32(path: &Path) -> Result<Vec<f32>> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    anyhow::ensure!(
        bytes.len().is_multiple_of(4),
        "{} is not a list of f32",
        path.display()
    );
    Ok(bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
}
