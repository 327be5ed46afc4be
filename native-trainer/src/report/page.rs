//! The run's `index.html`: the loss curves, then each epoch's sample grid, newest first.

use std::path::Path;

use anyhow::Result;

use super::samples::SAMPLE_NAMES;
use crate::checkpoint::write_text;

/// One epoch on the page.
pub struct EpochEntry {
    /// Epoch number.
    pub epoch: usize,
    /// The grid, relative to the page.
    pub grid: String,
    /// A line about it (losses, time).
    pub summary: String,
}

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Writes `run_dir/index.html`.
pub fn write(run_dir: &Path, name: &str, header: &str, epochs: &[EpochEntry]) -> Result<()> {
    let mut html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta http-equiv=\"refresh\" content=\"60\">\
         <title>{title} — training</title><style>\
         body{{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}}\
         img{{max-width:100%;height:auto;image-rendering:auto}}\
         table{{border-collapse:collapse}}td,th{{padding:0 .5rem;font-size:.85rem;text-align:center}}\
         section{{margin:1.5rem 0}}</style></head><body>\n\
         <h1>{title}</h1>\n<p>{header}</p>\n\
         <section><h2>Losses</h2><img src=\"loss_curves.png\" alt=\"loss curves\"></section>\n",
        title = escape(name),
        header = escape(header),
    );
    let labels: Vec<String> = SAMPLE_NAMES
        .iter()
        .map(|row| {
            row.iter()
                .map(|n| format!("<th>{n}</th>"))
                .collect::<String>()
        })
        .collect();
    for entry in epochs.iter().rev() {
        html += &format!(
            "<section><h2>Epoch {epoch}</h2><p>{summary}</p>\
             <table><tr>{top}</tr><tr><td colspan=\"4\"><img src=\"{grid}\" alt=\"samples of epoch {epoch}\"></td></tr>\
             <tr>{bottom}</tr></table></section>\n",
            epoch = entry.epoch,
            summary = escape(&entry.summary),
            grid = escape(&entry.grid),
            top = labels[0],
            bottom = labels[1],
        );
    }
    html += "</body></html>\n";
    write_text(&run_dir.join("index.html"), &html)
}
