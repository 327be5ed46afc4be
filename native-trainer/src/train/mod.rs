//! The CycleGAN training recipe of the paper and its reference implementation: LSGAN losses,
//! cycle and identity L1 terms, a history pool of generated images, Adam, and the learning-rate
//! schedule. [`step`] runs one iteration; the data loader, checkpoints and reports build on it.

pub mod losses;
pub mod options;
pub mod pool;
pub mod run;
pub mod schedule;
pub mod step;
