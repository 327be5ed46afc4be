//! Training data the way the reference's `unaligned_dataset.py` serves it: two unpaired folders,
//! A in a shuffled order, B drawn at random; each photo loaded, resized, randomly cropped and
//! flipped, then scaled to [-1, 1]. Photos are decoded in parallel on a background thread, ahead
//! of the device; unreadable files are skipped (and counted), never fatal.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex};

use anyhow::{Result, bail, ensure};
use burn::tensor::{Device, Tensor, TensorData};
use clap::ValueEnum;
use image::RgbImage;
use image::imageops::{self, FilterType};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use unpaired::image_io;

use crate::picture::{self, PictureError};

/// File extensions read as images (the reference's list, plus WebP, GIF and PGM).
pub const IMAGE_EXTENSIONS: [&str; 10] = [
    "jpg", "jpeg", "png", "ppm", "bmp", "tif", "tiff", "webp", "gif", "pgm",
];

/// Whether `path` ends in one of [`IMAGE_EXTENSIONS`] (any case).
pub fn has_image_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// The files directly inside `dir` named as pictures ([`has_image_extension`]), sorted by name,
/// and how many other files are there (subfolders are not counted).
pub fn picture_files(dir: &Path) -> std::io::Result<(Vec<PathBuf>, usize)> {
    let mut files = Vec::new();
    let mut others = 0;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if !path.is_file() {
            continue;
        }
        if has_image_extension(&path) {
            files.push(path);
        } else {
            others += 1;
        }
    }
    files.sort();
    Ok((files, others))
}

/// Why `dataroot/name` (trainA, testB, …) is not there, with the likely fix: the same name in
/// other letter case, or a folder one level down that holds it (an archive unpacked into its own
/// folder).
pub fn missing_split_folder(dataroot: &Path, name: &str) -> String {
    let missing = format!(
        "{} has no {name} folder (a dataset holds trainA, trainB, testA and testB)",
        dataroot.display()
    );
    let Ok(entries) = std::fs::read_dir(dataroot) else {
        return missing;
    };
    let (folders, files): (Vec<PathBuf>, Vec<PathBuf>) = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .partition(|path| path.is_dir());
    let file_name = |path: &Path| path.file_name().map(|n| n.to_string_lossy().into_owned());
    if let Some(other) = folders
        .iter()
        .find(|path| file_name(path).is_some_and(|n| n.eq_ignore_ascii_case(name)))
    {
        return format!(
            "{missing}: rename {} to {name} (the name is case-sensitive)",
            other.display()
        );
    }
    let mut holders: Vec<&PathBuf> = folders
        .iter()
        .filter(|path| path.join(name).is_dir())
        .collect();
    holders.sort();
    match holders.as_slice() {
        [one] => format!(
            "{missing}: {} has one, so use --dataroot {}",
            one.display(),
            one.display()
        ),
        [] => match files
            .iter()
            .filter(|path| has_image_extension(path))
            .count()
        {
            0 => missing,
            pictures => format!(
                "{missing}: its {pictures} picture{} lie in it directly; put each domain's in a folder of its own (trainA/ and trainB/ for training)",
                if pictures == 1 { "" } else { "s" }
            ),
        },
        several => format!(
            "{missing}; these folders in it have one, so use one of them as --dataroot: {}",
            several
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The `--preprocess` option (the reference's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preprocess {
    /// Resize to `load_size`², then a random `crop_size`² crop (the paper's setting).
    #[value(name = "resize_and_crop")]
    ResizeAndCrop,
    /// Scale the width to `load_size` (keeping the aspect ratio), then a random crop.
    #[value(name = "scale_width_and_crop")]
    ScaleWidthAndCrop,
    /// Scale the width to `load_size`, no crop (batch size 1 only).
    #[value(name = "scale_width")]
    ScaleWidth,
    /// Keep the size, rounded to a multiple of 4 (batch size 1 only).
    #[value(name = "none")]
    None,
}

impl Preprocess {
    /// Whether every image comes out `crop_size`² (so images can be batched).
    pub fn fixed_size(self) -> bool {
        matches!(self, Self::ResizeAndCrop | Self::ScaleWidthAndCrop)
    }
}

/// How one photo becomes a training image.
#[derive(Debug, Clone, Copy)]
pub struct Transform {
    /// What to do to the size.
    pub preprocess: Preprocess,
    /// Size before cropping.
    pub load_size: u32,
    /// Size after cropping.
    pub crop_size: u32,
    /// Random horizontal flips.
    pub flip: bool,
}

impl Transform {
    /// Resizes, crops and flips `image` with random choices from `rng`.
    pub fn apply(&self, image: &RgbImage, rng: &mut impl Rng) -> RgbImage {
        let resized = self.resize(image);
        let mut out = match self.preprocess {
            Preprocess::ResizeAndCrop | Preprocess::ScaleWidthAndCrop => {
                let (w, h) = resized.dimensions();
                let crop = self.crop_size;
                let x = rng.random_range(0..=w.saturating_sub(crop));
                let y = rng.random_range(0..=h.saturating_sub(crop));
                imageops::crop_imm(&resized, x, y, crop.min(w), crop.min(h)).to_image()
            }
            Preprocess::ScaleWidth | Preprocess::None => resized,
        };
        if self.flip && rng.random::<f64>() < 0.5 {
            imageops::flip_horizontal_in_place(&mut out);
        }
        out
    }

    /// The same without randomness: a centre crop, no flip (sample grids, test images).
    pub fn apply_centered(&self, image: &RgbImage) -> RgbImage {
        let resized = self.resize(image);
        match self.preprocess {
            Preprocess::ResizeAndCrop | Preprocess::ScaleWidthAndCrop => {
                let (w, h) = resized.dimensions();
                let crop = self.crop_size;
                let (x, y) = (w.saturating_sub(crop) / 2, h.saturating_sub(crop) / 2);
                imageops::crop_imm(&resized, x, y, crop.min(w), crop.min(h)).to_image()
            }
            Preprocess::ScaleWidth | Preprocess::None => resized,
        }
    }

    fn resize(&self, image: &RgbImage) -> RgbImage {
        let (w, h) = image.dimensions();
        let (new_w, new_h) = match self.preprocess {
            Preprocess::ResizeAndCrop => (self.load_size, self.load_size),
            Preprocess::ScaleWidthAndCrop | Preprocess::ScaleWidth => {
                let new_w = self.load_size;
                let new_h = (new_w as u64 * h as u64 / w.max(1) as u64) as u32;
                let new_h = if self.preprocess == Preprocess::ScaleWidthAndCrop {
                    new_h.max(self.crop_size)
                } else {
                    new_h
                };
                (new_w, multiple_of_4(new_h))
            }
            Preprocess::None => (multiple_of_4(w), multiple_of_4(h)),
        };
        if (new_w, new_h) == (w, h) {
            image.clone()
        } else {
            // The reference resizes with PIL's bicubic filter.
            imageops::resize(image, new_w, new_h, FilterType::CatmullRom)
        }
    }
}

/// Rounds to the nearest multiple of 4 (at least 4): the generator halves the size twice.
fn multiple_of_4(side: u32) -> u32 {
    (((side as f64) / 4.0).round() as u32).max(1) * 4
}

/// The photos of one domain folder.
#[derive(Debug, Clone)]
pub struct Domain {
    /// The folder.
    pub dir: PathBuf,
    /// Image files, sorted by name.
    pub files: Vec<PathBuf>,
    /// Files in the folder that are not images by their extension (ignored).
    pub ignored: usize,
}

impl Domain {
    /// Lists the images in `dir` (sorted; at most `max` of them). A missing or image-less
    /// folder is an error that says which.
    pub fn scan(dir: &Path, max: Option<usize>) -> Result<Self> {
        if !dir.is_dir() {
            bail!(
                "{} does not exist or is not a folder (expected a folder of images)",
                dir.display()
            );
        }
        let (mut files, ignored) = picture_files(dir)?;
        if let Some(max) = max {
            files.truncate(max);
        }
        ensure!(
            !files.is_empty(),
            "{} has no images (looked for {})",
            dir.display(),
            IMAGE_EXTENSIONS.join(", ")
        );
        Ok(Self {
            dir: dir.to_path_buf(),
            files,
            ignored,
        })
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether there are none (never, after [`Domain::scan`]).
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// Reads a photo as 8-bit RGB: grayscale is expanded, alpha dropped, 16-bit scaled down; not
/// turned by its EXIF orientation (the reference's loader does not turn them).
pub fn read_rgb(path: &Path) -> Result<RgbImage, PictureError> {
    Ok(picture::open(path, false)?.into_rgb8())
}

/// `[1, 3, h, w]` values in [-1, 1] on `device`.
pub fn to_tensor(image: &RgbImage, device: &Device) -> Tensor<4> {
    let (w, h) = image.dimensions();
    Tensor::from_data(
        TensorData::new(image_io::to_planar(image), [1, 3, h as usize, w as usize]),
        device,
    )
}

/// One training example: an A image and a B image, as planar values.
#[derive(Debug, Clone)]
pub struct Example {
    /// `[3, h, w]` values of the A image.
    pub a: Vec<f32>,
    /// Its (height, width).
    pub a_size: (usize, usize),
    /// `[3, h, w]` values of the B image.
    pub b: Vec<f32>,
    /// Its (height, width).
    pub b_size: (usize, usize),
}

/// A batch ready for the device.
#[derive(Debug, Clone)]
pub struct Batch {
    /// `[n, 3, h, w]` A images.
    pub a: TensorData,
    /// `[n, 3, h, w]` B images.
    pub b: TensorData,
}

/// The two domains with their transform: what `train` learns from.
#[derive(Debug, Clone)]
pub struct UnalignedDataset {
    /// Domain A (`trainA`).
    pub a: Domain,
    /// Domain B (`trainB`).
    pub b: Domain,
    /// Resize / crop / flip.
    pub transform: Transform,
    /// Files that failed to decode, shared with the loader threads.
    bad: Arc<Mutex<BTreeSet<PathBuf>>>,
}

impl UnalignedDataset {
    /// `dataroot/trainA` and `dataroot/trainB` (or another `phase`).
    pub fn open(
        dataroot: &Path,
        phase: &str,
        transform: Transform,
        max: Option<usize>,
    ) -> Result<Self> {
        if !dataroot.is_dir() {
            bail!("--dataroot {} is not a folder", dataroot.display());
        }
        for domain in ["A", "B"] {
            let name = format!("{phase}{domain}");
            if !dataroot.join(&name).is_dir() {
                bail!("{}", missing_split_folder(dataroot, &name));
            }
        }
        Ok(Self {
            a: Domain::scan(&dataroot.join(format!("{phase}A")), max)?,
            b: Domain::scan(&dataroot.join(format!("{phase}B")), max)?,
            transform,
            bad: Arc::default(),
        })
    }

    /// Examples per epoch: the larger domain's size, as in the reference.
    pub fn len(&self) -> usize {
        self.a.len().max(self.b.len())
    }

    /// Whether there is nothing to learn from (never, after [`UnalignedDataset::open`]).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The files found unreadable so far.
    pub fn unreadable(&self) -> Vec<PathBuf> {
        self.bad
            .lock()
            .map(|b| b.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The example at `position` of `epoch`: A is `order[position]` (modulo A's size), B a random
    /// one; crops and flips come from a generator seeded by (seed, epoch, position), so an epoch is
    /// the same whichever thread decodes it and whether or not training was resumed.
    pub fn example(
        &self,
        seed: u64,
        epoch: usize,
        position: usize,
        a_index: usize,
    ) -> Result<Example> {
        let mut rng = StdRng::seed_from_u64(mix(seed, epoch as u64, position as u64));
        let b_index = rng.random_range(0..self.b.len());
        let (a, a_size) = self.load(&self.a, a_index, &mut rng)?;
        let (b, b_size) = self.load(&self.b, b_index, &mut rng)?;
        Ok(Example {
            a,
            a_size,
            b,
            b_size,
        })
    }

    /// Loads `domain.files[index]`, or the next readable file if it cannot be decoded.
    fn load(
        &self,
        domain: &Domain,
        index: usize,
        rng: &mut StdRng,
    ) -> Result<(Vec<f32>, (usize, usize))> {
        for offset in 0..domain.len() {
            let path = &domain.files[(index + offset) % domain.len()];
            if self.bad.lock().is_ok_and(|bad| bad.contains(path)) {
                continue;
            }
            match read_rgb(path) {
                Ok(image) => {
                    let image = self.transform.apply(&image, rng);
                    let (w, h) = image.dimensions();
                    return Ok((image_io::to_planar(&image), (h as usize, w as usize)));
                }
                Err(error) => {
                    if let Ok(mut bad) = self.bad.lock()
                        && bad.insert(path.clone())
                    {
                        eprintln!("skipping {}: {error}", path.display());
                    }
                }
            }
        }
        bail!(
            "none of the {} images in {} could be read",
            domain.len(),
            domain.dir.display()
        )
    }

    /// The order of A's images in `epoch` (a seeded shuffle of the larger domain's range).
    pub fn order(&self, seed: u64, epoch: usize) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.len()).map(|i| i % self.a.len()).collect();
        order.shuffle(&mut StdRng::seed_from_u64(mix(
            seed,
            epoch as u64,
            u64::MAX,
        )));
        order
    }

    /// Streams `epoch`'s batches from a background thread that decodes `ahead` examples at a
    /// time in parallel. The receiver ends after the last batch, or with the first error.
    pub fn batches(
        self: &Arc<Self>,
        seed: u64,
        epoch: usize,
        batch_size: usize,
    ) -> Receiver<Result<Batch>> {
        let (sender, receiver) = sync_channel(4);
        let dataset = Arc::clone(self);
        std::thread::spawn(move || {
            let order = dataset.order(seed, epoch);
            let ahead = (rayon::current_num_threads() * 2).max(batch_size);
            let chunk = ahead.div_ceil(batch_size) * batch_size;
            let positions: Vec<usize> = (0..order.len()).collect();
            for group in positions.chunks(chunk) {
                let examples: Result<Vec<Example>> = group
                    .par_iter()
                    .map(|&p| dataset.example(seed, epoch, p, order[p]))
                    .collect();
                let examples = match examples {
                    Ok(examples) => examples,
                    Err(error) => {
                        let _ = sender.send(Err(error));
                        return;
                    }
                };
                for batch in examples.chunks(batch_size) {
                    if sender.send(stack(batch)).is_err() {
                        return; // the trainer stopped listening
                    }
                }
            }
        });
        receiver
    }
}

/// Stacks examples of one size into a batch.
fn stack(examples: &[Example]) -> Result<Batch> {
    let first = &examples[0];
    let same_size = examples
        .iter()
        .all(|e| e.a_size == first.a_size && e.b_size == first.b_size);
    ensure!(
        same_size,
        "images of different sizes cannot share a batch: use --batch-size 1 or a --preprocess that crops"
    );
    let n = examples.len();
    let planes = |pick: fn(&Example) -> &Vec<f32>, (h, w): (usize, usize)| {
        let values: Vec<f32> = examples
            .iter()
            .flat_map(|e| pick(e).iter().copied())
            .collect();
        TensorData::new(values, [n, 3, h, w])
    };
    Ok(Batch {
        a: planes(|e| &e.a, first.a_size),
        b: planes(|e| &e.b, first.b_size),
    })
}

/// A seed for the pair (epoch, position) of a run's seed (SplitMix64 steps).
pub fn mix(seed: u64, a: u64, b: u64) -> u64 {
    let mut x = seed;
    for v in [a, b] {
        x = x.wrapping_add(v).wrapping_add(0x9E37_79B9_7F4A_7C15);
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x ^= x >> 31;
    }
    x
}
