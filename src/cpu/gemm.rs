//! `C = bias + A · B` for the engine's layers: A row-major (pixels × inputs, any row stride), B
//! packed once at load time into panels of [`NR`] output channels, C row-major with any row stride
//! (so a layer can write straight into a channels-last image, or into every other pixel of one).
//!
//! The inner loop is a [`MR`] × [`NR`] register-blocked micro-kernel: each step loads two vectors of
//! B, broadcasts four values of A and does sixteen vector multiply-adds. A B of at most four
//! columns (the head's three output channels) is packed four wide instead and runs on an
//! [`MR`] × 4 kernel, which wastes one lane instead of five.

use std::ops::Range;

use super::simd::V4;

/// Rows of C per micro-kernel call.
pub const MR: usize = 4;
/// Columns of C per panel of B (two vectors).
pub const NR: usize = 8;
/// Panel width of a narrow B.
const NR_NARROW: usize = 4;

/// B (`k × n`) packed into `⌈n / width⌉` panels of `k × width` values (width [`NR`], or 4 when
/// `n ≤ 4`), zero-padded past column `n`, and the bias (zero-padded likewise).
#[derive(Debug, Clone)]
pub struct PackedB {
    k: usize,
    n: usize,
    width: usize,
    data: Vec<f32>,
    bias: Vec<f32>,
}

impl PackedB {
    /// Packs `b(row, col)` for `row < k`, `col < n`, with `bias[col]` (zero when `None`).
    pub fn new(k: usize, n: usize, b: impl Fn(usize, usize) -> f32, bias: Option<&[f32]>) -> Self {
        let width = if n <= NR_NARROW { NR_NARROW } else { NR };
        let panels = n.div_ceil(width);
        let mut data = vec![0f32; panels * k * width];
        for p in 0..panels {
            for row in 0..k {
                for r in 0..width {
                    let col = p * width + r;
                    if col < n {
                        data[(p * k + row) * width + r] = b(row, col);
                    }
                }
            }
        }
        let mut padded = vec![0f32; panels * width];
        if let Some(bias) = bias {
            padded[..n].copy_from_slice(&bias[..n]);
        }
        Self {
            k,
            n,
            width,
            data,
            bias: padded,
        }
    }

    /// Rows of B (the reduction length).
    pub fn k(&self) -> usize {
        self.k
    }

    /// Columns of B (output channels).
    pub fn n(&self) -> usize {
        self.n
    }
}

/// What C starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// The bias: `C = bias + A·B`.
    Bias,
    /// C's current values: `C += A·B` (bias ignored).
    Accumulate,
}

/// `C[i, j] = bias[j] + Σ_p A[i, p] · B[p, j]` (or `C[i, j] += …`, see [`Start`]) for `i < m`
/// and `j` in `cols` (which must start at a panel boundary: a multiple of the packing width). `a` holds `m` rows of `b.k()`
/// values `lda` apart (rows may overlap: a convolution's kernel row over consecutive pixels is
/// one slice with `lda` = stride · channels); `c` holds `m` rows `ldc` apart, and only the columns
/// in `cols` are written.
#[allow(clippy::too_many_arguments)]
#[cfg_attr(target_arch = "wasm32", target_feature(enable = "simd128"))]
pub fn gemm(
    a: &[f32],
    m: usize,
    lda: usize,
    b: &PackedB,
    c: &mut [f32],
    ldc: usize,
    cols: Range<usize>,
    start: Start,
) {
    let (k, w) = (b.k, b.width);
    assert!(
        cols.start.is_multiple_of(w) && cols.end <= b.n,
        "bad column range"
    );
    assert!(m == 0 || a.len() >= (m - 1) * lda + k, "A is too short");
    assert!(
        m == 0 || c.len() >= (m - 1) * ldc + cols.end,
        "C is too short"
    );
    let accumulate = start == Start::Accumulate;
    let mut edge = [0f32; MR * NR];
    for p in cols.start / w..cols.end.div_ceil(w) {
        let panel = b.data[p * k * w..(p + 1) * k * w].as_ptr();
        let bias = &b.bias[p * w..(p + 1) * w];
        let col0 = p * w;
        let width = (cols.end - col0).min(w);
        let mut i = 0;
        while i < m {
            let rows = (m - i).min(MR);
            // Rows past `m` repeat the last one; their results are dropped.
            let row = |r: usize| a[(i + r.min(rows - 1)) * lda..].as_ptr();
            let a_rows = [row(0), row(1), row(2), row(3)];
            if w == NR && rows == MR && width == NR {
                let tile = c[i * ldc + col0..].as_mut_ptr();
                // SAFETY: the asserts above bound every row of A (k values) and of C (NR columns).
                unsafe { micro(k, a_rows, panel, bias, accumulate, tile, ldc) };
            } else {
                // A partial tile, or any narrow one (C's rows are narrower than a vector there):
                // through `edge`, rows `w` apart.
                if accumulate {
                    for r in 0..rows {
                        let src = (i + r) * ldc + col0;
                        edge[r * w..r * w + width].copy_from_slice(&c[src..src + width]);
                    }
                }
                let tile = edge.as_mut_ptr();
                // SAFETY: as above; the tile lands in `edge` (MR × w) and is copied out in bounds.
                unsafe {
                    if w == NR {
                        micro(k, a_rows, panel, bias, accumulate, tile, NR);
                    } else {
                        micro_narrow(k, a_rows, panel, bias, accumulate, tile);
                    }
                }
                for r in 0..rows {
                    let dst = (i + r) * ldc + col0;
                    c[dst..dst + width].copy_from_slice(&edge[r * w..r * w + width]);
                }
            }
            i += MR;
        }
    }
}

/// One `MR × 4` tile into `c` (rows 4 apart): `bias + Σ_p a[r][p] · panel[p·4 + j]`, or
/// `c += Σ_p …` when `accumulate`.
///
/// # Safety
/// Each `a[r]` must be readable for `k` values, `panel` for `k · 4`, and `c` for `MR · 4`.
#[cfg_attr(target_arch = "wasm32", target_feature(enable = "simd128"))]
#[inline]
unsafe fn micro_narrow(
    k: usize,
    a: [*const f32; MR],
    panel: *const f32,
    bias: &[f32],
    accumulate: bool,
    c: *mut f32,
) {
    unsafe {
        let start = |r: usize| -> *const f32 {
            if accumulate {
                c.add(4 * r)
            } else {
                bias.as_ptr()
            }
        };
        let [a0, a1, a2, a3] = a;
        let (mut c0, mut c1) = (V4::load(start(0)), V4::load(start(1)));
        let (mut c2, mut c3) = (V4::load(start(2)), V4::load(start(3)));
        let mut bp = panel;
        for p in 0..k {
            let v = V4::load(bp);
            c0 = c0.mul_add(V4::load_splat(a0.add(p)), v);
            c1 = c1.mul_add(V4::load_splat(a1.add(p)), v);
            c2 = c2.mul_add(V4::load_splat(a2.add(p)), v);
            c3 = c3.mul_add(V4::load_splat(a3.add(p)), v);
            bp = bp.add(4);
        }
        for (r, value) in [c0, c1, c2, c3].into_iter().enumerate() {
            value.store(c.add(4 * r));
        }
    }
}

/// One `MR × NR` tile: `c[r·ldc + j] = bias[j] + Σ_p a[r][p] · panel[p·NR + j]`, or
/// `c[r·ldc + j] += Σ_p …` when `accumulate`.
///
/// # Safety
/// Each `a[r]` must be readable for `k` values, `panel` for `k · NR`, and `c` readable and
/// writable at `r·ldc + j` for `r < MR`, `j < NR`.
#[cfg_attr(target_arch = "wasm32", target_feature(enable = "simd128"))]
#[inline]
unsafe fn micro(
    k: usize,
    a: [*const f32; MR],
    panel: *const f32,
    bias: &[f32],
    accumulate: bool,
    c: *mut f32,
    ldc: usize,
) {
    unsafe {
        let (mut c00, mut c01) = start_row(bias, accumulate, c);
        let (mut c10, mut c11) = start_row(bias, accumulate, c.add(ldc));
        let (mut c20, mut c21) = start_row(bias, accumulate, c.add(2 * ldc));
        let (mut c30, mut c31) = start_row(bias, accumulate, c.add(3 * ldc));
        let [a0, a1, a2, a3] = a;
        let mut bp = panel;
        for p in 0..k {
            let v0 = V4::load(bp);
            let v1 = V4::load(bp.add(4));
            let x0 = V4::load_splat(a0.add(p));
            c00 = c00.mul_add(x0, v0);
            c01 = c01.mul_add(x0, v1);
            let x1 = V4::load_splat(a1.add(p));
            c10 = c10.mul_add(x1, v0);
            c11 = c11.mul_add(x1, v1);
            let x2 = V4::load_splat(a2.add(p));
            c20 = c20.mul_add(x2, v0);
            c21 = c21.mul_add(x2, v1);
            let x3 = V4::load_splat(a3.add(p));
            c30 = c30.mul_add(x3, v0);
            c31 = c31.mul_add(x3, v1);
            bp = bp.add(NR);
        }
        c00.store(c);
        c01.store(c.add(4));
        c10.store(c.add(ldc));
        c11.store(c.add(ldc + 4));
        c20.store(c.add(2 * ldc));
        c21.store(c.add(2 * ldc + 4));
        c30.store(c.add(3 * ldc));
        c31.store(c.add(3 * ldc + 4));
    }
}

/// A tile row's starting accumulators: C's values or the bias.
///
/// # Safety
/// `c..c + NR` must be readable when `accumulate`.
#[cfg_attr(target_arch = "wasm32", target_feature(enable = "simd128"))]
#[inline]
unsafe fn start_row(bias: &[f32], accumulate: bool, c: *const f32) -> (V4, V4) {
    unsafe {
        if accumulate {
            (V4::load(c), V4::load(c.add(4)))
        } else {
            (V4::load(bias.as_ptr()), V4::load(bias.as_ptr().add(4)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(a: &[f32], m: usize, k: usize, b: &[f32], n: usize, bias: &[f32]) -> Vec<f32> {
        let mut c = vec![0f32; m * n];
        for i in 0..m {
            for j in 0..n {
                c[i * n + j] = bias[j] + (0..k).map(|p| a[i * k + p] * b[p * n + j]).sum::<f32>();
            }
        }
        c
    }

    #[test]
    fn matches_a_plain_product_for_ragged_sizes_and_column_ranges() {
        for &(m, k, n) in &[(1, 1, 1), (5, 7, 3), (9, 33, 17), (16, 64, 24), (4, 8, 8)] {
            let a: Vec<f32> = (0..m * k)
                .map(|i| ((i * 7 % 13) as f32 - 6.0) / 7.0)
                .collect();
            let b: Vec<f32> = (0..k * n)
                .map(|i| ((i * 5 % 11) as f32 - 5.0) / 9.0)
                .collect();
            let bias: Vec<f32> = (0..n).map(|j| j as f32 / 10.0).collect();
            let packed = PackedB::new(k, n, |r, c| b[r * n + c], Some(&bias));
            let expected = reference(&a, m, k, &b, n, &bias);
            let mut c = vec![f32::NAN; m * n];
            gemm(&a, m, k, &packed, &mut c, n, 0..n, Start::Bias);
            for (x, y) in c.iter().zip(&expected) {
                assert!((x - y).abs() < 1e-5, "{m}×{k}×{n}: {x} vs {y}");
            }
            // Accumulating onto C adds the product again (without a second bias).
            let mut twice = c.clone();
            gemm(&a, m, k, &packed, &mut twice, n, 0..n, Start::Accumulate);
            for ((t, once), bias) in twice.iter().zip(&c).zip(bias.iter().cycle()) {
                assert!(
                    (t - (2.0 * once - bias)).abs() < 1e-4,
                    "{m}×{k}×{n}: accumulate"
                );
            }
            if n > NR {
                // Only the second panel onwards: the first columns stay untouched.
                let mut c = vec![f32::NAN; m * n];
                gemm(&a, m, k, &packed, &mut c, n, NR..n, Start::Bias);
                for i in 0..m {
                    assert!(c[i * n..i * n + NR].iter().all(|x| x.is_nan()));
                    for j in NR..n {
                        assert!((c[i * n + j] - expected[i * n + j]).abs() < 1e-5);
                    }
                }
            }
        }
    }
}
