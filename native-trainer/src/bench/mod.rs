//! `bench`: median milliseconds of one generator inference at a given size, after warm-up,
//! printed as one JSON line with the device and burn's version.

use std::time::Instant;

use anyhow::Result;
use burn::module::Module;
use burn::tensor::{Device, Distribution, Tensor};
use clap::Args;
use unpaired::{ResnetGenerator, ResnetGeneratorConfig};

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
}

/// Median and minimum milliseconds of `work` over `args.iters` runs after `args.warmup` untimed
/// ones, rounded to µs. `work` must wait for the device before it returns.
fn time(args: &BenchArgs, mut work: impl FnMut() -> Result<()>) -> Result<(f64, f64)> {
    let mut times = Vec::with_capacity(args.iters);
    for i in 0..args.warmup + args.iters {
        let start = Instant::now();
        work()?;
        if i >= args.warmup {
            times.push(start.elapsed().as_secs_f64() * 1e3);
        }
    }
    times.sort_by(f64::total_cmp);
    let round = |ms: f64| (ms * 1000.0).round() / 1000.0;
    Ok((round(times[times.len() / 2]), round(times[0])))
}

fn generator_config(args: &BenchArgs) -> ResnetGeneratorConfig {
    ResnetGeneratorConfig::new()
        .with_ngf(args.ngf)
        .with_n_blocks(args.net_g.blocks)
}

fn random_image(args: &BenchArgs, device: &Device) -> Tensor<4> {
    Tensor::random(
        [1, 3, args.size, args.size],
        Distribution::Uniform(-1.0, 1.0),
        device,
    )
}

/// Median ms of one full training iteration of the recipe (both G, both D, Adam, pools), batch 1.
fn train_iteration_ms(args: &BenchArgs, device: &Device) -> Result<(f64, f64)> {
    let device = device.clone().autodiff();
    let config = RecipeConfig {
        generator: generator_config(args),
        ..RecipeConfig::default()
    };
    let mut model = CycleGan::new(config, &device, 0);
    let (real_a, real_b) = (random_image(args, &device), random_image(args, &device));
    device.sync()?;
    time(args, || {
        model.step(real_a.clone(), real_b.clone(), 2e-4);
        Ok(device.sync()?)
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
    let generator = generator_config(args).init(&device);
    let input = random_image(args, &device);
    let (median, min) = time(args, || {
        generator.forward(input.clone()).try_into_data()?;
        Ok(())
    })?;
    let train = if args.no_train {
        None
    } else {
        Some(train_iteration_ms(args, &device)?)
    };
    let max_abs_diff_vs_flex = if name == "flex" {
        None
    } else {
        Some(diff_to_flex(&generator, &input)?)
    };
    println!(
        "{}",
        serde_json::json!({
            "bench": "cyclegan",
            "device": name,
            "burn": "0.22.1",
            "size": args.size,
            "netG": args.net_g.to_string(),
            "ngf": args.ngf,
            "iters": args.iters,
            "inference_ms_median": median,
            "inference_ms_min": min,
            "train_iter_ms_median": train.map(|t| t.0),
            "train_iter_ms_min": train.map(|t| t.1),
            "max_abs_diff_vs_flex": max_abs_diff_vs_flex,
        })
    );
    Ok(())
}

/// The largest difference between the benchmarked device's output and Flex's for the same weights
/// and input: a timing is only worth reporting for a correct result.
fn diff_to_flex(generator: &ResnetGenerator, input: &Tensor<4>) -> Result<f32> {
    let flex = Device::flex();
    let ours = generator.forward(input.clone());
    let reference = generator
        .clone()
        .to_device(&flex)
        .forward(input.clone().to_device(&flex));
    let diff = (ours.to_device(&flex) - reference).abs().max();
    Ok(diff
        .try_into_data()?
        .try_to_vec::<f32>()
        .map_err(|e| anyhow::anyhow!("{e:?}"))?[0])
}
