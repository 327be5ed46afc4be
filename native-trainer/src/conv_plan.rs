//! `--conv` and `--conv-precision`: how the generators' residual-block convolutions run on the
//! device (see `unpaired::model::ConvPlan`). Training, `test` and `bench` take them.

use clap::{Args, ValueEnum};
use unpaired::model::{ConvAlgorithm, ConvPlan, ConvPrecision};

/// The two options, flattened into a command's own.
#[derive(Debug, Clone, Copy, Default, Args, serde::Serialize, serde::Deserialize)]
pub struct ConvArgs {
    /// Residual-block convolutions: the backend's kernel, or im2col + one matrix multiply.
    #[arg(long, value_enum, default_value = "backend")]
    pub conv: ConvAlgorithmArg,
    /// Their arithmetic: the model's float type, or f16 operands (products summed in f32 by the
    /// GPU backends' matrix kernels).
    #[arg(long = "conv-precision", value_enum, default_value = "model")]
    pub conv_precision: ConvPrecisionArg,
}

/// A `--conv` value.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum ConvAlgorithmArg {
    /// The backend's convolution.
    #[default]
    Backend,
    /// Explicit im2col and a matrix multiply.
    Im2col,
}

/// A `--conv-precision` value.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum ConvPrecisionArg {
    /// The model's own type (f32).
    #[default]
    Model,
    /// f16 operands.
    F16,
}

impl ConvArgs {
    /// The plan these options ask for.
    pub fn plan(&self) -> ConvPlan {
        ConvPlan {
            algorithm: match self.conv {
                ConvAlgorithmArg::Backend => ConvAlgorithm::Backend,
                ConvAlgorithmArg::Im2col => ConvAlgorithm::Im2col,
            },
            precision: match self.conv_precision {
                ConvPrecisionArg::Model => ConvPrecision::Model,
                ConvPrecisionArg::F16 => ConvPrecision::F16,
            },
        }
    }
}
