//! How the residual blocks' 3×3 convolutions are computed.
//!
//! burn 0.22's GPU backends have no im2col + matrix-multiply candidate for a 3×3 forward
//! convolution: on Vulkan and WGSL an f32 3×3 conv runs the direct kernel, slower than burn's own
//! matrix multiply on the same work (the residual conv on an H100: 3.2 ms direct, 2.3 ms as an f32
//! matmul, 0.42 ms in f16; issue 7's probe). [`ConvPlan`] lets the generator compute those
//! convolutions as an explicit im2col (nine shifted slices of the padded input, stacked) times the
//! reshaped weights, optionally with the operands in f16 (the only type that reaches tensor cores
//! on Vulkan). Both are built from differentiable tensor operations, so training uses them too.
//! The default keeps the backend's own kernels.

use burn::nn::PaddingConfig2d;
use burn::nn::conv::Conv2d;
use burn::tensor::ops::ConvOptions;
use burn::tensor::{FloatDType, Tensor};

/// The algorithm of a convolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConvAlgorithm {
    /// The backend's convolution (autotuned where the backend tunes).
    #[default]
    Backend,
    /// Explicit im2col and one matrix multiply.
    Im2col,
}

/// The type the convolution's arithmetic runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConvPrecision {
    /// The model's own float type.
    #[default]
    Model,
    /// Input and weights cast to f16 for the convolution (backends accumulate matrix products of
    /// f16 in f32); the result is cast back to the model's type.
    F16,
}

/// How a generator runs its residual blocks' convolutions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct ConvPlan {
    /// Backend kernel or im2col + matmul.
    pub algorithm: ConvAlgorithm,
    /// Arithmetic type.
    pub precision: ConvPrecision,
}

impl ConvPlan {
    /// The plan with this algorithm.
    pub fn with_algorithm(self, algorithm: ConvAlgorithm) -> Self {
        Self { algorithm, ..self }
    }

    /// The plan with this precision.
    pub fn with_precision(self, precision: ConvPrecision) -> Self {
        Self { precision, ..self }
    }

    /// `conv` applied to `input` the planned way. Im2col covers ungrouped, undilated stride-1
    /// convolutions without implicit padding (the generator pads explicitly); any other
    /// convolution runs the backend's kernel, in the planned precision.
    pub fn forward(&self, conv: &Conv2d, input: Tensor<4>) -> Tensor<4> {
        let Some(padding) = explicit_padding(&conv.padding) else {
            // `Same` padding (no layer of ours): burn's own layer, as it is.
            return conv.forward(input);
        };
        let model_dtype = input.dtype();
        let (input, weight, bias) = match self.precision {
            ConvPrecision::Model => (
                input,
                conv.weight.val(),
                conv.bias.as_ref().map(|b| b.val()),
            ),
            ConvPrecision::F16 => (
                input.cast(FloatDType::F16),
                conv.weight.val().cast(FloatDType::F16),
                conv.bias.as_ref().map(|b| b.val().cast(FloatDType::F16)),
            ),
        };
        let output =
            if self.algorithm == ConvAlgorithm::Im2col && im2col_applies(conv, padding, &input) {
                im2col_conv(input, weight, bias)
            } else {
                let options =
                    ConvOptions::new_with_padding(conv.stride, padding, conv.dilation, conv.groups);
                burn::tensor::module::conv2d(input, weight, bias, options)
            };
        // A no-op unless the operands were cast.
        output.cast(model_dtype)
    }
}

/// `((top, bottom), (left, right))` of a padding that does not depend on the input's size.
fn explicit_padding(padding: &PaddingConfig2d) -> Option<[(usize, usize); 2]> {
    match *padding {
        PaddingConfig2d::Valid => Some([(0, 0), (0, 0)]),
        PaddingConfig2d::Explicit(top, left, bottom, right) => Some([(top, bottom), (left, right)]),
        PaddingConfig2d::Same => None,
    }
}

/// Whether [`im2col_conv`] computes exactly what `conv` would.
fn im2col_applies(conv: &Conv2d, padding: [(usize, usize); 2], input: &Tensor<4>) -> bool {
    let [_, _, height, width] = input.dims();
    let [kh, kw] = conv.kernel_size;
    conv.stride == [1, 1]
        && conv.dilation == [1, 1]
        && conv.groups == 1
        && padding == [(0, 0), (0, 0)]
        && height >= kh
        && width >= kw
}

/// A stride-1, unpadded convolution as im2col + matmul: the columns are the `kh·kw` shifted
/// windows of the input stacked as `[batch, cin·kh·kw, out_h·out_w]` in (channel, row, column)
/// order, which is the order of the weight's `[cout, cin, kh, kw]` flattened to `[cout, cin·kh·kw]`.
fn im2col_conv(input: Tensor<4>, weight: Tensor<4>, bias: Option<Tensor<1>>) -> Tensor<4> {
    let [batch, channels, height, width] = input.dims();
    let [cout, cin, kh, kw] = weight.dims();
    debug_assert_eq!(channels, cin, "input channels must match the weight");
    let (out_h, out_w) = (height - kh + 1, width - kw + 1);
    let windows: Vec<Tensor<4>> = (0..kh)
        .flat_map(|i| (0..kw).map(move |j| (i, j)))
        .map(|(i, j)| {
            input
                .clone()
                .slice([0..batch, 0..cin, i..i + out_h, j..j + out_w])
        })
        .collect();
    let columns = Tensor::stack::<5>(windows, 2).reshape([batch, cin * kh * kw, out_h * out_w]);
    let weight = weight.reshape([1, cout, cin * kh * kw]);
    let output = weight.matmul(columns).reshape([batch, cout, out_h, out_w]);
    match bias {
        Some(bias) => output + bias.reshape([1, cout, 1, 1]),
        None => output,
    }
}
