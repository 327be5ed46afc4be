//! `eval`: FID and KID between a folder of real images and a folder of generated ones, with the FID
//! Inception-v3 ported to burn, on any device the trainer runs on.
//!
//! - [`inception`]: the network; [`weights`]: finding and loading its weights;
//! - [`images`]: folders, decoding, the resize and value convention;
//! - [`fid`] and [`kid`]: the two distances, in f64.
//!
//! From code: [`evaluate_dirs`] (or an [`Evaluator`] to load the weights once for several pairs).

pub mod fid;
pub mod images;
pub mod inception;
pub mod kid;
pub mod weights;

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Result, bail};
use burn::tensor::{Device, Tensor, TensorData};
use clap::Args;
use image::RgbImage;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::device::{self, DeviceChoice};
use fid::Features;
use inception::{FidInception, FidInceptionConfig, INPUT_SIZE};
use kid::KidOptions;

/// Options of [`evaluate_dirs`].
#[derive(Debug, Clone, PartialEq)]
pub struct EvalOptions {
    /// The weights file; `None`: `$UNPAIRED_FID_WEIGHTS`, else the cached file.
    pub weights: Option<PathBuf>,
    /// Images per forward pass.
    pub batch_size: usize,
    /// KID's subsets.
    pub kid: KidOptions,
}

impl Default for EvalOptions {
    fn default() -> Self {
        Self {
            weights: None,
            batch_size: 16,
            kid: KidOptions::default(),
        }
    }
}

/// One folder's share of a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetSummary {
    /// The folder.
    pub dir: PathBuf,
    /// Images whose features were used.
    pub images: usize,
    /// Files with an image extension that did not decode (each named on stderr).
    pub skipped: usize,
}

/// What [`evaluate_dirs`] measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    /// Fréchet Inception Distance.
    pub fid: f64,
    /// Kernel Inception Distance: mean over subsets.
    pub kid_mean: f64,
    /// Kernel Inception Distance: standard deviation over subsets.
    pub kid_std: f64,
    /// Images per KID subset.
    pub kid_subset_size: usize,
    /// Number of KID subsets.
    pub kid_subsets: usize,
    /// The real images.
    pub real: SetSummary,
    /// The generated images.
    pub fake: SetSummary,
    /// Seconds spent reading images and computing features (both folders).
    pub feature_seconds: f64,
}

/// A folder's features and what was skipped.
#[derive(Debug, Clone)]
pub struct DirFeatures {
    /// One row per decoded image.
    pub features: Features,
    /// Files that did not decode, with the reason.
    pub skipped: Vec<(PathBuf, String)>,
}

/// The network on a device, turning images into pool3 features.
#[derive(Debug)]
pub struct FeatureExtractor {
    network: FidInception,
    device: Device,
}

impl FeatureExtractor {
    /// Loads the real network's weights from `path` onto `device`.
    pub fn load(path: &Path, device: &Device) -> Result<Self> {
        let network = weights::load(path, &FidInceptionConfig::new(), device)?;
        Ok(Self::new(network, device))
    }

    /// Wraps a network already on `device` (a narrowed one in tests).
    pub fn new(network: FidInception, device: &Device) -> Self {
        Self {
            network,
            device: device.clone(),
        }
    }

    /// Starts the features of prepared inputs ([`images::to_input`]), without waiting for them.
    fn launch(&self, inputs: Vec<Vec<f32>>) -> Tensor<2> {
        let count = inputs.len();
        let data = TensorData::new(inputs.concat(), [count, 3, INPUT_SIZE, INPUT_SIZE]);
        self.network.forward(Tensor::from_data(data, &self.device))
    }

    /// Waits for a launched batch and returns its rows.
    fn collect(features: Tensor<2>) -> Result<Vec<Vec<f32>>> {
        let [_, width] = features.dims();
        let values = features
            .try_into_data()?
            .try_into_vec::<f32>()
            .map_err(|e| anyhow::anyhow!("reading features back: {e:?}"))?;
        Ok(values.chunks(width).map(<[f32]>::to_vec).collect())
    }

    /// Features of prepared inputs (`[3, 299, 299]` each), one row per input.
    pub fn features_of_inputs(&self, inputs: Vec<Vec<f32>>) -> Result<Vec<Vec<f32>>> {
        if inputs.is_empty() {
            return Ok(Vec::new());
        }
        Self::collect(self.launch(inputs))
    }

    /// Features of decoded images, in batches of `batch_size`.
    pub fn features_of_images(
        &self,
        images: &[RgbImage],
        batch_size: usize,
    ) -> Result<Vec<Vec<f32>>> {
        let mut rows = Vec::with_capacity(images.len());
        for chunk in images.chunks(batch_size.max(1)) {
            rows.extend(self.features_of_inputs(chunk.iter().map(images::to_input).collect())?);
        }
        Ok(rows)
    }

    /// Features of every image directly inside `dir`, in batches of `batch_size`. Files that do not
    /// decode are skipped and listed; a folder without any readable image is an error. The next
    /// batch is decoded while the device computes the current one.
    pub fn features_of_dir(&self, dir: &Path, batch_size: usize) -> Result<DirFeatures> {
        let files = images::list(dir)?;
        if files.is_empty() {
            bail!(
                "{} holds no {} images",
                dir.display(),
                crate::data::IMAGE_EXTENSIONS.join("/")
            );
        }
        let mut rows = Vec::with_capacity(files.len());
        let mut skipped = Vec::new();
        let mut pending: Option<Tensor<2>> = None;
        for chunk in files.chunks(batch_size.max(1)) {
            let decoded: Vec<Result<Vec<f32>>> = chunk
                .par_iter()
                .map(|path| images::decode(path).map(|image| images::to_input(&image)))
                .collect();
            let mut inputs = Vec::with_capacity(chunk.len());
            for (path, result) in chunk.iter().zip(decoded) {
                match result {
                    Ok(input) => inputs.push(input),
                    Err(e) => skipped.push((path.clone(), format!("{e:#}"))),
                }
            }
            let launched = (!inputs.is_empty()).then(|| self.launch(inputs));
            if let Some(previous) = std::mem::replace(&mut pending, launched) {
                rows.extend(Self::collect(previous)?);
            }
        }
        if let Some(last) = pending {
            rows.extend(Self::collect(last)?);
        }
        if rows.is_empty() {
            bail!(
                "none of the {} image files in {} could be read (first: {})",
                files.len(),
                dir.display(),
                skipped.first().map_or(String::new(), |(_, e)| e.clone())
            );
        }
        Ok(DirFeatures {
            features: Features::from_rows(&rows)?,
            skipped,
        })
    }
}

/// Loads the weights once and evaluates folder pairs.
#[derive(Debug)]
pub struct Evaluator {
    extractor: FeatureExtractor,
    options: EvalOptions,
}

impl Evaluator {
    /// Finds and loads the weights (see [`weights::locate`]).
    pub fn new(options: &EvalOptions, device: &Device) -> Result<Self> {
        if options.batch_size == 0 {
            bail!("the batch size must be at least 1");
        }
        let path = weights::locate(options.weights.as_deref())?;
        Ok(Self::with_extractor(
            FeatureExtractor::load(&path, device)?,
            options,
        ))
    }

    /// Uses an extractor already built (a narrowed network in tests).
    pub fn with_extractor(extractor: FeatureExtractor, options: &EvalOptions) -> Self {
        Self {
            extractor,
            options: options.clone(),
        }
    }

    /// The extractor, to compute features directly.
    pub fn extractor(&self) -> &FeatureExtractor {
        &self.extractor
    }

    /// FID and KID of `fake` against `real`. Skipped files are named on stderr.
    pub fn evaluate_dirs(&self, real: &Path, fake: &Path) -> Result<EvalReport> {
        let real = self.measured_dir(real)?;
        let fake = self.measured_dir(fake)?;
        self.compare(&real, &fake)
    }

    /// A test split's scores: `fake_b` (A translated) against `test_b`, `fake_a` against `test_a`,
    /// and the untranslated `test_a` against `test_b`. Each folder's features are computed once.
    pub fn evaluate_split(
        &self,
        [test_a, test_b]: [&Path; 2],
        [fake_a, fake_b]: [&Path; 2],
    ) -> Result<SplitScores> {
        let (test_a, test_b) = (self.measured_dir(test_a)?, self.measured_dir(test_b)?);
        let (fake_a, fake_b) = (self.measured_dir(fake_a)?, self.measured_dir(fake_b)?);
        Ok(SplitScores {
            a_to_b: self.compare(&test_b, &fake_b)?,
            b_to_a: self.compare(&test_a, &fake_a)?,
            baseline: self.compare(&test_b, &test_a)?,
        })
    }

    /// A folder's features, timed; its skipped files are named on stderr.
    fn measured_dir(&self, dir: &Path) -> Result<MeasuredDir> {
        let start = Instant::now();
        let features = self
            .extractor
            .features_of_dir(dir, self.options.batch_size)?;
        for (path, reason) in &features.skipped {
            eprintln!("eval: skipped {}: {reason}", path.display());
        }
        Ok(MeasuredDir {
            dir: dir.to_path_buf(),
            features,
            seconds: start.elapsed().as_secs_f64(),
        })
    }

    /// FID and KID between two folders' features.
    fn compare(&self, real: &MeasuredDir, fake: &MeasuredDir) -> Result<EvalReport> {
        let (a, b) = (&real.features.features, &fake.features.features);
        let fid = fid::fid(a, b)?;
        let kid = kid::kid(a, b, &self.options.kid)?;
        let feature_seconds = real.seconds + fake.seconds;
        Ok(EvalReport {
            fid,
            kid_mean: kid.mean,
            kid_std: kid.std,
            kid_subset_size: kid.subset_size,
            kid_subsets: kid.subsets,
            real: real.summary(),
            fake: fake.summary(),
            feature_seconds: (feature_seconds * 1000.0).round() / 1000.0,
        })
    }
}

/// A folder's features and how long they took.
struct MeasuredDir {
    dir: PathBuf,
    features: DirFeatures,
    seconds: f64,
}

impl MeasuredDir {
    fn summary(&self) -> SetSummary {
        SetSummary {
            dir: self.dir.clone(),
            images: self.features.features.len(),
            skipped: self.features.skipped.len(),
        }
    }
}

/// What `test --eval` measures (and writes to `eval.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SplitScores {
    /// The A → B translations against the real B test images.
    pub a_to_b: EvalReport,
    /// The B → A translations against the real A test images.
    pub b_to_a: EvalReport,
    /// The A test images, untranslated, against the B ones: what a model has to improve on.
    pub baseline: EvalReport,
}

/// FID and KID of the images in `fake` against those in `real` (each folder's own files, not its
/// subfolders; jpg/jpeg/png).
pub fn evaluate_dirs(
    real: &Path,
    fake: &Path,
    options: &EvalOptions,
    device: &Device,
) -> Result<EvalReport> {
    Evaluator::new(options, device)?.evaluate_dirs(real, fake)
}

/// Options of `eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Folder of real images (jpg/png, not searched recursively).
    #[arg(long)]
    pub real: PathBuf,
    /// Folder of generated images.
    #[arg(long)]
    pub fake: PathBuf,
    /// FID Inception-v3 weights [default: $UNPAIRED_FID_WEIGHTS, else
    /// ~/.cache/unpaired/fid_inception_v3.safetensors, made by scripts/fetch-fid-weights.sh].
    #[arg(long)]
    pub weights: Option<PathBuf>,
    /// Compute device.
    #[arg(long, value_enum, default_value = "auto")]
    pub device: DeviceChoice,
    /// Images per forward pass.
    #[arg(long = "batch-size", alias = "batch_size", default_value_t = 16)]
    pub batch_size: usize,
    /// KID: number of random subsets.
    #[arg(long = "kid-subsets", default_value_t = 100)]
    pub kid_subsets: usize,
    /// KID: images per subset (capped at the smaller folder's count).
    #[arg(long = "kid-subset-size", default_value_t = 1000)]
    pub kid_subset_size: usize,
    /// KID: seed of the subset draws.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// Runs `eval` and prints its JSON line (the report plus the device).
pub fn run(args: &EvalArgs) -> Result<()> {
    let options = EvalOptions {
        weights: args.weights.clone(),
        batch_size: args.batch_size,
        kid: KidOptions {
            subsets: args.kid_subsets,
            subset_size: args.kid_subset_size,
            seed: args.seed,
        },
    };
    // Check the weights and folders before starting a GPU, so a mistake is reported at once.
    weights::locate(options.weights.as_deref())?;
    images::list(&args.real)?;
    images::list(&args.fake)?;
    let (device, name) = device::open(args.device)?;
    let report = evaluate_dirs(&args.real, &args.fake, &options, &device)?;
    let mut line = serde_json::to_value(&report)?;
    line["device"] = name.into();
    println!("{line}");
    Ok(())
}
