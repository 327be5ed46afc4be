//! Fréchet Inception Distance (Heusel et al. 2017), in f64 with faer:
//!
//! `FID = ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr √(Σ₁ Σ₂)`
//!
//! with the features' means and unbiased covariances (as `numpy.cov`). The reference code takes
//! `scipy.linalg.sqrtm(Σ₁ Σ₂)` of a non-symmetric product, which goes complex or NaN on the
//! rank-deficient covariances of small sets. Here `tr √(Σ₁ Σ₂) = tr √(√Σ₁ Σ₂ √Σ₁)`: the matrix
//! under the root is symmetric positive semi-definite (the same eigenvalues as `Σ₁ Σ₂`), so the
//! trace is the sum of the square roots of its eigenvalues, from a symmetric eigendecomposition;
//! eigenvalues that rounding makes slightly negative count as 0.

use anyhow::{Result, bail};
use faer::{Mat, Side};

/// A set's features: one row per image.
#[derive(Debug, Clone)]
pub struct Features {
    /// `images × width`, f64.
    pub matrix: Mat<f64>,
}

impl Features {
    /// From rows of f32 features, all of the same width.
    pub fn from_rows(rows: &[Vec<f32>]) -> Result<Self> {
        let width = rows.first().map_or(0, Vec::len);
        if rows.iter().any(|r| r.len() != width) {
            bail!("feature rows of different widths");
        }
        Ok(Self {
            matrix: Mat::from_fn(rows.len(), width, |i, j| f64::from(rows[i][j])),
        })
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.matrix.nrows()
    }

    /// No images.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Feature width.
    pub fn width(&self) -> usize {
        self.matrix.ncols()
    }
}

/// Mean and unbiased covariance of a set's features.
#[derive(Debug, Clone)]
pub struct Statistics {
    /// `width × 1`.
    pub mean: Mat<f64>,
    /// `width × width`, divided by `n − 1`.
    pub covariance: Mat<f64>,
}

impl Statistics {
    /// Needs at least two images.
    pub fn of(features: &Features) -> Result<Self> {
        let (n, d) = (features.len(), features.width());
        if n < 2 {
            bail!("FID needs at least 2 images per set, got {n}");
        }
        let x = &features.matrix;
        let mean = Mat::from_fn(d, 1, |j, _| {
            (0..n).map(|i| x[(i, j)]).sum::<f64>() / n as f64
        });
        let centered = Mat::from_fn(n, d, |i, j| x[(i, j)] - mean[(j, 0)]);
        let mut covariance = centered.transpose() * &centered;
        let scale = 1.0 / (n - 1) as f64;
        for j in 0..d {
            for i in 0..d {
                covariance[(i, j)] *= scale;
            }
        }
        Ok(Self { mean, covariance })
    }
}

/// Symmetric eigenvalues, ascending, after symmetrising away rounding.
fn symmetric_eigen(matrix: &Mat<f64>) -> Result<faer::linalg::solvers::SelfAdjointEigen<f64>> {
    let symmetric = Mat::from_fn(matrix.nrows(), matrix.ncols(), |i, j| {
        0.5 * (matrix[(i, j)] + matrix[(j, i)])
    });
    symmetric
        .self_adjoint_eigen(Side::Lower)
        .map_err(|e| anyhow::anyhow!("eigendecomposition did not converge: {e:?}"))
}

/// The principal square root of a symmetric positive semi-definite matrix (negative eigenvalues
/// from rounding count as 0).
pub fn sqrtm_psd(matrix: &Mat<f64>) -> Result<Mat<f64>> {
    if matrix.nrows() != matrix.ncols() {
        bail!(
            "the square root needs a square matrix, got {}×{}",
            matrix.nrows(),
            matrix.ncols()
        );
    }
    let eigen = symmetric_eigen(matrix)?;
    let (u, s) = (eigen.U(), eigen.S().column_vector());
    let n = matrix.nrows();
    let scaled = Mat::from_fn(n, n, |i, j| u[(i, j)] * s[j].max(0.0).sqrt());
    Ok(&scaled * u.transpose())
}

/// `tr √(a b)` for symmetric positive semi-definite `a` and `b`.
pub fn trace_sqrt_product(a: &Mat<f64>, b: &Mat<f64>) -> Result<f64> {
    let root = sqrtm_psd(a)?;
    let inner = &root * b * &root;
    let eigen = symmetric_eigen(&inner)?;
    Ok(eigen
        .S()
        .column_vector()
        .iter()
        .map(|&l| l.max(0.0).sqrt())
        .sum())
}

fn trace(matrix: &Mat<f64>) -> f64 {
    (0..matrix.nrows()).map(|i| matrix[(i, i)]).sum()
}

/// The Fréchet distance between two Gaussians.
pub fn frechet_distance(a: &Statistics, b: &Statistics) -> Result<f64> {
    if a.mean.nrows() != b.mean.nrows() {
        bail!(
            "feature widths differ: {} and {}",
            a.mean.nrows(),
            b.mean.nrows()
        );
    }
    let mean_term: f64 = (0..a.mean.nrows())
        .map(|i| (a.mean[(i, 0)] - b.mean[(i, 0)]).powi(2))
        .sum();
    let cross = trace_sqrt_product(&a.covariance, &b.covariance)?;
    Ok(mean_term + trace(&a.covariance) + trace(&b.covariance) - 2.0 * cross)
}

/// FID between two sets of features.
pub fn fid(a: &Features, b: &Features) -> Result<f64> {
    frechet_distance(&Statistics::of(a)?, &Statistics::of(b)?)
}
