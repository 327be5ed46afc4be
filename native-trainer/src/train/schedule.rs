//! The reference's `linear` learning-rate policy: constant for `n_epochs`, then linearly down over
//! `n_epochs_decay` epochs (the last epoch runs at `lr / (n_epochs_decay + 1)`).

/// The learning rate during `epoch` (1-based, as the reference counts).
pub fn learning_rate(base: f64, epoch: usize, n_epochs: usize, n_epochs_decay: usize) -> f64 {
    let decayed = epoch.saturating_sub(n_epochs) as f64;
    base * (1.0 - decayed / (n_epochs_decay as f64 + 1.0)).max(0.0)
}
