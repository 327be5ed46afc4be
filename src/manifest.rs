//! The JSON manifest that describes a web model: its name, its two domains, the generator's shape,
//! and for each direction the weights file with its SHA-256, so a damaged download is caught
//! before it is parsed.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::model::{ResnetGenerator, ResnetGeneratorConfig};
use crate::weights::{self, Precision, WeightsError};

/// The manifest format this crate reads and writes.
pub const MANIFEST_VERSION: u32 = 1;

/// Which way to translate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Direction {
    /// Domain A to domain B (the generator G_A of the reference).
    #[serde(rename = "a_to_b")]
    AToB,
    /// Domain B to domain A (G_B).
    #[serde(rename = "b_to_a")]
    BToA,
}

impl Direction {
    /// Both directions, A→B first.
    pub const ALL: [Direction; 2] = [Direction::AToB, Direction::BToA];

    /// Parses `a2b`, `AtoB`, `a_to_b`, `A→B` and the like (case-insensitive).
    pub fn parse(text: &str) -> Result<Self, ManifestError> {
        let key: String = text
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        match key.as_str() {
            "ab" | "a2b" | "atob" => Ok(Direction::AToB),
            "ba" | "b2a" | "btoa" => Ok(Direction::BToA),
            _ => Err(ManifestError::UnknownDirection(text.to_string())),
        }
    }

    /// `a_to_b` or `b_to_a`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::AToB => "a_to_b",
            Direction::BToA => "b_to_a",
        }
    }
}

/// One direction's weights file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightsFile {
    /// File name, relative to the manifest.
    pub file: String,
    /// Lower-case hex SHA-256 of the file.
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
}

/// A model the translator can load: up to two generators and what they translate between.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelManifest {
    /// Manifest format version ([`MANIFEST_VERSION`]).
    pub format: u32,
    /// Short machine name, e.g. `horse2zebra`.
    pub name: String,
    /// Human name of domain A, e.g. `horse`.
    pub domain_a: String,
    /// Human name of domain B, e.g. `zebra`.
    pub domain_b: String,
    /// Generator filters in the first layer.
    pub ngf: usize,
    /// Residual blocks.
    pub n_blocks: usize,
    /// Instance norms with learned scale and shift (some third-party checkpoints).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub norm_affine: bool,
    /// The square crop size it was trained at.
    pub train_size: u32,
    /// Storage precision of the weights files.
    #[serde(default)]
    pub precision: Precision,
    /// G_A: A → B, if the model has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub a_to_b: Option<WeightsFile>,
    /// G_B: B → A, if the model has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub b_to_a: Option<WeightsFile>,
    /// Free text for people: where the model comes from, its licence, its scores.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The model card beside the manifest (Markdown: data, recipe, scores), for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<String>,
}

/// Why a manifest or a file it names is not usable.
#[derive(Debug, Error, PartialEq)]
pub enum ManifestError {
    /// Not JSON, or not a manifest.
    #[error("model manifest is not valid: {0}")]
    Invalid(String),
    /// A newer format than this build understands.
    #[error(
        "model manifest has format {0}; this version of Unpaired reads format {MANIFEST_VERSION}"
    )]
    UnsupportedFormat(u32),
    /// Neither direction has weights.
    #[error("model manifest '{0}' lists no weights for either direction")]
    NoDirections(String),
    /// A shape that no generator has.
    #[error("model manifest has an impossible generator: ngf {ngf}, {n_blocks} blocks")]
    BadGenerator {
        /// As given.
        ngf: usize,
        /// As given.
        n_blocks: usize,
    },
    /// The model cannot translate this way.
    #[error("model '{model}' has no {direction} generator")]
    MissingDirection {
        /// The model's name.
        model: String,
        /// The direction asked for.
        direction: &'static str,
    },
    /// Downloaded bytes are not what the manifest describes.
    #[error(
        "weights file '{file}' is damaged or incomplete: expected {expected_bytes} bytes with SHA-256 {expected}, got {actual_bytes} bytes with SHA-256 {actual}"
    )]
    Checksum {
        /// File name.
        file: String,
        /// From the manifest.
        expected: String,
        /// Of the bytes given.
        actual: String,
        /// From the manifest.
        expected_bytes: u64,
        /// Of the bytes given.
        actual_bytes: u64,
    },
    /// A direction's weights file is not a file beside the manifest.
    #[error("model manifest names a weights file '{0}', which is not a file beside the manifest")]
    BadWeightsFile(String),
    /// The model card is not a file beside the manifest.
    #[error("model manifest names its card '{0}', which is not a file beside the manifest")]
    BadCard(String),
    /// Not a direction name.
    #[error("unknown direction '{0}': expected a_to_b or b_to_a")]
    UnknownDirection(String),
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A name of a file in the manifest's own folder: no folders, not hidden, not `..`.
fn is_plain_file_name(name: &str) -> bool {
    !name.is_empty() && !name.starts_with('.') && !name.contains(['/', '\\', ':'])
}

impl WeightsFile {
    /// Describes `bytes` saved as `file`.
    pub fn describe(file: impl Into<String>, bytes: &[u8]) -> Self {
        Self {
            file: file.into(),
            sha256: sha256_hex(bytes),
            bytes: bytes.len() as u64,
        }
    }

    /// Checks that `bytes` are this file, byte for byte.
    pub fn verify(&self, bytes: &[u8]) -> Result<(), ManifestError> {
        let actual = sha256_hex(bytes);
        if actual.eq_ignore_ascii_case(&self.sha256) && bytes.len() as u64 == self.bytes {
            return Ok(());
        }
        Err(ManifestError::Checksum {
            file: self.file.clone(),
            expected: self.sha256.clone(),
            actual,
            expected_bytes: self.bytes,
            actual_bytes: bytes.len() as u64,
        })
    }
}

impl ModelManifest {
    /// Parses and checks a manifest.
    pub fn from_json(json: &str) -> Result<Self, ManifestError> {
        let format = serde_json::from_str::<serde_json::Value>(json)
            .map_err(|e| ManifestError::Invalid(e.to_string()))?
            .get("format")
            .and_then(serde_json::Value::as_u64);
        if let Some(format) = format
            && format != MANIFEST_VERSION as u64
        {
            return Err(ManifestError::UnsupportedFormat(format as u32));
        }
        let manifest: Self =
            serde_json::from_str(json).map_err(|e| ManifestError::Invalid(e.to_string()))?;
        manifest.validate()?;
        Ok(manifest)
    }

    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a manifest always serialises")
    }

    fn validate(&self) -> Result<(), ManifestError> {
        if self.a_to_b.is_none() && self.b_to_a.is_none() {
            return Err(ManifestError::NoDirections(self.name.clone()));
        }
        if self.ngf == 0 || self.ngf > 1024 || self.n_blocks > 64 {
            return Err(ManifestError::BadGenerator {
                ngf: self.ngf,
                n_blocks: self.n_blocks,
            });
        }
        for weights in [&self.a_to_b, &self.b_to_a].into_iter().flatten() {
            if !is_plain_file_name(&weights.file) {
                return Err(ManifestError::BadWeightsFile(weights.file.clone()));
            }
        }
        if let Some(card) = &self.card
            && !is_plain_file_name(card)
        {
            return Err(ManifestError::BadCard(card.clone()));
        }
        Ok(())
    }

    /// The generator shape both directions share.
    pub fn generator_config(&self) -> ResnetGeneratorConfig {
        ResnetGeneratorConfig::new()
            .with_ngf(self.ngf)
            .with_n_blocks(self.n_blocks)
            .with_norm_affine(self.norm_affine)
    }

    /// The weights file of a direction.
    pub fn weights(&self, direction: Direction) -> Result<&WeightsFile, ManifestError> {
        match direction {
            Direction::AToB => self.a_to_b.as_ref(),
            Direction::BToA => self.b_to_a.as_ref(),
        }
        .ok_or_else(|| ManifestError::MissingDirection {
            model: self.name.clone(),
            direction: direction.as_str(),
        })
    }

    /// The directions this model can translate.
    pub fn directions(&self) -> Vec<Direction> {
        Direction::ALL
            .into_iter()
            .filter(|d| self.weights(*d).is_ok())
            .collect()
    }
}

/// A model's generators and what its manifest says of them, before it is packaged.
#[derive(Debug, Clone)]
pub struct ModelParts<'a> {
    /// The manifest's `name`.
    pub name: String,
    /// Domain A's name for people.
    pub domain_a: String,
    /// Domain B's name for people.
    pub domain_b: String,
    /// The crop size it was trained at.
    pub train_size: u32,
    /// Precision of the weights files.
    pub precision: Precision,
    /// Where the model comes from, for people.
    pub description: Option<String>,
    /// The model card's file name, if it has one.
    pub card: Option<String>,
    /// G_A: A → B.
    pub a_to_b: Option<&'a ResnetGenerator>,
    /// G_B: B → A.
    pub b_to_a: Option<&'a ResnetGenerator>,
}

/// Why a model could not be packaged.
#[derive(Debug, Error)]
pub enum PackageError {
    /// Neither direction.
    #[error("a model needs at least one generator")]
    NoGenerator,
    /// Two generators of different shapes.
    #[error("both directions must have the same architecture")]
    Mismatch,
    /// A generator's weights could not be written.
    #[error(transparent)]
    Weights(#[from] WeightsError),
}

/// A file of a model, by its name in the model's folder (beside the manifest), and its bytes.
pub type ModelFile = (String, Vec<u8>);

impl ModelParts<'_> {
    /// The model's manifest and its weights files (`a_to_b.bpk`, `b_to_a.bpk`), in memory.
    pub fn package(&self) -> Result<(ModelManifest, Vec<ModelFile>), PackageError> {
        let config = self
            .a_to_b
            .or(self.b_to_a)
            .ok_or(PackageError::NoGenerator)?
            .config();
        let mut files = Vec::new();
        let mut described = [None, None];
        for (slot, (direction, generator)) in described.iter_mut().zip([
            (Direction::AToB, self.a_to_b),
            (Direction::BToA, self.b_to_a),
        ]) {
            let Some(generator) = generator else { continue };
            if generator.config() != config {
                return Err(PackageError::Mismatch);
            }
            let bytes = weights::to_bytes(generator, self.precision)?;
            let file = format!("{}.bpk", direction.as_str());
            *slot = Some(WeightsFile::describe(file.clone(), &bytes));
            files.push((file, bytes));
        }
        let [a_to_b, b_to_a] = described;
        let manifest = ModelManifest {
            format: MANIFEST_VERSION,
            name: self.name.clone(),
            domain_a: self.domain_a.clone(),
            domain_b: self.domain_b.clone(),
            ngf: config.ngf,
            n_blocks: config.n_blocks,
            norm_affine: config.norm_affine,
            train_size: self.train_size,
            precision: self.precision,
            a_to_b,
            b_to_a,
            description: self.description.clone(),
            card: self.card.clone(),
        };
        Ok((manifest, files))
    }
}
