//! Layer constructors with the reference's `init_weights('normal', 0.02)`: every convolution weight
//! drawn from N(0, 0.02), every bias zero, and instance norm without affine parameters.

use burn::module::{Initializer, Param};
use burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use burn::nn::{InstanceNorm, InstanceNormConfig, PaddingConfig2d};
use burn::tensor::{Device, Tensor};

/// The reference initialiser for convolution weights.
const WEIGHTS: Initializer = Initializer::Normal {
    mean: 0.0,
    std: 0.02,
};

/// A convolution with bias, N(0, 0.02) weights and zero bias.
pub fn conv2d(
    channels: [usize; 2],
    kernel: usize,
    stride: usize,
    padding: usize,
    device: &Device,
) -> Conv2d {
    let mut conv = Conv2dConfig::new(channels, [kernel, kernel])
        .with_stride([stride, stride])
        .with_padding(PaddingConfig2d::Explicit(
            padding, padding, padding, padding,
        ))
        .with_initializer(WEIGHTS)
        .init(device);
    conv.weight = materialized(conv.weight);
    conv.bias = Some(zero_bias(channels[1], device));
    conv
}

/// The generator's upsampling layer: kernel 3, stride 2, padding 1, output padding 1 (doubles H and W).
pub fn conv_transpose2d(channels: [usize; 2], device: &Device) -> ConvTranspose2d {
    let mut conv = ConvTranspose2dConfig::new(channels, [3, 3])
        .with_stride([2, 2])
        .with_padding([1, 1])
        .with_padding_out([1, 1])
        .with_initializer(WEIGHTS)
        .init(device);
    conv.weight = materialized(conv.weight);
    conv.bias = Some(zero_bias(channels[1], device));
    conv
}

/// The same parameter, drawn now instead of lazily on first use. A lazily initialised parameter
/// shares its pending initialisation with its clones, so `module.clone().no_grad()` (the recipe's
/// frozen discriminator in the generators' step) would freeze the original's weights for good.
fn materialized<const D: usize>(param: Param<Tensor<D>>) -> Param<Tensor<D>> {
    Param::from_tensor(param.val())
}

/// A trainable bias of zeros. (`Param::map` over burn's initialised bias keeps its training
/// state but not its `require_grad`: such a bias would never receive a gradient.)
fn zero_bias(channels: usize, device: &Device) -> Param<Tensor<1>> {
    Param::from_tensor(Tensor::zeros([channels], device))
}

/// Instance norm as the reference uses it: no running statistics, ε = 1e-5, and no affine
/// parameters unless `affine` (a variant some third-party CycleGAN checkpoints use; γ = 1, β = 0).
pub fn instance_norm(channels: usize, affine: bool, device: &Device) -> InstanceNorm {
    let mut norm = InstanceNormConfig::new(channels)
        .with_affine(affine)
        .init(device);
    norm.gamma = norm.gamma.map(materialized);
    norm.beta = norm.beta.map(materialized);
    norm
}
