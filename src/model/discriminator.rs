//! The PatchGAN discriminator (`NLayerDiscriminator` in the reference): with 3 layers, each output
//! value judges a 70×70 patch. C64-C128-C256-C512 (no norm on C64), LeakyReLU 0.2, 1-channel output.

use burn::config::Config;
use burn::module::Module;
use burn::nn::InstanceNorm;
use burn::nn::conv::Conv2d;
use burn::tensor::activation::leaky_relu;
use burn::tensor::{Device, Tensor};

use super::init::{conv2d, instance_norm};

const SLOPE: f64 = 0.2;

/// Shape of a [`PatchDiscriminator`].
#[derive(Config, Debug, PartialEq)]
pub struct PatchDiscriminatorConfig {
    /// Filters in the first layer (the reference's `--ndf`).
    #[config(default = 64)]
    pub ndf: usize,
    /// Strided layers after the first (the reference's `--n_layers_D`; 3 gives 70×70 patches).
    #[config(default = 3)]
    pub n_layers: usize,
}

/// A 4×4 convolution followed by instance norm (absent on the first layer) and LeakyReLU 0.2.
#[derive(Module, Debug)]
pub struct PatchLayer {
    /// The convolution.
    pub conv: Conv2d,
    norm: Option<InstanceNorm>,
}

impl PatchLayer {
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let x = self.conv.forward(x);
        let x = match &self.norm {
            Some(norm) => norm.forward(x),
            None => x,
        };
        leaky_relu(x, SLOPE)
    }
}

/// The discriminator. Input `[batch, 3, H, W]` in [-1, 1]; output `[batch, 1, H', W']` of raw scores.
#[derive(Module, Debug)]
pub struct PatchDiscriminator {
    /// C64 … C512.
    pub layers: Vec<PatchLayer>,
    /// The final 1-channel convolution.
    pub head: Conv2d,
}

impl PatchDiscriminatorConfig {
    /// Builds the discriminator with N(0, 0.02) weights and zero biases.
    pub fn init(&self, device: &Device) -> PatchDiscriminator {
        let ndf = self.ndf;
        let width = |n: usize| ndf * (1 << n.min(3));
        let mut layers = vec![PatchLayer {
            conv: conv2d([3, ndf], 4, 2, 1, device),
            norm: None,
        }];
        for n in 1..=self.n_layers {
            let stride = if n == self.n_layers { 1 } else { 2 };
            let channels = [width(n - 1), width(n)];
            layers.push(PatchLayer {
                conv: conv2d(channels, 4, stride, 1, device),
                norm: Some(instance_norm(channels[1], false, device)),
            });
        }
        PatchDiscriminator {
            layers,
            head: conv2d([width(self.n_layers), 1], 4, 1, 1, device),
        }
    }
}

impl PatchDiscriminator {
    /// Scores every patch of the input: high for real, low for fake.
    pub fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        let x = self.layers.iter().fold(input, |x, layer| layer.forward(x));
        self.head.forward(x)
    }

    /// The configuration this discriminator was built with, read from its weights' shapes.
    pub fn config(&self) -> PatchDiscriminatorConfig {
        let [ndf, ..] = self.layers[0].conv.weight.dims();
        PatchDiscriminatorConfig::new()
            .with_ndf(ndf)
            .with_n_layers(self.layers.len() - 1)
    }
}
