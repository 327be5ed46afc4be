//! 3×3 stride-1 convolutions by Winograd's minimal filtering F(m×m, 3×3) (Lavin & Gray 2016):
//! each `m × m` output tile costs `(m + 2)²` products per input/output channel pair instead of
//! `9 m²`. The products are `(m + 2)²` independent GEMMs (transformed tiles × transformed
//! weights), run by the same micro-kernel as every other layer. The transforms are vectorised over
//! four channels at a time, which the channels-last layout keeps contiguous.

use std::ops::Range;

use super::conv::Image;
use super::gemm::{PackedB, Start, gemm};
use super::simd::V4;

/// One Winograd variant: its output tile side and its three transforms.
pub trait Variant {
    /// Output tile side `m`.
    const M: usize;
    /// Input tile side `m + 2`.
    const ALPHA: usize = Self::M + 2;
    /// `G g` for a 3-tap filter `g` (weights; done once, in f64).
    fn weight(g: [f64; 3]) -> Vec<f64>;
}

/// F(2×2, 3×3): 16 products per 4 outputs (2.25× fewer than direct), closer to a direct
/// convolution's rounding than [`F4`]. The engine uses F4 (within 1e-4 of burn on the full
/// generator); F2 is kept, tested, as the fallback should a model need more precision.
#[derive(Debug, Clone)]
#[cfg(test)]
pub struct F2;

#[cfg(test)]
impl Variant for F2 {
    const M: usize = 2;

    fn weight([g0, g1, g2]: [f64; 3]) -> Vec<f64> {
        vec![g0, (g0 + g1 + g2) / 2.0, (g0 - g1 + g2) / 2.0, g2]
    }
}

/// F(4×4, 3×3): 36 products per 16 outputs (4× fewer than direct), interpolation points
/// 0, ±1, ±2, ∞.
#[derive(Debug, Clone)]
pub struct F4;

impl Variant for F4 {
    const M: usize = 4;

    fn weight([g0, g1, g2]: [f64; 3]) -> Vec<f64> {
        vec![
            g0 / 4.0,
            -(g0 + g1 + g2) / 6.0,
            -(g0 - g1 + g2) / 6.0,
            g0 / 24.0 + g1 / 12.0 + g2 / 6.0,
            g0 / 24.0 - g1 / 12.0 + g2 / 6.0,
            g2,
        ]
    }
}

/// `Bᵀ d` for a line of `ALPHA` inputs, in place.
#[cfg_attr(target_arch = "wasm32", target_feature(enable = "simd128"))]
#[inline]
fn input_line<V: Variant>(d: &mut [V4]) {
    if V::M == 2 {
        let [d0, d1, d2, d3] = [d[0], d[1], d[2], d[3]];
        d[0] = d0.sub(d2);
        d[1] = d1.add(d2);
        d[2] = d2.sub(d1);
        d[3] = d1.sub(d3);
    } else {
        let [d0, d1, d2, d3, d4, d5] = [d[0], d[1], d[2], d[3], d[4], d[5]];
        let (four, five, two) = (V4::splat(4.0), V4::splat(5.0), V4::splat(2.0));
        // r0 = 4 d0 − 5 d2 + d4
        d[0] = d4.mul_add(four, d0).sub(five.mul(d2));
        // r1 = −4 (d1 + d2) + d3 + d4 ; r2 = 4 (d1 − d2) − d3 + d4
        let s12 = d1.add(d2);
        let m12 = d1.sub(d2);
        let s34 = d3.add(d4);
        let m43 = d4.sub(d3);
        d[1] = s34.sub(four.mul(s12));
        d[2] = m43.mul_add(four, m12);
        // r3 = 2 (d3 − d1) + d4 − d2 ; r4 = 2 (d1 − d3) + d4 − d2
        let m31 = d3.sub(d1);
        let m42 = d4.sub(d2);
        d[3] = m42.mul_add(two, m31);
        d[4] = m42.sub(two.mul(m31));
        // r5 = 4 d1 − 5 d3 + d5
        d[5] = d5.mul_add(four, d1).sub(five.mul(d3));
    }
}

/// `Aᵀ t` for a line of `ALPHA` products, into `M` outputs.
#[cfg_attr(target_arch = "wasm32", target_feature(enable = "simd128"))]
#[inline]
fn output_line<V: Variant>(t: &[V4], y: &mut [V4]) {
    if V::M == 2 {
        y[0] = t[0].add(t[1]).add(t[2]);
        y[1] = t[1].sub(t[2]).sub(t[3]);
    } else {
        let s12 = t[1].add(t[2]);
        let m12 = t[1].sub(t[2]);
        let s34 = t[3].add(t[4]);
        let m34 = t[3].sub(t[4]);
        y[0] = t[0].add(s12).add(s34);
        y[1] = m12.mul_add(V4::splat(2.0), m34);
        y[2] = s12.mul_add(V4::splat(4.0), s34);
        y[3] = m12.mul_add(V4::splat(8.0), m34).add(t[5]);
    }
}

/// Tiles transformed and multiplied together: large enough to amortise reading the weights,
/// small enough for the transformed block to stay in cache.
const TILE_BLOCK: usize = 32;

/// A 3×3 stride-1 convolution without padding of its own (pad first), by Winograd F(m, 3).
#[derive(Debug, Clone)]
pub struct Winograd<V> {
    in_channels: usize,
    out_channels: usize,
    /// One `in × out` matrix per transformed position (`ALPHA²` of them).
    weights: Vec<PackedB>,
    bias: Vec<f32>,
    variant: std::marker::PhantomData<V>,
}

impl<V: Variant> Winograd<V> {
    /// Whether the layer can run this way (channel counts in whole vectors).
    pub fn supports(in_channels: usize, out_channels: usize) -> bool {
        in_channels.is_multiple_of(4) && out_channels.is_multiple_of(4)
    }

    /// From PyTorch/burn layout weights `[out, in, 3, 3]` and an optional bias.
    pub fn new(weight: &[f32], shape: [usize; 4], bias: Option<&[f32]>) -> Self {
        let [co, ci, k, k2] = shape;
        assert_eq!((k, k2), (3, 3), "3×3 kernels only");
        assert!(
            Self::supports(ci, co),
            "channel counts must be multiples of 4"
        );
        let alpha = V::ALPHA;
        // U = G g Gᵀ per (out, in) pair, in f64.
        let mut u = vec![0f32; alpha * alpha * ci * co];
        for o in 0..co {
            for i in 0..ci {
                let g = |ky: usize, kx: usize| weight[((o * ci + i) * 3 + ky) * 3 + kx] as f64;
                let rows: Vec<Vec<f64>> = (0..3)
                    .map(|ky| V::weight([g(ky, 0), g(ky, 1), g(ky, 2)]))
                    .collect();
                for x in 0..alpha {
                    let column = V::weight([rows[0][x], rows[1][x], rows[2][x]]);
                    for (y, value) in column.into_iter().enumerate() {
                        u[((y * alpha + x) * ci + i) * co + o] = value as f32;
                    }
                }
            }
        }
        let weights = (0..alpha * alpha)
            .map(|xi| {
                let block = &u[xi * ci * co..(xi + 1) * ci * co];
                PackedB::new(ci, co, |i, o| block[i * co + o], None)
            })
            .collect();
        let bias = bias.map_or_else(|| vec![0.0; co], <[f32]>::to_vec);
        Self {
            in_channels: ci,
            out_channels: co,
            weights,
            bias,
            variant: std::marker::PhantomData,
        }
    }

    /// Output channels.
    pub fn out_channels(&self) -> usize {
        self.out_channels
    }

    /// Writes the output channels `channels` (whole vectors of 4; the start a multiple of the
    /// GEMM panel width) of the convolution of the padded `x` into `out`
    /// (`(H − 2) × (W − 2) × out_channels`).
    #[cfg_attr(target_arch = "wasm32", target_feature(enable = "simd128"))]
    pub fn forward(&self, x: &Image, out: &mut Image, channels: Range<usize>) {
        let (ci, co) = (self.in_channels, self.out_channels);
        let (m, alpha) = (V::M, V::ALPHA);
        assert_eq!(x.channels, ci, "input channels");
        let (h, w) = (x.height - 2, x.width - 2);
        assert_eq!((out.height, out.width, out.channels), (h, w, co));
        assert!(channels.start.is_multiple_of(4) && channels.end.is_multiple_of(4));
        let (tiles_y, tiles_x) = (h.div_ceil(m), w.div_ceil(m));
        let tiles = tiles_y * tiles_x;
        let positions = alpha * alpha;
        let mut transformed = vec![0f32; positions * TILE_BLOCK * ci];
        let mut products = vec![0f32; positions * TILE_BLOCK * co];
        let mut line = vec![V4::splat(0.0); alpha];
        let mut tile = vec![V4::splat(0.0); positions];
        let mut t0 = 0;
        while t0 < tiles {
            let t1 = (t0 + TILE_BLOCK).min(tiles);
            let count = t1 - t0;
            // Input transform: Bᵀ d B per tile, four input channels at a time.
            for t in t0..t1 {
                let (y0, x0) = ((t / tiles_x) * m, (t % tiles_x) * m);
                for c in (0..ci).step_by(4) {
                    for dy in 0..alpha {
                        for dx in 0..alpha {
                            let (y, xx) = (y0 + dy, x0 + dx);
                            tile[dy * alpha + dx] = if y < x.height && xx < x.width {
                                // SAFETY: (y, xx) is inside x and c + 4 <= ci.
                                unsafe {
                                    V4::load(x.data.as_ptr().add((y * x.width + xx) * ci + c))
                                }
                            } else {
                                V4::splat(0.0)
                            };
                        }
                    }
                    transform_2d::<V>(&mut tile, &mut line, alpha);
                    for (xi, value) in tile.iter().enumerate() {
                        let at = (xi * TILE_BLOCK + (t - t0)) * ci + c;
                        // SAFETY: at + 4 <= transformed.len() (xi < positions, t − t0 < TILE_BLOCK).
                        unsafe { value.store(transformed.as_mut_ptr().add(at)) };
                    }
                }
            }
            // The products: one GEMM per transformed position.
            for xi in 0..positions {
                gemm(
                    &transformed[xi * TILE_BLOCK * ci..],
                    count,
                    ci,
                    &self.weights[xi],
                    &mut products[xi * TILE_BLOCK * co..],
                    co,
                    channels.clone(),
                    Start::Bias,
                );
            }
            // Output transform: Aᵀ M A per tile, four output channels at a time, plus the bias.
            let mut column = vec![V4::splat(0.0); alpha];
            let mut rows = vec![V4::splat(0.0); m * alpha];
            let mut result = vec![V4::splat(0.0); m];
            for t in t0..t1 {
                let (y0, x0) = ((t / tiles_x) * m, (t % tiles_x) * m);
                for c in channels.clone().step_by(4) {
                    // SAFETY: c + 4 <= co.
                    let bias = unsafe { V4::load(self.bias.as_ptr().add(c)) };
                    // Columns first: rows[r][x] = Σ_y Aᵀ[r][y] M[y][x].
                    for xx in 0..alpha {
                        for (y, slot) in column.iter_mut().enumerate() {
                            let at = ((y * alpha + xx) * TILE_BLOCK + (t - t0)) * co + c;
                            // SAFETY: at + 4 <= products.len().
                            *slot = unsafe { V4::load(products.as_ptr().add(at)) };
                        }
                        output_line::<V>(&column, &mut result);
                        for r in 0..m {
                            rows[r * alpha + xx] = result[r];
                        }
                    }
                    for r in 0..m {
                        let y = y0 + r;
                        if y >= h {
                            break;
                        }
                        output_line::<V>(&rows[r * alpha..(r + 1) * alpha], &mut result);
                        for (s, value) in result.iter().enumerate() {
                            let xx = x0 + s;
                            if xx < w {
                                // SAFETY: (y, xx) is inside out and c + 4 <= co.
                                unsafe {
                                    value
                                        .add(bias)
                                        .store(out.data.as_mut_ptr().add((y * w + xx) * co + c))
                                };
                            }
                        }
                    }
                }
            }
            t0 = t1;
        }
    }
}

/// `Bᵀ d B` of an `alpha × alpha` tile (row-major), in place.
#[cfg_attr(target_arch = "wasm32", target_feature(enable = "simd128"))]
fn transform_2d<V: Variant>(tile: &mut [V4], line: &mut [V4], alpha: usize) {
    // Along columns.
    for x in 0..alpha {
        for y in 0..alpha {
            line[y] = tile[y * alpha + x];
        }
        input_line::<V>(line);
        for y in 0..alpha {
            tile[y * alpha + x] = line[y];
        }
    }
    // Along rows.
    for y in 0..alpha {
        input_line::<V>(&mut tile[y * alpha..(y + 1) * alpha]);
    }
}
