//! Progress bars: per training epoch (iterations, it/s, ETA, the latest losses), per test domain,
//! and for `translate`.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::loss_log::LOSS_NAMES;

/// A bar of `len` steps drawn with `template` (hidden when `quiet` or when stderr is not a
/// terminal).
fn bar(len: u64, template: &str, prefix: String, quiet: bool) -> ProgressBar {
    let bar = ProgressBar::new(len);
    if quiet {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    let style = ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    bar.set_prefix(prefix);
    bar
}

/// A bar for one epoch: iterations, it/s, ETA, and the latest losses as its message.
pub fn epoch_bar(epoch: usize, total_epochs: usize, iterations: u64, quiet: bool) -> ProgressBar {
    bar(
        iterations,
        "{prefix} [{bar:30}] {pos}/{len} {per_sec} ETA {eta}\n  {msg}",
        format!("epoch {epoch}/{total_epochs}"),
        quiet,
    )
}

/// A bar for translating `images` test images.
pub fn test_bar(from: &str, to: &str, images: u64, quiet: bool) -> ProgressBar {
    bar(
        images,
        "{prefix} [{bar:30}] {pos}/{len} ETA {eta}",
        format!("test {from} → {to}"),
        quiet,
    )
}

/// A bar for translating `photos` photos (`translate`).
pub fn translate_bar(photos: u64, quiet: bool) -> ProgressBar {
    bar(
        photos,
        "{prefix} [{bar:30}] {pos}/{len} ETA {eta}",
        "translate".into(),
        quiet,
    )
}

/// A bar for opening the `pictures` of one dataset folder (`check`).
pub fn check_bar(folder: &str, pictures: u64, quiet: bool) -> ProgressBar {
    bar(
        pictures,
        "{prefix} [{bar:30}] {pos}/{len} ETA {eta}",
        format!("check {folder}"),
        quiet,
    )
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
