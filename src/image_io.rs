//! Pixels ↔ tensors: RGB(A) u8 images of any size in, `[1, 3, H, W]` tensors in [-1, 1] out, and back.
//!
//! The generator needs H and W to be multiples of 4 (two stride-2 downsamplings) and at least 8;
//! [`to_tensor`] reflect-pads the image up to that and [`from_tensor`] crops the result back, so
//! the output always has the input's size. Images larger than a maximum side are scaled down first
//! ([`fit_within`]) so a 6000×4000 photo does not exhaust GPU memory.

use burn::tensor::ops::PadMode;
use burn::tensor::{Device, Tensor, TensorData};
use image::imageops::FilterType;
use image::{ImageBuffer, Pixel, Rgba, RgbaImage};
use thiserror::Error;

/// The longest side translated as is by default; larger images are scaled down to it.
pub const DEFAULT_MAX_SIDE: u32 = 1024;
/// The shortest side accepted: the generator's reflection padding needs at least this much.
pub const MIN_SIDE: u32 = 8;
/// Both sides of the tensor given to the generator are multiples of this.
pub const SIZE_MULTIPLE: usize = 4;

/// Why an image cannot be turned into a tensor.
#[derive(Debug, Error, PartialEq)]
pub enum ImageError {
    /// The byte count does not match width × height × channels.
    #[error("image buffer has {actual} bytes but {width}×{height} RGBA needs {expected}")]
    BufferSize {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// `width · height · 4`.
        expected: usize,
        /// What was given.
        actual: usize,
    },
    /// A side is below [`MIN_SIDE`].
    #[error(
        "image is {width}×{height} pixels; the smallest size that can be translated is {MIN_SIDE}×{MIN_SIDE}"
    )]
    TooSmall {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// The maximum side asked for is below [`MIN_SIDE`].
    #[error("maximum side {0} is below the smallest translatable size {MIN_SIDE}")]
    MaxSideTooSmall(u32),
    /// Planar values whose count is not `3 · width · height`.
    #[error("{len} values given for a {width}×{height} RGB image, which needs 3·{width}·{height}")]
    PlanarSize {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// What was given.
        len: usize,
    },
}

/// Wraps RGBA bytes (as in a browser's `ImageData`) in an image, checking the length.
pub fn rgba_from_bytes(width: u32, height: u32, bytes: Vec<u8>) -> Result<RgbaImage, ImageError> {
    let expected = width as usize * height as usize * 4;
    let actual = bytes.len();
    RgbaImage::from_raw(width, height, bytes).ok_or(ImageError::BufferSize {
        width,
        height,
        expected,
        actual,
    })
}

/// How images are scaled down: Catmull-Rom, as [`fit_within`] does.
pub const SCALE_FILTER: FilterType = FilterType::CatmullRom;

/// The size [`fit_within`] gives a `width × height` image: scaled down, keeping its aspect ratio,
/// so that neither side exceeds `max_side`; unchanged if it fits.
pub fn fitted_size(width: u32, height: u32, max_side: u32) -> (u32, u32) {
    let longest = width.max(height);
    if longest <= max_side {
        return (width, height);
    }
    let scale = max_side as f64 / longest as f64;
    (
        ((width as f64 * scale).round() as u32).max(1),
        ((height as f64 * scale).round() as u32).max(1),
    )
}

/// Scales the image down (keeping its aspect ratio) so that neither side exceeds `max_side`.
/// Images that already fit are returned unchanged.
pub fn fit_within(image: RgbaImage, max_side: u32) -> Result<RgbaImage, ImageError> {
    if max_side < MIN_SIDE {
        return Err(ImageError::MaxSideTooSmall(max_side));
    }
    let (width, height) = image.dimensions();
    let (new_width, new_height) = fitted_size(width, height, max_side);
    if (new_width, new_height) == (width, height) {
        return Ok(image);
    }
    Ok(image::imageops::resize(
        &image,
        new_width,
        new_height,
        SCALE_FILTER,
    ))
}

/// The padded size the generator sees for an image of `side` pixels.
pub fn padded_side(side: u32) -> usize {
    (side as usize).div_ceil(SIZE_MULTIPLE) * SIZE_MULTIPLE
}

/// The red, green and blue planes of an 8-bit image as `[3, h, w]` values in [-1, 1]
/// (`x / 127.5 - 1`, the reference's `Normalize(0.5, 0.5)`); alpha is ignored.
pub fn to_planar<P: Pixel<Subpixel = u8>>(image: &ImageBuffer<P, Vec<u8>>) -> Vec<f32> {
    let plane = image.width() as usize * image.height() as usize;
    let mut planar = vec![0f32; 3 * plane];
    for (i, pixel) in image.pixels().enumerate() {
        for (c, &value) in pixel.to_rgb().0.iter().enumerate() {
            planar[c * plane + i] = value as f32 / 127.5 - 1.0;
        }
    }
    planar
}

/// RGBA pixels → `[1, 3, H', W']` in [-1, 1] (`x / 127.5 - 1`, the reference's normalisation),
/// reflect-padded at the bottom and right to multiples of 4. Alpha is ignored.
pub fn to_tensor(image: &RgbaImage, device: &Device) -> Result<Tensor<4>, ImageError> {
    let (width, height) = image.dimensions();
    check_size(width, height)?;
    planar_to_tensor(to_planar(image), width, height, device)
}

/// Planar values `[3, height, width]` (red plane, green, blue) → `[1, 3, H', W']`, reflect-padded
/// at the bottom and right to multiples of 4.
pub fn planar_to_tensor(
    planar: Vec<f32>,
    width: u32,
    height: u32,
    device: &Device,
) -> Result<Tensor<4>, ImageError> {
    check_size(width, height)?;
    let (w, h) = (width as usize, height as usize);
    if planar.len() != 3 * w * h {
        return Err(ImageError::PlanarSize {
            width,
            height,
            len: planar.len(),
        });
    }
    let tensor = Tensor::<4>::from_data(TensorData::new(planar, [1, 3, h, w]), device);
    let (pad_h, pad_w) = (padded_side(height) - h, padded_side(width) - w);
    Ok(if pad_h == 0 && pad_w == 0 {
        tensor
    } else {
        tensor.pad((0, pad_w, 0, pad_h), PadMode::Reflect)
    })
}

fn check_size(width: u32, height: u32) -> Result<(), ImageError> {
    if width < MIN_SIDE || height < MIN_SIDE {
        return Err(ImageError::TooSmall { width, height });
    }
    Ok(())
}

/// Crops a `[1, 3, H', W']` generator output back to `width × height`.
pub fn crop(output: Tensor<4>, width: u32, height: u32) -> Tensor<4> {
    output.slice([0..1, 0..3, 0..height as usize, 0..width as usize])
}

/// Planar f32 values in [-1, 1] of a `[1, 3, height, width]` tensor → RGBA pixels, rounding to the
/// nearest level and clamping; alpha is taken from `alpha` where given (the input image), else opaque.
pub fn from_planar(
    planar: &[f32],
    width: u32,
    height: u32,
    alpha: Option<&RgbaImage>,
) -> RgbaImage {
    let plane = width as usize * height as usize;
    assert_eq!(
        planar.len(),
        3 * plane,
        "planar data does not match the size"
    );
    RgbaImage::from_fn(width, height, |x, y| {
        let i = y as usize * width as usize + x as usize;
        let level = |c: usize| {
            ((planar[c * plane + i] + 1.0) * 127.5)
                .round()
                .clamp(0.0, 255.0) as u8
        };
        let a = alpha.map_or(255, |image| image.get_pixel(x, y)[3]);
        Rgba([level(0), level(1), level(2), a])
    })
}
