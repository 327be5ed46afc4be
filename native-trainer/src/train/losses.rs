//! The adversarial losses (`--gan-mode lsgan|vanilla`) and the L1 reconstruction loss.

use burn::tensor::Tensor;
use burn::tensor::activation::relu;
use clap::ValueEnum;

/// How the discriminator's scores are turned into a loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GanMode {
    /// Least squares (the paper's choice): mean((D(x) − target)²).
    Lsgan,
    /// The original GAN loss: binary cross-entropy on logits.
    Vanilla,
}

impl GanMode {
    /// The loss of scores `prediction` against the label real (1) or fake (0).
    pub fn loss(self, prediction: Tensor<4>, target_is_real: bool) -> Tensor<1> {
        let target = if target_is_real { 1.0 } else { 0.0 };
        match self {
            GanMode::Lsgan => {
                let error = prediction.sub_scalar(target);
                (error.clone() * error).mean()
            }
            GanMode::Vanilla => {
                // Stable BCE with logits: max(x, 0) − x·t + log(1 + e^(−|x|)).
                let softplus = prediction.clone().abs().neg().exp().log1p();
                (relu(prediction.clone()) - prediction.mul_scalar(target) + softplus).mean()
            }
        }
    }
}

/// Mean absolute difference.
pub fn l1(a: Tensor<4>, b: Tensor<4>) -> Tensor<1> {
    (a - b).abs().mean()
}
