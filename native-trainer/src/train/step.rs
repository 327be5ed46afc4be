//! One training iteration, as `cycle_gan_model.py`'s `optimize_parameters`: the generators' step
//! with both discriminators frozen (GAN + cycle + identity losses), then the discriminators' step
//! on pooled fakes with the loss halved.

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::store::RecordError;
use burn::tensor::{Bytes, Device, Tensor};
use unpaired::model::ConvPlan;
use unpaired::{
    PatchDiscriminator, PatchDiscriminatorConfig, ResnetGenerator, ResnetGeneratorConfig,
};

use super::losses::{GanMode, l1};
use super::pool::ImagePool;

/// The recipe's settings (the reference's option names).
#[derive(Debug, Clone)]
pub struct RecipeConfig {
    /// Generator shape.
    pub generator: ResnetGeneratorConfig,
    /// Discriminator shape.
    pub discriminator: PatchDiscriminatorConfig,
    /// Weight of the A→B→A cycle loss.
    pub lambda_a: f64,
    /// Weight of the B→A→B cycle loss.
    pub lambda_b: f64,
    /// Identity loss weight, relative to the cycle weights (0.5 in the paper).
    pub lambda_identity: f64,
    /// Adversarial loss.
    pub gan_mode: GanMode,
    /// Adam's β1 (0.5).
    pub beta1: f64,
    /// History pool size (50).
    pub pool_size: usize,
    /// How the generators' residual-block convolutions run (the arithmetic, not the recipe).
    pub conv: ConvPlan,
}

impl Default for RecipeConfig {
    fn default() -> Self {
        Self {
            generator: ResnetGeneratorConfig::new(),
            discriminator: PatchDiscriminatorConfig::new(),
            lambda_a: 10.0,
            lambda_b: 10.0,
            lambda_identity: 0.5,
            gan_mode: GanMode::Lsgan,
            beta1: 0.5,
            pool_size: 50,
            conv: ConvPlan::default(),
        }
    }
}

/// G_A (A→B) and G_B (B→A), optimised together as in the reference.
#[derive(Module, Debug)]
pub struct Generators {
    /// A → B.
    pub g_a: ResnetGenerator,
    /// B → A.
    pub g_b: ResnetGenerator,
}

/// D_A (judges domain B) and D_B (judges domain A).
#[derive(Module, Debug)]
pub struct Discriminators {
    /// Real B vs G_A's fakes.
    pub d_a: PatchDiscriminator,
    /// Real A vs G_B's fakes.
    pub d_b: PatchDiscriminator,
}

/// The eight losses the reference reports, as device scalars (read them only when needed: a read
/// waits for the device).
#[derive(Debug, Clone)]
pub struct Losses {
    /// D_A's halved loss.
    pub d_a: Tensor<1>,
    /// G_A's adversarial loss.
    pub g_a: Tensor<1>,
    /// λ_A · |G_B(G_A(A)) − A|.
    pub cycle_a: Tensor<1>,
    /// λ_B · λ_idt · |G_A(B) − B|.
    pub idt_a: Tensor<1>,
    /// D_B's halved loss.
    pub d_b: Tensor<1>,
    /// G_B's adversarial loss.
    pub g_b: Tensor<1>,
    /// λ_B · |G_A(G_B(B)) − B|.
    pub cycle_b: Tensor<1>,
    /// λ_A · λ_idt · |G_B(A) − A|.
    pub idt_b: Tensor<1>,
}

/// What the generator step leaves for the discriminator step.
pub struct Fakes {
    /// G_A(A), detached.
    pub fake_b: Tensor<4>,
    /// G_B(B), detached.
    pub fake_a: Tensor<4>,
}

/// The four networks, their optimisers and pools.
pub struct CycleGan {
    /// The generators.
    pub generators: Generators,
    /// The discriminators.
    pub discriminators: Discriminators,
    optim_g: ModuleOptimizer,
    optim_d: ModuleOptimizer,
    pool_a: ImagePool,
    pool_b: ImagePool,
    config: RecipeConfig,
}

impl CycleGan {
    /// Fresh networks (N(0, 0.02) weights) on `device` (an autodiff device) and Adam with the
    /// paper's β = (β1, 0.999), ε = 1e-8.
    pub fn new(config: RecipeConfig, device: &Device, seed: u64) -> Self {
        let generators = Generators {
            g_a: config.generator.init(device),
            g_b: config.generator.init(device),
        };
        let discriminators = Discriminators {
            d_a: config.discriminator.init(device),
            d_b: config.discriminator.init(device),
        };
        Self::from_networks(config, generators, discriminators, seed)
    }

    /// Networks restored from a checkpoint, with their optimisers' saved state (Adam's moments and
    /// step counts, as burnpack bytes) and the pools' contents.
    pub fn restore(
        config: RecipeConfig,
        generators: Generators,
        discriminators: Discriminators,
        optimizer_state: [Bytes; 2],
        pools: [Vec<Tensor<4>>; 2],
    ) -> Result<Self, RecordError> {
        let mut gan = Self::from_networks(config, generators, discriminators, 0);
        let [g, d] = optimizer_state;
        gan.optim_g = gan.optim_g.from_bytes(g)?;
        gan.optim_d = gan.optim_d.from_bytes(d)?;
        let [a, b] = pools;
        gan.pool_a.set_images(a);
        gan.pool_b.set_images(b);
        Ok(gan)
    }

    /// Given networks (new, or restored without their optimisers' state from a packed snapshot)
    /// with fresh Adam moments and empty pools seeded from `seed`.
    pub fn from_networks(
        config: RecipeConfig,
        generators: Generators,
        discriminators: Discriminators,
        seed: u64,
    ) -> Self {
        let generators = Generators {
            g_a: generators.g_a.with_conv_plan(config.conv),
            g_b: generators.g_b.with_conv_plan(config.conv),
        };
        let adam = AdamConfig::new()
            .with_beta_1(config.beta1 as f32)
            .with_beta_2(0.999)
            .with_epsilon(1e-8);
        Self {
            generators,
            discriminators,
            optim_g: adam.init(),
            optim_d: adam.init(),
            pool_a: ImagePool::new(config.pool_size, seed),
            pool_b: ImagePool::new(config.pool_size, seed.wrapping_add(1)),
            config,
        }
    }

    /// The two optimisers' state (generators', discriminators') as burnpack bytes.
    pub fn optimizer_state(&self) -> Result<[Bytes; 2], RecordError> {
        Ok([self.optim_g.into_bytes()?, self.optim_d.into_bytes()?])
    }

    /// The history pools of fake A and fake B images.
    pub fn pools(&self) -> [&ImagePool; 2] {
        [&self.pool_a, &self.pool_b]
    }

    /// Restarts both pools' random choices from `seed` (done at each epoch, so that a resumed
    /// run makes the same choices as an uninterrupted one).
    pub fn reseed_pools(&mut self, seed: u64) {
        self.pool_a.reseed(seed);
        self.pool_b.reseed(seed.wrapping_add(1));
    }

    /// The recipe's settings.
    pub fn config(&self) -> &RecipeConfig {
        &self.config
    }

    /// One full iteration at learning rate `lr`.
    pub fn step(&mut self, real_a: Tensor<4>, real_b: Tensor<4>, lr: f64) -> Losses {
        let (mut losses, fakes) = self.generator_step(real_a.clone(), real_b.clone(), lr);
        let (d_a, d_b) = self.discriminator_step(real_a, real_b, fakes, lr);
        losses.d_a = d_a;
        losses.d_b = d_b;
        losses
    }

    /// The generators' update, with the discriminators frozen. The returned losses' `d_a`/`d_b`
    /// are zero until [`Self::discriminator_step`].
    pub fn generator_step(
        &mut self,
        real_a: Tensor<4>,
        real_b: Tensor<4>,
        lr: f64,
    ) -> (Losses, Fakes) {
        let c = &self.config;
        let gan = c.gan_mode;
        let Generators { g_a, g_b } = &self.generators;
        let d_a = self.discriminators.d_a.clone().no_grad();
        let d_b = self.discriminators.d_b.clone().no_grad();

        let fake_b = g_a.forward(real_a.clone());
        let rec_a = g_b.forward(fake_b.clone());
        let fake_a = g_b.forward(real_b.clone());
        let rec_b = g_a.forward(fake_a.clone());

        let loss_g_a = gan.loss(d_a.forward(fake_b.clone()), true);
        let loss_g_b = gan.loss(d_b.forward(fake_a.clone()), true);
        let cycle_a = l1(rec_a, real_a.clone()).mul_scalar(c.lambda_a);
        let cycle_b = l1(rec_b, real_b.clone()).mul_scalar(c.lambda_b);
        let mut total = loss_g_a.clone() + loss_g_b.clone() + cycle_a.clone() + cycle_b.clone();
        let device = real_a.device();
        let zero = || Tensor::<1>::zeros([1], &device);
        let (idt_a, idt_b) = if c.lambda_identity > 0.0 {
            let idt_a =
                l1(g_a.forward(real_b.clone()), real_b).mul_scalar(c.lambda_b * c.lambda_identity);
            let idt_b =
                l1(g_b.forward(real_a.clone()), real_a).mul_scalar(c.lambda_a * c.lambda_identity);
            total = total + idt_a.clone() + idt_b.clone();
            (idt_a, idt_b)
        } else {
            (zero(), zero())
        };

        let grads = GradientsParams::from_grads(total.backward(), &self.generators);
        self.generators = self.optim_g.step(lr, self.generators.clone(), grads);
        let losses = Losses {
            d_a: zero(),
            g_a: loss_g_a.detach(),
            cycle_a: cycle_a.detach(),
            idt_a: idt_a.detach(),
            d_b: zero(),
            g_b: loss_g_b.detach(),
            cycle_b: cycle_b.detach(),
            idt_b: idt_b.detach(),
        };
        let fakes = Fakes {
            fake_b: fake_b.detach(),
            fake_a: fake_a.detach(),
        };
        (losses, fakes)
    }

    /// The discriminators' update on real images and pooled fakes; returns (D_A, D_B) losses.
    pub fn discriminator_step(
        &mut self,
        real_a: Tensor<4>,
        real_b: Tensor<4>,
        fakes: Fakes,
        lr: f64,
    ) -> (Tensor<1>, Tensor<1>) {
        let gan = self.config.gan_mode;
        let fake_b = self.pool_b.query(fakes.fake_b);
        let fake_a = self.pool_a.query(fakes.fake_a);
        let Discriminators { d_a, d_b } = &self.discriminators;
        let loss = |d: &PatchDiscriminator, real: Tensor<4>, fake: Tensor<4>| {
            (gan.loss(d.forward(real), true) + gan.loss(d.forward(fake), false)).mul_scalar(0.5)
        };
        let loss_d_a = loss(d_a, real_b, fake_b);
        let loss_d_b = loss(d_b, real_a, fake_a);
        let total = loss_d_a.clone() + loss_d_b.clone();
        let grads = GradientsParams::from_grads(total.backward(), &self.discriminators);
        self.discriminators = self.optim_d.step(lr, self.discriminators.clone(), grads);
        (loss_d_a.detach(), loss_d_b.detach())
    }
}
