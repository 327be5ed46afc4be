//! The per-epoch progress bar: iterations, it/s, ETA and the latest losses.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::loss_log::LOSS_NAMES;

/// A bar for one epoch (hidden when `quiet` or when stderr is not a terminal).
pub fn epoch_bar(epoch: usize, total_epochs: usize, iterations: u64, quiet: bool) -> ProgressBar {
    let bar = ProgressBar::new(iterations);
    if quiet {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    let style = ProgressStyle::with_template(
        "{prefix} [{bar:30}] {pos}/{len} {per_sec} ETA {eta}\n  {msg}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ");
    bar.set_style(style);
    bar.set_prefix(format!("epoch {epoch}/{total_epochs}"));
    bar
}

/// `D_A 0.251  G_A 0.512  …`.
pub fn format_losses(losses: &[f32; 8]) -> String {
    LOSS_NAMES
        .iter()
        .zip(losses)
        .map(|(name, value)| format!("{name} {value:.3}"))
        .collect::<Vec<_>>()
        .join("  ")
}
