//! # Unpaired
//!
//! CycleGAN (Zhu, Park, Isola, Efros, ICCV 2017) in Rust: the paper's networks, their weights
//! files, and a translator that runs natively and in the browser (WebGPU or CPU).
//!
//! - [`model`]: the ResNet generator and the PatchGAN discriminator, paper-exact.
//! - [`image_io`]: RGB(A) pixels ↔ tensors in [-1, 1], padding to multiples of 4, maximum side.
//! - [`weights`]: burnpack bytes in f32 or f16, loaded with errors that name the problem.
//! - [`manifest`]: the JSON that describes a web model and checks its files.
//! - [`cpu`]: the generator's forward pass on the CPU without burn (the browser's CPU backend).
//! - [`pytorch`]: generators of the reference PyTorch code, from their checkpoints' tensors.
//! - [`translator`]: a loaded model translating images on a chosen device.
//! - [`backend`]: the backend choice (`auto`, `webgpu`, `cpu`) and what `auto` makes of an adapter.
//! - `web` (wasm32 only): the JavaScript API.

pub mod backend;
pub mod cpu;
pub mod image_io;
pub mod manifest;
pub mod model;
pub mod pytorch;
pub mod translator;
pub mod weights;

#[cfg(target_family = "wasm")]
pub mod web;

pub use manifest::{Direction, ModelManifest};
pub use model::{
    PatchDiscriminator, PatchDiscriminatorConfig, ResnetGenerator, ResnetGeneratorConfig,
};
pub use translator::{Model, TranslateError, Translator};
pub use weights::Precision;
