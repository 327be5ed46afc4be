//! `import`: a generator (or two) trained with the reference PyTorch implementation, converted and
//! exported as a web model.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, ValueEnum};
use unpaired::manifest::ModelParts;
use unpaired::{ModelManifest, Precision, ResnetGeneratorConfig};

use crate::export::export;
use crate::netg::NetG;
use crate::pytorch;

/// `--precision`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PrecisionArg {
    /// Half-size files (default for the web).
    F16,
    /// Full precision.
    F32,
}

impl From<PrecisionArg> for Precision {
    fn from(value: PrecisionArg) -> Self {
        match value {
            PrecisionArg::F16 => Precision::F16,
            PrecisionArg::F32 => Precision::F32,
        }
    }
}

/// Options of `import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The A→B generator: `latest_net_G_A.pth`, or a published one such as `horse2zebra.pth`.
    #[arg(long)]
    pub from: PathBuf,
    /// The B→A generator (`latest_net_G_B.pth`); without it the model has one direction.
    #[arg(long = "from-b", alias = "from_b")]
    pub from_b: Option<PathBuf>,
    /// Generator architecture: resnet_9blocks or resnet_6blocks.
    #[arg(long = "netG", alias = "netg", default_value = "resnet_9blocks")]
    pub net_g: NetG,
    /// Generator filters in the first layer.
    #[arg(long, default_value_t = 64)]
    pub ngf: usize,
    /// The model's name (and its folder under `www/models/`).
    #[arg(long)]
    pub name: String,
    /// Name of domain A, shown in the web app.
    #[arg(long = "domain-a", alias = "domain_a", default_value = "A")]
    pub domain_a: String,
    /// Name of domain B.
    #[arg(long = "domain-b", alias = "domain_b", default_value = "B")]
    pub domain_b: String,
    /// The square size the model was trained at.
    #[arg(long = "train-size", alias = "train_size", default_value_t = 256)]
    pub train_size: u32,
    /// Storage precision of the exported weights.
    #[arg(long, value_enum, default_value = "f16")]
    pub precision: PrecisionArg,
    /// Output folder [default: www/models/NAME].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Make it the model the web app preselects (`default` in index.json).
    #[arg(long = "default")]
    pub make_default: bool,
}

/// Converts and exports; returns the manifest written.
pub fn run(args: &ImportArgs) -> Result<ModelManifest> {
    crate::export::ensure_plain_name(&args.name)?;
    let config = ResnetGeneratorConfig::new()
        .with_ngf(args.ngf)
        .with_n_blocks(args.net_g.blocks);
    let a_to_b = pytorch::load_generator(&args.from, &config)?;
    let b_to_a = args
        .from_b
        .as_deref()
        .map(|path| pytorch::load_generator(path, &config))
        .transpose()?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("www/models").join(&args.name));
    let sources = match &args.from_b {
        Some(b) => format!("{} and {}", file_name(&args.from), file_name(b)),
        None => file_name(&args.from),
    };
    export(
        &ModelParts {
            name: args.name.clone(),
            domain_a: args.domain_a.clone(),
            domain_b: args.domain_b.clone(),
            train_size: args.train_size,
            precision: args.precision.into(),
            description: Some(format!(
                "Imported from the PyTorch checkpoint(s) {sources}."
            )),
            a_to_b: Some(&a_to_b),
            b_to_a: b_to_a.as_ref(),
            card: None,
        },
        args.make_default,
        &out,
    )
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}
