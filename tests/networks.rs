//! The paper's networks: parameter counts pinned to the reference implementation, output shapes,
//! and the N(0, 0.02) / zero-bias initialisation.
#![cfg(not(target_family = "wasm"))]

use burn::module::Module;
use burn::tensor::{Device, Distribution, Tensor};
use unpaired::{PatchDiscriminatorConfig, ResnetGeneratorConfig};

fn generator(ngf: usize, n_blocks: usize) -> unpaired::ResnetGenerator {
    ResnetGeneratorConfig::new()
        .with_ngf(ngf)
        .with_n_blocks(n_blocks)
        .init(&Device::flex())
}

#[test]
fn generator_parameter_counts_match_the_reference() {
    // pytorch-CycleGAN-and-pix2pix: sum(p.numel() for p in ResnetGenerator(3, 3, 64, n_blocks=..).parameters())
    assert_eq!(generator(64, 9).num_params(), 11_378_179);
    assert_eq!(generator(64, 6).num_params(), 7_837_699);
}

#[test]
fn discriminator_parameter_count_matches_the_reference() {
    let d = PatchDiscriminatorConfig::new().init(&Device::flex());
    assert_eq!(d.num_params(), 2_764_737);
}

fn random_image(height: usize, width: usize, device: &Device) -> Tensor<4> {
    Tensor::random(
        [1, 3, height, width],
        Distribution::Uniform(-1.0, 1.0),
        device,
    )
}

#[test]
fn generator_keeps_the_input_size_and_stays_in_tanh_range() {
    // Shapes do not depend on the width, so a narrow generator keeps the test fast.
    let device = Device::flex();
    let g = generator(8, 9);
    for (h, w) in [(256, 256), (200, 320)] {
        let out = g.forward(random_image(h, w, &device));
        assert_eq!(out.dims(), [1, 3, h, w]);
        let max = out.abs().max().into_scalar::<f32>();
        assert!(max <= 1.0, "tanh output out of range: {max}");
    }
}

#[test]
fn discriminator_scores_70_pixel_patches() {
    let device = Device::flex();
    let d = PatchDiscriminatorConfig::new().with_ndf(8).init(&device);
    // 256 → 128 → 64 → 32 (stride 2) → 31 → 30 (stride 1, kernel 4, padding 1).
    assert_eq!(
        d.forward(random_image(256, 256, &device)).dims(),
        [1, 1, 30, 30]
    );
    assert_eq!(
        d.forward(random_image(200, 320, &device)).dims(),
        [1, 1, 23, 38]
    );
}

/// Mean and standard deviation of every weight, and the largest |bias|, over the module's parameters.
fn init_statistics<M: burn::store::ModuleSnapshot>(module: &M) -> (f64, f64, f32) {
    let (mut sum, mut sum_sq, mut count, mut max_bias) = (0f64, 0f64, 0usize, 0f32);
    for tensor in module.collect(None, None, false) {
        let data = burn::store::bridge::to_data(&tensor).unwrap();
        let values: Vec<f32> = data.convert::<f32>().try_into_vec().unwrap();
        if tensor.name.ends_with("bias") {
            max_bias = values.iter().fold(max_bias, |m, v| m.max(v.abs()));
        } else {
            count += values.len();
            for v in values {
                sum += v as f64;
                sum_sq += (v as f64) * (v as f64);
            }
        }
    }
    let mean = sum / count as f64;
    (mean, (sum_sq / count as f64 - mean * mean).sqrt(), max_bias)
}

#[test]
fn weights_are_normal_0_002_and_biases_zero() {
    for (mean, std, max_bias) in [
        init_statistics(&generator(64, 9)),
        init_statistics(&PatchDiscriminatorConfig::new().init(&Device::flex())),
    ] {
        assert!(mean.abs() < 1e-3, "mean {mean}");
        assert!((std - 0.02).abs() < 2e-4, "std {std}");
        assert_eq!(max_bias, 0.0);
    }
}

#[test]
fn config_is_read_back_from_the_weights() {
    assert_eq!(
        generator(16, 6).config(),
        ResnetGeneratorConfig::new().with_ngf(16).with_n_blocks(6)
    );
    let d = PatchDiscriminatorConfig::new()
        .with_ndf(32)
        .init(&Device::flex());
    assert_eq!(d.config(), PatchDiscriminatorConfig::new().with_ndf(32));
}
