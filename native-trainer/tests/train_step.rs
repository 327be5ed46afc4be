//! The training recipe's pieces against hand-computed values, and one real iteration: every weight
//! of G_A, G_B, D_A and D_B moves, and each step leaves the other side's networks alone.

use std::collections::BTreeMap;

use burn::store::ModuleSnapshot;
use burn::tensor::{Device, Distribution, Tensor, TensorData};
use native_trainer::train::losses::{GanMode, l1};
use native_trainer::train::pool::ImagePool;
use native_trainer::train::schedule::learning_rate;
use native_trainer::train::step::{CycleGan, RecipeConfig};
use unpaired::{PatchDiscriminatorConfig, ResnetGeneratorConfig};

fn scalar(t: Tensor<1>) -> f32 {
    t.into_scalar::<f32>()
}

fn square(values: [f32; 4]) -> Tensor<4> {
    Tensor::from_data(
        TensorData::new(values.to_vec(), [1, 1, 2, 2]),
        &Device::flex(),
    )
}

#[test]
fn gan_losses_match_hand_computed_values() {
    let x = || square([1.0, 2.0, 3.0, 4.0]);
    // LSGAN: mean((x − 1)²) = (0 + 1 + 4 + 9) / 4; mean(x²) = 30 / 4.
    assert!((scalar(GanMode::Lsgan.loss(x(), true)) - 3.5).abs() < 1e-6);
    assert!((scalar(GanMode::Lsgan.loss(x(), false)) - 7.5).abs() < 1e-6);
    // Vanilla (BCE with logits): logit 0 → ln 2 either way; logit 2 → ln(1 + e⁻²) or 2 + ln(1 + e⁻²).
    let zeros = square([0.0; 4]);
    assert!((scalar(GanMode::Vanilla.loss(zeros, true)) - std::f32::consts::LN_2).abs() < 1e-6);
    let twos = || square([2.0; 4]);
    let soft = (1.0f32 + (-2.0f32).exp()).ln();
    assert!((scalar(GanMode::Vanilla.loss(twos(), true)) - soft).abs() < 1e-6);
    assert!((scalar(GanMode::Vanilla.loss(twos(), false)) - (2.0 + soft)).abs() < 1e-6);
    // L1: mean |(1,2,3,4) − (0,4,3,3)| = (1 + 2 + 0 + 1) / 4.
    assert!((scalar(l1(x(), square([0.0, 4.0, 3.0, 3.0]))) - 1.0).abs() < 1e-6);
}

#[test]
fn learning_rate_is_constant_then_decays_linearly() {
    let lr = |epoch| learning_rate(2e-4, epoch, 100, 100);
    assert_eq!(lr(1), 2e-4);
    assert_eq!(lr(100), 2e-4);
    assert!((lr(101) - 2e-4 * 100.0 / 101.0).abs() < 1e-12);
    assert!((lr(150) - 2e-4 * 51.0 / 101.0).abs() < 1e-12);
    assert!((lr(200) - 2e-4 / 101.0).abs() < 1e-12);
    assert_eq!(learning_rate(2e-4, 250, 100, 100), 0.0);
}

fn value(t: &Tensor<4>) -> f32 {
    t.clone().into_data().try_into_vec::<f32>().unwrap()[0]
}

fn image(v: f32) -> Tensor<4> {
    Tensor::from_data(TensorData::new(vec![v], [1, 1, 1, 1]), &Device::flex())
}

#[test]
fn history_pool_fills_then_swaps_half_the_time() {
    let mut off = ImagePool::new(0, 1);
    assert_eq!(value(&off.query(image(7.0))), 7.0);
    assert!(off.is_empty());

    let mut pool = ImagePool::new(3, 42);
    for v in [1.0, 2.0, 3.0] {
        assert_eq!(
            value(&pool.query(image(v))),
            v,
            "a filling pool returns the new image"
        );
    }
    assert_eq!(pool.len(), 3);
    let mut stored: Vec<f32> = vec![1.0, 2.0, 3.0];
    let mut swapped = 0;
    for i in 0..400 {
        let new = 10.0 + i as f32;
        let out = value(&pool.query(image(new)));
        if out != new {
            // An old image came back and the new one took its place.
            let slot = stored
                .iter()
                .position(|s| *s == out)
                .expect("returned image was stored");
            stored[slot] = new;
            swapped += 1;
        }
    }
    assert_eq!(pool.len(), 3);
    assert!(
        (160..=240).contains(&swapped),
        "swapped {swapped} of 400 (expected about half)"
    );
}

fn parameters<M: ModuleSnapshot>(module: &M) -> BTreeMap<String, Vec<f32>> {
    module
        .collect(None, None, false)
        .iter()
        .map(|t| {
            let data = burn::store::bridge::to_data(t).unwrap();
            (
                t.name.clone(),
                data.convert::<f32>().try_into_vec().unwrap(),
            )
        })
        .collect()
}

fn changed(before: &BTreeMap<String, Vec<f32>>, after: &BTreeMap<String, Vec<f32>>) -> Vec<String> {
    before
        .iter()
        .filter(|(name, values)| after[*name] != **values)
        .map(|(name, _)| name.clone())
        .collect()
}

#[test]
fn one_iteration_moves_every_weight_and_each_step_only_its_own_networks() {
    let device = Device::flex().autodiff();
    device.seed(7);
    let config = RecipeConfig {
        generator: ResnetGeneratorConfig::new().with_ngf(4).with_n_blocks(1),
        discriminator: PatchDiscriminatorConfig::new().with_ndf(4),
        ..RecipeConfig::default()
    };
    let mut model = CycleGan::new(config, &device, 1);
    let real = || Tensor::<4>::random([1, 3, 32, 32], Distribution::Uniform(-1.0, 1.0), &device);
    let (real_a, real_b) = (real(), real());

    let g0 = parameters(&model.generators);
    let d0 = parameters(&model.discriminators);
    let (losses, fakes) = model.generator_step(real_a.clone(), real_b.clone(), 2e-4);
    let g1 = parameters(&model.generators);
    assert_eq!(
        parameters(&model.discriminators),
        d0,
        "the G step leaves D_A and D_B alone"
    );
    let moved = changed(&g0, &g1);
    for name in g0.keys().filter(|n| n.ends_with("weight")) {
        assert!(moved.contains(name), "G step did not change {name}");
    }
    assert!(
        moved.contains(&"g_a.head.bias".to_string())
            && moved.contains(&"g_b.head.bias".to_string()),
        "moved: {moved:?}"
    );

    let (loss_d_a, loss_d_b) = model.discriminator_step(real_a, real_b, fakes, 2e-4);
    assert_eq!(
        parameters(&model.generators),
        g1,
        "the D step leaves G_A and G_B alone"
    );
    let moved = changed(&d0, &parameters(&model.discriminators));
    for name in d0.keys().filter(|n| n.ends_with("weight")) {
        assert!(moved.contains(name), "D step did not change {name}");
    }
    for name in [
        "d_a.layers.0.conv.bias",
        "d_a.head.bias",
        "d_b.layers.0.conv.bias",
        "d_b.head.bias",
    ] {
        assert!(
            moved.contains(&name.to_string()),
            "D step did not change {name}"
        );
    }

    for (what, loss) in [
        ("G_A", losses.g_a),
        ("cycle_A", losses.cycle_a),
        ("idt_A", losses.idt_a),
        ("G_B", losses.g_b),
        ("cycle_B", losses.cycle_b),
        ("idt_B", losses.idt_b),
        ("D_A", loss_d_a),
        ("D_B", loss_d_b),
    ] {
        let v = scalar(loss);
        assert!(v.is_finite() && v > 0.0, "{what} loss is {v}");
    }
}

/// Adam keeps two moments for every parameter it updated: after one iteration of a fresh model
/// (nothing read before, so any lazily initialised weight would still be pending), both optimisers
/// must hold state for every parameter of their networks. A discriminator frozen through a clone
/// once left D's weights without gradients for the whole run; this pins that down.
#[test]
fn after_one_iteration_every_parameter_has_optimiser_state() {
    use burn::module::Module;
    let device = Device::flex().autodiff();
    let config = RecipeConfig {
        generator: ResnetGeneratorConfig::new().with_ngf(4).with_n_blocks(1),
        discriminator: PatchDiscriminatorConfig::new().with_ndf(4),
        ..RecipeConfig::default()
    };
    let mut model = CycleGan::new(config, &device, 1);
    let real = || Tensor::<4>::random([1, 3, 32, 32], Distribution::Uniform(-1.0, 1.0), &device);
    model.step(real(), real(), 2e-4);
    let [g, d] = model.optimizer_state().unwrap();
    let moments = |bytes| {
        burn::store::burn_pack::Reader::from_bytes(bytes)
            .unwrap()
            .tensor_names()
            .len()
    };
    let count = |params: Vec<String>| params.len();
    let g_params = count(parameters(&model.generators).into_keys().collect());
    let d_params = count(parameters(&model.discriminators).into_keys().collect());
    assert_eq!(moments(g), 2 * g_params, "generators' optimiser");
    assert_eq!(moments(d), 2 * d_params, "discriminators' optimiser");
    assert!(model.discriminators.num_params() > 0);
}

/// The residual blocks' im2col + matmul path trains like the backend's convolution: the same
/// gradient for every weight of the generator (checked through a loss over its whole output).
#[test]
fn im2col_blocks_give_the_backend_convolutions_gradients() {
    use burn::module::{Module, ModuleVisitor, Param, ParamId};
    use burn::optim::GradientsParams;
    use unpaired::model::{ConvAlgorithm, ConvPlan};

    struct Ids(Vec<(ParamId, usize)>);
    impl ModuleVisitor for Ids {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            self.0.push((param.id, D));
        }
    }

    let device = Device::flex().autodiff();
    device.seed(3);
    let generator = ResnetGeneratorConfig::new()
        .with_ngf(4)
        .with_n_blocks(2)
        .init(&device);
    let input = Tensor::<4>::random([1, 3, 24, 20], Distribution::Uniform(-1.0, 1.0), &device);
    let target = Tensor::<4>::random([1, 3, 24, 20], Distribution::Uniform(-1.0, 1.0), &device);
    let gradients = |plan: ConvPlan| {
        let generator = generator.clone().with_conv_plan(plan);
        let loss = l1(generator.forward(input.clone()), target.clone());
        GradientsParams::from_grads(loss.backward(), &generator)
    };
    let backend = gradients(ConvPlan::default());
    let im2col = gradients(ConvPlan::default().with_algorithm(ConvAlgorithm::Im2col));
    let mut ids = Ids(Vec::new());
    generator.visit(&mut ids);
    assert_eq!(
        ids.0.len(),
        2 * 6 + 2 * 2 * 2,
        "weights and biases of every conv"
    );
    let largest = |a: Tensor<1>, b: Tensor<1>| -> f32 { (a - b).abs().max().into_scalar() };
    for (id, dims) in ids.0 {
        let (a, b): (Tensor<1>, Tensor<1>) = match dims {
            1 => (backend.get::<1>(id).unwrap(), im2col.get::<1>(id).unwrap()),
            4 => (
                backend.get::<4>(id).unwrap().flatten(0, 3),
                im2col.get::<4>(id).unwrap().flatten(0, 3),
            ),
            other => panic!("unexpected {other}-d parameter"),
        };
        let scale: f32 = a.clone().abs().max().into_scalar();
        let diff = largest(a, b);
        assert!(
            diff <= 1e-4 * scale.max(1e-3),
            "{id}: max |Δ| {diff} (largest gradient {scale})"
        );
    }
}

/// The plan is the generators' runtime setting, not a weight: it must survive the optimiser's
/// rebuilding of the networks at every step.
#[test]
fn the_conv_plan_survives_training_steps() {
    use unpaired::model::{ConvAlgorithm, ConvPlan, ConvPrecision};
    let device = Device::flex().autodiff();
    let plan = ConvPlan {
        algorithm: ConvAlgorithm::Im2col,
        precision: ConvPrecision::F16,
    };
    let config = RecipeConfig {
        generator: ResnetGeneratorConfig::new().with_ngf(4).with_n_blocks(1),
        discriminator: PatchDiscriminatorConfig::new().with_ndf(4),
        conv: plan,
        ..RecipeConfig::default()
    };
    let mut model = CycleGan::new(config, &device, 1);
    let real = || Tensor::<4>::random([1, 3, 32, 32], Distribution::Uniform(-1.0, 1.0), &device);
    model.step(real(), real(), 2e-4);
    model.step(real(), real(), 2e-4);
    assert_eq!(model.generators.g_a.conv_plan, plan);
    assert_eq!(model.generators.g_b.conv_plan, plan);
}
