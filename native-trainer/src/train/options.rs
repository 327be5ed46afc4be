//! `train`'s options: the reference's names and defaults, spelled kebab-case, with its underscore
//! spellings (`--load_size`, `--lambda_A`, …) accepted as aliases.

use std::path::PathBuf;

use anyhow::{Result, ensure};
use clap::Args;
use serde::{Deserialize, Serialize};

use crate::checkpoint::SnapshotArgs;
use crate::conv_plan::ConvArgs;
use crate::data::{Preprocess, Transform};
use crate::device::DeviceChoice;
use crate::netg::NetG;
use crate::train::losses::GanMode;

/// Options of `train`.
#[derive(Debug, Clone, Args, Serialize, Deserialize)]
pub struct TrainArgs {
    /// Folder with trainA/ and trainB/ (and testA/, testB/ for `test`).
    #[arg(long)]
    pub dataroot: PathBuf,
    /// The run (its folder under --checkpoints-dir) and, with --continue, the snapshot to resume.
    #[command(flatten)]
    #[serde(flatten)]
    pub run: SnapshotArgs,
    /// Generator: resnet_9blocks (256²) or resnet_6blocks (128²) [default: resnet_9blocks, or
    /// the run's own when continuing].
    #[arg(long = "netG", aliases = ["netg", "net-g"])]
    pub net_g: Option<NetG>,
    /// Generator filters in the first layer [default: 64, or the run's own when continuing].
    #[arg(long)]
    pub ngf: Option<usize>,
    /// Discriminator filters in the first layer [default: 64, or the run's own].
    #[arg(long)]
    pub ndf: Option<usize>,
    /// Discriminator strided layers (3 = 70×70 PatchGAN) [default: 3, or the run's own].
    #[arg(long = "n-layers-D", aliases = ["n_layers_D", "n-layers-d"])]
    pub n_layers_d: Option<usize>,
    /// Scale images to this size before cropping.
    #[arg(long = "load-size", alias = "load_size", default_value_t = 286)]
    pub load_size: u32,
    /// Then crop to this size.
    #[arg(long = "crop-size", alias = "crop_size", default_value_t = 256)]
    pub crop_size: u32,
    /// How images are scaled and cropped.
    #[arg(long, value_enum, default_value = "resize_and_crop")]
    pub preprocess: Preprocess,
    /// No random horizontal flips.
    #[arg(long = "no-flip", alias = "no_flip")]
    pub no_flip: bool,
    /// Fakes kept in each history pool (0: none).
    #[arg(long = "pool-size", alias = "pool_size", default_value_t = 50)]
    pub pool_size: usize,
    /// Weight of the cycle loss A → B → A.
    #[arg(long = "lambda-a", aliases = ["lambda_A", "lambda-A", "lambda_a"], default_value_t = 10.0)]
    pub lambda_a: f64,
    /// Weight of the cycle loss B → A → B.
    #[arg(long = "lambda-b", aliases = ["lambda_B", "lambda-B", "lambda_b"], default_value_t = 10.0)]
    pub lambda_b: f64,
    /// Identity loss weight relative to the cycle weights (0 turns it off).
    #[arg(
        long = "lambda-identity",
        alias = "lambda_identity",
        default_value_t = 0.5
    )]
    pub lambda_identity: f64,
    /// Adversarial loss.
    #[arg(
        long = "gan-mode",
        alias = "gan_mode",
        value_enum,
        default_value = "lsgan"
    )]
    pub gan_mode: GanMode,
    /// Initial learning rate of Adam.
    #[arg(long, default_value_t = 0.0002)]
    pub lr: f64,
    /// Adam's β1.
    #[arg(long, default_value_t = 0.5)]
    pub beta1: f64,
    /// Epochs at the initial learning rate.
    #[arg(long = "n-epochs", alias = "n_epochs", default_value_t = 100)]
    pub n_epochs: usize,
    /// Epochs of linear decay to zero after those.
    #[arg(
        long = "n-epochs-decay",
        alias = "n_epochs_decay",
        default_value_t = 100
    )]
    pub n_epochs_decay: usize,
    /// Images per step.
    #[arg(long = "batch-size", alias = "batch_size", default_value_t = 1)]
    pub batch_size: usize,
    /// Use at most this many images of each domain.
    #[arg(long = "max-dataset-size", alias = "max_dataset_size")]
    pub max_dataset_size: Option<usize>,
    /// Seed for initial weights, data order, crops, flips and pools [default: random, or the
    /// run's own when continuing].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Compute device.
    #[arg(long, value_enum, default_value = "auto")]
    pub device: DeviceChoice,
    /// How the generators' residual-block convolutions run.
    #[command(flatten)]
    #[serde(default)]
    pub conv: ConvArgs,
    /// Also keep a snapshot `epoch_N` every this many epochs (0: only `latest`).
    #[arg(
        long = "save-epoch-freq",
        alias = "save_epoch_freq",
        default_value_t = 5
    )]
    pub save_epoch_freq: usize,
    /// Read the losses (a device round trip) every this many iterations.
    #[arg(long = "print-freq", alias = "print_freq", default_value_t = 100)]
    pub print_freq: usize,
    /// Resume the run from its snapshot (networks, optimisers, pools, epoch, learning rate).
    #[arg(long = "continue", alias = "continue_train")]
    pub continue_train: bool,
    /// Stop after this epoch (a snapshot is saved; `--continue` picks up from there).
    #[arg(long = "stop-after-epoch", alias = "stop_after_epoch")]
    pub stop_after_epoch: Option<usize>,
    /// No progress bar or per-epoch lines (reports and checkpoints are still written).
    #[arg(long)]
    pub quiet: bool,
}

impl TrainArgs {
    /// Checks the options that can be wrong before anything is loaded.
    pub fn validate(&self) -> Result<()> {
        ensure!(self.batch_size >= 1, "--batch-size must be at least 1");
        ensure!(self.print_freq >= 1, "--print-freq must be at least 1");
        ensure!(
            self.crop_size >= 8 && self.crop_size.is_multiple_of(4),
            "--crop-size must be a multiple of 4 and at least 8, got {}",
            self.crop_size
        );
        let n_layers = self.n_layers_d.unwrap_or(3);
        let min_side = min_discriminator_side(n_layers);
        ensure!(
            !self.preprocess.fixed_size() || self.crop_size >= min_side,
            "--crop-size {} is too small for a {n_layers}-layer PatchGAN: at least {min_side}",
            self.crop_size
        );
        if matches!(
            self.preprocess,
            Preprocess::ResizeAndCrop | Preprocess::ScaleWidthAndCrop
        ) {
            ensure!(
                self.load_size >= self.crop_size,
                "--load-size ({}) must be at least --crop-size ({})",
                self.load_size,
                self.crop_size
            );
        }
        ensure!(
            self.batch_size == 1 || self.preprocess.fixed_size(),
            "--batch-size {} needs a --preprocess that crops to one size",
            self.batch_size
        );
        ensure!(
            self.n_epochs + self.n_epochs_decay >= 1,
            "--n-epochs plus --n-epochs-decay must be at least 1"
        );
        ensure!(self.lr > 0.0, "--lr must be positive");
        ensure!(self.ngf != Some(0), "--ngf must be at least 1");
        ensure!(self.ndf != Some(0), "--ndf must be at least 1");
        ensure!(
            self.max_dataset_size != Some(0),
            "--max-dataset-size must be at least 1"
        );
        crate::export::ensure_plain_name(&self.run.name)
    }

    /// The data transform.
    pub fn transform(&self) -> Transform {
        Transform {
            preprocess: self.preprocess,
            load_size: self.load_size,
            crop_size: self.crop_size,
            flip: !self.no_flip,
        }
    }

    /// All epochs of the schedule.
    pub fn total_epochs(&self) -> usize {
        self.n_epochs + self.n_epochs_decay
    }
}

/// The smallest image side a PatchGAN with `n_layers` strided layers can judge (its output must be
/// at least 1×1): each strided 4×4 convolution halves the side, the last two take 1 each.
pub fn min_discriminator_side(n_layers: usize) -> u32 {
    3 << n_layers.min(16)
}
