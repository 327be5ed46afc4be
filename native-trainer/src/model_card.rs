//! `MODEL_CARD.md` beside an exported web model: what it is, how it was trained, how good it is
//! (from a `test --eval` results folder) and a sample grid of its test translations.

use std::path::Path;

use anyhow::{Context, Result};
use image::{Rgb, RgbImage, imageops::FilterType};
use unpaired::ModelManifest;

use crate::checkpoint::TrainingState;
use crate::eval::{EvalReport, SplitScores, images};
use crate::report::loss_log::LossRecord;

/// The card's file name, beside the model's manifest.
pub const CARD_FILE: &str = "MODEL_CARD.md";
/// The sample grid's file name, beside the card.
pub const SAMPLES_FILE: &str = "samples.jpg";
/// Test images per direction in the grid.
pub const SAMPLE_ROWS: usize = 4;
/// Side of one tile in the grid, in pixels.
const TILE: u32 = 128;
/// Pixels between tiles (twice that between the two directions).
const GAP: u32 = 4;

/// Everything a card says.
pub struct CardFacts<'a> {
    /// The exported model.
    pub manifest: &'a ModelManifest,
    /// The snapshot it was exported from.
    pub state: &'a TrainingState,
    /// The run's `train_options.json` (its latest session's options), if readable.
    pub options: Option<&'a serde_json::Value>,
    /// The run's loss log, for the training time.
    pub log: &'a [LossRecord],
    /// `test --eval` scores, if a results folder was given (its [`SAMPLES_FILE`] is then beside
    /// the card too).
    pub scores: Option<&'a SplitScores>,
    /// The training data's terms of use, in the exporter's words.
    pub data_terms: Option<&'a str>,
    /// Anything else the exporter wants said (a run's history, known weaknesses).
    pub notes: Option<&'a str>,
}

/// Training time of a snapshot's first `iterations`: each training session's `seconds` restart at
/// zero, so this is the sum of each session's last reading up to there (a run may have gone on
/// past the snapshot exported).
pub fn training_seconds(log: &[LossRecord], iterations: u64) -> f64 {
    let mut total = 0.0;
    let mut session_last = 0.0;
    for record in log.iter().filter(|r| r.iteration <= iterations) {
        if record.seconds < session_last {
            total += session_last;
        }
        session_last = record.seconds;
    }
    total + session_last
}

/// The learning rate a run really had, from its loss log, up to `last_epoch`: one phrase per
/// stretch that starts at a rate and may fall from there (a warm restart, or a later session with
/// another schedule, begins a new stretch), e.g. "2.0e-4 over epochs 1–16, falling to 2.9e-5 by
/// epoch 22; 1.8e-4 at epoch 23, falling to 2.0e-5 by epoch 31". `None` for a log with no epochs.
pub fn learning_rate_history(log: &[LossRecord], last_epoch: usize) -> Option<String> {
    // The rate of each epoch: its first record (the rate changes only between epochs).
    let mut epochs = std::collections::BTreeMap::new();
    for record in log.iter().filter(|r| r.epoch <= last_epoch) {
        epochs.entry(record.epoch).or_insert(record.lr);
    }
    let same = |a: f64, b: f64| (a - b).abs() <= 1e-3 * a.abs().max(b.abs());
    // Stretches: a new one wherever the rate goes up.
    let mut stretches: Vec<Vec<(usize, f64)>> = Vec::new();
    for (epoch, lr) in epochs {
        match stretches.last_mut() {
            Some(stretch)
                if stretch
                    .last()
                    .is_some_and(|&(_, before)| lr <= before || same(lr, before)) =>
            {
                stretch.push((epoch, lr))
            }
            _ => stretches.push(vec![(epoch, lr)]),
        }
    }
    let phrases: Vec<String> = stretches
        .iter()
        .map(|stretch| {
            let (first_epoch, peak) = stretch[0];
            let flat = stretch
                .iter()
                .take_while(|&&(_, lr)| same(lr, peak))
                .count();
            let (last_flat, _) = stretch[flat - 1];
            let mut phrase = if flat == 1 {
                format!("{peak:.1e} at epoch {first_epoch}")
            } else {
                format!("{peak:.1e} over epochs {first_epoch}–{last_flat}")
            };
            if flat < stretch.len() {
                let (end, lowest) = stretch[stretch.len() - 1];
                phrase += &format!(", falling to {lowest:.1e} by epoch {end}");
            }
            phrase
        })
        .collect();
    (!phrases.is_empty()).then(|| phrases.join("; "))
}

/// `3 h 05 min`, `12 min`, `40 s`.
fn duration(seconds: f64) -> String {
    let whole = seconds.round() as u64;
    match (whole / 3600, (whole % 3600) / 60) {
        (0, 0) => format!("{whole} s"),
        (0, minutes) => format!("{minutes} min"),
        (hours, minutes) => format!("{hours} h {minutes:02} min"),
    }
}

/// One row of the scores table.
fn score_row(what: &str, report: &EvalReport) -> String {
    format!(
        "| {what} | {:.1} | {:.2} ± {:.2} | {} vs {} |\n",
        report.fid,
        report.kid_mean * 100.0,
        report.kid_std * 100.0,
        report.fake.images,
        report.real.images
    )
}

/// An option of the run as text (`?` when the options file lacks it).
fn option(options: Option<&serde_json::Value>, key: &str) -> String {
    match options.and_then(|o| o.get(key)) {
        Some(serde_json::Value::String(text)) => text.clone(),
        Some(serde_json::Value::Null) | None => "?".into(),
        Some(value) => value.to_string(),
    }
}

/// The card's Markdown.
pub fn render(facts: &CardFacts) -> String {
    let CardFacts {
        manifest,
        state,
        options,
        log,
        ..
    } = facts;
    let (a, b) = (&manifest.domain_a, &manifest.domain_b);
    let generator = &state.generator;
    let discriminator = &state.discriminator;
    let file_bytes = manifest
        .a_to_b
        .as_ref()
        .or(manifest.b_to_a.as_ref())
        .map_or(0, |f| f.bytes);
    let opt = |key: &str| option(*options, key);
    // The rates the run really had; without a loss log, the schedule of its latest session.
    let history = learning_rate_history(log, state.epoch);
    // A log past the snapshot's epoch: an earlier snapshot of a run that went on, whose latest
    // session's schedule is not the one this snapshot was trained with.
    let went_on_to = log
        .iter()
        .map(|r| r.epoch)
        .max()
        .filter(|&last| last > state.epoch);
    let total_epochs = match (
        went_on_to,
        options.and_then(|o| o.get("n_epochs")?.as_u64()),
        options.and_then(|o| o.get("n_epochs_decay")?.as_u64()),
    ) {
        (Some(last), ..) => format!(" (an earlier snapshot: the run went on to epoch {last})"),
        (None, Some(constant), Some(decay)) if history.is_none() => format!(
            " of {} ({constant} at the initial rate, then {decay} of linear decay to 0)",
            constant + decay
        ),
        (None, Some(constant), Some(decay)) => format!(" of {}", constant + decay),
        _ => String::new(),
    };
    // With the rates from the log, its row says them; the latest session's `lr` would not.
    let adam = match history {
        Some(_) => format!("Adam β1 {} (rates below)", opt("beta1")),
        None => format!("Adam lr {} β1 {}", opt("lr"), opt("beta1")),
    };
    let mut card = format!("# {}: {a} ↔ {b}\n\n", manifest.name);
    if let Some(description) = &manifest.description {
        card += &format!("{description}\n\n");
    }
    card += "| | |\n|---|---|\n";
    card += &format!(
        "| Generators | ResNet, {} residual blocks, ngf {}, instance norm without affine, \
         reflection padding; one per direction ({a} → {b} and {b} → {a}) |\n",
        generator.n_blocks, generator.ngf
    );
    card += &format!(
        "| Weights | one burnpack file per direction, {}, {:.1} MB each |\n",
        manifest.precision.as_str(),
        file_bytes as f64 / 1e6
    );
    card += &format!(
        "| Discriminators (training only) | PatchGAN, ndf {}, {} strided layers |\n",
        discriminator.ndf, discriminator.n_layers
    );
    let limit = options
        .and_then(|o| o.get("max_dataset_size")?.as_u64())
        .map_or(String::new(), |most| {
            format!("; at most {most} images of each domain an epoch (latest session)")
        });
    card += &format!(
        "| Data | `{}` (trainA: {a}, trainB: {b}){limit} |\n",
        opt("dataroot")
    );
    card += &format!(
        "| Recipe | {} loss, cycle λ {} / {}, identity {} × λ, history pool {}, {adam}, \
         batch {}; images {} to {} then random {}² crops{} |\n",
        opt("gan_mode"),
        opt("lambda_a"),
        opt("lambda_b"),
        opt("lambda_identity"),
        opt("pool_size"),
        opt("batch_size"),
        opt("preprocess"),
        opt("load_size"),
        state.crop_size,
        if opt("no_flip") == "true" {
            ""
        } else {
            ", random flips"
        }
    );
    card += &format!(
        "| Trained | epoch {}{total_epochs}; {} iterations; {} of training (native-trainer, \
         device `{}` in its latest session) |\n",
        state.epoch,
        state.iterations,
        duration(training_seconds(log, state.iterations)),
        opt("device")
    );
    if let Some(history) = history {
        card += &format!("| Learning rate | {history} (per epoch, from the loss log) |\n");
    }
    card += "\n";

    card += "## Scores\n\n";
    match facts.scores {
        Some(scores) => {
            card += &format!(
                "FID and KID (`native-trainer test --eval`) of the test split's translations \
                 against the real test images of the other domain, and of the untranslated test \
                 images: what a model has to improve on. Lower is better. The FID Inception-v3 \
                 port of this project (README, \"Measure a model\"); compare with FIDs of the same \
                 pipeline.\n\n\
                 | | FID | KID × 100 | images |\n|---|---|---|---|\n{}{}{}\n",
                score_row(&format!("{a} → {b} (fake_B vs testB)"), &scores.a_to_b),
                score_row(&format!("{b} → {a} (fake_A vs testA)"), &scores.b_to_a),
                score_row(
                    &format!("untranslated ({a} test images vs testB)"),
                    &scores.baseline
                ),
            );
        }
        None => {
            card += "Not measured: run `native-trainer test --eval` and export with \
                     `--results` to add them.\n\n";
        }
    }
    if facts.scores.is_some() {
        card += &format!(
            "## Samples\n\n![input and output]({SAMPLES_FILE})\n\n\
             The first {SAMPLE_ROWS} test images of each domain by file name (not chosen): \
             {a} input, {b} output | {b} input, {a} output.\n\n"
        );
    }
    if let Some(notes) = facts.notes {
        card += &format!("## Notes\n\n{notes}\n\n");
    }
    card += "## Data terms\n\n";
    card += facts.data_terms.unwrap_or(
        "Not stated by the exporter: the training images' own terms apply to this model's use.",
    );
    card += "\n";
    card
}

/// The first `rows` translations of each direction in a `test` results folder, side by side:
/// `real_A | fake_B` and `real_B | fake_A` on each row, each tile scaled to fit 128 px.
pub fn sample_grid(results: &Path, rows: usize) -> Result<RgbImage> {
    let tile = |path: &Path| {
        image::open(path)
            .with_context(|| format!("reading {}", path.display()))
            .map(|image| image.resize(TILE, TILE, FilterType::Triangle).into_rgb8())
    };
    let pairs = |from: &str, to: &str| -> Result<Vec<(RgbImage, RgbImage)>> {
        let fakes = results.join(format!("fake_{to}"));
        images::list(&results.join(format!("real_{from}")))?
            .into_iter()
            .take(rows)
            .map(|real| {
                let fake = fakes.join(real.file_name().unwrap_or_default());
                Ok((tile(&real)?, tile(&fake)?))
            })
            .collect()
    };
    let columns = [pairs("A", "B")?, pairs("B", "A")?];
    let count = columns.iter().map(Vec::len).max().unwrap_or(0) as u32;
    anyhow::ensure!(
        count > 0,
        "{} holds no translated test images (run `test` first)",
        results.display()
    );
    let width = 4 * TILE + 6 * GAP;
    let height = count * TILE + (count + 1) * GAP;
    let mut grid = RgbImage::from_pixel(width, height, Rgb([255, 255, 255]));
    for (side, column) in columns.iter().enumerate() {
        for (row, (input, output)) in column.iter().enumerate() {
            let x = GAP + side as u32 * (2 * TILE + 3 * GAP);
            let y = GAP + row as u32 * (TILE + GAP);
            image::imageops::replace(&mut grid, input, x as i64, y as i64);
            image::imageops::replace(&mut grid, output, (x + TILE + GAP) as i64, y as i64);
        }
    }
    Ok(grid)
}

/// The grid as a JPEG file's bytes (quality 85).
pub fn jpeg_bytes(image: &RgbImage) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 85)
        .encode_image(image)
        .context("encoding the sample grid")?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(iteration: u64, seconds: f64) -> LossRecord {
        LossRecord {
            epoch: 1,
            iteration,
            epoch_progress: 0.5,
            lr: 2e-4,
            seconds,
            losses: [0.0; 8],
        }
    }

    /// Two records per epoch at these rates, epochs numbered from 1.
    fn rates(rates: &[f64]) -> Vec<LossRecord> {
        rates
            .iter()
            .enumerate()
            .flat_map(|(i, &lr)| {
                [0.5, 1.0].map(|progress| LossRecord {
                    epoch: i + 1,
                    epoch_progress: progress,
                    lr,
                    ..record(i as u64 * 2, 0.0)
                })
            })
            .collect()
    }

    #[test]
    fn the_learning_rate_history_shows_decays_and_restarts() {
        assert_eq!(learning_rate_history(&[], 10), None);
        // The paper's schedule, shortened: 3 at the full rate, then 3 of linear decay.
        let paper = rates(&[2e-4, 2e-4, 2e-4, 1.5e-4, 1e-4, 5e-5]);
        assert_eq!(
            learning_rate_history(&paper, 6).unwrap(),
            "2.0e-4 over epochs 1–3, falling to 5.0e-5 by epoch 6"
        );
        // An earlier snapshot of that run: only its own epochs.
        assert_eq!(
            learning_rate_history(&paper, 2).unwrap(),
            "2.0e-4 over epochs 1–2"
        );
        // Then a warm restart decaying from 1.8e-4, a session at a constant 1e-4, and a restart
        // at the very rate the run began with.
        let restarted = rates(&[
            2e-4,
            2e-4,
            1e-4,
            1.8e-4,
            1.2e-4,
            6e-5,
            1e-4,
            1e-4,
            1.0000001e-4,
            2e-4,
            1e-4,
        ]);
        assert_eq!(
            learning_rate_history(&restarted, 11).unwrap(),
            "2.0e-4 over epochs 1–2, falling to 1.0e-4 by epoch 3; \
             1.8e-4 at epoch 4, falling to 6.0e-5 by epoch 6; 1.0e-4 over epochs 7–9; \
             2.0e-4 at epoch 10, falling to 1.0e-4 by epoch 11"
        );
    }

    #[test]
    fn training_time_adds_up_the_sessions() {
        assert_eq!(training_seconds(&[], 10), 0.0);
        let log = [
            (1, 10.0),
            (2, 20.0),
            (3, 5.0),
            (4, 15.0),
            (5, 4.0),
            (6, 9.0),
        ];
        let log: Vec<_> = log.iter().map(|&(i, s)| record(i, s)).collect();
        assert_eq!(training_seconds(&log, 6), 20.0 + 15.0 + 9.0);
        // An earlier snapshot: the readings after its iterations are not its training time.
        assert_eq!(training_seconds(&log, 4), 20.0 + 15.0);
        assert_eq!(duration(40.4), "40 s");
        assert_eq!(duration(12.0 * 60.0), "12 min");
        assert_eq!(duration(3.0 * 3600.0 + 5.0 * 60.0), "3 h 05 min");
    }
}
