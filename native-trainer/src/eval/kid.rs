//! Kernel Inception Distance (Bińkowski et al. 2018): the unbiased estimate of the squared maximum
//! mean discrepancy between the two sets' features under the polynomial kernel
//! `k(x, y) = (x·y / d + 1)³`, computed on random subsets, reported as the mean and the standard
//! deviation (population, as numpy's default) over the subsets. This is what torch-fidelity and
//! the authors' code report; defaults: 100 subsets of 1000 images, or of the smaller set's size
//! when a set has fewer. Subsets are drawn without replacement from a seeded generator, so a run is
//! repeatable. In f64.

use anyhow::{Result, bail};
use faer::Mat;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::index::sample;
use serde::{Deserialize, Serialize};

use super::fid::Features;

/// Subset settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KidOptions {
    /// Number of subsets.
    pub subsets: usize,
    /// Images per subset (capped at the smaller set's size).
    pub subset_size: usize,
    /// Seed of the subset draws.
    pub seed: u64,
}

impl Default for KidOptions {
    fn default() -> Self {
        Self {
            subsets: 100,
            subset_size: 1000,
            seed: 0,
        }
    }
}

/// KID over subsets.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Kid {
    /// Mean of the subsets' MMD² estimates.
    pub mean: f64,
    /// Their standard deviation.
    pub std: f64,
    /// Images per subset actually used.
    pub subset_size: usize,
    /// Number of subsets.
    pub subsets: usize,
}

/// Sets up to this size get their kernel matrices computed once for all subsets (at most 128 MiB
/// each); larger ones per subset.
const WHOLE_SET_KERNELS_UP_TO: usize = 4096;

/// The rows of `features` at `indices`.
fn rows(features: &Features, indices: &[usize]) -> Mat<f64> {
    let x = &features.matrix;
    Mat::from_fn(indices.len(), x.ncols(), |i, j| x[(indices[i], j)])
}

/// `(a·bᵀ / d + 1)³` for row sets `a` and `b`.
fn kernel(a: &Mat<f64>, b: &Mat<f64>) -> Mat<f64> {
    let d = a.ncols() as f64;
    let mut gram = a * b.transpose();
    for j in 0..gram.ncols() {
        for i in 0..gram.nrows() {
            gram[(i, j)] = (gram[(i, j)] / d + 1.0).powi(3);
        }
    }
    gram
}

/// Unbiased MMD² of the samples at `x` and `y` (equal lengths), from kernel matrices over sets
/// that hold them: within-set sums leave the diagonal out.
fn mmd2_from_kernels([xx, yy, xy]: [&Mat<f64>; 3], x: &[usize], y: &[usize]) -> f64 {
    let m = x.len() as f64;
    let off_diagonal = |k: &Mat<f64>, s: &[usize]| -> f64 {
        let mut total = 0.0;
        for (p, &j) in s.iter().enumerate() {
            for (q, &i) in s.iter().enumerate() {
                if p != q {
                    total += k[(i, j)];
                }
            }
        }
        total
    };
    let mut across = 0.0;
    for &j in y {
        for &i in x {
            across += xy[(i, j)];
        }
    }
    (off_diagonal(xx, x) + off_diagonal(yy, y)) / (m * (m - 1.0)) - 2.0 * across / (m * m)
}

/// Unbiased MMD² between two equal-size samples (rows) under `(x·y / d + 1)³`.
pub fn mmd2_unbiased(x: &Mat<f64>, y: &Mat<f64>) -> f64 {
    let all: Vec<usize> = (0..x.nrows()).collect();
    let kernels = [&kernel(x, x), &kernel(y, y), &kernel(x, y)];
    mmd2_from_kernels(kernels, &all, &all)
}

/// MMD² of each subset pair; kernels over the whole sets when both have at most
/// `whole_set_limit` images.
fn subset_estimates(
    a: &Features,
    b: &Features,
    size: usize,
    options: &KidOptions,
    whole_set_limit: usize,
) -> Vec<f64> {
    let mut rng = StdRng::seed_from_u64(options.seed);
    let mut draw = |n: usize| sample(&mut rng, n, size).into_vec();
    if a.len().max(b.len()) <= whole_set_limit {
        let (x, y) = (&a.matrix, &b.matrix);
        let (xx, yy, xy) = (kernel(x, x), kernel(y, y), kernel(x, y));
        (0..options.subsets)
            .map(|_| {
                let (ix, iy) = (draw(a.len()), draw(b.len()));
                mmd2_from_kernels([&xx, &yy, &xy], &ix, &iy)
            })
            .collect()
    } else {
        (0..options.subsets)
            .map(|_| {
                let (ix, iy) = (draw(a.len()), draw(b.len()));
                mmd2_unbiased(&rows(a, &ix), &rows(b, &iy))
            })
            .collect()
    }
}

/// KID between two sets of features.
pub fn kid(a: &Features, b: &Features, options: &KidOptions) -> Result<Kid> {
    if a.width() != b.width() {
        bail!("feature widths differ: {} and {}", a.width(), b.width());
    }
    let size = options.subset_size.min(a.len()).min(b.len());
    if size < 2 {
        bail!(
            "KID needs subsets of at least 2 images; the sets have {} and {}",
            a.len(),
            b.len()
        );
    }
    if options.subsets == 0 {
        bail!("KID needs at least one subset");
    }
    let estimates = subset_estimates(a, b, size, options, WHOLE_SET_KERNELS_UP_TO);
    let n = estimates.len() as f64;
    let mean = estimates.iter().sum::<f64>() / n;
    let variance = estimates.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / n;
    Ok(Kid {
        mean,
        std: variance.sqrt(),
        subset_size: size,
        subsets: options.subsets,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_set_and_per_subset_kernels_agree() {
        let rows: Vec<Vec<f32>> = (0..30)
            .map(|i| {
                (0..5)
                    .map(|j| ((i * 7 + j * 3) % 11) as f32 / 11.0)
                    .collect()
            })
            .collect();
        let a = Features::from_rows(&rows[..14]).unwrap();
        let b = Features::from_rows(&rows[9..]).unwrap();
        let options = KidOptions {
            subsets: 10,
            subset_size: 8,
            seed: 3,
        };
        let whole = subset_estimates(&a, &b, 8, &options, usize::MAX);
        let per_subset = subset_estimates(&a, &b, 8, &options, 0);
        assert_eq!(whole.len(), 10);
        for (w, p) in whole.iter().zip(&per_subset) {
            assert!((w - p).abs() < 1e-12 * w.abs().max(1.0), "{w} {p}");
        }
        assert!(whole.windows(2).any(|w| w[0] != w[1]), "subsets differ");
    }
}
