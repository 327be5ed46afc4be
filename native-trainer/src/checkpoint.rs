//! Training checkpoints: a folder per snapshot (`latest`, `epoch_N`) in the run folder, holding
//! the four networks, both optimisers' state, the history pools and `state.json`.
//!
//! A snapshot is written into `NAME.partial/` and then renamed into place (the old one is moved
//! to `NAME.old/` for the instant between the two renames and then deleted), so a kill at any
//! moment leaves a complete snapshot: the new one, or the previous one (found under `.old`).

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail, ensure};
use burn::tensor::{Bytes, Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};
use unpaired::{PatchDiscriminatorConfig, Precision, ResnetGeneratorConfig, weights};

use crate::export::write_atomically;
use crate::train::step::{CycleGan, Discriminators, Generators, RecipeConfig};

/// Snapshot format written by this version.
pub const FORMAT: u32 = 1;
/// The snapshot resumed by `--continue` and used by `test` / `export` by default.
pub const LATEST: &str = "latest";

/// `state.json`: where training stands and what the networks are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingState {
    /// Snapshot format.
    pub format: u32,
    /// Epochs completed (1-based count; the next epoch is `epoch + 1`).
    pub epoch: usize,
    /// Training iterations completed.
    pub iterations: u64,
    /// The run's seed (data order, crops, flips, pools).
    pub seed: u64,
    /// Generators' shape.
    pub generator: ResnetGeneratorConfig,
    /// Discriminators' shape.
    pub discriminator: PatchDiscriminatorConfig,
    /// Square training size (`--crop-size`).
    pub crop_size: u32,
}

/// The file names inside a snapshot folder.
const G_A: &str = "G_A.bpk";
const G_B: &str = "G_B.bpk";
const D_A: &str = "D_A.bpk";
const D_B: &str = "D_B.bpk";
const OPTIM_G: &str = "optimizer_G.bpk";
const OPTIM_D: &str = "optimizer_D.bpk";
const POOL_A: &str = "pool_A.bin";
const POOL_B: &str = "pool_B.bin";
const STATE: &str = "state.json";

/// `epoch_N`.
pub fn epoch_label(epoch: usize) -> String {
    format!("epoch_{epoch}")
}

/// The snapshot an `--epoch` option names: `latest` or `epoch_N`.
pub fn label(epoch: &str) -> Result<String> {
    if epoch == LATEST {
        return Ok(LATEST.to_string());
    }
    match epoch.parse::<usize>() {
        Ok(n) => Ok(epoch_label(n)),
        Err(_) => bail!("--epoch must be 'latest' or an epoch number, got '{epoch}'"),
    }
}

/// Which run and snapshot a command reads (`test`, `export`, `export-onnx`, `pack`; `train` with
/// `--continue`).
#[derive(Debug, Clone, clap::Args, Serialize, Deserialize)]
pub struct SnapshotArgs {
    /// The run's name.
    #[arg(long)]
    pub name: String,
    /// Where the run's folder is.
    #[arg(
        long = "checkpoints-dir",
        alias = "checkpoints_dir",
        default_value = "checkpoints"
    )]
    pub checkpoints_dir: PathBuf,
    /// Which snapshot: `latest` or an epoch number.
    #[arg(long, default_value = "latest")]
    pub epoch: String,
}

impl SnapshotArgs {
    /// `--name NAME` in `--checkpoints-dir` (the default), at `latest`.
    pub fn latest(name: impl Into<String>, checkpoints_dir: impl Into<PathBuf>) -> Self {
        Self {
            name: name.into(),
            checkpoints_dir: checkpoints_dir.into(),
            epoch: LATEST.to_string(),
        }
    }

    /// The run's folder.
    pub fn run_dir(&self) -> PathBuf {
        self.checkpoints_dir.join(&self.name)
    }

    /// The snapshot's folder, which must exist; the name must be a plain folder name.
    pub fn snapshot(&self) -> Result<PathBuf> {
        crate::export::ensure_plain_name(&self.name)?;
        trained(&self.run_dir(), &self.epoch)
    }
}

/// The folder of the snapshot `--epoch` names, which must exist (for `test` and `export`).
pub fn trained(run_dir: &Path, epoch: &str) -> Result<PathBuf> {
    let label = label(epoch)?;
    find(run_dir, &label).with_context(|| {
        format!(
            "{} has no snapshot '{label}': train it first",
            run_dir.display()
        )
    })
}

/// Writes the whole training state as snapshot `label` of `run_dir`.
pub fn save(run_dir: &Path, label: &str, gan: &CycleGan, state: &TrainingState) -> Result<()> {
    let partial = run_dir.join(format!("{label}.partial"));
    if partial.exists() {
        fs::remove_dir_all(&partial)?;
    }
    fs::create_dir_all(&partial).with_context(|| format!("creating {}", partial.display()))?;
    let networks: [(&str, Vec<u8>); 4] = [
        (G_A, weights::to_bytes(&gan.generators.g_a, Precision::F32)?),
        (G_B, weights::to_bytes(&gan.generators.g_b, Precision::F32)?),
        (
            D_A,
            weights::to_bytes(&gan.discriminators.d_a, Precision::F32)?,
        ),
        (
            D_B,
            weights::to_bytes(&gan.discriminators.d_b, Precision::F32)?,
        ),
    ];
    for (file, bytes) in networks {
        fs::write(partial.join(file), bytes)?;
    }
    let [optim_g, optim_d] = gan
        .optimizer_state()
        .map_err(|e| anyhow::anyhow!("saving the optimiser state: {e:?}"))?;
    fs::write(partial.join(OPTIM_G), &optim_g[..])?;
    fs::write(partial.join(OPTIM_D), &optim_d[..])?;
    let [pool_a, pool_b] = gan.pools();
    fs::write(partial.join(POOL_A), pool_bytes(pool_a.images())?)?;
    fs::write(partial.join(POOL_B), pool_bytes(pool_b.images())?)?;
    fs::write(
        partial.join(STATE),
        serde_json::to_string_pretty(state)? + "\n",
    )?;
    replace_dir(&partial, &run_dir.join(label))
}

/// Makes `to` a copy of snapshot `from` (hard links where the file system allows, so it costs
/// no time and no space until `from` is next rewritten).
pub fn copy_snapshot(run_dir: &Path, from: &str, to: &str) -> Result<()> {
    let source = run_dir.join(from);
    let partial = run_dir.join(format!("{to}.partial"));
    if partial.exists() {
        fs::remove_dir_all(&partial)?;
    }
    fs::create_dir_all(&partial)?;
    for entry in fs::read_dir(&source)? {
        let entry = entry?;
        let target = partial.join(entry.file_name());
        if fs::hard_link(entry.path(), &target).is_err() {
            fs::copy(entry.path(), &target)?;
        }
    }
    replace_dir(&partial, &run_dir.join(to))
}

/// Renames `partial` to `target`, keeping the previous `target` as `target.old` until the new one
/// is in place.
fn replace_dir(partial: &Path, target: &Path) -> Result<()> {
    let old = with_suffix(target, ".old");
    if target.exists() {
        if old.exists() {
            fs::remove_dir_all(&old)?;
        }
        fs::rename(target, &old)?;
    }
    fs::rename(partial, target).with_context(|| format!("writing {}", target.display()))?;
    if old.exists() {
        fs::remove_dir_all(&old)?;
    }
    Ok(())
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut path = path.as_os_str().to_owned();
    path.push(suffix);
    PathBuf::from(path)
}

/// The folder of snapshot `label`, if a complete one exists (falling back to the copy kept
/// while a newer one was being renamed into place).
pub fn find(run_dir: &Path, label: &str) -> Option<PathBuf> {
    let dir = run_dir.join(label);
    let old = with_suffix(&dir, ".old");
    [dir, old].into_iter().find(|d| d.join(STATE).is_file())
}

/// Reads a snapshot's `state.json`.
pub fn read_state(snapshot: &Path) -> Result<TrainingState> {
    let path = snapshot.join(STATE);
    let text = fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let state: TrainingState = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a training state", path.display()))?;
    ensure!(
        state.format == FORMAT,
        "{} has snapshot format {}, this version reads {FORMAT}",
        path.display(),
        state.format
    );
    Ok(state)
}

/// Loads one generator of a snapshot (`G_A` or `G_B`) onto `device`.
pub fn load_generator(
    snapshot: &Path,
    which: &str,
    config: &ResnetGeneratorConfig,
    device: &Device,
) -> Result<unpaired::ResnetGenerator> {
    let path = snapshot.join(format!("{which}.bpk"));
    let bytes = fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    weights::load_into(config.init(device), bytes)
        .with_context(|| format!("loading {}", path.display()))
}

/// Restores the training state from `snapshot`: the networks, and the optimisers' state and
/// history pools where the snapshot has them. A packed snapshot (`native-trainer pack`: networks
/// and `state.json` only, small enough to carry between machines) resumes with fresh Adam moments
/// and empty pools; [`has_optimizer_state`] tells which it is.
pub fn load(
    snapshot: &Path,
    config: RecipeConfig,
    device: &Device,
) -> Result<(CycleGan, TrainingState)> {
    let state = read_state(snapshot)?;
    if state.generator != config.generator || state.discriminator != config.discriminator {
        bail!(
            "{} holds networks of another shape (generator {:?}, discriminator {:?}) than asked for",
            snapshot.display(),
            state.generator,
            state.discriminator
        );
    }
    let (generators, discriminators) = load_networks(snapshot, &config, device)?;
    if !has_optimizer_state(snapshot)? {
        let gan = CycleGan::from_networks(config, generators, discriminators, state.seed);
        return Ok((gan, state));
    }
    let optimizers = [
        Bytes::from_bytes_vec(read(snapshot, OPTIM_G)?),
        Bytes::from_bytes_vec(read(snapshot, OPTIM_D)?),
    ];
    let pools = [
        pool_from_bytes(&read(snapshot, POOL_A)?, device).context("reading pool_A.bin")?,
        pool_from_bytes(&read(snapshot, POOL_B)?, device).context("reading pool_B.bin")?,
    ];
    let gan = CycleGan::restore(config, generators, discriminators, optimizers, pools)
        .map_err(|e| anyhow::anyhow!("loading the optimiser state: {e:?}"))?;
    Ok((gan, state))
}

/// Whether `snapshot` holds the optimisers' state and the pools (a full snapshot) or neither (a
/// packed one); some but not all of those files is an error.
pub fn has_optimizer_state(snapshot: &Path) -> Result<bool> {
    let present: Vec<bool> = [OPTIM_G, OPTIM_D, POOL_A, POOL_B]
        .iter()
        .map(|file| snapshot.join(file).exists())
        .collect();
    match present.iter().filter(|p| **p).count() {
        0 => Ok(false),
        4 => Ok(true),
        _ => bail!(
            "{} is incomplete: it has some but not all of {OPTIM_G}, {OPTIM_D}, {POOL_A}, {POOL_B}",
            snapshot.display()
        ),
    }
}

fn read(snapshot: &Path, file: &str) -> Result<Vec<u8>> {
    let path = snapshot.join(file);
    fs::read(&path).with_context(|| format!("reading {}", path.display()))
}

/// The four networks of `snapshot` (f32 or f16 files), as f32 on `device`.
fn load_networks(
    snapshot: &Path,
    config: &RecipeConfig,
    device: &Device,
) -> Result<(Generators, Discriminators)> {
    let generator = |file| -> Result<_> {
        weights::load_into(config.generator.init(device), read(snapshot, file)?)
            .with_context(|| format!("loading {file}"))
    };
    let discriminator = |file| -> Result<_> {
        weights::load_into(config.discriminator.init(device), read(snapshot, file)?)
            .with_context(|| format!("loading {file}"))
    };
    let generators = Generators {
        g_a: generator(G_A)?,
        g_b: generator(G_B)?,
    };
    let discriminators = Discriminators {
        d_a: discriminator(D_A)?,
        d_b: discriminator(D_B)?,
    };
    Ok((generators, discriminators))
}

/// Options of `pack`.
#[derive(Debug, Clone, clap::Args)]
pub struct PackArgs {
    /// The run and snapshot.
    #[command(flatten)]
    pub run: SnapshotArgs,
    /// Output folder (created; must not hold a snapshot already).
    #[arg(long)]
    pub out: PathBuf,
    /// Storage precision of the networks.
    #[arg(long, value_enum, default_value = "f16")]
    pub precision: crate::import::PrecisionArg,
}

/// `pack`: the snapshot's four networks (f16 by default) and `state.json`, without the optimisers'
/// state and the pools: what carries a run to another machine (a full-size run packs into ~57 MB
/// instead of ~400). Put the folder at `checkpoints/NAME/latest` and `train --continue` resumes it
/// with fresh Adam moments and empty pools. Returns the files written.
pub fn pack(args: &PackArgs) -> Result<Vec<PathBuf>> {
    let snapshot = args.run.snapshot()?;
    let state = read_state(&snapshot)?;
    ensure!(
        !args.out.join(STATE).exists(),
        "{} already holds a snapshot; choose another --out",
        args.out.display()
    );
    let config = RecipeConfig {
        generator: state.generator.clone(),
        discriminator: state.discriminator.clone(),
        ..RecipeConfig::default()
    };
    let (generators, discriminators) = load_networks(&snapshot, &config, &Device::flex())?;
    let precision = args.precision.into();
    fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let files: [(&str, Vec<u8>); 5] = [
        (G_A, weights::to_bytes(&generators.g_a, precision)?),
        (G_B, weights::to_bytes(&generators.g_b, precision)?),
        (D_A, weights::to_bytes(&discriminators.d_a, precision)?),
        (D_B, weights::to_bytes(&discriminators.d_b, precision)?),
        (
            STATE,
            (serde_json::to_string_pretty(&state)? + "\n").into_bytes(),
        ),
    ];
    let mut written = Vec::new();
    for (file, bytes) in files {
        let path = args.out.join(file);
        write_atomically(&path, &bytes)?;
        written.push(path);
    }
    Ok(written)
}

/// Pool file: `UNPPOOL1`, a little-endian u32 header length, a JSON list of shapes, then every
/// image's f32 values (little-endian), in order.
const POOL_MAGIC: &[u8; 8] = b"UNPPOOL1";

fn pool_bytes(images: &[Tensor<4>]) -> Result<Vec<u8>> {
    let mut shapes = Vec::with_capacity(images.len());
    let mut values = Vec::new();
    for image in images {
        shapes.push(image.dims());
        let data = image.clone().try_into_data()?;
        let floats = data
            .convert::<f32>()
            .try_into_vec::<f32>()
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        values.extend(floats.iter().flat_map(|v| v.to_le_bytes()));
    }
    let header = serde_json::to_vec(&shapes)?;
    let mut bytes = Vec::with_capacity(12 + header.len() + values.len());
    bytes.extend_from_slice(POOL_MAGIC);
    bytes.extend_from_slice(&(header.len() as u32).to_le_bytes());
    bytes.extend_from_slice(&header);
    bytes.extend_from_slice(&values);
    Ok(bytes)
}

fn pool_from_bytes(bytes: &[u8], device: &Device) -> Result<Vec<Tensor<4>>> {
    ensure!(
        bytes.len() >= 12 && &bytes[..8] == POOL_MAGIC,
        "not a pool file"
    );
    let header_len = u32::from_le_bytes(bytes[8..12].try_into()?) as usize;
    let body = bytes.get(12..).context("truncated pool file")?;
    ensure!(body.len() >= header_len, "truncated pool file");
    let shapes: Vec<[usize; 4]> = serde_json::from_slice(&body[..header_len])?;
    let mut values = &body[header_len..];
    let mut images = Vec::with_capacity(shapes.len());
    for shape in shapes {
        let count: usize = shape.iter().product();
        ensure!(values.len() >= count * 4, "truncated pool file");
        let floats: Vec<f32> = values[..count * 4]
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        values = &values[count * 4..];
        images.push(Tensor::from_data(TensorData::new(floats, shape), device));
    }
    ensure!(values.is_empty(), "pool file has trailing bytes");
    Ok(images)
}

/// Writes `text` atomically (for the run's small files).
pub fn write_text(path: &Path, text: &str) -> Result<()> {
    write_atomically(path, text.as_bytes())
}
