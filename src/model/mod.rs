//! The paper's two networks: the ResNet generator and the 70×70 PatchGAN discriminator.

mod conv;
mod discriminator;
mod generator;
mod init;

pub use conv::{ConvAlgorithm, ConvPlan, ConvPrecision};
pub use discriminator::{PatchDiscriminator, PatchDiscriminatorConfig};
pub use generator::{ResidualBlock, ResnetGenerator, ResnetGeneratorConfig};
pub use init::{conv_transpose2d, conv2d, instance_norm};
