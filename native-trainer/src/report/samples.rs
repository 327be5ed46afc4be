//! The sample grid of an epoch: real_A, fake_B, rec_A, idt_B on the first row and real_B, fake_A,
//! rec_B, idt_A on the second (the reference's visuals), from fixed images so that epochs compare.

use std::path::Path;

use anyhow::{Context, Result};
use burn::module::Module;
use burn::tensor::Tensor;
use image::{ImageBuffer, Pixel, PixelWithColorType, Rgb, RgbImage};

use crate::train::step::Generators;

/// The columns' names, row by row.
pub const SAMPLE_NAMES: [[&str; 4]; 2] = [
    ["real_A", "fake_B", "rec_A", "idt_B"],
    ["real_B", "fake_A", "rec_B", "idt_A"],
];

/// Pixels between tiles.
const GAP: u32 = 4;

/// Translates `real_a` and `real_b` (`[1, 3, h, w]`) with `generators` (no gradients) and lays
/// the eight images out as a grid.
pub fn grid(generators: &Generators, real_a: Tensor<4>, real_b: Tensor<4>) -> Result<RgbImage> {
    let Generators { g_a, g_b } = generators.clone().no_grad();
    let fake_b = g_a.forward(real_a.clone());
    let rec_a = g_b.forward(fake_b.clone());
    let idt_b = g_b.forward(real_a.clone());
    let fake_a = g_b.forward(real_b.clone());
    let rec_b = g_a.forward(fake_a.clone());
    let idt_a = g_a.forward(real_b.clone());
    let rows = [
        [real_a, fake_b, rec_a, idt_b].map(to_image),
        [real_b, fake_a, rec_b, idt_a].map(to_image),
    ];
    let tile_w = rows
        .iter()
        .flatten()
        .map(|r| r.as_ref().map_or(0, |i| i.width()))
        .max()
        .unwrap_or(0);
    let tile_h = rows
        .iter()
        .flatten()
        .map(|r| r.as_ref().map_or(0, |i| i.height()))
        .max()
        .unwrap_or(0);
    let mut out = RgbImage::from_pixel(
        4 * tile_w + 5 * GAP,
        2 * tile_h + 3 * GAP,
        Rgb([255, 255, 255]),
    );
    for (row, tiles) in rows.into_iter().enumerate() {
        for (column, tile) in tiles.into_iter().enumerate() {
            let tile = tile?;
            let x = GAP + column as u32 * (tile_w + GAP);
            let y = GAP + row as u32 * (tile_h + GAP);
            image::imageops::replace(&mut out, &tile, x as i64, y as i64);
        }
    }
    Ok(out)
}

/// The first image of a `[n, 3, h, w]` tensor in [-1, 1] as 8-bit RGB.
pub fn to_image(tensor: Tensor<4>) -> Result<RgbImage> {
    let [_, _, h, w] = tensor.dims();
    let values = tensor
        .narrow(0, 0, 1)
        .try_into_data()?
        .convert::<f32>()
        .try_into_vec::<f32>()
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let rgba = unpaired::image_io::from_planar(&values, w as u32, h as u32, None);
    Ok(image::DynamicImage::ImageRgba8(rgba).into_rgb8())
}

/// Saves a PNG, creating its folder.
pub fn save_png<P>(image: &ImageBuffer<P, Vec<u8>>, path: &Path) -> Result<()>
where
    P: Pixel<Subpixel = u8> + PixelWithColorType,
{
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial.png");
    let written = image
        .save(&partial)
        .map_err(anyhow::Error::from)
        .and_then(|()| std::fs::rename(&partial, path).map_err(anyhow::Error::from));
    if written.is_err() {
        let _ = std::fs::remove_file(&partial); // no half-written file is left behind
    }
    written.with_context(|| format!("writing {}", path.display()))
}
