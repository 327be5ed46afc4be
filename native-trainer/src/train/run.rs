//! `train`: the epochs loop. Data → [`CycleGan::step`] → snapshot, loss log, curves, sample grid
//! and run page at the end of each epoch.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use burn::tensor::{Device, Tensor};
use unpaired::{PatchDiscriminatorConfig, ResnetGeneratorConfig};

use super::options::{TrainArgs, min_discriminator_side};
use super::schedule::learning_rate;
use super::step::{CycleGan, Losses, RecipeConfig};
use crate::checkpoint::{self, LATEST, TrainingState};
use crate::data::{self, UnalignedDataset};
use crate::device;
use crate::netg::NetG;
use crate::report::loss_log::{LossLog, LossRecord};
use crate::report::page::{self, EpochEntry};
use crate::report::progress::{epoch_bar, format_losses};
use crate::report::{curves, samples};

/// What a finished `train` leaves behind.
#[derive(Debug, Clone)]
pub struct TrainSummary {
    /// The run folder.
    pub run_dir: PathBuf,
    /// Epochs completed in total.
    pub epoch: usize,
    /// Iterations completed in total.
    pub iterations: u64,
    /// Files that could not be read (skipped).
    pub unreadable: Vec<PathBuf>,
}

/// Seed offset for the pools' random choices.
const POOL_STREAM: u64 = 0x504F_4F4C;

/// The eight losses on the host.
fn read_losses(losses: &Losses) -> Result<[f32; 8]> {
    let all = Tensor::cat(
        vec![
            losses.d_a.clone(),
            losses.g_a.clone(),
            losses.cycle_a.clone(),
            losses.idt_a.clone(),
            losses.d_b.clone(),
            losses.g_b.clone(),
            losses.cycle_b.clone(),
            losses.idt_b.clone(),
        ],
        0,
    );
    let values = all
        .try_into_data()?
        .convert::<f32>()
        .try_into_vec::<f32>()
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    values
        .try_into()
        .map_err(|_| anyhow::anyhow!("expected eight loss values"))
}

/// The architecture: options given on the command line, else the snapshot's, else the paper's.
fn architecture(
    args: &TrainArgs,
    saved: Option<&TrainingState>,
) -> Result<(ResnetGeneratorConfig, PatchDiscriminatorConfig)> {
    let mut generator = saved.map_or_else(ResnetGeneratorConfig::new, |s| s.generator.clone());
    let mut discriminator =
        saved.map_or_else(PatchDiscriminatorConfig::new, |s| s.discriminator.clone());
    if let Some(net_g) = args.net_g {
        generator.n_blocks = net_g.blocks;
    }
    if let Some(ngf) = args.ngf {
        generator.ngf = ngf;
    }
    if let Some(ndf) = args.ndf {
        discriminator.ndf = ndf;
    }
    if let Some(n_layers) = args.n_layers_d {
        discriminator.n_layers = n_layers;
    }
    if let Some(saved) = saved
        && (saved.generator != generator || saved.discriminator != discriminator)
    {
        bail!(
            "the run was trained with --netG {} --ngf {} --ndf {} --n-layers-D {}; \
             drop the conflicting options to continue it",
            NetG {
                blocks: saved.generator.n_blocks
            },
            saved.generator.ngf,
            saved.discriminator.ndf,
            saved.discriminator.n_layers
        );
    }
    Ok((generator, discriminator))
}

/// Fixed images for the sample grids: the first of each domain, centre-cropped.
fn sample_pair(dataset: &UnalignedDataset, device: &Device) -> Option<(Tensor<4>, Tensor<4>)> {
    let first_readable = |domain: &data::Domain| {
        domain
            .files
            .iter()
            .find_map(|path| data::read_rgb(path).ok())
            .map(|image| dataset.transform.apply_centered(&image))
    };
    let a = first_readable(&dataset.a)?;
    let b = first_readable(&dataset.b)?;
    Some((data::to_tensor(&a, device), data::to_tensor(&b, device)))
}

/// Trains (or continues) the run named in `args`.
pub fn run(args: &TrainArgs) -> Result<TrainSummary> {
    args.validate()?;
    let dataset = Arc::new(UnalignedDataset::open(
        &args.dataroot,
        "train",
        args.transform(),
        args.max_dataset_size,
    )?);
    let say = |line: String| {
        if !args.quiet {
            println!("{line}");
        }
    };
    for domain in [&dataset.a, &dataset.b] {
        let ignored = match domain.ignored {
            0 => String::new(),
            n => format!(" ({n} other files ignored)"),
        };
        say(format!(
            "{}: {} images{ignored}",
            domain.dir.display(),
            domain.len()
        ));
    }

    let run_dir = args.run.run_dir();
    let label = checkpoint::label(&args.run.epoch)?;
    let snapshot = checkpoint::find(&run_dir, &label);
    let saved = match (&snapshot, args.continue_train) {
        (Some(dir), true) => Some(checkpoint::read_state(dir)?),
        (None, true) => bail!(
            "--continue: {} has no snapshot '{label}' to resume",
            run_dir.display()
        ),
        (Some(_), false) => bail!(
            "{} already holds a trained run; pass --continue to resume it, or choose another --name",
            run_dir.display()
        ),
        (None, false) => None,
    };
    let (generator, discriminator) = architecture(args, saved.as_ref())?;
    let config = RecipeConfig {
        generator: generator.clone(),
        discriminator: discriminator.clone(),
        lambda_a: args.lambda_a,
        lambda_b: args.lambda_b,
        lambda_identity: args.lambda_identity,
        gan_mode: args.gan_mode,
        beta1: args.beta1,
        pool_size: args.pool_size,
        conv: args.conv.plan(),
    };

    let (device, device_name) = device::open(args.device)?;
    let device = device.autodiff();
    std::fs::create_dir_all(&run_dir).with_context(|| format!("creating {}", run_dir.display()))?;
    let log = LossLog::new(&run_dir);
    let (mut gan, mut state) = match (&snapshot, saved) {
        (Some(dir), Some(saved)) => {
            let seed = args.seed.unwrap_or(saved.seed);
            let (gan, mut state) = checkpoint::load(dir, config, &device)?;
            state.seed = seed;
            log.truncate_after(state.iterations)?;
            if !checkpoint::has_optimizer_state(dir)? {
                say(format!(
                    "{} is a packed snapshot (networks only): Adam's moments restart and the \
                     history pools start empty",
                    dir.display()
                ));
            }
            say(format!(
                "resuming {} at epoch {} ({} iterations done) on {device_name}",
                run_dir.display(),
                state.epoch + 1,
                state.iterations
            ));
            (gan, state)
        }
        _ => {
            let seed = args.seed.unwrap_or_else(rand::random);
            device.seed(seed);
            let _ = std::fs::remove_file(log.path());
            say(format!(
                "new run {} on {device_name}, seed {seed}",
                run_dir.display()
            ));
            let state = TrainingState {
                format: checkpoint::FORMAT,
                epoch: 0,
                iterations: 0,
                seed,
                generator,
                discriminator,
                crop_size: args.crop_size,
            };
            (CycleGan::new(config, &device, seed), state)
        }
    };
    checkpoint::write_text(
        &run_dir.join("train_options.json"),
        &(serde_json::to_string_pretty(args)? + "\n"),
    )?;

    let samples = sample_pair(&dataset, &device);
    let total_epochs = args.total_epochs();
    let last_epoch = args
        .stop_after_epoch
        .map_or(total_epochs, |s| s.min(total_epochs));
    let min_side = min_discriminator_side(gan.config().discriminator.n_layers);
    let per_epoch = dataset.len().div_ceil(args.batch_size) as u64;
    let started = Instant::now();
    for epoch in state.epoch + 1..=last_epoch {
        let epoch_start = Instant::now();
        let lr = learning_rate(args.lr, epoch, args.n_epochs, args.n_epochs_decay);
        gan.reseed_pools(data::mix(state.seed, epoch as u64, POOL_STREAM));
        let bar = epoch_bar(epoch, total_epochs, per_epoch, args.quiet);
        let mut last = None;
        for (i, batch) in dataset
            .batches(state.seed, epoch, args.batch_size)
            .into_iter()
            .enumerate()
        {
            let batch = batch?;
            let [.., h, w] = batch.a.shape().to_vec()[..] else {
                bail!("a batch must have four dimensions")
            };
            let [.., hb, wb] = batch.b.shape().to_vec()[..] else {
                bail!("a batch must have four dimensions")
            };
            let smallest = h.min(w).min(hb).min(wb) as u32;
            anyhow::ensure!(
                smallest >= min_side,
                "an image is only {smallest} px on its short side after --preprocess; the \
                 {}-layer PatchGAN needs at least {min_side} (use a larger --load-size)",
                gan.config().discriminator.n_layers
            );
            let real_a = Tensor::from_data(batch.a, &device);
            let real_b = Tensor::from_data(batch.b, &device);
            let losses = gan.step(real_a, real_b, lr);
            state.iterations += 1;
            let done = i as u64 + 1;
            if done.is_multiple_of(args.print_freq as u64) || done == per_epoch {
                let values = read_losses(&losses)?;
                anyhow::ensure!(
                    values.iter().all(|v| v.is_finite()),
                    "training diverged at iteration {} (losses: {})",
                    state.iterations,
                    format_losses(&values)
                );
                bar.set_message(format_losses(&values));
                log.append(&LossRecord {
                    epoch,
                    iteration: state.iterations,
                    epoch_progress: done as f64 / per_epoch as f64,
                    lr,
                    seconds: started.elapsed().as_secs_f64(),
                    losses: values,
                })?;
                last = Some(values);
            }
            bar.inc(1);
        }
        bar.finish_and_clear();
        state.epoch = epoch;

        checkpoint::save(&run_dir, LATEST, &gan, &state)?;
        if args.save_epoch_freq > 0 && epoch.is_multiple_of(args.save_epoch_freq) {
            checkpoint::copy_snapshot(&run_dir, LATEST, &checkpoint::epoch_label(epoch))?;
        }
        if let Some((real_a, real_b)) = &samples {
            let grid = samples::grid(&gan.generators, real_a.clone(), real_b.clone())?;
            samples::save_png(&grid, &run_dir.join(sample_file(epoch)))?;
        }
        let records = log.read();
        curves::draw(&records, &run_dir.join("loss_curves.png"))?;
        write_page(&run_dir, args, &records, device_name)?;
        let losses = last.map(|l| format_losses(&l)).unwrap_or_default();
        say(format!(
            "epoch {epoch}/{total_epochs} done in {:.1}s (lr {lr:.3e}): {losses}",
            epoch_start.elapsed().as_secs_f64()
        ));
    }
    let unreadable = dataset.unreadable();
    if !unreadable.is_empty() {
        say(format!(
            "{} unreadable image file(s) were skipped",
            unreadable.len()
        ));
    }
    Ok(TrainSummary {
        run_dir,
        epoch: state.epoch,
        iterations: state.iterations,
        unreadable,
    })
}

/// `samples/epoch_007.png`.
fn sample_file(epoch: usize) -> String {
    format!("samples/epoch_{epoch:03}.png")
}

/// Rewrites the run page from the sample grids on disk and the loss log.
fn write_page(
    run_dir: &Path,
    args: &TrainArgs,
    records: &[LossRecord],
    device: &str,
) -> Result<()> {
    let mut entries = Vec::new();
    for epoch in 1..=args.total_epochs() {
        let grid = sample_file(epoch);
        if !run_dir.join(&grid).is_file() {
            continue;
        }
        let summary = records
            .iter()
            .rev()
            .find(|r| r.epoch == epoch)
            .map(|r| {
                format!(
                    "iteration {}, lr {:.2e}: {}",
                    r.iteration,
                    r.lr,
                    format_losses(&r.losses)
                )
            })
            .unwrap_or_default();
        entries.push(EpochEntry {
            epoch,
            grid,
            summary,
        });
    }
    let header = format!(
        "CycleGAN on {} ({} epochs at lr {} then {} decaying), device {device}. The page reloads every minute.",
        args.dataroot.display(),
        args.n_epochs,
        args.lr,
        args.n_epochs_decay
    );
    page::write(run_dir, &args.run.name, &header, &entries)
}
