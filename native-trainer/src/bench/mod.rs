//! `bench`: median milliseconds of one generator inference and one training iteration at a given
//! size, after warm-up, printed as one JSON line with the device, the convolution plan and burn's
//! version; with `--ops`, a per-layer profile of the generator first (`ops.rs`).

mod ops;

use std::time::Instant;

use anyhow::Result;
use burn::module::Module;
use burn::tensor::{Device, Distribution, FloatDType, Tensor};
use clap::{Args, ValueEnum};
use unpaired::model::ConvPlan;
use unpaired::{ResnetGenerator, ResnetGeneratorConfig};

use crate::conv_plan::ConvArgs;
use crate::device::{self, DeviceChoice};
use crate::netg::NetG;
use crate::train::step::{CycleGan, RecipeConfig};

/// Options of `bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Compute device.
    #[arg(long, value_enum, default_value = "auto")]
    device: DeviceChoice,
    /// Square image side in pixels (a multiple of 4).
    #[arg(long, default_value_t = 256)]
    size: usize,
    /// Generator architecture.
    #[arg(
        long = "netG",
        alias = "netg",
        value_enum,
        default_value = "resnet_9blocks"
    )]
    net_g: NetG,
    /// Generator filters in the first layer.
    #[arg(long, default_value_t = 64)]
    ngf: usize,
    /// Timed runs; the median is reported.
    #[arg(long, default_value_t = 20)]
    iters: usize,
    /// Untimed runs first (kernel compilation, autotuning).
    #[arg(long, default_value_t = 3)]
    warmup: usize,
    /// Time inference only, not the training iteration.
    #[arg(long = "no-train", alias = "no_train")]
    no_train: bool,
    /// The inference's float type: the whole generator in f32, or in f16 (the training
    /// iteration keeps f32 weights; `--conv-precision f16` is its reduced precision).
    #[arg(long, value_enum, default_value = "f32")]
    precision: BenchPrecision,
    /// How the residual blocks' convolutions run.
    #[command(flatten)]
    conv: ConvArgs,
    /// First print one JSON line per layer kind of the generator (median ms, count per forward,
    /// share of the forward), and the residual conv's forward + backward.
    #[arg(long)]
    ops: bool,
}

/// A `--precision` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BenchPrecision {
    /// 32-bit floats.
    F32,
    /// 16-bit floats.
    F16,
}

/// Median and minimum milliseconds of `work` over `args.iters` runs after `args.warmup` untimed
/// ones. `work` must wait for the device before it returns.
fn time(args: &BenchArgs, mut work: impl FnMut() -> Result<()>) -> Result<(f64, f64)> {
    let mut times = Vec::with_capacity(args.iters);
    for i in 0..args.warmup + args.iters {
        let start = Instant::now();
        work()?;
        if i >= args.warmup {
            times.push(start.elapsed().as_secs_f64() * 1e3);
        }
    }
    Ok(median_and_min(times))
}

/// Median and minimum of some milliseconds (at least one), rounded to µs.
fn median_and_min(mut times: Vec<f64>) -> (f64, f64) {
    times.sort_by(f64::total_cmp);
    let round = |ms: f64| (ms * 1000.0).round() / 1000.0;
    (round(times[times.len() / 2]), round(times[0]))
}

fn generator_config(args: &BenchArgs) -> ResnetGeneratorConfig {
    ResnetGeneratorConfig::new()
        .with_ngf(args.ngf)
        .with_n_blocks(args.net_g.blocks)
}

/// Values in [-1, 1], as images are.
fn random(shape: [usize; 4], device: &Device) -> Tensor<4> {
    Tensor::random(shape, Distribution::Uniform(-1.0, 1.0), device)
}

fn random_image(args: &BenchArgs, device: &Device) -> Tensor<4> {
    random([1, 3, args.size, args.size], device)
}

/// One training iteration's timings: the whole iteration's median and minimum, and the median of
/// its generators' half (both G forward and backward, Adam; the rest is the discriminators').
struct TrainTimes {
    median: f64,
    min: f64,
    generator_step_median: f64,
}

/// Times one full training iteration of the recipe (both G, both D, Adam, pools), batch 1.
fn train_iteration_ms(args: &BenchArgs, device: &Device) -> Result<TrainTimes> {
    let device = device.clone().autodiff();
    let config = RecipeConfig {
        generator: generator_config(args),
        conv: args.conv.plan(),
        ..RecipeConfig::default()
    };
    let mut model = CycleGan::new(config, &device, 0);
    let (real_a, real_b) = (random_image(args, &device), random_image(args, &device));
    device.sync()?;
    let mut generator_steps = Vec::new();
    let (median, min) = time(args, || {
        let start = Instant::now();
        let (_, fakes) = model.generator_step(real_a.clone(), real_b.clone(), 2e-4);
        device.sync()?;
        generator_steps.push(start.elapsed().as_secs_f64() * 1e3);
        model.discriminator_step(real_a.clone(), real_b.clone(), fakes, 2e-4);
        Ok(device.sync()?)
    })?;
    let (generator_step_median, _) = median_and_min(generator_steps.split_off(args.warmup));
    Ok(TrainTimes {
        median,
        min,
        generator_step_median,
    })
}

/// Runs the benchmark and prints its JSON line.
pub fn run(args: &BenchArgs) -> Result<()> {
    anyhow::ensure!(
        args.size >= 8 && args.size.is_multiple_of(4),
        "--size must be a multiple of 4 and at least 8, got {}",
        args.size
    );
    anyhow::ensure!(args.iters > 0, "--iters must be at least 1");
    let (device, name) = device::open(args.device)?;
    if args.ops {
        ops::profile(args, &device)?;
    }
    let generator = generator_config(args)
        .init(&device)
        .with_conv_plan(args.conv.plan());
    let input = random_image(args, &device);
    // f16 inference: every weight and the input cast, so each layer runs on f16 operands.
    let (inference_generator, inference_input) = match args.precision {
        BenchPrecision::F32 => (generator, input),
        BenchPrecision::F16 => (
            generator.map(&mut CastParams(FloatDType::F16)),
            input.cast(FloatDType::F16),
        ),
    };
    let (median, min) = time(args, || {
        inference_generator
            .forward(inference_input.clone())
            .try_into_data()?;
        Ok(())
    })?;
    // Flex with the backend's f32 convolutions is the reference itself.
    let reference_itself = name == "flex"
        && args.precision == BenchPrecision::F32
        && args.conv.plan() == ConvPlan::default();
    let max_abs_diff_vs_flex = if reference_itself {
        None
    } else {
        Some(diff_to_flex(&inference_generator, &inference_input)?)
    };
    let train = if args.no_train {
        None
    } else {
        Some(train_iteration_ms(args, &device)?)
    };
    println!(
        "{}",
        serde_json::json!({
            "bench": "cyclegan",
            "device": name,
            "kernels": device::kernels(name),
            "burn": "0.22.1",
            "size": args.size,
            "netG": args.net_g.to_string(),
            "ngf": args.ngf,
            "precision": args.precision,
            "conv": args.conv.plan(),
            "iters": args.iters,
            "inference_ms_median": median,
            "inference_ms_min": min,
            "train_iter_ms_median": train.as_ref().map(|t| t.median),
            "train_iter_ms_min": train.as_ref().map(|t| t.min),
            "train_g_step_ms_median": train.as_ref().map(|t| t.generator_step_median),
            "max_abs_diff_vs_flex": max_abs_diff_vs_flex,
        })
    );
    Ok(())
}

/// Casts every parameter to the float type it holds.
struct CastParams(FloatDType);

impl burn::module::ModuleMapper for CastParams {
    fn map_float<const D: usize>(
        &mut self,
        param: burn::module::Param<Tensor<D>>,
    ) -> burn::module::Param<Tensor<D>> {
        param.map(|t| t.cast(self.0))
    }
}

/// The largest difference between the benchmarked output and Flex's f32 reference for the same
/// weights and input (backend convolutions): a timing is only worth reporting for a correct result.
fn diff_to_flex(generator: &ResnetGenerator, input: &Tensor<4>) -> Result<f32> {
    let flex = Device::flex();
    let ours = generator.forward(input.clone()).cast(FloatDType::F32);
    let reference = generator
        .clone()
        .map(&mut CastParams(FloatDType::F32))
        .with_conv_plan(ConvPlan::default())
        .to_device(&flex)
        .forward(input.clone().cast(FloatDType::F32).to_device(&flex));
    let diff = (ours.to_device(&flex) - reference).abs().max();
    Ok(diff
        .try_into_data()?
        .try_to_vec::<f32>()
        .map_err(|e| anyhow::anyhow!("{e:?}"))?[0])
}
