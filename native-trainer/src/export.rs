//! Writing a model for the web app: one burnpack file per direction, `manifest.json`, and the
//! model's entry in the folder's `index.json`; for a trained run also its model card
//! ([`crate::model_card`]). Every file is prepared in memory and written to a temporary file
//! first, and renamed into place only when all are written, so a failed or interrupted export
//! never leaves a half-written model or new weights beside an old manifest.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use unpaired::manifest::{ModelFile, ModelParts};
use unpaired::{Direction, ModelManifest};

use crate::eval::SplitScores;
use crate::model_card;

/// One model in `index.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexEntry {
    /// The manifest's `name`.
    pub name: String,
    /// The manifest, relative to `index.json`.
    pub path: String,
    /// Domain A's name.
    pub domain_a: String,
    /// Domain B's name.
    pub domain_b: String,
    /// `a_to_b` and/or `b_to_a`.
    pub directions: Vec<Direction>,
}

/// `index.json`: every model in a models folder, for the web app's model picker.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelIndex {
    /// The model the web app preselects (an entry's `name`); absent: the first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// The models, in the order they were added.
    pub models: Vec<IndexEntry>,
}

impl ModelIndex {
    /// Parses the text of the `index.json` at `path` (named in the error).
    pub fn parse(text: &str, path: &Path) -> Result<Self> {
        serde_json::from_str(text)
            .with_context(|| format!("{} is not a model index", path.display()))
    }
}

/// Writes `model` into `dir` and lists it in `dir/../index.json` (as the web app's preselected
/// model if `make_default`); returns the manifest.
pub fn export(model: &ModelParts, make_default: bool, dir: &Path) -> Result<ModelManifest> {
    let (manifest, weights) = model.package()?;
    write_model(dir, &manifest, weights, &[], make_default)?;
    Ok(manifest)
}

/// Writes a model into `dir`: `files`, then its manifest, then its entry in the `index.json`
/// beside `dir`, all through [`write_all_or_nothing`], so a failure on the way (a full disk, a
/// read-only file) leaves the model that was there whole; then removes the `stale` files (from
/// an earlier export) from `dir`.
fn write_model(
    dir: &Path,
    manifest: &ModelManifest,
    files: Vec<ModelFile>,
    stale: &[&str],
    make_default: bool,
) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut targets: Vec<(PathBuf, Vec<u8>)> = files
        .into_iter()
        .map(|(name, bytes)| (dir.join(name), bytes))
        .collect();
    targets.push((dir.join("manifest.json"), manifest.to_json().into_bytes()));
    targets.extend(updated_index(dir, manifest, make_default)?);
    write_all_or_nothing(&targets)?;
    for name in stale {
        match std::fs::remove_file(dir.join(name)) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                return Err(error)
                    .with_context(|| format!("removing {}", dir.join(name).display()));
            }
            _ => {}
        }
    }
    Ok(())
}

/// The `index.json` beside `dir` with the model's entry added or replaced, and its path; `None`
/// when `dir` has no parent folder.
fn updated_index(
    dir: &Path,
    manifest: &ModelManifest,
    make_default: bool,
) -> Result<Option<(PathBuf, Vec<u8>)>> {
    let dir = dir.canonicalize()?;
    let (Some(parent), Some(folder)) = (dir.parent(), dir.file_name()) else {
        return Ok(None);
    };
    let index_path = parent.join("index.json");
    let mut index = match std::fs::read_to_string(&index_path) {
        Ok(text) => ModelIndex::parse(&text, &index_path)?,
        Err(_) => ModelIndex::default(),
    };
    let entry = IndexEntry {
        name: manifest.name.clone(),
        path: format!("{}/manifest.json", folder.to_string_lossy()),
        domain_a: manifest.domain_a.clone(),
        domain_b: manifest.domain_b.clone(),
        directions: manifest.directions(),
    };
    match index.models.iter_mut().find(|e| e.path == entry.path) {
        Some(existing) => *existing = entry,
        None => index.models.push(entry),
    }
    if make_default {
        index.default = Some(manifest.name.clone());
    }
    let text = serde_json::to_string_pretty(&index)? + "\n";
    Ok(Some((index_path, text.into_bytes())))
}

/// `--name` becomes a folder name (of a run, of a web model): no separators, not `.` or `..`
/// (which would put the run's files into its parent folder, or beside it).
pub fn ensure_plain_name(name: &str) -> Result<()> {
    anyhow::ensure!(
        !name.is_empty() && !name.contains(['/', '\\']) && name != "." && name != "..",
        "--name must be a plain folder name, got '{name}'"
    );
    Ok(())
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`: the one-file
/// case of [`write_all_or_nothing`].
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    write_all_or_nothing(&[(path, bytes)])
}

/// Writes every file to a temporary file beside it first; only when all are written are they
/// renamed into place, in the order given. When a write fails, the temporary files are removed
/// and no file is replaced.
pub fn write_all_or_nothing(files: &[(impl AsRef<Path>, impl AsRef<[u8]>)]) -> Result<()> {
    let mut written: Vec<PathBuf> = Vec::with_capacity(files.len());
    for (path, bytes) in files {
        let temporary = partial_path(path.as_ref());
        if let Err(error) = std::fs::write(&temporary, bytes) {
            for partial in written.iter().chain([&temporary]) {
                let _ = std::fs::remove_file(partial);
            }
            return Err(error).with_context(|| format!("writing {}", temporary.display()));
        }
        written.push(temporary);
    }
    for ((path, _), temporary) in files.iter().zip(&written) {
        let path = path.as_ref();
        std::fs::rename(temporary, path).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// The temporary file beside `path` that is renamed over it.
fn partial_path(path: &Path) -> PathBuf {
    let mut temporary = PathBuf::from(path);
    temporary.as_mut_os_string().push(".partial");
    temporary
}

/// Options of `export`.
#[derive(Debug, Clone, clap::Args)]
pub struct ExportArgs {
    /// The run and snapshot.
    #[command(flatten)]
    pub run: crate::checkpoint::SnapshotArgs,
    /// Output folder [default: www/models/NAME].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// The model's name in the web app and its index [default: the run's name].
    #[arg(long = "model-name")]
    pub model_name: Option<String>,
    /// Storage precision of the exported weights.
    #[arg(long, value_enum, default_value = "f16")]
    pub precision: crate::import::PrecisionArg,
    /// Name of domain A shown in the web app [default: from the dataroot's name, e.g. `horse`
    /// for horse2zebra, else "A"].
    #[arg(long = "domain-a", alias = "domain_a")]
    pub domain_a: Option<String>,
    /// Name of domain B [default: e.g. `zebra`, else "B"].
    #[arg(long = "domain-b", alias = "domain_b")]
    pub domain_b: Option<String>,
    /// Free text for the manifest (data, licence, scores).
    #[arg(long)]
    pub description: Option<String>,
    /// Make it the model the web app preselects (`default` in index.json).
    #[arg(long = "default")]
    pub make_default: bool,
    /// A `test --eval` results folder (e.g. results/NAME/test_latest): its scores and a grid of
    /// its first translations go into the model card (MODEL_CARD.md, samples.jpg).
    #[arg(long)]
    pub results: Option<PathBuf>,
    /// The training data's terms of use, for the model card.
    #[arg(long = "data-terms")]
    pub data_terms: Option<String>,
    /// Further notes for the model card (the run's history, known weaknesses).
    #[arg(long)]
    pub notes: Option<String>,
}

/// Domain names from a dataset folder called `X2Y` (horse2zebra → horse, zebra).
fn domains_from_dataroot(dataroot: &Path) -> Option<(String, String)> {
    let name = dataroot.file_name()?.to_str()?;
    let (a, b) = name.split_once('2')?;
    (!a.is_empty() && !b.is_empty()).then(|| (a.to_string(), b.to_string()))
}

/// Exports both generators of a trained run as a web model.
pub fn run(args: &ExportArgs) -> Result<ModelManifest> {
    use crate::checkpoint;
    let snapshot = args.run.snapshot()?;
    let state = checkpoint::read_state(&snapshot)?;
    let device = burn::tensor::Device::flex();
    let g_a = checkpoint::load_generator(&snapshot, "G_A", &state.generator, &device)?;
    let g_b = checkpoint::load_generator(&snapshot, "G_B", &state.generator, &device)?;
    let options: Option<serde_json::Value> =
        std::fs::read_to_string(args.run.run_dir().join("train_options.json"))
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok());
    let guessed = options
        .as_ref()
        .and_then(|o| o.get("dataroot")?.as_str().map(PathBuf::from))
        .and_then(|root| domains_from_dataroot(&root));
    let (guess_a, guess_b) = guessed.unwrap_or_else(|| ("A".into(), "B".into()));
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("www/models").join(&args.run.name));
    // The results folder is read before anything is written, so a wrong one changes nothing.
    let card_inputs = match &args.results {
        Some(dir) => Some((
            read_scores(dir)?,
            model_card::sample_grid(dir, model_card::SAMPLE_ROWS)?,
        )),
        None => None,
    };
    let description = args.description.clone().unwrap_or_else(|| {
        format!(
            "Trained with Unpaired's native-trainer: {} epochs, {} iterations, resnet_{}blocks ngf {}.",
            state.epoch, state.iterations, state.generator.n_blocks, state.generator.ngf
        )
    });
    let (manifest, mut files) = ModelParts {
        name: args
            .model_name
            .clone()
            .unwrap_or_else(|| args.run.name.clone()),
        domain_a: args.domain_a.clone().unwrap_or(guess_a),
        domain_b: args.domain_b.clone().unwrap_or(guess_b),
        train_size: state.crop_size,
        precision: args.precision.into(),
        description: Some(description),
        a_to_b: Some(&g_a),
        b_to_a: Some(&g_b),
        card: Some(model_card::CARD_FILE.into()),
    }
    .package()?;
    let log = crate::report::loss_log::LossLog::new(&args.run.run_dir()).read();
    let card = model_card::render(&model_card::CardFacts {
        manifest: &manifest,
        state: &state,
        options: options.as_ref(),
        log: &log,
        scores: card_inputs.as_ref().map(|(scores, _)| scores),
        data_terms: args.data_terms.as_deref(),
        notes: args.notes.as_deref(),
    });
    // A grid from an earlier export would not show this model: without one of its own, it goes.
    let mut stale = Vec::new();
    match &card_inputs {
        Some((_, grid)) => files.push((
            model_card::SAMPLES_FILE.into(),
            model_card::jpeg_bytes(grid)?,
        )),
        None => stale.push(model_card::SAMPLES_FILE),
    }
    files.push((model_card::CARD_FILE.into(), card.into_bytes()));
    write_model(&out, &manifest, files, &stale, args.make_default)?;
    Ok(manifest)
}

/// The scores `test --eval` wrote into a results folder.
fn read_scores(results: &Path) -> Result<SplitScores> {
    let path = results.join("eval.json");
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "reading {} (run `native-trainer test --eval` for this snapshot first)",
            path.display()
        )
    })?;
    serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not what `test --eval` writes (an older version's? run it again)",
            path.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::{ensure_plain_name, write_all_or_nothing};

    #[test]
    fn a_failed_write_replaces_nothing_and_leaves_no_partial_files() {
        let dir = std::env::temp_dir().join(format!("unpaired-write-all-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let weights = dir.join("a_to_b.bpk");
        let manifest = dir.join("manifest.json");
        std::fs::write(&weights, b"old weights").unwrap();
        std::fs::write(&manifest, b"old manifest").unwrap();

        // The third file cannot be written (its folder does not exist).
        let unwritable = dir.join("missing-folder").join("index.json");
        let error = write_all_or_nothing(&[
            (weights.clone(), b"new weights".to_vec()),
            (manifest.clone(), b"new manifest".to_vec()),
            (unwritable, b"new index".to_vec()),
        ])
        .unwrap_err();
        assert!(format!("{error:#}").contains("missing-folder"), "{error:#}");
        assert_eq!(std::fs::read(&weights).unwrap(), b"old weights");
        assert_eq!(std::fs::read(&manifest).unwrap(), b"old manifest");
        let mut left: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, ["a_to_b.bpk", "manifest.json"]);

        write_all_or_nothing(&[
            (weights.clone(), b"new weights".to_vec()),
            (manifest.clone(), b"new manifest".to_vec()),
        ])
        .unwrap();
        assert_eq!(std::fs::read(&weights).unwrap(), b"new weights");
        assert_eq!(std::fs::read(&manifest).unwrap(), b"new manifest");
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            2,
            "no partial files"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn names_must_be_plain_folder_names() {
        for good in ["horse2zebra", "h2z_cpu", "run.2", ".hidden-run"] {
            assert!(ensure_plain_name(good).is_ok(), "{good}");
        }
        for bad in ["", ".", "..", "a/b", "../up", "a\\b", "/abs"] {
            let error = ensure_plain_name(bad).unwrap_err().to_string();
            assert!(error.contains("plain folder name"), "{bad}: {error}");
        }
    }
}
