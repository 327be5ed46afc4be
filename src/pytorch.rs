//! Generators saved by the reference PyTorch implementation (pytorch-CycleGAN-and-pix2pix):
//! `nn.Sequential` keys (`model.1.weight`, `model.10.conv_block.5.bias`, …) mapped onto our
//! [`ResnetGenerator`]. The tensors come from wherever the caller read them: the trainer's
//! `import` reads a `.pth` file with burn-store's `PytorchStore`, the browser reads one in
//! JavaScript (`www/pytorch.js`); both hand them here, so the mapping exists once.
//!
//! Handled variants: checkpoints wrapped in a top-level dictionary (`{"state_dict": …}`) or saved
//! from `DataParallel` (`module.` prefix); InstanceNorm running statistics that old checkpoints carry
//! (ignored, as the reference's own loader does); blocks named `block` instead of `conv_block`; and
//! affine InstanceNorm. Anything else (a discriminator, a U-Net, another width or depth) is an error
//! that says what the file looks like and which keys are missing or unexpected.

use std::collections::{BTreeMap, BTreeSet};

use burn::store::burn_pack::Tensor as PackTensor;
use burn::store::{ModuleSnapshot, PyTorchToBurnAdapter};
use burn::tensor::Device;
use thiserror::Error;

use crate::model::{ResnetGenerator, ResnetGeneratorConfig};

/// InstanceNorm statistics that old checkpoints carry and the reference's loader drops.
const RUNNING_STATS: [&str; 3] = ["running_mean", "running_var", "num_batches_tracked"];

/// What a reference checkpoint holds, read from its keys and shapes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Contents {
    /// A ResNet generator.
    ResnetGenerator {
        /// Filters in the first layer.
        ngf: usize,
        /// Residual blocks.
        n_blocks: usize,
        /// `conv_block` (the reference) or `block` (a common variant).
        block_name: String,
        /// InstanceNorm with weight and bias.
        norm_affine: bool,
    },
    /// A PatchGAN discriminator (`latest_net_D_A.pth`).
    PatchDiscriminator {
        /// Filters in the first layer.
        ndf: usize,
    },
    /// pix2pix's U-Net generator.
    UnetGenerator,
    /// Nothing we recognise.
    Unknown,
}

impl std::fmt::Display for Contents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Contents::ResnetGenerator {
                ngf,
                n_blocks,
                block_name,
                norm_affine,
            } => write!(
                f,
                "a ResNet generator with ngf {ngf} and {n_blocks} residual blocks (--netG resnet_{n_blocks}blocks --ngf {ngf}; blocks named '{block_name}', {} InstanceNorm)",
                if *norm_affine { "affine" } else { "plain" }
            ),
            Contents::PatchDiscriminator { ndf } => write!(
                f,
                "a PatchGAN discriminator (ndf {ndf}), a latest_net_D_*.pth file; the translations are in the generators, latest_net_G_A.pth and latest_net_G_B.pth"
            ),
            Contents::UnetGenerator => write!(
                f,
                "a pix2pix U-Net generator (unet_256/unet_128), which Unpaired does not run"
            ),
            Contents::Unknown => write!(f, "not a CycleGAN network this tool knows"),
        }
    }
}

/// Why a checkpoint's tensors do not make a generator. Each message follows the file's name.
#[derive(Debug, Error)]
pub enum PytorchError {
    /// No tensors at all.
    #[error("holds no tensors")]
    Empty,
    /// Not a ResNet generator.
    #[error("is {0}")]
    NotAGenerator(Contents),
    /// A ResNet generator, but not of the asked shape, or with keys missing or unexpected.
    #[error(
        "does not fit --netG resnet_{n_blocks}blocks --ngf {ngf}: the file holds {contents}.{listed}"
    )]
    DoesNotFit {
        /// Filters asked for.
        ngf: usize,
        /// Residual blocks asked for.
        n_blocks: usize,
        /// What the file holds.
        contents: Contents,
        /// The keys missing, unexpected or of the wrong shape, a line each kind.
        listed: String,
    },
    /// A tensor that fits by its key and shape but could not be applied (its data type, say).
    #[error("did not load cleanly:\n{0}")]
    Load(String),
}

/// A checkpoint's tensors: key (without any wrapping prefix) → shape.
#[derive(Debug)]
pub struct Checkpoint {
    /// Prefix before `model.` in every key (`state_dict.`, `module.`, or empty).
    pub prefix: String,
    /// Every tensor's key, without the prefix, and its shape.
    pub tensors: BTreeMap<String, Vec<usize>>,
}

impl Checkpoint {
    /// A checkpoint of these tensors (full keys, as the file has them, and shapes).
    pub fn from_shapes(shapes: impl IntoIterator<Item = (String, Vec<usize>)>) -> Self {
        let all: BTreeMap<String, Vec<usize>> = shapes.into_iter().collect();
        let keys: Vec<&String> = all.keys().collect();
        let prefix = common_prefix(&keys);
        let tensors = all
            .iter()
            .map(|(key, shape)| (key[prefix.len()..].to_string(), shape.clone()))
            .collect();
        Self { prefix, tensors }
    }

    /// What the file holds.
    pub fn contents(&self) -> Contents {
        let shape = |key: &str| self.tensors.get(key).map(Vec::as_slice);
        // The U-Net nests `UnetSkipConnectionBlock`s, each with its own `model`:
        // `model.model.0.weight`, `model.model.1.model.1.weight`, …
        let nested = |key: &String| key.contains(".model.");
        if self.prefix.ends_with("model.") || self.tensors.keys().any(nested) {
            return Contents::UnetGenerator;
        }
        if let Some([ndf, 3, 4, 4]) = shape("model.0.weight") {
            return Contents::PatchDiscriminator { ndf: *ndf };
        }
        let Some([ngf, 3, 7, 7]) = shape("model.1.weight") else {
            return Contents::Unknown;
        };
        let mut blocks = BTreeSet::new();
        let mut block_name = "conv_block".to_string();
        for key in self.tensors.keys() {
            let mut parts = key.split('.');
            if let (Some("model"), Some(index), Some(name)) =
                (parts.next(), parts.next(), parts.next())
                && (name == "conv_block" || name == "block")
                && let Ok(index) = index.parse::<usize>()
            {
                blocks.insert(index);
                block_name = name.to_string();
            }
        }
        Contents::ResnetGenerator {
            ngf: *ngf,
            n_blocks: blocks.len(),
            block_name,
            norm_affine: self.tensors.contains_key("model.2.weight"),
        }
    }
}

/// The longest prefix ending in `.` that every key has before its `model.<digit>` part.
fn common_prefix(keys: &[&String]) -> String {
    let prefix_of = |key: &str| -> Option<usize> {
        let mut start = 0;
        while let Some(found) = key[start..].find("model.") {
            let at = start + found;
            let rest = &key[at + "model.".len()..];
            let boundary = at == 0 || key.as_bytes()[at - 1] == b'.';
            if boundary && rest.starts_with(|c: char| c.is_ascii_digit()) {
                return Some(at);
            }
            start = at + 1;
        }
        None
    };
    let Some(first) = keys.first().and_then(|k| prefix_of(k).map(|at| &k[..at])) else {
        return String::new();
    };
    if keys
        .iter()
        .all(|k| prefix_of(k).is_some_and(|at| &k[..at] == first))
    {
        first.to_string()
    } else {
        String::new()
    }
}

/// One of our parameters and where the reference keeps it.
struct Mapping {
    /// Reference module path (`model.10.conv_block.1`).
    torch: String,
    /// Our module path (`blocks.0.conv1`).
    ours: String,
    /// `(reference name, our name, shape)` of each parameter under that module.
    params: Vec<(&'static str, &'static str, Vec<usize>)>,
}

fn conv(torch: String, ours: &str, shape: [usize; 4], bias: usize) -> Mapping {
    Mapping {
        torch,
        ours: ours.to_string(),
        params: vec![
            ("weight", "weight", shape.to_vec()),
            ("bias", "bias", vec![bias]),
        ],
    }
}

/// Affine InstanceNorm: PyTorch's `weight`/`bias` are burn's `gamma`/`beta`.
fn norm(torch: String, ours: &str, channels: usize) -> Mapping {
    Mapping {
        torch,
        ours: ours.to_string(),
        params: vec![
            ("weight", "gamma", vec![channels]),
            ("bias", "beta", vec![channels]),
        ],
    }
}

/// Where each parameter of a generator of `config` sits in a reference checkpoint.
fn layout(config: &ResnetGeneratorConfig, block_name: &str) -> Vec<Mapping> {
    let (ngf, nb) = (config.ngf, config.n_blocks);
    let m = |i: usize| format!("model.{i}");
    let mut maps = vec![
        conv(m(1), "stem", [ngf, 3, 7, 7], ngf),
        conv(m(4), "down1", [2 * ngf, ngf, 3, 3], 2 * ngf),
        conv(m(7), "down2", [4 * ngf, 2 * ngf, 3, 3], 4 * ngf),
        conv(m(10 + nb), "up1", [4 * ngf, 2 * ngf, 3, 3], 2 * ngf),
        conv(m(13 + nb), "up2", [2 * ngf, ngf, 3, 3], ngf),
        conv(m(17 + nb), "head", [3, ngf, 7, 7], 3),
    ];
    for i in 0..nb {
        let block = format!("model.{}.{block_name}", 10 + i);
        let c = 4 * ngf;
        maps.push(conv(
            format!("{block}.1"),
            &format!("blocks.{i}.conv1"),
            [c, c, 3, 3],
            c,
        ));
        maps.push(conv(
            format!("{block}.5"),
            &format!("blocks.{i}.conv2"),
            [c, c, 3, 3],
            c,
        ));
        if config.norm_affine {
            maps.push(norm(format!("{block}.2"), &format!("blocks.{i}.norm1"), c));
            maps.push(norm(format!("{block}.6"), &format!("blocks.{i}.norm2"), c));
        }
    }
    if config.norm_affine {
        maps.extend([
            norm(m(2), "norm_stem", ngf),
            norm(m(5), "norm_down1", 2 * ngf),
            norm(m(8), "norm_down2", 4 * ngf),
            norm(m(11 + nb), "norm_up1", 2 * ngf),
            norm(m(14 + nb), "norm_up2", ngf),
        ]);
    }
    maps
}

/// The keys a generator of `config` needs that `checkpoint` lacks, those it has besides, and those
/// of another shape, as lines for [`PytorchError::DoesNotFit`]; empty when everything fits.
fn misfits(checkpoint: &Checkpoint, maps: &[Mapping]) -> String {
    let expected: BTreeMap<String, &Vec<usize>> = maps
        .iter()
        .flat_map(|m| {
            m.params
                .iter()
                .map(move |(p, _, shape)| (format!("{}.{p}", m.torch), shape))
        })
        .collect();
    let found: BTreeMap<&String, &Vec<usize>> = checkpoint
        .tensors
        .iter()
        .filter(|(key, _)| !RUNNING_STATS.iter().any(|s| key.ends_with(s)))
        .collect();
    let missing: Vec<String> = expected
        .keys()
        .filter(|k| !found.contains_key(k))
        .cloned()
        .collect();
    let unexpected: Vec<String> = found
        .keys()
        .filter(|k| !expected.contains_key(**k))
        .map(|k| k.to_string())
        .collect();
    let wrong_shape: Vec<String> = expected
        .iter()
        .filter_map(|(key, shape)| {
            found
                .get(key)
                .filter(|f| f != &shape)
                .map(|f| format!("{key}: expected {shape:?}, the file has {f:?}"))
        })
        .collect();
    let mut listed = String::new();
    for (what, list) in [
        ("missing", missing),
        ("unexpected", unexpected),
        ("of the wrong shape", wrong_shape),
    ] {
        if !list.is_empty() {
            let shown: Vec<&str> = list.iter().take(6).map(String::as_str).collect();
            let more = list.len().saturating_sub(shown.len());
            listed += &format!(
                "\n  {} key(s) {what}: {}{}",
                list.len(),
                shown.join(", "),
                if more > 0 {
                    format!(", … ({more} more)")
                } else {
                    String::new()
                }
            );
        }
    }
    listed
}

/// A generator made of a reference checkpoint's tensors (named as in the file), on `device`.
/// Its shape is `config`'s, or, without one, the one the file holds; its `norm_affine` is always
/// the file's. Errors say what the file holds and what does not fit.
pub fn load_generator(
    tensors: Vec<PackTensor>,
    config: Option<&ResnetGeneratorConfig>,
    device: &Device,
) -> Result<ResnetGenerator, PytorchError> {
    if tensors.is_empty() {
        return Err(PytorchError::Empty);
    }
    let checkpoint = Checkpoint::from_shapes(
        tensors
            .iter()
            .map(|tensor| (tensor.name.clone(), tensor.shape.to_vec())),
    );
    let contents = checkpoint.contents();
    let Contents::ResnetGenerator {
        ngf,
        n_blocks,
        block_name,
        norm_affine,
    } = &contents
    else {
        return Err(PytorchError::NotAGenerator(contents));
    };
    let config = config
        .cloned()
        .unwrap_or_else(|| {
            ResnetGeneratorConfig::new()
                .with_ngf(*ngf)
                .with_n_blocks(*n_blocks)
        })
        .with_norm_affine(*norm_affine);
    let maps = layout(&config, block_name);
    let listed = misfits(&checkpoint, &maps);
    if !listed.is_empty() {
        return Err(PytorchError::DoesNotFit {
            ngf: config.ngf,
            n_blocks: config.n_blocks,
            contents,
            listed,
        });
    }

    // Each tensor under our name; the running statistics (which fit nothing) left out.
    let prefix = &checkpoint.prefix;
    let ours: BTreeMap<String, String> = maps
        .iter()
        .flat_map(|m| {
            m.params.iter().map(move |(theirs, ours, _)| {
                (
                    format!("{prefix}{}.{theirs}", m.torch),
                    format!("{}.{ours}", m.ours),
                )
            })
        })
        .collect();
    let renamed: Vec<PackTensor> = tensors
        .into_iter()
        .filter_map(|mut tensor| {
            tensor.name = ours.get(&tensor.name)?.clone();
            Some(tensor)
        })
        .collect();
    let mut generator = config.init(device);
    let result = generator.apply(renamed, None, Some(Box::new(PyTorchToBurnAdapter)), false);
    if !result.errors.is_empty() || !result.missing.is_empty() {
        return Err(PytorchError::Load(result.to_string()));
    }
    Ok(generator)
}
