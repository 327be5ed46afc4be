//! `check`: opens every picture of a dataset before a long training run and says what `train` and
//! `test` would meet: the folders they need, the pictures each holds, the files that cannot be
//! read (training skips them, one line each, hours in), and what is changed on the way in
//! (grayscale made colour, transparency dropped, pictures smaller than the crop scaled up).

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use clap::Args;
use image::DynamicImage;
use rayon::prelude::*;
use serde::Serialize;

use crate::data;
use crate::picture;
use crate::report::progress::check_bar;

/// The folders `train` needs, then those `test` needs.
const TRAIN_FOLDERS: [&str; 2] = ["trainA", "trainB"];
const TEST_FOLDERS: [&str; 2] = ["testA", "testB"];

/// Options of `check`.
#[derive(Args, Debug, Clone)]
pub struct CheckArgs {
    /// The dataset: a folder holding trainA/ and trainB/ (and testA/, testB/, checked when there).
    #[arg(long)]
    pub dataroot: PathBuf,
    /// The side of the training crop, as `train --crop-size`: pictures with a shorter side are
    /// counted (they are scaled up well beyond their size, so they come out soft).
    #[arg(long = "crop-size", alias = "crop_size", default_value_t = 256)]
    pub crop_size: u32,
    /// Print the report as one JSON line instead of text.
    #[arg(long)]
    pub json: bool,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// What `check` found in a dataset.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// The dataset's folder.
    pub dataroot: PathBuf,
    /// The `--crop-size` small pictures were measured against.
    pub crop_size: u32,
    /// trainA, trainB, then testA and testB where they exist.
    pub folders: Vec<FolderReport>,
    /// Iterations in one training epoch (the larger training domain's readable pictures), when
    /// both training folders have some.
    pub epoch_iterations: Option<usize>,
    /// What stands in the way (a training folder missing or without readable pictures, a picture
    /// that cannot be read), one sentence each; empty when the dataset is ready.
    pub problems: Vec<String>,
}

impl CheckReport {
    /// Whether `train` would find everything it reads.
    pub fn ready(&self) -> bool {
        self.problems.is_empty()
    }
}

/// One folder of the dataset.
#[derive(Debug, Clone, Serialize)]
pub struct FolderReport {
    /// trainA, trainB, testA or testB.
    pub name: String,
    /// Files named as pictures (by their extension).
    pub pictures: usize,
    /// Of those, the ones that open.
    pub readable: usize,
    /// Files that are not pictures by their extension (ignored by `train` and `test`).
    pub other_files: usize,
    /// The pictures that cannot be opened, and why.
    pub unreadable: Vec<Unreadable>,
    /// Grayscale pictures (made RGB by repeating the gray).
    pub grayscale: usize,
    /// Pictures with an alpha channel (dropped).
    pub with_alpha: usize,
    /// Pictures of more than 8 bits per channel (read as 8).
    pub high_bit_depth: usize,
    /// Pictures with a side shorter than `--crop-size` (scaled up, so softer than the rest).
    pub smaller_than_crop: usize,
    /// The smallest and the largest picture (by pixels), width × height.
    pub smallest: Option<[u32; 2]>,
    /// See `smallest`.
    pub largest: Option<[u32; 2]>,
}

/// A picture that cannot be opened.
#[derive(Debug, Clone, Serialize)]
pub struct Unreadable {
    /// Its path.
    pub file: PathBuf,
    /// Why, as a sentence part ("damaged or cut short (…)").
    pub reason: String,
}

/// Checks the dataset at `args.dataroot`; fails only when that is not a folder.
pub fn run(args: &CheckArgs) -> Result<CheckReport> {
    let root = &args.dataroot;
    if !root.is_dir() {
        bail!("--dataroot {} is not a folder", root.display());
    }
    let mut folders = Vec::new();
    let mut problems = Vec::new();
    for name in TRAIN_FOLDERS.iter().chain(&TEST_FOLDERS) {
        let dir = root.join(name);
        let for_training = TRAIN_FOLDERS.contains(name);
        if !dir.is_dir() {
            if for_training {
                problems.push(data::missing_split_folder(root, name));
            }
            continue;
        }
        let folder = check_folder(&dir, name, args)?;
        if for_training && folder.readable == 0 {
            problems.push(if folder.pictures == 0 {
                format!(
                    "{} has no pictures ({}): `train` needs some",
                    dir.display(),
                    data::IMAGE_EXTENSIONS.join(", ")
                )
            } else {
                format!(
                    "none of the {} pictures in {} can be opened: `train` needs some",
                    folder.pictures,
                    dir.display()
                )
            });
        }
        for bad in &folder.unreadable {
            problems.push(format!("{}: {}", bad.file.display(), bad.reason));
        }
        folders.push(folder);
    }
    let readable = |name: &str| {
        folders
            .iter()
            .find(|f| f.name == name)
            .map_or(0, |f| f.readable)
    };
    let (a, b) = (readable(TRAIN_FOLDERS[0]), readable(TRAIN_FOLDERS[1]));
    Ok(CheckReport {
        dataroot: root.clone(),
        crop_size: args.crop_size,
        folders,
        epoch_iterations: (a > 0 && b > 0).then(|| a.max(b)),
        problems,
    })
}

/// Opens every picture of one folder (in parallel).
fn check_folder(dir: &Path, name: &str, args: &CheckArgs) -> Result<FolderReport> {
    let (files, other_files) = data::picture_files(dir)?;
    let bar = check_bar(name, files.len() as u64, args.quiet || args.json);
    let opened: Vec<_> = files
        .par_iter()
        .map(|path| {
            let result = picture::open(path, false).map(|image| Facts::of(&image));
            bar.inc(1);
            result
        })
        .collect();
    bar.finish_and_clear();
    let mut folder = FolderReport {
        name: name.to_string(),
        pictures: files.len(),
        readable: 0,
        other_files,
        unreadable: Vec::new(),
        grayscale: 0,
        with_alpha: 0,
        high_bit_depth: 0,
        smaller_than_crop: 0,
        smallest: None,
        largest: None,
    };
    let pixels = |size: [u32; 2]| u64::from(size[0]) * u64::from(size[1]);
    for (path, result) in files.iter().zip(opened) {
        let facts = match result {
            Ok(facts) => facts,
            Err(error) => {
                folder.unreadable.push(Unreadable {
                    file: path.clone(),
                    reason: error.to_string(),
                });
                continue;
            }
        };
        folder.readable += 1;
        folder.grayscale += usize::from(facts.grayscale);
        folder.with_alpha += usize::from(facts.alpha);
        folder.high_bit_depth += usize::from(facts.high_bit_depth);
        folder.smaller_than_crop += usize::from(facts.size[0].min(facts.size[1]) < args.crop_size);
        if folder
            .smallest
            .is_none_or(|s| pixels(facts.size) < pixels(s))
        {
            folder.smallest = Some(facts.size);
        }
        if folder
            .largest
            .is_none_or(|l| pixels(facts.size) > pixels(l))
        {
            folder.largest = Some(facts.size);
        }
    }
    Ok(folder)
}

/// What matters of one opened picture.
struct Facts {
    size: [u32; 2],
    grayscale: bool,
    alpha: bool,
    high_bit_depth: bool,
}

impl Facts {
    fn of(image: &DynamicImage) -> Self {
        let color = image.color();
        Self {
            size: [image.width(), image.height()],
            grayscale: !color.has_color(),
            alpha: color.has_alpha(),
            high_bit_depth: color.bits_per_pixel() / u16::from(color.channel_count()) > 8,
        }
    }
}

/// The report as text, for a person: one paragraph per folder, then the verdict.
pub fn describe(report: &CheckReport) -> String {
    let mut out = format!("{}\n", report.dataroot.display());
    for folder in &report.folders {
        out += &format!(
            "{}: {}\n",
            folder.name,
            describe_folder(folder, report.crop_size)
        );
        for bad in &folder.unreadable {
            out += &format!("  cannot be read: {}: {}\n", bad.file.display(), bad.reason);
        }
    }
    for name in TEST_FOLDERS {
        if !report.folders.iter().any(|f| f.name == name) {
            out += &format!("{name}: not there (only `test` needs it)\n");
        }
    }
    if report.ready() {
        if let Some(iterations) = report.epoch_iterations {
            out += &format!(
                "ready to train: an epoch is {iterations} iterations (the larger training folder)\n"
            );
        }
    } else {
        let count = report.problems.len();
        out += &format!(
            "{count} problem{} to fix before training:\n",
            if count == 1 { "" } else { "s" }
        );
        for problem in &report.problems {
            out += &format!("  - {problem}\n");
        }
    }
    out
}

fn describe_folder(folder: &FolderReport, crop_size: u32) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut parts = vec![match folder.unreadable.len() {
        0 => format!("{}, all readable", plural(folder.pictures, "picture")),
        n => format!(
            "{}, {n} of them cannot be read (training skips {})",
            plural(folder.pictures, "picture"),
            if n == 1 { "it" } else { "them" }
        ),
    }];
    match (folder.smallest, folder.largest) {
        (Some(small), Some(large)) if small == large => {
            parts.push(format!("all {} × {}", small[0], small[1]));
        }
        (Some(small), Some(large)) => parts.push(format!(
            "from {} × {} to {} × {}",
            small[0], small[1], large[0], large[1]
        )),
        _ => {}
    }
    if folder.smaller_than_crop > 0 {
        parts.push(format!(
            "{} smaller than the {crop_size} px crop on a side (scaled up, softer)",
            folder.smaller_than_crop
        ));
    }
    if folder.grayscale > 0 {
        parts.push(format!("{} grayscale (made colour)", folder.grayscale));
    }
    if folder.with_alpha > 0 {
        parts.push(format!("{} with transparency (dropped)", folder.with_alpha));
    }
    if folder.high_bit_depth > 0 {
        parts.push(format!(
            "{} of more than 8 bits per channel (read as 8)",
            folder.high_bit_depth
        ));
    }
    if folder.other_files > 0 {
        parts.push(format!(
            "{} ignored (not pictures by their name)",
            plural(folder.other_files, "other file")
        ));
    }
    parts.join("; ")
}
