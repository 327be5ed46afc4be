//! `loss_log.jsonl`: one JSON object per reading of the eight losses, appended as training goes.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::checkpoint::write_text;

/// The losses' names, in the reference's order.
pub const LOSS_NAMES: [&str; 8] = [
    "D_A", "G_A", "cycle_A", "idt_A", "D_B", "G_B", "cycle_B", "idt_B",
];

/// One reading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LossRecord {
    /// Epoch (1-based).
    pub epoch: usize,
    /// Iterations since the run began.
    pub iteration: u64,
    /// Fraction of the epoch done (0–1], for plotting.
    pub epoch_progress: f64,
    /// The learning rate used.
    pub lr: f64,
    /// Seconds since this training session started.
    pub seconds: f64,
    /// The eight losses, in [`LOSS_NAMES`] order.
    pub losses: [f32; 8],
}

/// The log file of a run.
pub struct LossLog {
    path: PathBuf,
}

impl LossLog {
    /// `run_dir/loss_log.jsonl`.
    pub fn new(run_dir: &Path) -> Self {
        Self {
            path: run_dir.join("loss_log.jsonl"),
        }
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one record.
    pub fn append(&self, record: &LossRecord) -> Result<()> {
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .with_context(|| format!("opening {}", self.path.display()))?;
        writeln!(file, "{}", serde_json::to_string(record)?)?;
        Ok(())
    }

    /// Every record so far (unreadable lines, e.g. one cut short by a kill, are skipped).
    pub fn read(&self) -> Vec<LossRecord> {
        fs::read_to_string(&self.path)
            .map(|text| {
                text.lines()
                    .filter_map(|line| serde_json::from_str(line).ok())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Drops the records after `iteration` (written after the snapshot a run resumes from).
    pub fn truncate_after(&self, iteration: u64) -> Result<()> {
        if !self.path.exists() {
            return Ok(());
        }
        let kept: String = self
            .read()
            .into_iter()
            .filter(|r| r.iteration <= iteration)
            .map(|r| serde_json::to_string(&r).map(|line| line + "\n"))
            .collect::<Result<_, _>>()?;
        write_text(&self.path, &kept)
    }
}
