//! The ResNet generator of Johnson et al. as CycleGAN uses it:
//! c7s1-ngf, d(2·ngf), d(4·ngf), n_blocks × R(4·ngf), u(2·ngf), u(ngf), c7s1-3, tanh.

use burn::config::Config;
use burn::module::Module;
use burn::nn::InstanceNorm;
use burn::nn::conv::{Conv2d, ConvTranspose2d};
use burn::tensor::activation::{relu, tanh};
use burn::tensor::ops::PadMode;
use burn::tensor::{Device, Tensor};

use super::conv::ConvPlan;
use super::init::{conv_transpose2d, conv2d, instance_norm};

/// Shape of a [`ResnetGenerator`]. The paper uses 9 blocks at 256² and 6 at 128².
#[derive(Config, Debug, PartialEq)]
pub struct ResnetGeneratorConfig {
    /// Filters in the first layer (the reference's `--ngf`).
    #[config(default = 64)]
    pub ngf: usize,
    /// Residual blocks at the bottleneck (`resnet_9blocks` / `resnet_6blocks`).
    #[config(default = 9)]
    pub n_blocks: usize,
    /// Instance norms with learned scale and shift. The paper and the reference use none; some
    /// third-party checkpoints (e.g. `InstanceNorm2d(affine=True)` ports) do.
    #[config(default = false)]
    pub norm_affine: bool,
}

/// A residual block: reflect-pad 1, conv 3×3, instance norm, ReLU, reflect-pad 1, conv 3×3, instance norm, plus the input.
#[derive(Module, Debug)]
pub struct ResidualBlock {
    /// First 3×3 convolution (`conv_block.1` in the reference).
    pub conv1: Conv2d,
    /// Second 3×3 convolution (`conv_block.5` in the reference).
    pub conv2: Conv2d,
    /// Norm after `conv1` (`conv_block.2`; parameters only when affine).
    pub norm1: InstanceNorm,
    /// Norm after `conv2` (`conv_block.6`).
    pub norm2: InstanceNorm,
}

impl ResidualBlock {
    fn new(channels: usize, affine: bool, device: &Device) -> Self {
        Self {
            conv1: conv2d([channels, channels], 3, 1, 0, device),
            conv2: conv2d([channels, channels], 3, 1, 0, device),
            norm1: instance_norm(channels, affine, device),
            norm2: instance_norm(channels, affine, device),
        }
    }

    /// `x + block(x)`.
    pub fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        self.forward_with(input, &ConvPlan::default())
    }

    /// `x + block(x)`, with the convolutions computed as `plan` says.
    pub fn forward_with(&self, input: Tensor<4>, plan: &ConvPlan) -> Tensor<4> {
        let x = plan.forward(&self.conv1, reflect(input.clone(), 1));
        let x = relu(self.norm1.forward(x));
        let x = plan.forward(&self.conv2, reflect(x, 1));
        input + self.norm2.forward(x)
    }
}

/// The generator. Input and output are `[batch, 3, H, W]` in [-1, 1], with H and W multiples of 4.
#[derive(Module, Debug)]
pub struct ResnetGenerator {
    /// c7s1-ngf (`model.1`).
    pub stem: Conv2d,
    /// d(2·ngf) (`model.4`).
    pub down1: Conv2d,
    /// d(4·ngf) (`model.7`).
    pub down2: Conv2d,
    /// The residual blocks (`model.10` …).
    pub blocks: Vec<ResidualBlock>,
    /// u(2·ngf).
    pub up1: ConvTranspose2d,
    /// u(ngf).
    pub up2: ConvTranspose2d,
    /// c7s1-3.
    pub head: Conv2d,
    /// Norm after `stem` (`model.2`; parameters only when affine).
    pub norm_stem: InstanceNorm,
    /// Norm after `down1` (`model.5`).
    pub norm_down1: InstanceNorm,
    /// Norm after `down2` (`model.8`).
    pub norm_down2: InstanceNorm,
    /// Norm after `up1`.
    pub norm_up1: InstanceNorm,
    /// Norm after `up2`.
    pub norm_up2: InstanceNorm,
    /// How the residual blocks' convolutions run (not a weight: not saved, the default after a load).
    #[module(skip)]
    pub conv_plan: ConvPlan,
}

impl ResnetGeneratorConfig {
    /// Builds the generator with the reference's N(0, 0.02) weights and zero biases.
    pub fn init(&self, device: &Device) -> ResnetGenerator {
        let (ngf, affine) = (self.ngf, self.norm_affine);
        ResnetGenerator {
            stem: conv2d([3, ngf], 7, 1, 0, device),
            down1: conv2d([ngf, 2 * ngf], 3, 2, 1, device),
            down2: conv2d([2 * ngf, 4 * ngf], 3, 2, 1, device),
            blocks: (0..self.n_blocks)
                .map(|_| ResidualBlock::new(4 * ngf, affine, device))
                .collect(),
            up1: conv_transpose2d([4 * ngf, 2 * ngf], device),
            up2: conv_transpose2d([2 * ngf, ngf], device),
            head: conv2d([ngf, 3], 7, 1, 0, device),
            norm_stem: instance_norm(ngf, affine, device),
            norm_down1: instance_norm(2 * ngf, affine, device),
            norm_down2: instance_norm(4 * ngf, affine, device),
            norm_up1: instance_norm(2 * ngf, affine, device),
            norm_up2: instance_norm(ngf, affine, device),
            conv_plan: ConvPlan::default(),
        }
    }
}

impl ResnetGenerator {
    /// Translates a batch of images in [-1, 1]; H and W must be multiples of 4 and at least 8.
    pub fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        let x = relu(self.norm_stem.forward(self.stem.forward(reflect(input, 3))));
        let x = relu(self.norm_down1.forward(self.down1.forward(x)));
        let mut x = relu(self.norm_down2.forward(self.down2.forward(x)));
        for block in &self.blocks {
            x = block.forward_with(x, &self.conv_plan);
        }
        let x = relu(self.norm_up1.forward(self.up1.forward(x)));
        let x = relu(self.norm_up2.forward(self.up2.forward(x)));
        tanh(self.head.forward(reflect(x, 3)))
    }

    /// The same generator, running its residual blocks' convolutions as `plan` says.
    pub fn with_conv_plan(self, plan: ConvPlan) -> Self {
        Self {
            conv_plan: plan,
            ..self
        }
    }

    /// The configuration this generator was built with, read from its weights' shapes.
    pub fn config(&self) -> ResnetGeneratorConfig {
        let [ngf, ..] = self.stem.weight.dims();
        ResnetGeneratorConfig::new()
            .with_ngf(ngf)
            .with_n_blocks(self.blocks.len())
            .with_norm_affine(self.norm_stem.affine)
    }
}

fn reflect(x: Tensor<4>, amount: usize) -> Tensor<4> {
    x.pad((amount, amount, amount, amount), PadMode::Reflect)
}
