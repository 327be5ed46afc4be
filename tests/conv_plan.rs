//! The generator's alternative convolution paths (`ConvPlan`) compute what the backend's own
//! convolution computes: im2col + matmul in the model's type, and either path with f16 operands.
#![cfg(not(target_family = "wasm"))]

use burn::module::Param;
use burn::nn::PaddingConfig2d;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::tensor::{DType, Device, Distribution, Tensor};
use unpaired::model::{ConvAlgorithm, ConvPlan, ConvPrecision};
use unpaired::{ResnetGenerator, ResnetGeneratorConfig};

const IM2COL: ConvPlan = ConvPlan {
    algorithm: ConvAlgorithm::Im2col,
    precision: ConvPrecision::Model,
};

fn max_diff(a: Tensor<4>, b: Tensor<4>) -> f32 {
    assert_eq!(a.dims(), b.dims());
    (a - b).abs().max().into_scalar()
}

fn random(shape: [usize; 4], device: &Device) -> Tensor<4> {
    Tensor::random(shape, Distribution::Uniform(-1.0, 1.0), device)
}

/// A convolution with random weights and a non-zero bias.
fn conv(
    channels: [usize; 2],
    kernel: [usize; 2],
    config: fn(Conv2dConfig) -> Conv2dConfig,
) -> Conv2d {
    let device = Device::flex();
    let mut conv = config(Conv2dConfig::new(channels, kernel)).init(&device);
    conv.bias = Some(Param::from_tensor(Tensor::random(
        [channels[1]],
        Distribution::Uniform(-0.5, 0.5),
        &device,
    )));
    conv
}

#[test]
fn im2col_matches_the_backend_convolution() {
    let device = Device::flex();
    // The residual block's 3×3, a 7×7 like the stem, a non-square kernel; batch 2, non-square input.
    for (channels, kernel) in [([16, 16], [3, 3]), ([3, 8], [7, 7]), ([5, 4], [3, 2])] {
        let conv = conv(channels, kernel, |c| c);
        let input = random([2, channels[0], 13, 10], &device);
        let expected = conv.forward(input.clone());
        let ours = IM2COL.forward(&conv, input);
        let diff = max_diff(ours, expected);
        assert!(diff < 1e-5, "{channels:?} {kernel:?}: max |Δ| {diff}");
    }
}

#[test]
fn convolutions_im2col_cannot_express_run_the_backend_kernel() {
    let device = Device::flex();
    let strided = conv([4, 6], [3, 3], |c| c.with_stride([2, 2]));
    let padded = conv([4, 6], [3, 3], |c| {
        c.with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
    });
    for conv in [strided, padded] {
        let input = random([1, 4, 12, 12], &device);
        let expected = conv.forward(input.clone());
        let ours = IM2COL.forward(&conv, input);
        assert_eq!(max_diff(ours, expected), 0.0);
    }
}

#[test]
fn f16_operands_stay_close_and_return_the_model_type() {
    let device = Device::flex();
    let conv = conv([32, 32], [3, 3], |c| c);
    let input = random([1, 32, 16, 16], &device);
    let expected = conv.forward(input.clone());
    for algorithm in [ConvAlgorithm::Backend, ConvAlgorithm::Im2col] {
        let plan = ConvPlan::default()
            .with_algorithm(algorithm)
            .with_precision(ConvPrecision::F16);
        let ours = plan.forward(&conv, input.clone());
        assert_eq!(ours.dtype(), DType::F32, "{algorithm:?}");
        // Sums of 288 products of values ≤ 1 · ~0.06: f16 rounding of the operands is ~1e-3 relative.
        let diff = max_diff(ours, expected.clone());
        assert!(diff < 2e-2, "{algorithm:?}: max |Δ| {diff}");
        assert!(diff > 0.0, "{algorithm:?}: f16 operands changed nothing");
    }
}

fn generator() -> ResnetGenerator {
    let device = Device::flex();
    let mut generator = ResnetGeneratorConfig::new()
        .with_ngf(8)
        .with_n_blocks(2)
        .init(&device);
    // Non-zero biases, so im2col's bias path is exercised.
    for block in &mut generator.blocks {
        for conv in [&mut block.conv1, &mut block.conv2] {
            let channels = conv.weight.dims()[0];
            let bias = Tensor::random([channels], Distribution::Uniform(-0.2, 0.2), &device);
            conv.bias = Some(Param::from_tensor(bias));
        }
    }
    generator
}

#[test]
fn the_generator_with_im2col_blocks_translates_as_before() {
    let generator = generator();
    let input = random([1, 3, 32, 24], &Device::flex());
    let expected = generator.forward(input.clone());
    let generator = generator.with_conv_plan(IM2COL);
    assert_eq!(generator.conv_plan, IM2COL);
    let diff = max_diff(generator.forward(input), expected);
    assert!(diff < 1e-5, "max |Δ| {diff}");
}
