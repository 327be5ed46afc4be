//! Module weights as burnpack bytes: save in f32 or f16 (half the download), load from bytes with
//! errors that name the problem (not a weights file, truncated, made for another network).

use burn::module::Module;
use burn::store::burn_pack::{Error as PackError, Reader};
use burn::store::{BurnpackStore, FloatCastAdapter, ModuleSnapshot};
use burn::tensor::{Bytes, DType};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Metadata key naming the network a file holds (`resnet_generator`, `patch_discriminator`).
pub const NETWORK_KEY: &str = "unpaired.network";
/// Metadata key holding the network's configuration as JSON.
pub const CONFIG_KEY: &str = "unpaired.config";

/// How weights are stored on disk. Computation is always f32.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// 4 bytes a weight.
    #[default]
    F32,
    /// 2 bytes a weight: half the download, ~3 significant digits.
    F16,
}

impl Precision {
    /// The name in a manifest: `f32` or `f16`.
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::F32 => "f32",
            Precision::F16 => "f16",
        }
    }
}

/// Why weights could not be loaded or saved.
#[derive(Debug, Error)]
pub enum WeightsError {
    /// The bytes are not a burnpack file at all.
    #[error("not a weights file ({0}); expected a burnpack (.bpk) file written by Unpaired")]
    NotBurnpack(String),
    /// The file ends before all its tensors.
    #[error("weights file is truncated or damaged: {0}")]
    Truncated(String),
    /// The file holds another kind of network.
    #[error("weights file holds a {found}, not a {expected}")]
    WrongNetwork {
        /// What the loader wanted.
        expected: String,
        /// What the file says it holds.
        found: String,
    },
    /// The file's network has another shape than the one asked for.
    #[error("weights file is for {found}, but the model expects {expected}")]
    WrongConfig {
        /// The configuration asked for.
        expected: String,
        /// The configuration the file was saved with.
        found: String,
    },
    /// Tensors missing, unexpected or of the wrong shape.
    #[error("weights do not fit the network: {0}")]
    Mismatch(String),
    /// Writing the file failed.
    #[error("could not write weights: {0}")]
    Write(String),
}

/// What a network says about itself in the files it is saved to.
pub trait NetworkIdentity {
    /// A short name for the network kind, stored under [`NETWORK_KEY`].
    const NETWORK: &'static str;
    /// The configuration (as JSON) stored under [`CONFIG_KEY`] and compared on load.
    fn config_json(&self) -> String;
    /// Whether a stored configuration describes this network.
    fn config_matches(&self, stored: &str) -> bool {
        same_json(stored, &self.config_json())
    }
}

impl NetworkIdentity for crate::model::ResnetGenerator {
    const NETWORK: &'static str = "resnet_generator";
    fn config_json(&self) -> String {
        serde_json::to_string(&self.config()).expect("a config always serialises")
    }
    fn config_matches(&self, stored: &str) -> bool {
        /// Files written before `norm_affine` existed lack it: they are plain generators.
        #[derive(Deserialize)]
        struct Stored {
            ngf: usize,
            n_blocks: usize,
            #[serde(default)]
            norm_affine: bool,
        }
        let config = self.config();
        serde_json::from_str::<Stored>(stored).is_ok_and(|s| {
            (s.ngf, s.n_blocks, s.norm_affine) == (config.ngf, config.n_blocks, config.norm_affine)
        })
    }
}

impl NetworkIdentity for crate::model::PatchDiscriminator {
    const NETWORK: &'static str = "patch_discriminator";
    fn config_json(&self) -> String {
        serde_json::to_string(&self.config()).expect("a config always serialises")
    }
}

/// Serialises a network's parameters to burnpack bytes.
pub fn to_bytes<M>(module: &M, precision: Precision) -> Result<Vec<u8>, WeightsError>
where
    M: Module + ModuleSnapshot + NetworkIdentity,
{
    let mut store = BurnpackStore::from_bytes(None)
        .metadata(NETWORK_KEY, M::NETWORK)
        .metadata(CONFIG_KEY, module.config_json());
    if precision == Precision::F16 {
        store = store.with_to_adapter(FloatCastAdapter::to(DType::F16));
    }
    module
        .save_into(&mut store)
        .map_err(|e| WeightsError::Write(e.to_string()))?;
    let bytes = store
        .get_bytes()
        .map_err(|e| WeightsError::Write(e.to_string()))?;
    Ok(bytes.to_vec())
}

/// Loads burnpack bytes into `module` (built with the expected configuration), checking first that
/// the file holds this kind of network with this configuration. f16 files are widened to f32.
pub fn load_into<M>(mut module: M, bytes: Vec<u8>) -> Result<M, WeightsError>
where
    M: Module + ModuleSnapshot + NetworkIdentity,
{
    // One shared buffer serves both the header check and the store (clones are zero-copy).
    let bytes = Bytes::from_bytes_vec(bytes).shared();
    let reader = Reader::from_bytes(bytes.clone()).map_err(describe)?;
    let metadata = reader.metadata();
    if let Some(found) = metadata.get(NETWORK_KEY)
        && found != M::NETWORK
    {
        return Err(WeightsError::WrongNetwork {
            expected: M::NETWORK.replace('_', " "),
            found: found.replace('_', " "),
        });
    }
    if let Some(found) = metadata.get(CONFIG_KEY)
        && !module.config_matches(found)
    {
        return Err(WeightsError::WrongConfig {
            expected: compact_json(&module.config_json()),
            found: compact_json(found),
        });
    }
    drop(reader);
    let mut store =
        BurnpackStore::from_bytes(Some(bytes)).with_from_adapter(FloatCastAdapter::to(DType::F32));
    let result = module.load_from(&mut store).map_err(describe)?;
    if !result.unused.is_empty() {
        return Err(WeightsError::Mismatch(format!(
            "unexpected tensors in the file: {}",
            result.unused.join(", ")
        )));
    }
    Ok(module)
}

fn same_json(a: &str, b: &str) -> bool {
    match (
        serde_json::from_str::<serde_json::Value>(a),
        serde_json::from_str::<serde_json::Value>(b),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

fn compact_json(json: &str) -> String {
    serde_json::from_str::<serde_json::Value>(json)
        .map(|v| v.to_string())
        .unwrap_or_else(|_| json.to_string())
}

fn describe(error: PackError) -> WeightsError {
    match error {
        PackError::InvalidMagicNumber => WeightsError::NotBurnpack("wrong magic number".into()),
        PackError::InvalidVersion => {
            WeightsError::NotBurnpack("unsupported burnpack version".into())
        }
        PackError::MetadataDeserializationError(e) => {
            WeightsError::NotBurnpack(format!("unreadable header: {e}"))
        }
        PackError::InvalidHeader => WeightsError::Truncated("the header is incomplete".into()),
        PackError::TensorBytesSizeMismatch(e) | PackError::IoError(e) => WeightsError::Truncated(e),
        PackError::ValidationError(e) if e.to_ascii_lowercase().contains("truncated") => {
            WeightsError::Truncated(e)
        }
        PackError::ValidationError(e) | PackError::TensorNotFound(e) => WeightsError::Mismatch(e),
        other => WeightsError::Mismatch(other.to_string()),
    }
}
