//! `loss_curves.png`: the logged losses against epochs, adversarial losses on the left, cycle and
//! identity losses (λ-weighted, larger) on the right.

use std::path::Path;
use std::sync::Once;

use anyhow::{Result, anyhow};
use plotters::prelude::*;
use plotters::style::FontStyle;

use super::loss_log::{LOSS_NAMES, LossRecord};

/// The labels' font: DejaVu Sans cut to ASCII (14 KB; licence beside it in `assets/`), so the
/// chart needs no system fonts.
const FONT: &[u8] = include_bytes!("../../assets/DejaVuSans-subset.ttf");

static REGISTER_FONT: Once = Once::new();

/// Draws the curves of `records` into `path` (PNG).
pub fn draw(records: &[LossRecord], path: &Path) -> Result<()> {
    REGISTER_FONT.call_once(|| {
        // Only fails on a malformed font, which the test of this module would catch.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
    let root = BitMapBackend::new(path, (1100, 420)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| anyhow!("{e}"))?;
    let panels = root.split_evenly((1, 2));
    let groups: [(&str, [usize; 4]); 2] = [
        ("adversarial losses", [0, 1, 4, 5]),
        ("cycle and identity losses", [2, 3, 6, 7]),
    ];
    for (panel, (title, indices)) in panels.iter().zip(groups) {
        draw_panel(panel, title, records, &indices)?;
    }
    root.present().map_err(|e| anyhow!("{e}"))?;
    Ok(())
}

fn draw_panel(
    area: &DrawingArea<BitMapBackend, plotters::coord::Shift>,
    title: &str,
    records: &[LossRecord],
    indices: &[usize; 4],
) -> Result<()> {
    let x = |r: &LossRecord| r.epoch as f64 - 1.0 + r.epoch_progress;
    let x_max = records.iter().map(x).fold(1.0f64, f64::max);
    let y_max = records
        .iter()
        .flat_map(|r| indices.iter().map(|&i| r.losses[i] as f64))
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max)
        .max(1e-3)
        * 1.05;
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(48)
        .build_cartesian_2d(0.0..x_max, 0.0..y_max)
        .map_err(|e| anyhow!("{e}"))?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .y_desc("loss")
        .label_style(("sans-serif", 12))
        .light_line_style(WHITE)
        .draw()
        .map_err(|e| anyhow!("{e}"))?;
    let colors = [RED, BLUE, GREEN, MAGENTA];
    for (&index, color) in indices.iter().zip(colors) {
        let points = records
            .iter()
            .filter(|r| r.losses[index].is_finite())
            .map(|r| (x(r), r.losses[index] as f64));
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(2)))
            .map_err(|e| anyhow!("{e}"))?
            .label(LOSS_NAMES[index])
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .label_font(("sans-serif", 13))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(|e| anyhow!("{e}"))?;
    Ok(())
}
