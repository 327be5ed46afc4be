//! The FID Inception-v3: the TensorFlow `inception-2015-12-05` graph that FID is defined on (Heusel
//! et al. 2017), up to its 2048-wide pool3 features, with the quirks that set it apart from
//! torchvision's Inception-v3:
//!
//! - every conv is followed by a batch norm without scale (`beta`, `mean`, `var`; eps 0.001) and a
//!   ReLU, and has no bias;
//! - the average pools inside the blocks leave the padding out of the count
//!   (`count_include_pad = false`);
//! - the last block (`mixed_10`) takes a **max** pool (3×3, stride 1, pad 1) in its pool branch;
//! - the final pool averages the 8×8 map left from a 299×299 input.
//!
//! Module and field names follow the weights file (`net.layers.mixed_4.tower_1.conv_3.weight` is
//! `mixed_4.tower_1.layers.3.weight` here; see [`super::weights`]). [`FidInceptionConfig`]'s
//! `width_divisor` narrows every layer for the test fixture; the real network uses 1.

use burn::config::Config;
use burn::module::{Module, Param};
use burn::tensor::activation::relu;
use burn::tensor::module::{avg_pool2d, conv2d, max_pool2d};
use burn::tensor::ops::{AvgPoolOptions, ConvOptions, MaxPoolOptions};
use burn::tensor::{Device, Tensor};

/// Input side in pixels.
pub const INPUT_SIZE: usize = 299;
/// Feature width of the real network.
pub const FEATURES: usize = 2048;
/// The batch norms' epsilon.
const BN_EPS: f64 = 1e-3;

/// Shape of a [`FidInception`].
#[derive(Config, Debug, PartialEq)]
pub struct FidInceptionConfig {
    /// Divides every layer's output channels: 1 for the real network; the test fixture uses 16.
    /// Must divide 16.
    #[config(default = 1)]
    pub width_divisor: usize,
}

/// Conv (no bias) → batch norm without scale → ReLU: the graph's `Conv2dLayer`.
#[derive(Module, Debug)]
pub struct ConvBn {
    /// `[out, in, kh, kw]`.
    pub weight: Param<Tensor<4>>,
    /// Batch-norm shift.
    pub beta: Param<Tensor<1>>,
    /// Batch-norm running mean.
    pub mean: Param<Tensor<1>>,
    /// Batch-norm running variance.
    pub var: Param<Tensor<1>>,
    /// Stride on both axes.
    pub stride: usize,
    /// Zero padding `[h, w]`.
    pub padding: [usize; 2],
}

impl ConvBn {
    /// Zero weights, zero shift and mean, unit variance: a shell for loaded weights.
    fn new(
        channels: [usize; 2],
        kernel: [usize; 2],
        stride: usize,
        padding: [usize; 2],
        device: &Device,
    ) -> Self {
        let [input, output] = channels;
        Self {
            weight: Param::from_tensor(Tensor::zeros(
                [output, input, kernel[0], kernel[1]],
                device,
            )),
            beta: Param::from_tensor(Tensor::zeros([output], device)),
            mean: Param::from_tensor(Tensor::zeros([output], device)),
            var: Param::from_tensor(Tensor::ones([output], device)),
            stride,
            padding,
        }
    }

    /// `relu((conv(x) − mean) / √(var + 0.001) + beta)`, with the norm folded into the conv's
    /// weights and bias (a per-output-channel scale), so the activations see one pass.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let [output, ..] = self.weight.dims();
        let scale = (self.var.val() + BN_EPS).sqrt().recip();
        let weight = self.weight.val() * scale.clone().reshape([output, 1, 1, 1]);
        let bias = self.beta.val() - self.mean.val() * scale;
        let options = ConvOptions::new([self.stride; 2], self.padding, [1, 1], 1);
        relu(conv2d(x, weight, Some(bias), options))
    }
}

/// 3×3, stride 1, pad 1 average pool that leaves the padding out of the count.
fn avg_pool_3x3(x: Tensor<4>) -> Tensor<4> {
    let options = AvgPoolOptions::new([3, 3])
        .with_stride([1, 1])
        .with_padding([1, 1])
        .with_count_include_pad(false);
    avg_pool2d(x, options)
}

/// 3×3 max pool with the given stride and padding.
fn max_pool_3x3(x: Tensor<4>, stride: usize, padding: usize) -> Tensor<4> {
    let options = MaxPoolOptions::new([3, 3])
        .with_stride([stride; 2])
        .with_padding([padding; 2]);
    max_pool2d(x, options)
}

/// A branch: optionally the 3×3 average pool, then convs in order (`tower`, `tower_1`, `tower_2`).
#[derive(Module, Debug)]
pub struct Tower {
    /// Starts with [`avg_pool_3x3`] (the pool branches of blocks A and C).
    pub pool_first: bool,
    /// The convs (`conv`, `conv_1`, … in the weights file).
    pub layers: Vec<ConvBn>,
}

impl Tower {
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let x = if self.pool_first { avg_pool_3x3(x) } else { x };
        self.layers.iter().fold(x, |x, layer| layer.forward(x))
    }
}

/// Blocks A (`mixed`–`mixed_2`) and C (`mixed_4`–`mixed_7`): `cat[conv, tower, tower_1, tower_2]`.
#[derive(Module, Debug)]
pub struct InceptionAc {
    /// 1×1 branch.
    pub conv: ConvBn,
    /// 5×5 (A) or 1×7/7×1 (C) branch.
    pub tower: Tower,
    /// Double 3×3 (A) or double 7×1/1×7 (C) branch.
    pub tower_1: Tower,
    /// Average pool, 1×1.
    pub tower_2: Tower,
}

impl InceptionAc {
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        Tensor::cat(
            vec![
                self.conv.forward(x.clone()),
                self.tower.forward(x.clone()),
                self.tower_1.forward(x.clone()),
                self.tower_2.forward(x),
            ],
            1,
        )
    }
}

/// Block B (`mixed_3`): `cat[conv, tower, max pool]`, all stride 2.
#[derive(Module, Debug)]
pub struct InceptionB {
    /// 3×3 stride-2 branch.
    pub conv: ConvBn,
    /// 1×1, 3×3, 3×3 stride 2.
    pub tower: Tower,
}

impl InceptionB {
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        Tensor::cat(
            vec![
                self.conv.forward(x.clone()),
                self.tower.forward(x.clone()),
                max_pool_3x3(x, 2, 0),
            ],
            1,
        )
    }
}

/// Block D (`mixed_8`): `cat[tower, tower_1, max pool]`, all stride 2.
#[derive(Module, Debug)]
pub struct InceptionD {
    /// 1×1, 3×3 stride 2.
    pub tower: Tower,
    /// 1×1, 1×7, 7×1, 3×3 stride 2.
    pub tower_1: Tower,
}

impl InceptionD {
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        Tensor::cat(
            vec![
                self.tower.forward(x.clone()),
                self.tower_1.forward(x.clone()),
                max_pool_3x3(x, 2, 0),
            ],
            1,
        )
    }
}

/// Block E (`mixed_9`, `mixed_10`): two stems, each split into a 1×3 and a 3×1 conv, plus a 1×1
/// and a pool branch; the pool is an average in `mixed_9` and a max in `mixed_10`.
#[derive(Module, Debug)]
pub struct InceptionE {
    /// 1×1 branch.
    pub conv: ConvBn,
    /// Stem of the first split branch (1×1).
    pub tower_conv: ConvBn,
    /// 1×3 on `tower_conv`.
    pub tower_mixed_conv: ConvBn,
    /// 3×1 on `tower_conv`.
    pub tower_mixed_conv_1: ConvBn,
    /// Stem of the second split branch (1×1) …
    pub tower_1_conv: ConvBn,
    /// … then 3×3.
    pub tower_1_conv_1: ConvBn,
    /// 1×3 on the second stem.
    pub tower_1_mixed_conv: ConvBn,
    /// 3×1 on the second stem.
    pub tower_1_mixed_conv_1: ConvBn,
    /// 1×1 after the pool.
    pub tower_2_conv: ConvBn,
    /// The pool branch takes a max (`mixed_10`) instead of an average.
    pub max_pool: bool,
}

impl InceptionE {
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let a = self.tower_conv.forward(x.clone());
        let b = self
            .tower_1_conv_1
            .forward(self.tower_1_conv.forward(x.clone()));
        let pooled = if self.max_pool {
            max_pool_3x3(x.clone(), 1, 1)
        } else {
            avg_pool_3x3(x.clone())
        };
        Tensor::cat(
            vec![
                self.conv.forward(x),
                self.tower_mixed_conv.forward(a.clone()),
                self.tower_mixed_conv_1.forward(a),
                self.tower_1_mixed_conv.forward(b.clone()),
                self.tower_1_mixed_conv_1.forward(b),
                self.tower_2_conv.forward(pooled),
            ],
            1,
        )
    }
}

/// The network, input `[N, 3, 299, 299]` with values `(u8 − 128) / 128`, output `[N, 2048]`
/// (`[N, 2048 / width_divisor]` for a narrowed one).
#[derive(Module, Debug)]
pub struct FidInception {
    /// 3×3 stride 2 (`Conv2d_1a`).
    pub conv: ConvBn,
    /// 3×3 (`Conv2d_2a`).
    pub conv_1: ConvBn,
    /// 3×3 pad 1 (`Conv2d_2b`), then a 3×3 stride-2 max pool.
    pub conv_2: ConvBn,
    /// 1×1 (`Conv2d_3b`).
    pub conv_3: ConvBn,
    /// 3×3 (`Conv2d_4a`), then a 3×3 stride-2 max pool.
    pub conv_4: ConvBn,
    /// Block A (`Mixed_5b`).
    pub mixed: InceptionAc,
    /// Block A (`Mixed_5c`).
    pub mixed_1: InceptionAc,
    /// Block A (`Mixed_5d`).
    pub mixed_2: InceptionAc,
    /// Block B (`Mixed_6a`).
    pub mixed_3: InceptionB,
    /// Block C (`Mixed_6b`).
    pub mixed_4: InceptionAc,
    /// Block C (`Mixed_6c`).
    pub mixed_5: InceptionAc,
    /// Block C (`Mixed_6d`).
    pub mixed_6: InceptionAc,
    /// Block C (`Mixed_6e`).
    pub mixed_7: InceptionAc,
    /// Block D (`Mixed_7a`).
    pub mixed_8: InceptionD,
    /// Block E with an average pool (`Mixed_7b`).
    pub mixed_9: InceptionE,
    /// Block E with a max pool (`Mixed_7c`).
    pub mixed_10: InceptionE,
}

/// Builds layers with output channels divided by the config's divisor.
struct Builder<'a> {
    divisor: usize,
    device: &'a Device,
}

impl Builder<'_> {
    fn width(&self, channels: usize) -> usize {
        channels / self.divisor
    }

    /// A conv from `input` channels (already narrowed) to `output` (full width).
    fn conv(
        &self,
        input: usize,
        output: usize,
        kernel: [usize; 2],
        stride: usize,
        padding: [usize; 2],
    ) -> ConvBn {
        ConvBn::new(
            [input, self.width(output)],
            kernel,
            stride,
            padding,
            self.device,
        )
    }

    fn tower(&self, pool_first: bool, layers: Vec<ConvBn>) -> Tower {
        Tower { pool_first, layers }
    }

    /// Block A on `input` channels with `pool` features in its pool branch.
    fn block_a(&self, input: usize, pool: usize) -> InceptionAc {
        let w = |c| self.width(c);
        InceptionAc {
            conv: self.conv(input, 64, [1, 1], 1, [0, 0]),
            tower: self.tower(
                false,
                vec![
                    self.conv(input, 48, [1, 1], 1, [0, 0]),
                    self.conv(w(48), 64, [5, 5], 1, [2, 2]),
                ],
            ),
            tower_1: self.tower(
                false,
                vec![
                    self.conv(input, 64, [1, 1], 1, [0, 0]),
                    self.conv(w(64), 96, [3, 3], 1, [1, 1]),
                    self.conv(w(96), 96, [3, 3], 1, [1, 1]),
                ],
            ),
            tower_2: self.tower(true, vec![self.conv(input, pool, [1, 1], 1, [0, 0])]),
        }
    }

    /// Block C on 768 channels with `c7` channels inside its factorised 7×7 branches.
    fn block_c(&self, c7: usize) -> InceptionAc {
        let (input, w) = (self.width(768), |c| self.width(c));
        let (row, column) = (([1, 7], [0, 3]), ([7, 1], [3, 0]));
        InceptionAc {
            conv: self.conv(input, 192, [1, 1], 1, [0, 0]),
            tower: self.tower(
                false,
                vec![
                    self.conv(input, c7, [1, 1], 1, [0, 0]),
                    self.conv(w(c7), c7, row.0, 1, row.1),
                    self.conv(w(c7), 192, column.0, 1, column.1),
                ],
            ),
            tower_1: self.tower(
                false,
                vec![
                    self.conv(input, c7, [1, 1], 1, [0, 0]),
                    self.conv(w(c7), c7, column.0, 1, column.1),
                    self.conv(w(c7), c7, row.0, 1, row.1),
                    self.conv(w(c7), c7, column.0, 1, column.1),
                    self.conv(w(c7), 192, row.0, 1, row.1),
                ],
            ),
            tower_2: self.tower(true, vec![self.conv(input, 192, [1, 1], 1, [0, 0])]),
        }
    }

    /// Block E on `input` channels.
    fn block_e(&self, input: usize, max_pool: bool) -> InceptionE {
        let w = |c| self.width(c);
        InceptionE {
            conv: self.conv(input, 320, [1, 1], 1, [0, 0]),
            tower_conv: self.conv(input, 384, [1, 1], 1, [0, 0]),
            tower_mixed_conv: self.conv(w(384), 384, [1, 3], 1, [0, 1]),
            tower_mixed_conv_1: self.conv(w(384), 384, [3, 1], 1, [1, 0]),
            tower_1_conv: self.conv(input, 448, [1, 1], 1, [0, 0]),
            tower_1_conv_1: self.conv(w(448), 384, [3, 3], 1, [1, 1]),
            tower_1_mixed_conv: self.conv(w(384), 384, [1, 3], 1, [0, 1]),
            tower_1_mixed_conv_1: self.conv(w(384), 384, [3, 1], 1, [1, 0]),
            tower_2_conv: self.conv(input, 192, [1, 1], 1, [0, 0]),
            max_pool,
        }
    }
}

impl FidInceptionConfig {
    /// The network with zero weights, to be loaded (see [`super::weights::load`]).
    ///
    /// # Panics
    /// When `width_divisor` does not divide 16 (a programming error: users cannot set it).
    pub fn init(&self, device: &Device) -> FidInception {
        assert!(
            self.width_divisor > 0 && 16 % self.width_divisor == 0,
            "width_divisor must divide 16, got {}",
            self.width_divisor
        );
        let b = Builder {
            divisor: self.width_divisor,
            device,
        };
        let w = |c| b.width(c);
        FidInception {
            conv: b.conv(3, 32, [3, 3], 2, [0, 0]),
            conv_1: b.conv(w(32), 32, [3, 3], 1, [0, 0]),
            conv_2: b.conv(w(32), 64, [3, 3], 1, [1, 1]),
            conv_3: b.conv(w(64), 80, [1, 1], 1, [0, 0]),
            conv_4: b.conv(w(80), 192, [3, 3], 1, [0, 0]),
            mixed: b.block_a(w(192), 32),
            mixed_1: b.block_a(w(256), 64),
            mixed_2: b.block_a(w(288), 64),
            mixed_3: InceptionB {
                conv: b.conv(w(288), 384, [3, 3], 2, [0, 0]),
                tower: b.tower(
                    false,
                    vec![
                        b.conv(w(288), 64, [1, 1], 1, [0, 0]),
                        b.conv(w(64), 96, [3, 3], 1, [1, 1]),
                        b.conv(w(96), 96, [3, 3], 2, [0, 0]),
                    ],
                ),
            },
            mixed_4: b.block_c(128),
            mixed_5: b.block_c(160),
            mixed_6: b.block_c(160),
            mixed_7: b.block_c(192),
            mixed_8: InceptionD {
                tower: b.tower(
                    false,
                    vec![
                        b.conv(w(768), 192, [1, 1], 1, [0, 0]),
                        b.conv(w(192), 320, [3, 3], 2, [0, 0]),
                    ],
                ),
                tower_1: b.tower(
                    false,
                    vec![
                        b.conv(w(768), 192, [1, 1], 1, [0, 0]),
                        b.conv(w(192), 192, [1, 7], 1, [0, 3]),
                        b.conv(w(192), 192, [7, 1], 1, [3, 0]),
                        b.conv(w(192), 192, [3, 3], 2, [0, 0]),
                    ],
                ),
            },
            mixed_9: b.block_e(w(1280), false),
            mixed_10: b.block_e(w(2048), true),
        }
    }
}

impl FidInception {
    /// Pool3 features of a `[N, 3, 299, 299]` batch: `[N, width]`.
    pub fn forward(&self, input: Tensor<4>) -> Tensor<2> {
        let x = self
            .conv_2
            .forward(self.conv_1.forward(self.conv.forward(input)));
        let x = max_pool_3x3(x, 2, 0);
        let x = self.conv_4.forward(self.conv_3.forward(x));
        let x = max_pool_3x3(x, 2, 0);
        let x = self.mixed.forward(x);
        let x = self.mixed_1.forward(x);
        let x = self.mixed_2.forward(x);
        let x = self.mixed_3.forward(x);
        let x = self.mixed_4.forward(x);
        let x = self.mixed_5.forward(x);
        let x = self.mixed_6.forward(x);
        let x = self.mixed_7.forward(x);
        let x = self.mixed_8.forward(x);
        let x = self.mixed_9.forward(x);
        let x = self.mixed_10.forward(x);
        // 8×8 average pool (`pool2`) over the 8×8 map a 299×299 input leaves.
        let [batch, channels, ..] = x.dims();
        let x = avg_pool2d(x, AvgPoolOptions::new([8, 8]));
        x.reshape([batch, channels])
    }

    /// Width of the feature vector.
    pub fn feature_width(&self) -> usize {
        let [a, ..] = self.mixed_10.conv.weight.dims();
        let [b, ..] = self.mixed_10.tower_mixed_conv.weight.dims();
        let [c, ..] = self.mixed_10.tower_2_conv.weight.dims();
        a + 4 * b + c
    }
}
