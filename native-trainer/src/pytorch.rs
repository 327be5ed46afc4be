//! Reading generators saved by the reference PyTorch implementation (pytorch-CycleGAN-and-pix2pix)
//! from `.pth` files: burn-store's `PytorchStore` reads the tensors, [`unpaired::pytorch`] maps
//! their keys onto our [`ResnetGenerator`] (the same mapping the browser uses) and says what does
//! not fit.

use std::path::Path;

use anyhow::{Result, anyhow};
use burn::store::burn_pack::Tensor as PackTensor;
use burn::store::{ModuleStore, PytorchStore};
use burn::tensor::Device;
use unpaired::{ResnetGenerator, ResnetGeneratorConfig};

pub use unpaired::pytorch::{Checkpoint, Contents};

/// Every tensor of a `.pth` file, named as the file names them.
fn read_tensors(path: &Path) -> Result<Vec<PackTensor>> {
    anyhow::ensure!(
        path.is_file(),
        "{} does not exist or is not a file",
        path.display()
    );
    let mut store = PytorchStore::from_file(path).map_indices_contiguous(false);
    let all = store.get_all_tensors().map_err(|e| {
        anyhow!(
            "{} is not a readable PyTorch checkpoint: {e}",
            path.display()
        )
    })?;
    anyhow::ensure!(!all.is_empty(), "{} holds no tensors", path.display());
    Ok(all.values().cloned().collect())
}

/// Reads a `.pth` file's keys and shapes.
pub fn read_checkpoint(path: &Path) -> Result<Checkpoint> {
    let tensors = read_tensors(path)?;
    Ok(Checkpoint::from_shapes(tensors.iter().map(|tensor| {
        (tensor.name.clone(), tensor.shape.to_vec())
    })))
}

/// Loads a reference generator checkpoint as a generator of `config` (its `norm_affine` is taken
/// from the file), on the CPU. Errors say what the file holds and what does not fit.
pub fn load_generator(path: &Path, config: &ResnetGeneratorConfig) -> Result<ResnetGenerator> {
    let tensors = read_tensors(path)?;
    unpaired::pytorch::load_generator(tensors, Some(config), &Device::flex())
        .map_err(|e| anyhow!("{} {e}", path.display()))
}
