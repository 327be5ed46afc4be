//! The generator's forward pass on the CPU, without burn: the engine behind the browser's CPU
//! backend (and usable natively). Weights are laid out once, at load, for the kernels; activations
//! are channels-last `f32` images; convolutions run as im2col or Winograd GEMMs on a
//! register-blocked SIMD128 micro-kernel. It computes exactly the graph of
//! [`ResnetGenerator::forward`](crate::model::ResnetGenerator::forward), which stays the one
//! definition of the model: tests pin this engine to it.

mod conv;
mod gemm;
mod norm;
mod simd;
mod winograd;

use std::ops::Range;

use burn::module::Param;
use burn::nn::InstanceNorm;
use burn::nn::conv::{Conv2d, ConvTranspose2d};
use burn::tensor::Tensor;

use crate::model::ResnetGenerator;
use conv::{Conv, ConvTranspose, Image, Padding, pad};
use norm::{Affine, Then, instance_norm};
use winograd::{F4, Winograd};

/// One 3×3 stride-1 convolution of a residual block, by Winograd F(4×4, 3×3) where the channel
/// counts allow, else by im2col.
#[derive(Debug, Clone)]
enum Conv3 {
    Winograd(Winograd<F4>),
    Im2col(Conv),
}

impl Conv3 {
    fn new(conv: &Conv2d) -> Self {
        let (weight, shape, bias) = conv_parts(conv);
        if Winograd::<F4>::supports(shape[1], shape[0]) {
            Self::Winograd(Winograd::new(&weight, shape, bias.as_deref()))
        } else {
            Self::Im2col(Conv::new(&weight, shape, 1, bias.as_deref()))
        }
    }

    fn out_channels(&self) -> usize {
        match self {
            Self::Winograd(conv) => conv.out_channels(),
            Self::Im2col(conv) => conv.out_channels(),
        }
    }

    #[cfg_attr(target_arch = "wasm32", target_feature(enable = "simd128"))]
    fn forward(&self, x: &Image, out: &mut Image, channels: Range<usize>) {
        match self {
            Self::Winograd(conv) => conv.forward(x, out, channels),
            Self::Im2col(conv) => conv.forward(x, out, channels),
        }
    }
}

/// An instance norm's settings.
#[derive(Debug, Clone)]
struct Norm {
    epsilon: f32,
    affine: Option<Affine>,
}

impl Norm {
    fn new(norm: &InstanceNorm) -> Self {
        let affine = match (&norm.gamma, &norm.beta) {
            (Some(gamma), Some(beta)) => Some(Affine {
                scale: values(gamma),
                shift: values(beta),
            }),
            _ => None,
        };
        Self {
            epsilon: norm.epsilon as f32,
            affine,
        }
    }

    #[cfg_attr(target_arch = "wasm32", target_feature(enable = "simd128"))]
    fn apply(&self, x: &mut Image, channels: Range<usize>, then: Then) {
        instance_norm(x, channels, self.epsilon, self.affine.as_ref(), then);
    }
}

#[derive(Debug, Clone)]
struct Block {
    conv1: Conv3,
    norm1: Norm,
    conv2: Conv3,
    norm2: Norm,
}

/// A ResNet generator ready to run on the CPU.
#[derive(Debug, Clone)]
pub struct CpuGenerator {
    stem: Conv,
    norm_stem: Norm,
    down1: Conv,
    norm_down1: Norm,
    down2: Conv,
    norm_down2: Norm,
    blocks: Vec<Block>,
    up1: ConvTranspose,
    norm_up1: Norm,
    up2: ConvTranspose,
    norm_up2: Norm,
    head: Conv,
}

impl CpuGenerator {
    /// Whether `generator` can run here: every channel count up to the head a multiple of 4
    /// (`ngf` a multiple of 4, as in every published model).
    pub fn supports(generator: &ResnetGenerator) -> bool {
        generator.config().ngf.is_multiple_of(4)
    }

    /// Lays out `generator`'s weights for the CPU kernels (reads them from its device once).
    /// Check [`CpuGenerator::supports`] first.
    pub fn new(generator: &ResnetGenerator) -> Self {
        assert!(Self::supports(generator), "ngf must be a multiple of 4");
        let plain = |conv: &Conv2d, stride| {
            let (weight, shape, bias) = conv_parts(conv);
            Conv::new(&weight, shape, stride, bias.as_deref())
        };
        let transposed = |conv: &ConvTranspose2d| {
            let weight = conv.weight.val();
            let shape = weight.dims();
            let bias = conv.bias.as_ref().map(values);
            ConvTranspose::new(&tensor_values(weight), shape, bias.as_deref())
        };
        Self {
            stem: plain(&generator.stem, 1),
            norm_stem: Norm::new(&generator.norm_stem),
            down1: plain(&generator.down1, 2),
            norm_down1: Norm::new(&generator.norm_down1),
            down2: plain(&generator.down2, 2),
            norm_down2: Norm::new(&generator.norm_down2),
            blocks: generator
                .blocks
                .iter()
                .map(|block| Block {
                    conv1: Conv3::new(&block.conv1),
                    norm1: Norm::new(&block.norm1),
                    conv2: Conv3::new(&block.conv2),
                    norm2: Norm::new(&block.norm2),
                })
                .collect(),
            up1: transposed(&generator.up1),
            norm_up1: Norm::new(&generator.norm_up1),
            up2: transposed(&generator.up2),
            norm_up2: Norm::new(&generator.norm_up2),
            head: plain(&generator.head, 1),
        }
    }

    /// Translates one image: planar `[3, height, width]` values in [-1, 1] in (height and width
    /// multiples of 4, at least 8), the same layout out.
    pub fn forward(&self, planar: &[f32], height: usize, width: usize) -> Vec<f32> {
        let mut run = StagedRun::new(planar, height, width, Part::WHOLE);
        for stage in 0..self.stages() {
            run.run_stage(self, stage);
            run.complete_stage(self, stage, None);
        }
        run.finish()
    }

    /// The steps of a forward pass: stem, two downsamplings, two per residual block, two
    /// upsamplings, head. Each step can be split across workers (by output channels; the head by
    /// rows).
    pub fn stages(&self) -> usize {
        6 + 2 * self.blocks.len()
    }

    /// Output channels of `stage`.
    pub fn stage_channels(&self, stage: usize) -> usize {
        match self.layer(stage) {
            Layer::Conv(conv, _) => conv.out_channels(),
            Layer::Block(block, _) => block.conv1.out_channels(),
            Layer::Up(conv, _) => conv.out_channels(),
            Layer::Head => self.head.out_channels(),
        }
    }

    /// The output channels `part` computes of `stage`: the channels split as evenly as the kernels
    /// allow (whole panels of 8), in part order. The head (3 channels) is split by rows instead
    /// ([`CpuGenerator::head_rows`]): every part computes all its channels.
    pub fn stage_range(&self, stage: usize, part: Part) -> Range<usize> {
        let channels = self.stage_channels(stage);
        if self.is_head(stage) {
            return 0..channels;
        }
        let units = channels.div_ceil(gemm::NR);
        let start = |i: usize| (units * i / part.count * gemm::NR).min(channels);
        start(part.index)..start(part.index + 1)
    }

    /// The output rows (of `height`) `part` computes of the head.
    pub fn head_rows(height: usize, part: Part) -> Range<usize> {
        let start = |i: usize| height * i / part.count;
        start(part.index)..start(part.index + 1)
    }

    /// How `stage` pads its input (0: not at all).
    fn padding(&self, stage: usize) -> (usize, Padding) {
        match self.layer(stage) {
            Layer::Conv(..) if stage == 0 => (3, Padding::Reflect),
            Layer::Conv(..) => (1, Padding::Zero),
            Layer::Block(..) => (1, Padding::Reflect),
            Layer::Up(..) => (0, Padding::Zero),
            Layer::Head => (3, Padding::Reflect),
        }
    }

    /// The output size of `stage` for an input of `(height, width)`.
    fn stage_size(&self, stage: usize, (height, width): (usize, usize)) -> (usize, usize) {
        let (p, _) = self.padding(stage);
        match self.layer(stage) {
            Layer::Conv(conv, _) => conv.output_size(height + 2 * p, width + 2 * p),
            Layer::Block(..) => (height, width),
            Layer::Up(..) => (2 * height, 2 * width),
            Layer::Head => self.head.output_size(height + 2 * p, width + 2 * p),
        }
    }

    fn is_head(&self, stage: usize) -> bool {
        stage + 1 == self.stages()
    }

    fn layer(&self, stage: usize) -> Layer<'_> {
        let blocks = self.blocks.len();
        match stage {
            0 => Layer::Conv(&self.stem, &self.norm_stem),
            1 => Layer::Conv(&self.down1, &self.norm_down1),
            2 => Layer::Conv(&self.down2, &self.norm_down2),
            s if s < 3 + 2 * blocks => Layer::Block(&self.blocks[(s - 3) / 2], (s - 3) % 2),
            s if s == 3 + 2 * blocks => Layer::Up(&self.up1, &self.norm_up1),
            s if s == 4 + 2 * blocks => Layer::Up(&self.up2, &self.norm_up2),
            _ => Layer::Head,
        }
    }
}

/// A step of the forward pass.
enum Layer<'a> {
    /// A padded convolution, its norm and ReLU (stem, downsamplings).
    Conv(&'a Conv, &'a Norm),
    /// A residual block's first (0) or second (1) convolution.
    Block(&'a Block, usize),
    /// A transposed convolution, its norm and ReLU.
    Up(&'a ConvTranspose, &'a Norm),
    /// The last convolution (tanh comes in [`StagedRun::finish`]).
    Head,
}

/// Which of `count` workers this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part {
    /// This worker, `0..count`.
    pub index: usize,
    /// Workers sharing each stage.
    pub count: usize,
}

impl Part {
    /// One worker doing everything.
    pub const WHOLE: Self = Self { index: 0, count: 1 };
}

/// One worker's state in a forward pass split by output channels (the head: by rows) across
/// workers, each holding its own copy of the generator (every call takes it): every worker runs
/// its share of a stage ([`run_stage`]), hands it to the others ([`own_output`]) and takes theirs
/// ([`complete_stage`]) before the next stage. After the last, any part has the image ([`finish`]).
///
/// [`run_stage`]: StagedRun::run_stage
/// [`own_output`]: StagedRun::own_output
/// [`complete_stage`]: StagedRun::complete_stage
/// [`finish`]: StagedRun::finish
#[derive(Debug)]
pub struct StagedRun {
    part: Part,
    /// The input of the next stage (all channels).
    current: Image,
    /// The current residual block's input.
    residual: Option<Image>,
    /// The stage's output; this worker's channels are filled in by `run_stage`.
    out: Image,
}

impl StagedRun {
    /// Starts a pass over planar `[3, height, width]` values in [-1, 1] (sides multiples of 4,
    /// at least 8).
    pub fn new(planar: &[f32], height: usize, width: usize, part: Part) -> Self {
        assert!(
            height.is_multiple_of(4) && width.is_multiple_of(4) && height >= 8 && width >= 8,
            "sides must be multiples of 4, at least 8"
        );
        assert_eq!(planar.len(), 3 * height * width, "planar size");
        assert!(part.index < part.count, "part out of range");
        Self {
            part,
            current: to_channels_last(planar, height, width),
            residual: None,
            out: Image::zeros(0, 0, 0),
        }
    }

    /// Which part this is.
    pub fn part(&self) -> Part {
        self.part
    }

    /// Computes this worker's channels of `stage` (stages in order, each completed first).
    pub fn run_stage(&mut self, generator: &CpuGenerator, stage: usize) {
        #[allow(unused_unsafe)]
        // SAFETY: on wasm32 the SIMD128 kernels need an engine with SIMD, which every engine that
        // instantiated this module has (a module with SIMD instructions fails to compile without).
        unsafe {
            self.run_stage_simd(generator, stage)
        }
    }

    #[cfg_attr(target_arch = "wasm32", target_feature(enable = "simd128"))]
    fn run_stage_simd(&mut self, g: &CpuGenerator, stage: usize) {
        let range = g.stage_range(stage, self.part);
        // The stage's input is dropped as soon as its padded copy exists (or, for a residual
        // block, kept as the residual without a copy): at 2048 px a full-width activation is
        // 0.8 GB, and three alive at once would not fit a wasm32 instance.
        let x = std::mem::replace(&mut self.current, Image::zeros(0, 0, 0));
        self.out = match g.layer(stage) {
            Layer::Conv(conv, norm) => {
                let (p, mode) = g.padding(stage);
                let padded = pad(&x, p, mode);
                drop(x);
                let (h, w) = conv.output_size(padded.height, padded.width);
                let mut out = Image::zeros(h, w, conv.out_channels());
                if !range.is_empty() {
                    conv.forward(&padded, &mut out, range.clone());
                    norm.apply(&mut out, range, Then::Relu);
                }
                out
            }
            Layer::Block(block, half) => {
                let (p, mode) = g.padding(stage);
                let padded = pad(&x, p, mode);
                let mut out = Image::zeros(x.height, x.width, x.channels);
                if half == 0 {
                    self.residual = Some(x);
                } else {
                    drop(x);
                }
                if !range.is_empty() {
                    if half == 0 {
                        block.conv1.forward(&padded, &mut out, range.clone());
                        block.norm1.apply(&mut out, range, Then::Relu);
                    } else {
                        let residual = self.residual.take().expect("the block's first stage ran");
                        block.conv2.forward(&padded, &mut out, range.clone());
                        block.norm2.apply(&mut out, range, Then::Add(&residual));
                    }
                }
                out
            }
            Layer::Up(conv, norm) => {
                let mut out = Image::zeros(2 * x.height, 2 * x.width, conv.out_channels());
                if !range.is_empty() {
                    conv.forward(&x, &mut out, range.clone());
                    norm.apply(&mut out, range, Then::Relu);
                }
                out
            }
            Layer::Head => {
                let (p, mode) = g.padding(stage);
                let padded = pad(&x, p, mode);
                drop(x);
                let (h, w) = g.head.output_size(padded.height, padded.width);
                let mut out = Image::zeros(h, w, g.head.out_channels());
                let rows = CpuGenerator::head_rows(h, self.part);
                if !rows.is_empty() {
                    g.head.forward_rows(&padded, &mut out, rows, range);
                }
                out
            }
        };
    }

    /// The values of the head's output that are this part's rows.
    fn own_head_values(&self) -> Range<usize> {
        let rows = CpuGenerator::head_rows(self.out.height, self.part);
        let row = self.out.width * self.out.channels;
        rows.start * row..rows.end * row
    }

    /// This worker's share of the stage just run: its channels pixel by pixel
    /// (`pixels × channels`), or for the head its rows.
    pub fn own_output(&self, generator: &CpuGenerator, stage: usize) -> Vec<f32> {
        if generator.is_head(stage) {
            return self.out.data[self.own_head_values()].to_vec();
        }
        let range = generator.stage_range(stage, self.part);
        let c = self.out.channels;
        let mut packed = Vec::with_capacity(self.out.pixels() * range.len());
        for pixel in self.out.data.chunks_exact(c) {
            packed.extend_from_slice(&pixel[range.clone()]);
        }
        packed
    }

    /// Values every part sends for the stage just run together: `pixels × stage_channels`.
    pub fn stage_values(&self) -> usize {
        self.out.data.len()
    }

    /// Where this worker's share starts among all parts' (in values).
    pub fn own_offset(&self, generator: &CpuGenerator, stage: usize) -> usize {
        if generator.is_head(stage) {
            return self.own_head_values().start;
        }
        let pixels = self.out.pixels();
        (0..self.part.index)
            .map(|index| {
                let part = Part {
                    index,
                    count: self.part.count,
                };
                pixels * generator.stage_range(stage, part).len()
            })
            .sum()
    }

    /// The most values any stage of a pass over `height × width` exchanges (the size of the
    /// buffer workers share).
    pub fn largest_stage(generator: &CpuGenerator, height: usize, width: usize) -> usize {
        let mut size = (height, width);
        (0..generator.stages())
            .map(|stage| {
                size = generator.stage_size(stage, size);
                size.0 * size.1 * generator.stage_channels(stage)
            })
            .max()
            .unwrap_or(0)
    }

    /// Completes `stage` with the other workers' channels: `all` is every part's
    /// [`own_output`](StagedRun::own_output) concatenated in part order (this worker's included,
    /// and ignored), or `None` when this worker is the only one.
    pub fn complete_stage(&mut self, generator: &CpuGenerator, stage: usize, all: Option<&[f32]>) {
        if let Some(all) = all
            && generator.is_head(stage)
        {
            // Rows: every part's share is where it belongs in the image already.
            assert_eq!(all.len(), self.out.data.len(), "every part's rows");
            self.out.data.copy_from_slice(all);
        } else if let Some(all) = all {
            let c = self.out.channels;
            let pixels = self.out.pixels();
            assert_eq!(all.len(), pixels * c, "every part's channels");
            let mut offset = 0;
            for index in 0..self.part.count {
                let part = Part {
                    index,
                    count: self.part.count,
                };
                let range = generator.stage_range(stage, part);
                let width = range.len();
                if index != self.part.index && width > 0 {
                    let from = &all[offset..offset + pixels * width];
                    for (p, values) in from.chunks_exact(width).enumerate() {
                        self.out.data[p * c + range.start..p * c + range.end]
                            .copy_from_slice(values);
                    }
                }
                offset += pixels * width;
            }
        }
        self.current = std::mem::replace(&mut self.out, Image::zeros(0, 0, 0));
    }

    /// The translated image, planar `[3, height, width]` (after the last stage is completed).
    pub fn finish(self) -> Vec<f32> {
        to_planar_tanh(&self.current)
    }
}

fn to_channels_last(planar: &[f32], height: usize, width: usize) -> Image {
    let plane = height * width;
    let mut image = Image::zeros(height, width, 3);
    for p in 0..plane {
        for c in 0..3 {
            image.data[p * 3 + c] = planar[c * plane + p];
        }
    }
    image
}

fn to_planar_tanh(image: &Image) -> Vec<f32> {
    let (plane, c) = (image.pixels(), image.channels);
    let mut planar = vec![0f32; c * plane];
    for p in 0..plane {
        for ch in 0..c {
            planar[ch * plane + p] = image.data[p * c + ch].tanh();
        }
    }
    planar
}

fn tensor_values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor
        .into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .expect("f32 after conversion")
}

fn values(param: &Param<Tensor<1>>) -> Vec<f32> {
    tensor_values(param.val())
}

fn conv_parts(conv: &Conv2d) -> (Vec<f32>, [usize; 4], Option<Vec<f32>>) {
    let weight = conv.weight.val();
    let shape = weight.dims();
    (tensor_values(weight), shape, conv.bias.as_ref().map(values))
}

#[cfg(test)]
mod tests;
