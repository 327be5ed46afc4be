//! Each kernel and the whole engine against burn's own layers on the Flex backend (the reference).

use burn::module::Param;
use burn::nn::conv::{Conv2dConfig, ConvTranspose2dConfig};
use burn::nn::{InstanceNorm, InstanceNormConfig};
use burn::tensor::activation::relu;
use burn::tensor::ops::PadMode;
use burn::tensor::{Device, Distribution, Tensor};

use super::conv::{Conv, ConvTranspose, Image, Padding, pad};
use super::norm::{Affine, Then, instance_norm};
use super::winograd::{F2, F4, Variant, Winograd};
use super::*;
use crate::model::{ResnetGenerator, ResnetGeneratorConfig};

fn device() -> Device {
    Device::flex()
}

fn random<const D: usize>(shape: [usize; D], seed: u64) -> Tensor<D> {
    let device = device();
    device.seed(seed);
    Tensor::random(shape, Distribution::Uniform(-1.0, 1.0), &device)
}

/// `[1, C, H, W]` → channels-last.
fn image(tensor: Tensor<4>) -> Image {
    let [_, c, h, w] = tensor.dims();
    let planar = tensor_values(tensor);
    let mut image = Image::zeros(h, w, c);
    for ch in 0..c {
        for p in 0..h * w {
            image.data[p * c + ch] = planar[ch * h * w + p];
        }
    }
    image
}

fn assert_close(actual: &Image, expected: Tensor<4>, tolerance: f32, what: &str) {
    let expected = image(expected);
    assert_eq!(
        (actual.height, actual.width, actual.channels),
        (expected.height, expected.width, expected.channels),
        "{what}: shape"
    );
    let worst = actual
        .data
        .iter()
        .zip(&expected.data)
        .map(|(a, b)| (a - b).abs())
        .fold(0f32, f32::max);
    assert!(worst <= tolerance, "{what}: max |Δ| {worst} > {tolerance}");
}

#[test]
fn padding_matches_burn() {
    let x = random([1, 5, 6, 7], 1);
    for p in [1, 3] {
        let reflect = pad(&image(x.clone()), p, Padding::Reflect);
        assert_close(
            &reflect,
            x.clone().pad((p, p, p, p), PadMode::Reflect),
            0.0,
            "reflect",
        );
        let zero = pad(&image(x.clone()), p, Padding::Zero);
        assert_close(
            &zero,
            x.clone().pad((p, p, p, p), PadMode::Constant(0.0)),
            0.0,
            "zero",
        );
    }
}

#[test]
fn strided_convolutions_match_burn() {
    // Short kernel rows go through im2col; long ones (k · ci ≥ 256) read the input in place.
    let cases = [
        (3, 12, 7, 1, 13, 11),
        (8, 16, 3, 2, 10, 9),
        (5, 3, 3, 1, 6, 8),
        (40, 3, 7, 1, 12, 9),
        (96, 16, 3, 2, 9, 10),
    ];
    for (ci, co, k, stride, h, w) in cases {
        let conv = Conv2dConfig::new([ci, co], [k, k])
            .with_stride([stride, stride])
            .init(&device());
        let x = random([1, ci, h, w], 2);
        let expected = conv.forward(x.clone());
        let (weight, shape, bias) = conv_parts(&conv);
        let ours = Conv::new(&weight, shape, stride, bias.as_deref());
        let (ho, wo) = ours.output_size(h, w);
        let mut out = Image::zeros(ho, wo, co);
        ours.forward(&image(x), &mut out, 0..co);
        assert_close(
            &out,
            expected,
            2e-5,
            &format!("conv {ci}→{co} k{k} s{stride}"),
        );
    }
}

#[test]
fn winograd_matches_burn_including_partial_tiles() {
    for (h, w) in [(8, 8), (9, 14), (5, 7)] {
        let conv = Conv2dConfig::new([8, 12], [3, 3]).init(&device());
        let x = random([1, 8, h + 2, w + 2], 3);
        let expected = conv.forward(x.clone());
        let (weight, shape, bias) = conv_parts(&conv);
        fn run<V: Variant>(
            weight: &[f32],
            shape: [usize; 4],
            bias: Option<&[f32]>,
            x: &Image,
        ) -> Image {
            let ours = Winograd::<V>::new(weight, shape, bias);
            let mut out = Image::zeros(x.height - 2, x.width - 2, shape[0]);
            ours.forward(x, &mut out, 0..shape[0]);
            out
        }
        let x = image(x);
        let f2 = run::<F2>(&weight, shape, bias.as_deref(), &x);
        assert_close(&f2, expected.clone(), 1e-5, &format!("F(2,3) {h}×{w}"));
        let f4 = run::<F4>(&weight, shape, bias.as_deref(), &x);
        assert_close(&f4, expected, 1e-5, &format!("F(4,3) {h}×{w}"));
    }
}

#[test]
fn a_channel_range_writes_only_its_channels() {
    let conv = Conv2dConfig::new([8, 24], [3, 3]).init(&device());
    let x = random([1, 8, 10, 10], 4);
    let expected = image(conv.forward(x.clone()));
    let (weight, shape, bias) = conv_parts(&conv);
    let ours = Winograd::<F4>::new(&weight, shape, bias.as_deref());
    let mut out = Image::zeros(8, 8, 24);
    out.data.fill(f32::NAN);
    ours.forward(&image(x), &mut out, 8..24);
    for (i, (a, b)) in out.data.iter().zip(&expected.data).enumerate() {
        if i % 24 < 8 {
            assert!(a.is_nan(), "channel {} written", i % 24);
        } else {
            assert!((a - b).abs() < 1e-5);
        }
    }
}

#[test]
fn transposed_convolution_matches_burn() {
    let (ci, co) = (8, 12);
    let conv = ConvTranspose2dConfig::new([ci, co], [3, 3])
        .with_stride([2, 2])
        .with_padding([1, 1])
        .with_padding_out([1, 1])
        .init(&device());
    let x = random([1, ci, 5, 7], 5);
    let expected = conv.forward(x.clone());
    let weight = conv.weight.val();
    let shape = weight.dims();
    let bias = conv.bias.as_ref().map(values);
    let ours = ConvTranspose::new(&tensor_values(weight), shape, bias.as_deref());
    let mut out = Image::zeros(10, 14, co);
    ours.forward(&image(x), &mut out, 0..co);
    assert_close(&out, expected, 1e-5, "transposed conv");
}

#[test]
fn instance_norm_matches_burn_with_relu_residual_and_affine() {
    let x = random([1, 8, 9, 11], 6).mul_scalar(3.0).add_scalar(0.5);
    let norm: InstanceNorm = InstanceNormConfig::new(8)
        .with_affine(false)
        .init(&device());
    let mut ours = image(x.clone());
    instance_norm(&mut ours, 0..8, norm.epsilon as f32, None, Then::Relu);
    assert_close(&ours, relu(norm.forward(x.clone())), 1e-5, "norm + relu");

    let residual = random([1, 8, 9, 11], 7);
    let mut ours = image(x.clone());
    instance_norm(
        &mut ours,
        0..8,
        norm.epsilon as f32,
        None,
        Then::Add(&image(residual.clone())),
    );
    assert_close(
        &ours,
        residual + norm.forward(x.clone()),
        1e-5,
        "norm + residual",
    );

    let mut affine: InstanceNorm = InstanceNormConfig::new(8).init(&device());
    affine.gamma = Some(Param::from_tensor(random([8], 8)));
    affine.beta = Some(Param::from_tensor(random([8], 9)));
    let params = Affine {
        scale: values(affine.gamma.as_ref().unwrap()),
        shift: values(affine.beta.as_ref().unwrap()),
    };
    let mut ours = image(x.clone());
    instance_norm(
        &mut ours,
        0..8,
        affine.epsilon as f32,
        Some(&params),
        Then::Relu,
    );
    assert_close(&ours, relu(affine.forward(x)), 1e-5, "affine norm");
}

/// The generator with non-zero biases (init leaves them at zero), so they are checked too.
fn generator(config: ResnetGeneratorConfig, seed: u64) -> ResnetGenerator {
    let device = device();
    device.seed(seed);
    let mut g = config.init(&device);
    let bias = |conv: &mut burn::nn::conv::Conv2d, s| {
        let [co, ..] = conv.weight.dims();
        conv.bias = Some(Param::from_tensor(random([co], s).mul_scalar(0.1)));
    };
    bias(&mut g.stem, seed + 1);
    bias(&mut g.down2, seed + 2);
    bias(&mut g.head, seed + 3);
    for (i, block) in g.blocks.iter_mut().enumerate() {
        bias(&mut block.conv2, seed + 10 + i as u64);
    }
    let [_, co, ..] = g.up1.weight.dims();
    g.up1.bias = Some(Param::from_tensor(random([co], seed + 4).mul_scalar(0.1)));
    g
}

fn forward_both(g: &ResnetGenerator, h: usize, w: usize, seed: u64) -> (Vec<f32>, Vec<f32>) {
    let x = random([1, 3, h, w], seed);
    let expected = tensor_values(g.forward(x.clone()));
    let ours = CpuGenerator::new(g).forward(&tensor_values(x), h, w);
    (ours, expected)
}

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn the_engine_computes_the_generator_within_1e_4() {
    let config = ResnetGeneratorConfig::new().with_ngf(8).with_n_blocks(2);
    let g = generator(config, 11);
    for (h, w) in [(32, 24), (20, 36)] {
        let (ours, expected) = forward_both(&g, h, w, 12);
        let worst = max_diff(&ours, &expected);
        assert!(worst < 1e-4, "{h}×{w}: max |Δ| {worst}");
    }
}

/// Every part of a split pass, run in turn as separate workers would, exchanging their channels.
fn forward_split(
    engine: &CpuGenerator,
    input: &[f32],
    h: usize,
    w: usize,
    count: usize,
) -> Vec<f32> {
    let mut runs: Vec<StagedRun> = (0..count)
        .map(|index| StagedRun::new(input, h, w, Part { index, count }))
        .collect();
    let mut largest = 0;
    for stage in 0..engine.stages() {
        let mut all = Vec::new();
        for run in &mut runs {
            run.run_stage(engine, stage);
            assert_eq!(run.own_offset(engine, stage), all.len());
            all.extend(run.own_output(engine, stage));
        }
        largest = largest.max(all.len());
        for run in &mut runs {
            assert_eq!(run.stage_values(), all.len());
            run.complete_stage(engine, stage, Some(&all));
        }
    }
    let buffer = StagedRun::largest_stage(engine, h, w);
    assert_eq!(
        largest, buffer,
        "the shared buffer fits the largest stage exactly"
    );
    runs.swap_remove(0).finish()
}

#[test]
fn a_pass_split_across_workers_gives_the_same_image() {
    let g = generator(
        ResnetGeneratorConfig::new().with_ngf(8).with_n_blocks(2),
        61,
    );
    let engine = CpuGenerator::new(&g);
    let input = tensor_values(random([1, 3, 16, 12], 62));
    let whole = engine.forward(&input, 16, 12);
    for count in [2, 3, 5] {
        let split = forward_split(&engine, &input, 16, 12, count);
        assert_eq!(split, whole, "{count} workers");
    }
    // Channels split in whole panels, covering every channel once, in order.
    for stage in 0..engine.stages() {
        let ranges: Vec<_> = (0..3)
            .map(|index| engine.stage_range(stage, Part { index, count: 3 }))
            .collect();
        let channels = engine.stage_channels(stage);
        if stage + 1 == engine.stages() {
            assert_eq!(ranges, [0..3, 0..3, 0..3], "the head is split by rows");
            let rows: Vec<_> = (0..3)
                .map(|index| CpuGenerator::head_rows(16, Part { index, count: 3 }))
                .collect();
            assert_eq!(rows, [0..5, 5..10, 10..16]);
            continue;
        }
        assert_eq!(ranges[0].start, 0);
        assert_eq!(ranges[2].end, channels);
        for pair in ranges.windows(2) {
            assert_eq!(pair[0].end, pair[1].start);
            assert!(pair[1].start % 8 == 0 || pair[1].is_empty());
        }
    }
}

#[test]
fn the_engine_handles_affine_norms() {
    let config = ResnetGeneratorConfig::new()
        .with_ngf(4)
        .with_n_blocks(1)
        .with_norm_affine(true);
    let mut g = generator(config, 21);
    g.norm_up2.gamma = Some(Param::from_tensor(random([4], 22)));
    g.norm_up2.beta = Some(Param::from_tensor(random([4], 23)));
    let (ours, expected) = forward_both(&g, 16, 16, 24);
    assert!(max_diff(&ours, &expected) < 1e-4);
}

#[test]
fn weights_loaded_in_f16_run_too() {
    let config = ResnetGeneratorConfig::new().with_ngf(4).with_n_blocks(1);
    let g = generator(config, 31);
    let bytes = crate::weights::to_bytes(&g, crate::Precision::F16).expect("save");
    let loaded = crate::weights::load_into(g.config().init(&device()), bytes).expect("load");
    let (ours, expected) = forward_both(&loaded, 12, 8, 32);
    assert!(max_diff(&ours, &expected) < 1e-4);
}

/// The paper's full generator at 256²: accuracy against burn, and both times (a measurement, not
/// a timed test: `cargo test --release -p unpaired --lib full_size -- --ignored --nocapture`).
#[test]
#[ignore = "a measurement: seconds in release, minutes in debug"]
fn full_size_generator_against_burn() {
    let g = generator(ResnetGeneratorConfig::new(), 41);
    let x = random([1, 3, 256, 256], 42);
    let started = std::time::Instant::now();
    let expected = tensor_values(g.forward(x.clone()));
    let burn_ms = started.elapsed().as_secs_f64() * 1e3;
    let engine = CpuGenerator::new(&g);
    let input = tensor_values(x);
    let started = std::time::Instant::now();
    let ours = engine.forward(&input, 256, 256);
    let ours_ms = started.elapsed().as_secs_f64() * 1e3;
    let worst = max_diff(&ours, &expected);
    println!("256² ResNet-9: burn Flex {burn_ms:.0} ms, engine {ours_ms:.0} ms, max |Δ| {worst:e}");
    assert!(worst < 1e-4, "max |Δ| {worst}");
}

/// Writes a seeded full-size model for measuring the browser build by hand:
/// `UNPAIRED_WRITE_MODEL=DIR cargo test -p unpaired --lib write_measurement_model -- --ignored`.
#[test]
#[ignore = "writes files for a hand measurement"]
fn write_measurement_model() {
    let Ok(dir) = std::env::var("UNPAIRED_WRITE_MODEL") else {
        return;
    };
    let g = generator(ResnetGeneratorConfig::new(), 51);
    let bytes = crate::weights::to_bytes(&g, crate::Precision::F32).expect("save");
    let x = random([1, 3, 256, 256], 52);
    let expected = tensor_values(g.forward(x.clone()));
    let dir = std::path::Path::new(&dir);
    std::fs::create_dir_all(dir).unwrap();
    let le = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    std::fs::write(dir.join("input.f32"), le(&tensor_values(x))).unwrap();
    std::fs::write(dir.join("expected.f32"), le(&expected)).unwrap();
    let manifest = format!(
        r#"{{"format":1,"name":"measure","domain_a":"a","domain_b":"b","ngf":64,"n_blocks":9,"train_size":256,"precision":"f32","a_to_b":{{"file":"a_to_b.bpk","sha256":"{}","bytes":{}}}}}"#,
        crate::manifest::sha256_hex(&bytes),
        bytes.len()
    );
    std::fs::write(dir.join("manifest.json"), manifest).unwrap();
    std::fs::write(dir.join("a_to_b.bpk"), bytes).unwrap();
}
