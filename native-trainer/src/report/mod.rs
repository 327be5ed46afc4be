//! What a person sees of a training run: the progress bar, the loss log and its curves, the
//! per-epoch sample grids, and the run's `index.html` that shows them.

pub mod curves;
pub mod loss_log;
pub mod page;
pub mod progress;
pub mod samples;
