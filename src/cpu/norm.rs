//! Instance normalisation (no affine unless given, biased variance, ε inside the square root, as
//! PyTorch and burn), fused with what follows it in the generator: ReLU, or the residual sum.

use std::ops::Range;

use super::conv::Image;
use super::simd::V4;

/// What to do after normalising.
#[derive(Debug, Clone, Copy)]
pub enum Then<'a> {
    /// `max(x, 0)`.
    Relu,
    /// `residual + x`.
    Add(&'a Image),
}

/// Learned per-channel scale and shift (only for affine norms).
#[derive(Debug, Clone)]
pub struct Affine {
    /// γ.
    pub scale: Vec<f32>,
    /// β.
    pub shift: Vec<f32>,
}

/// Pixels summed in f32 before the partial sum goes into the f64 total.
const CHUNK: usize = 256;

/// Normalises channels `channels` (whole vectors of 4) of `x` in place, then applies `then`.
#[cfg_attr(target_arch = "wasm32", target_feature(enable = "simd128"))]
pub fn instance_norm(
    x: &mut Image,
    channels: Range<usize>,
    epsilon: f32,
    affine: Option<&Affine>,
    then: Then,
) {
    let (c, n) = (x.channels, x.pixels());
    if let Then::Add(residual) = then {
        assert_eq!(residual.data.len(), x.data.len(), "residual size");
    }
    assert!(
        channels.start.is_multiple_of(4) && channels.end.is_multiple_of(4) && channels.end <= c
    );
    let width = channels.len();
    let mut total = vec![0f64; width];
    let mut partial = vec![V4::splat(0.0); width / 4];
    let data = x.data.as_mut_ptr();
    // Mean.
    for chunk in (0..n).step_by(CHUNK) {
        partial.fill(V4::splat(0.0));
        for p in chunk..(chunk + CHUNK).min(n) {
            for (v, acc) in partial.iter_mut().enumerate() {
                // SAFETY: p < n, channels.start + 4v + 4 <= c.
                *acc = acc.add(unsafe { V4::load(data.add(p * c + channels.start + 4 * v)) });
            }
        }
        accumulate(&partial, &mut total);
    }
    let mean: Vec<f32> = total.iter().map(|s| (s / n as f64) as f32).collect();
    // Biased variance around it.
    total.fill(0.0);
    for chunk in (0..n).step_by(CHUNK) {
        partial.fill(V4::splat(0.0));
        for p in chunk..(chunk + CHUNK).min(n) {
            for (v, acc) in partial.iter_mut().enumerate() {
                // SAFETY: as above.
                let d = unsafe { V4::load(data.add(p * c + channels.start + 4 * v)) }
                    .sub(unsafe { V4::load(mean.as_ptr().add(4 * v)) });
                *acc = acc.mul_add(d, d);
            }
        }
        accumulate(&partial, &mut total);
    }
    let mut scale: Vec<f32> = total
        .iter()
        .map(|s| (1.0 / ((s / n as f64) + epsilon as f64).sqrt()) as f32)
        .collect();
    // y = (x − mean) · scale + shift = x · scale + (shift − mean · scale).
    let mut shift: Vec<f32> = mean.iter().zip(&scale).map(|(m, s)| -m * s).collect();
    if let Some(affine) = affine {
        for (i, ch) in channels.clone().enumerate() {
            scale[i] *= affine.scale[ch];
            shift[i] = shift[i] * affine.scale[ch] + affine.shift[ch];
        }
    }
    for p in 0..n {
        for v in 0..width / 4 {
            let at = p * c + channels.start + 4 * v;
            // SAFETY: at + 4 <= x.data.len(); 4v + 4 <= width.
            unsafe {
                let s = V4::load(scale.as_ptr().add(4 * v));
                let b = V4::load(shift.as_ptr().add(4 * v));
                let y = b.mul_add(V4::load(data.add(at)), s);
                let y = match then {
                    Then::Relu => y.relu(),
                    Then::Add(residual) => y.add(V4::load(residual.data.as_ptr().add(at))),
                };
                y.store(data.add(at));
            }
        }
    }
}

#[cfg_attr(target_arch = "wasm32", target_feature(enable = "simd128"))]
fn accumulate(partial: &[V4], total: &mut [f64]) {
    let mut lanes = [0f32; 4];
    for (v, acc) in partial.iter().enumerate() {
        // SAFETY: lanes holds 4 values.
        unsafe { acc.store(lanes.as_mut_ptr()) };
        for (l, value) in lanes.iter().enumerate() {
            total[4 * v + l] += *value as f64;
        }
    }
}
