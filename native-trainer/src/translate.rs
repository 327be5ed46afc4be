//! `translate`: your own photos through a web model (the app's default, one `export` or `import`
//! wrote, or any folder with a `manifest.json`), on this machine's GPU or CPU, written as PNGs
//! named like the web app's downloads. Photos that cannot be read are skipped and named; nothing
//! a photo of yours is called is overwritten.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result, bail, ensure};
use clap::Args;
use image::RgbaImage;
use rayon::prelude::*;
use unpaired::{Direction, ModelManifest, TranslateError, Translator, image_io};

use crate::data::Domain;
use crate::device::{self, DeviceChoice};
use crate::export::ModelIndex;
use crate::picture::{self, PictureError};
use crate::report::progress::translate_bar;
use crate::report::samples::save_png;

/// Options of `translate`.
#[derive(Debug, Clone, Args)]
pub struct TranslateArgs {
    /// Photos, and folders of photos (the images directly in them).
    #[arg(required = true, value_name = "PHOTO_OR_FOLDER")]
    pub inputs: Vec<PathBuf>,
    /// A model's folder (with manifest.json), or the name of a model listed in --models-dir
    /// [default: the one the web app preselects].
    #[arg(long)]
    pub model: Option<String>,
    /// The folder whose index.json lists the models.
    #[arg(
        long = "models-dir",
        alias = "models_dir",
        default_value = "www/models"
    )]
    pub models_dir: PathBuf,
    /// a_to_b or b_to_a (also `AtoB`, `b2a`, …) [default: the model's first].
    #[arg(long)]
    pub direction: Option<String>,
    /// Where the translations go.
    #[arg(long, default_value = "translated")]
    pub out: PathBuf,
    /// Larger photos are scaled down to this longest side first.
    #[arg(long = "max-side", alias = "max_side", default_value_t = 1024)]
    pub max_side: u32,
    /// Compute device.
    #[arg(long, value_enum, default_value = "auto")]
    pub device: DeviceChoice,
    /// Photos translated at once on the CPU (each on one core) [default: the cores, at most 4];
    /// on a GPU one at a time.
    #[arg(long)]
    pub jobs: Option<usize>,
    /// No progress bar and no line per skipped photo.
    #[arg(long)]
    pub quiet: bool,
}

/// What `translate` did.
#[derive(Debug, Clone)]
pub struct TranslateSummary {
    /// The model used.
    pub manifest: ModelManifest,
    /// The direction translated.
    pub direction: Direction,
    /// The device's name (`flex`, `vulkan`, …).
    pub backend: &'static str,
    /// Each translated photo and the PNG written for it.
    pub written: Vec<(PathBuf, PathBuf)>,
    /// Photos that could not be read or translated, with why.
    pub skipped: Vec<(PathBuf, String)>,
    /// Files in the folders given that are not images by their extension.
    pub ignored: usize,
}

/// Translates every photo given; fails before anything is written when an input or the model is
/// missing or unusable, and when no photo at all could be translated.
pub fn run(args: &TranslateArgs) -> Result<TranslateSummary> {
    let (photos, ignored) = list_photos(&args.inputs)?;
    let model_dir = locate_model(args.model.as_deref(), &args.models_dir)?;
    let (manifest, direction, weights) = read_model(&model_dir, args.direction.as_deref())?;
    let (device, backend) = device::open(args.device)?;
    let mut translator = Translator::new(device, backend);
    translator.set_max_side(args.max_side)?;
    let (a_to_b, b_to_a) = match direction {
        Direction::AToB => (Some(weights), None),
        Direction::BToA => (None, Some(weights)),
    };
    let manifest = translator
        .load_model(manifest, a_to_b, b_to_a)
        .with_context(|| format!("loading the model in {}", model_dir.display()))?
        .manifest
        .clone();

    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating the output folder {}", args.out.display()))?;
    // Named in the order given, whichever photo finishes first.
    let mut names = OutputNames::new(&args.out, &photos);
    let targets: Vec<PathBuf> = photos
        .iter()
        .map(|photo| args.out.join(names.next(photo, &manifest.name, direction)))
        .collect();
    let jobs = args.jobs.unwrap_or_else(|| default_jobs(backend)).max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .context("starting the translation threads")?;
    let bar = translate_bar(photos.len() as u64, args.quiet);
    let stop = AtomicBool::new(false);
    let outcomes: Vec<Outcome> = pool.install(|| {
        photos
            .par_iter()
            .zip(&targets)
            .map(|(photo, target)| {
                if stop.load(Ordering::Relaxed) {
                    return Outcome::NotRun;
                }
                let outcome = translate_one(&translator, photo, direction, target);
                match &outcome {
                    Outcome::Fatal(_) => stop.store(true, Ordering::Relaxed),
                    Outcome::Skipped(reason) if !args.quiet => {
                        bar.suspend(|| eprintln!("skipping {}: {reason}", photo.display()))
                    }
                    _ => {}
                }
                bar.inc(1);
                outcome
            })
            .collect()
    });
    bar.finish_and_clear();
    let mut written = Vec::new();
    let mut skipped = Vec::new();
    for ((photo, target), outcome) in photos.iter().zip(targets).zip(outcomes) {
        match outcome {
            Outcome::Written => written.push((photo.clone(), target)),
            Outcome::Skipped(reason) => skipped.push((photo.clone(), reason)),
            Outcome::Fatal(error) => return Err(error),
            Outcome::NotRun => {}
        }
    }
    ensure!(
        !written.is_empty(),
        "none of the {} photo(s) could be translated (the first: {}: {})",
        photos.len(),
        skipped[0].0.display(),
        skipped[0].1
    );
    Ok(TranslateSummary {
        manifest,
        direction,
        backend,
        written,
        skipped,
        ignored,
    })
}

/// What became of one photo.
enum Outcome {
    /// Translated and written.
    Written,
    /// Not readable, or too small: the next photo may be fine.
    Skipped(String),
    /// The device or the model failed, or the PNG could not be written: translating stops.
    Fatal(anyhow::Error),
    /// Not started, after a fatal failure elsewhere.
    NotRun,
}

/// Reads, translates and writes one photo.
fn translate_one(
    translator: &Translator,
    photo: &Path,
    direction: Direction,
    target: &Path,
) -> Outcome {
    let image = match read_photo(photo, translator.max_side()) {
        Ok(image) => image,
        Err(error) => return Outcome::Skipped(error.to_string()),
    };
    let output = match translator.translate(image, direction) {
        Ok(output) => output,
        Err(TranslateError::Image(error)) => return Outcome::Skipped(error.to_string()),
        Err(error) => {
            let error =
                anyhow::Error::from(error).context(format!("translating {}", photo.display()));
            return Outcome::Fatal(error);
        }
    };
    match save_png(&output, target) {
        Ok(()) => Outcome::Written,
        Err(error) => Outcome::Fatal(error),
    }
}

/// On the CPU each translation runs on one core (the project's CPU engine), so photos are shared
/// among the cores, at most 4 at once (each large photo holds a few hundred MB while translated);
/// a GPU takes one at a time.
fn default_jobs(backend: &str) -> usize {
    if backend != "flex" {
        return 1;
    }
    std::thread::available_parallelism().map_or(1, |n| n.get().min(4))
}

/// The photos to translate, in the order given (each folder's sorted by name), and how many files
/// of those folders are not images. A missing input, or a folder without images, is an error.
fn list_photos(inputs: &[PathBuf]) -> Result<(Vec<PathBuf>, usize)> {
    let mut photos = Vec::new();
    let mut ignored = 0;
    for input in inputs {
        if input.is_dir() {
            let folder = Domain::scan(input, None)?;
            ignored += folder.ignored;
            photos.extend(folder.files);
        } else if input.is_file() {
            photos.push(input.clone()); // named on purpose: its contents decide, not its extension
        } else {
            bail!(
                "{} does not exist (give photos or folders of photos)",
                input.display()
            );
        }
    }
    Ok((photos, ignored))
}

/// The folder of the model to use: `model` as a folder (or its manifest.json), else as a name in
/// `models_dir/index.json`; without `model`, the index's default (else its first).
pub fn locate_model(model: Option<&str>, models_dir: &Path) -> Result<PathBuf> {
    if let Some(model) = model {
        let path = Path::new(model);
        if path.is_dir() {
            return Ok(path.to_path_buf());
        }
        if path.is_file() && path.file_name().is_some_and(|name| name == "manifest.json") {
            return Ok(path.parent().unwrap_or(Path::new(".")).to_path_buf());
        }
    }
    let index_path = models_dir.join("index.json");
    let text = std::fs::read_to_string(&index_path).with_context(|| match model {
        Some(model) => format!(
            "{model} is not a model folder, and there is no {} to look it up in",
            index_path.display()
        ),
        None => format!(
            "no --model given and {} cannot be read (run from the repository's root, or pass \
             --model DIR or --models-dir DIR)",
            index_path.display()
        ),
    })?;
    let index = ModelIndex::parse(&text, &index_path)?;
    let names = || {
        index
            .models
            .iter()
            .map(|entry| entry.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let wanted = model.or(index.default.as_deref());
    let entry = match wanted {
        Some(name) => index
            .models
            .iter()
            .find(|entry| entry.name == name)
            .with_context(|| match names() {
                listed if listed.is_empty() => {
                    format!("no model '{name}': {} lists none", index_path.display())
                }
                listed => format!(
                    "no model '{name}' in {} (it lists: {listed})",
                    index_path.display()
                ),
            })?,
        None => index
            .models
            .first()
            .with_context(|| format!("{} lists no model", index_path.display()))?,
    };
    let manifest = models_dir.join(&entry.path);
    Ok(manifest.parent().unwrap_or(models_dir).to_path_buf())
}

/// The model's manifest, the direction to translate and that direction's weights, checked against
/// the manifest's size before the file is read (its SHA-256 when it is loaded).
fn read_model(dir: &Path, direction: Option<&str>) -> Result<(ModelManifest, Direction, Vec<u8>)> {
    let manifest_path = dir.join("manifest.json");
    let text = std::fs::read_to_string(&manifest_path).with_context(|| {
        format!(
            "{} has no readable manifest.json: not a web model (`export` and `import` write one)",
            dir.display()
        )
    })?;
    let mut manifest = ModelManifest::from_json(&text)
        .with_context(|| format!("reading {}", manifest_path.display()))?;
    let available = manifest.directions();
    let direction = match direction {
        Some(text) => Direction::parse(text)?,
        None => *available
            .first()
            .with_context(|| format!("{} lists no generator", manifest_path.display()))?,
    };
    let file = manifest.weights(direction)?.clone();
    // Only this direction's generator is loaded.
    match direction {
        Direction::AToB => manifest.b_to_a = None,
        Direction::BToA => manifest.a_to_b = None,
    }
    let path = dir.join(&file.file);
    let size = std::fs::metadata(&path)
        .with_context(|| {
            format!(
                "the model's {} weights ({}) are missing",
                direction.as_str(),
                path.display()
            )
        })?
        .len();
    ensure!(
        size == file.bytes,
        "{} is {size} bytes but the manifest says {}: the model is incomplete or mixed up",
        path.display(),
        file.bytes
    );
    let weights = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    Ok((manifest, direction, weights))
}

/// A photo as RGBA, turned the way its EXIF orientation says (as browsers show it) and scaled down
/// to `max_side` as the translator would (a photo too large to decode is an error, not a crash:
/// see [`picture::MAX_DECODED_BYTES`]). Scaled before it becomes RGBA: a large grey or RGB photo
/// is not first copied at 4 bytes a pixel.
fn read_photo(path: &Path, max_side: u32) -> Result<RgbaImage, PictureError> {
    let mut image = picture::open(path, true)?;
    let (width, height) = image_io::fitted_size(image.width(), image.height(), max_side);
    if (width, height) != (image.width(), image.height()) {
        image = image.resize_exact(width, height, image_io::SCALE_FILTER);
    }
    Ok(image.into_rgba8())
}

/// Output file names: `holiday-horse2zebra-a_to_b.png`, as the web app names its downloads; a
/// name already given in this run, or one of the photos being translated, gets ` (2)`, ` (3)`, ….
struct OutputNames {
    taken: HashSet<String>,
}

impl OutputNames {
    fn new(out: &Path, photos: &[PathBuf]) -> Self {
        let out = out.canonicalize().ok();
        let taken = photos
            .iter()
            .filter_map(|photo| photo.canonicalize().ok())
            .filter(|photo| photo.parent().map(Path::to_path_buf) == out)
            .filter_map(|photo| Some(photo.file_name()?.to_string_lossy().to_lowercase()))
            .collect();
        Self { taken }
    }

    fn next(&mut self, photo: &Path, model: &str, direction: Direction) -> String {
        let stem = photo
            .file_stem()
            .map_or_else(|| "photo".into(), |s| s.to_string_lossy().into_owned());
        let base = format!("{stem}-{model}-{}", direction.as_str());
        let mut name = format!("{base}.png");
        for n in 2.. {
            if self.taken.insert(name.to_lowercase()) {
                break;
            }
            name = format!("{base} ({n}).png");
        }
        name
    }
}
