//! Convolutions on channels-last images (`height × width × channels`, row-major) as blocked
//! im2col + [`gemm`]: the general `k × k` strided convolution, and the stride-2 transposed
//! convolution of the generator's upsampling layers split into its four output phases.

use std::ops::Range;

use super::gemm::{PackedB, Start, gemm};

/// A channels-last image.
#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    /// Rows.
    pub height: usize,
    /// Columns.
    pub width: usize,
    /// Values per pixel.
    pub channels: usize,
    /// `height · width · channels` values, channels fastest.
    pub data: Vec<f32>,
}

impl Image {
    /// An all-zero image.
    pub fn zeros(height: usize, width: usize, channels: usize) -> Self {
        Self {
            height,
            width,
            channels,
            data: vec![0.0; height * width * channels],
        }
    }

    /// Pixels.
    pub fn pixels(&self) -> usize {
        self.height * self.width
    }
}

/// How [`pad`] fills the border.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Padding {
    /// Mirror without repeating the edge (`PadMode::Reflect`, PyTorch's `ReflectionPad2d`).
    Reflect,
    /// Zeros.
    Zero,
}

/// `x` with `p` pixels added on every side.
pub fn pad(x: &Image, p: usize, mode: Padding) -> Image {
    let (h, w, c) = (x.height, x.width, x.channels);
    let mut out = Image::zeros(h + 2 * p, w + 2 * p, c);
    let wp = w + 2 * p;
    let reflect = |i: isize, n: usize| -> usize {
        let n = n as isize;
        let i = if i < 0 { -i } else { i };
        (if i >= n { 2 * (n - 1) - i } else { i }) as usize
    };
    for y in 0..h + 2 * p {
        let sy = y as isize - p as isize;
        if mode == Padding::Zero && (sy < 0 || sy >= h as isize) {
            continue;
        }
        let sy = reflect(sy, h);
        let dst_row = &mut out.data[y * wp * c..(y + 1) * wp * c];
        let src_row = &x.data[sy * w * c..(sy + 1) * w * c];
        dst_row[p * c..(p + w) * c].copy_from_slice(src_row);
        if mode == Padding::Reflect {
            for xx in (0..p).chain(p + w..wp) {
                let sx = reflect(xx as isize - p as isize, w);
                dst_row[xx * c..(xx + 1) * c].copy_from_slice(&src_row[sx * c..(sx + 1) * c]);
            }
        }
    }
    out
}

/// Output pixels per im2col block: enough rows for the micro-kernel, few enough to stay in cache.
const BLOCK: usize = 64;

/// A `k × k` convolution with stride `s` and no padding of its own (pad first with [`pad`]).
///
/// Two ways to run it. With a long kernel row (`k · in_channels` ≥ [`DIRECT_ROW`]) the input is
/// used in place: for one output row and one kernel row, the values every output pixel needs are
/// one slice of the input (pixel after pixel `stride · in_channels` apart), so `k` accumulating
/// GEMMs over the input itself replace the im2col copy. With a short one (the 3-channel stem) the
/// copy is cheap and the single long GEMM is faster.
#[derive(Debug, Clone)]
pub struct Conv {
    kernel: usize,
    stride: usize,
    in_channels: usize,
    weights: ConvWeights,
}

/// A convolution's weights packed for the way it runs (columns = output channels).
#[derive(Debug, Clone)]
enum ConvWeights {
    /// Rows ordered (ky, kx, input channel): one GEMM over im2col rows.
    Im2col(PackedB),
    /// One matrix per kernel row, rows ordered (kx, input channel): the input read in place.
    KernelRows(Vec<PackedB>),
}

/// Kernel-row length from which a convolution reads its input in place.
const DIRECT_ROW: usize = 256;

impl Conv {
    /// From PyTorch/burn layout weights `[out, in, k, k]` and an optional bias.
    pub fn new(weight: &[f32], shape: [usize; 4], stride: usize, bias: Option<&[f32]>) -> Self {
        let [co, ci, k, k2] = shape;
        assert_eq!(k, k2, "square kernels only");
        assert_eq!(
            weight.len(),
            co * ci * k * k,
            "weights do not match their shape"
        );
        let value =
            |o: usize, i: usize, ky: usize, kx: usize| weight[((o * ci + i) * k + ky) * k + kx];
        let weights = if k * ci >= DIRECT_ROW {
            ConvWeights::KernelRows(
                (0..k)
                    .map(|ky| {
                        let b = |row: usize, o: usize| value(o, row % ci, ky, row / ci);
                        PackedB::new(k * ci, co, b, bias)
                    })
                    .collect(),
            )
        } else {
            let b = |row: usize, o: usize| {
                let tap = row / ci;
                value(o, row % ci, tap / k, tap % k)
            };
            ConvWeights::Im2col(PackedB::new(k * k * ci, co, b, bias))
        };
        Self {
            kernel: k,
            stride,
            in_channels: ci,
            weights,
        }
    }

    /// Output channels.
    pub fn out_channels(&self) -> usize {
        match &self.weights {
            ConvWeights::Im2col(weights) => weights.n(),
            ConvWeights::KernelRows(rows) => rows[0].n(),
        }
    }

    /// The output's size for an input of `height × width`.
    pub fn output_size(&self, height: usize, width: usize) -> (usize, usize) {
        let out = |n: usize| (n - self.kernel) / self.stride + 1;
        (out(height), out(width))
    }

    /// Writes the output channels `channels` of the convolution of `x` into `out` (sized by
    /// [`Conv::output_size`], `out_channels` wide).
    #[cfg_attr(target_arch = "wasm32", target_feature(enable = "simd128"))]
    pub fn forward(&self, x: &Image, out: &mut Image, channels: Range<usize>) {
        let rows = 0..out.height;
        self.forward_rows(x, out, rows, channels);
    }

    /// [`Conv::forward`] for the output rows `rows` only.
    #[cfg_attr(target_arch = "wasm32", target_feature(enable = "simd128"))]
    pub fn forward_rows(
        &self,
        x: &Image,
        out: &mut Image,
        rows: Range<usize>,
        channels: Range<usize>,
    ) {
        let (k, s, ci) = (self.kernel, self.stride, self.in_channels);
        assert_eq!(x.channels, ci, "input channels");
        let (ho, wo) = self.output_size(x.height, x.width);
        assert_eq!(
            (out.height, out.width, out.channels),
            (ho, wo, self.out_channels())
        );
        assert!(rows.end <= ho, "rows out of range");
        let co = self.out_channels();
        let weights = match &self.weights {
            ConvWeights::Im2col(weights) => weights,
            ConvWeights::KernelRows(kernel_rows) => {
                for oy in rows {
                    let out_row = &mut out.data[oy * wo * co..];
                    for (ky, weights) in kernel_rows.iter().enumerate() {
                        let a = &x.data[(oy * s + ky) * x.width * ci..];
                        let start = if ky == 0 {
                            Start::Bias
                        } else {
                            Start::Accumulate
                        };
                        gemm(a, wo, s * ci, weights, out_row, co, channels.clone(), start);
                    }
                }
                return;
            }
        };
        let kk = weights.k();
        let mut cols = vec![0f32; BLOCK * kk];
        let pixels = rows.end * wo;
        let mut p0 = rows.start * wo;
        while p0 < pixels {
            let p1 = (p0 + BLOCK).min(pixels);
            for p in p0..p1 {
                let (oy, ox) = (p / wo, p % wo);
                let row = &mut cols[(p - p0) * kk..(p - p0 + 1) * kk];
                for ky in 0..k {
                    let src = ((oy * s + ky) * x.width + ox * s) * ci;
                    if s == 1 {
                        row[ky * k * ci..(ky + 1) * k * ci]
                            .copy_from_slice(&x.data[src..src + k * ci]);
                    } else {
                        for kx in 0..k {
                            let src = src + kx * ci;
                            row[(ky * k + kx) * ci..(ky * k + kx + 1) * ci]
                                .copy_from_slice(&x.data[src..src + ci]);
                        }
                    }
                }
            }
            let out = &mut out.data[p0 * co..];
            gemm(
                &cols,
                p1 - p0,
                kk,
                weights,
                out,
                co,
                channels.clone(),
                Start::Bias,
            );
            p0 = p1;
        }
    }
}

/// A 3×3 transposed convolution with stride 2, padding 1 and output padding 1 (the generator's
/// `u·` layers): `H × W` in, `2H × 2W` out. Output pixel `(2a + py, 2b + px)` only sees inputs
/// `(a, b)`, `(a + 1, ·)` (when `py = 1`) and `(·, b + 1)` (when `px = 1`), so each of the four
/// phases is a small convolution (1, 2, 2 or 4 taps) done as one GEMM per input row.
#[derive(Debug, Clone)]
pub struct ConvTranspose {
    in_channels: usize,
    /// Per phase `(py, px)` at index `2·py + px`: its taps `(dy, dx)` and packed weights.
    phases: [(Vec<(usize, usize)>, PackedB); 4],
}

impl ConvTranspose {
    /// From PyTorch/burn layout weights `[in, out, 3, 3]` and an optional bias.
    pub fn new(weight: &[f32], shape: [usize; 4], bias: Option<&[f32]>) -> Self {
        let [ci, co, k, k2] = shape;
        assert_eq!((k, k2), (3, 3), "3×3 kernels only");
        assert_eq!(
            weight.len(),
            ci * co * 9,
            "weights do not match their shape"
        );
        // Along one axis: phase 0 takes kernel index 1 at offset 0; phase 1 takes index 2 at
        // offset 0 and index 0 at offset 1 (output 2a + 1 = 2·(a + 1) − 1 + 0).
        let taps_1d = |phase: usize| -> Vec<(usize, usize)> {
            if phase == 0 {
                vec![(0, 1)]
            } else {
                vec![(0, 2), (1, 0)]
            }
        };
        let phases = std::array::from_fn(|index| {
            let (py, px) = (index / 2, index % 2);
            let mut taps = Vec::new();
            let mut kernel = Vec::new();
            for &(dy, ky) in &taps_1d(py) {
                for &(dx, kx) in &taps_1d(px) {
                    taps.push((dy, dx));
                    kernel.push((ky, kx));
                }
            }
            let packed = PackedB::new(
                taps.len() * ci,
                co,
                |row, o| {
                    let (t, i) = (row / ci, row % ci);
                    let (ky, kx) = kernel[t];
                    weight[((i * co + o) * 3 + ky) * 3 + kx]
                },
                bias,
            );
            (taps, packed)
        });
        Self {
            in_channels: ci,
            phases,
        }
    }

    /// Output channels.
    pub fn out_channels(&self) -> usize {
        self.phases[0].1.n()
    }

    /// Writes the output channels `channels` of the transposed convolution of `x` into `out`
    /// (`2H × 2W × out_channels`).
    #[cfg_attr(target_arch = "wasm32", target_feature(enable = "simd128"))]
    pub fn forward(&self, x: &Image, out: &mut Image, channels: Range<usize>) {
        let (h, w, ci) = (x.height, x.width, self.in_channels);
        assert_eq!(x.channels, ci, "input channels");
        let co = self.out_channels();
        assert_eq!((out.height, out.width, out.channels), (2 * h, 2 * w, co));
        let mut cols = Vec::new();
        for (index, (taps, weights)) in self.phases.iter().enumerate() {
            let (py, px) = (index / 2, index % 2);
            let kk = weights.k();
            cols.resize(w * kk, 0.0);
            for a in 0..h {
                for b in 0..w {
                    let row = &mut cols[b * kk..(b + 1) * kk];
                    for (t, &(dy, dx)) in taps.iter().enumerate() {
                        let dst = &mut row[t * ci..(t + 1) * ci];
                        let (y, xx) = (a + dy, b + dx);
                        if y < h && xx < w {
                            let src = (y * w + xx) * ci;
                            dst.copy_from_slice(&x.data[src..src + ci]);
                        } else {
                            dst.fill(0.0);
                        }
                    }
                }
                // Row 2a + py, columns px, px + 2, …: every other output pixel.
                let first = ((2 * a + py) * 2 * w + px) * co;
                let out = &mut out.data[first..];
                gemm(
                    &cols,
                    w,
                    kk,
                    weights,
                    out,
                    2 * co,
                    channels.clone(),
                    Start::Bias,
                );
            }
        }
    }
}
