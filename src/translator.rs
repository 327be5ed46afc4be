//! Translating images with a loaded model, on whatever device the caller chose. Platform-neutral:
//! the browser layer (`web.rs`) and the native tools both drive this.

use std::sync::Arc;

use burn::tensor::{Device, ExecutionError, Tensor, TensorData};
use image::RgbaImage;
use thiserror::Error;

use crate::cpu::CpuGenerator;
use crate::image_io::{self, DEFAULT_MAX_SIDE, ImageError};
use crate::manifest::{Direction, ManifestError, ModelManifest};
use crate::model::ResnetGenerator;
use crate::weights::{self, WeightsError};

/// Why a translation or a model load failed.
#[derive(Debug, Error)]
pub enum TranslateError {
    /// The image cannot be translated.
    #[error(transparent)]
    Image(#[from] ImageError),
    /// The manifest is unusable, or a file does not match it.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// A weights file does not load.
    #[error("{direction} weights: {source}")]
    Weights {
        /// Which generator.
        direction: &'static str,
        /// What is wrong with it.
        source: WeightsError,
    },
    /// The manifest lists a direction whose file was not given.
    #[error("model '{model}' lists {direction} weights ('{file}') but they were not provided")]
    MissingFile {
        /// The model's name.
        model: String,
        /// The direction.
        direction: &'static str,
        /// The file the manifest names.
        file: String,
    },
    /// `translate` before any model was loaded.
    #[error("no model is loaded yet")]
    NoModel,
    /// The device is gone (a driver reset, a GPU that went away): every later operation on it
    /// fails, and only a new device helps.
    #[error("the {backend} device was lost: {reason}")]
    DeviceLost {
        /// Which backend.
        backend: String,
        /// What the driver said.
        reason: String,
    },
    /// The device failed to run or return the result.
    #[error("the {backend} backend failed: {message}")]
    Backend {
        /// Which backend.
        backend: String,
        /// Its error.
        message: String,
    },
}

/// A model ready to translate: its manifest and the generators it has.
#[derive(Debug, Clone)]
pub struct Model {
    /// What the model is.
    pub manifest: ModelManifest,
    a_to_b: Option<ResnetGenerator>,
    b_to_a: Option<ResnetGenerator>,
    /// The same generators laid out for the CPU engine, when the translator runs on the CPU.
    cpu: [Option<Arc<CpuGenerator>>; 2],
}

impl Model {
    /// Loads the generators a manifest lists from their file bytes, checking each file's
    /// size and SHA-256 against the manifest before parsing it.
    pub fn load(
        manifest: ModelManifest,
        a_to_b: Option<Vec<u8>>,
        b_to_a: Option<Vec<u8>>,
        device: &Device,
    ) -> Result<Self, TranslateError> {
        let a = load_direction(&manifest, Direction::AToB, a_to_b, device)?;
        let b = load_direction(&manifest, Direction::BToA, b_to_a, device)?;
        Ok(Self::from_generators(manifest, a, b))
    }

    /// Wraps generators already in memory (a trainer's, a test's).
    pub fn from_generators(
        manifest: ModelManifest,
        a_to_b: Option<ResnetGenerator>,
        b_to_a: Option<ResnetGenerator>,
    ) -> Self {
        Self {
            manifest,
            a_to_b,
            b_to_a,
            cpu: [None, None],
        }
    }

    /// Lays the generators out for the CPU engine (once; those it cannot run stay on burn).
    fn prepare_cpu_engine(&mut self) {
        for (slot, generator) in self.cpu.iter_mut().zip([&self.a_to_b, &self.b_to_a]) {
            if slot.is_none()
                && let Some(generator) = generator
                && CpuGenerator::supports(generator)
            {
                *slot = Some(Arc::new(CpuGenerator::new(generator)));
            }
        }
    }

    /// The CPU engine's copy of a direction's generator, if it has one.
    fn cpu_generator(&self, direction: Direction) -> Option<&Arc<CpuGenerator>> {
        let index = match direction {
            Direction::AToB => 0,
            Direction::BToA => 1,
        };
        self.cpu[index].as_ref()
    }

    /// The generator for a direction.
    pub fn generator(&self, direction: Direction) -> Result<&ResnetGenerator, TranslateError> {
        match direction {
            Direction::AToB => self.a_to_b.as_ref(),
            Direction::BToA => self.b_to_a.as_ref(),
        }
        .ok_or_else(|| {
            ManifestError::MissingDirection {
                model: self.manifest.name.clone(),
                direction: direction.as_str(),
            }
            .into()
        })
    }
}

fn load_direction(
    manifest: &ModelManifest,
    direction: Direction,
    bytes: Option<Vec<u8>>,
    device: &Device,
) -> Result<Option<ResnetGenerator>, TranslateError> {
    let Ok(file) = manifest.weights(direction) else {
        return Ok(None);
    };
    let bytes = bytes.ok_or_else(|| TranslateError::MissingFile {
        model: manifest.name.clone(),
        direction: direction.as_str(),
        file: file.file.clone(),
    })?;
    file.verify(&bytes)?;
    let generator =
        weights::load_into(manifest.generator_config().init(device), bytes).map_err(|source| {
            TranslateError::Weights {
                direction: direction.as_str(),
                source,
            }
        })?;
    Ok(Some(generator))
}

/// The result of a translation, before its pixels are read back from the device.
pub struct Pending {
    output: Output,
    width: u32,
    height: u32,
    /// The (possibly scaled-down) input image whose alpha the output takes, if it was one.
    input: Option<RgbaImage>,
}

/// An input ready for the CPU engine: padded planar values, and what to crop the output to.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Planar `[3, padded_height, padded_width]` values in [-1, 1].
    pub planar: Vec<f32>,
    /// Padded height (a multiple of 4).
    pub padded_height: usize,
    /// Padded width (a multiple of 4).
    pub padded_width: usize,
    /// The output's width (the input's, after scaling).
    pub width: u32,
    /// The output's height.
    pub height: u32,
    /// The scaled input image whose alpha the output keeps, when the input was an image.
    pub image: Option<RgbaImage>,
}

impl Prepared {
    fn new(
        tensor: Tensor<4>,
        width: u32,
        height: u32,
        image: Option<RgbaImage>,
        backend: &str,
    ) -> Result<Self, TranslateError> {
        let [_, _, padded_height, padded_width] = tensor.dims();
        let planar = tensor
            .into_data()
            .convert::<f32>()
            .try_into_vec::<f32>()
            .map_err(|e| backend_error(backend, format!("{e:?}")))?;
        Ok(Self {
            planar,
            padded_height,
            padded_width,
            width,
            height,
            image,
        })
    }

    /// The engine's padded output cropped to the input's size.
    pub fn finish(&self, output: &[f32]) -> Planar {
        Planar {
            width: self.width,
            height: self.height,
            values: crop_planar(
                output,
                self.padded_width,
                self.padded_height,
                self.width,
                self.height,
            ),
        }
    }
}

/// Where a pending result is.
enum Output {
    /// On the device, `[1, 3, height, width]` (boxed: a tensor handle is large).
    Device(Box<Tensor<4>>),
    /// Computed on the CPU by the engine: planar `[3, height, width]`.
    Ready(Vec<f32>),
}

/// Planar RGB values in [-1, 1] of a translated image, `3 × height × width`.
#[derive(Debug, Clone, PartialEq)]
pub struct Planar {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Red plane, then green, then blue.
    pub values: Vec<f32>,
}

/// Translates images with a [`Model`] on one device.
#[derive(Debug, Clone)]
pub struct Translator {
    device: Device,
    backend: String,
    /// Whether CPU translations run on the [`crate::cpu`] engine (the default on the CPU) rather
    /// than on burn's Flex backend.
    cpu_engine: bool,
    max_side: u32,
    model: Option<Model>,
}

impl Translator {
    /// A translator on `device`; `backend` is the name reported to users (`webgpu`, `cpu`, …).
    pub fn new(device: Device, backend: impl Into<String>) -> Self {
        let cpu_engine = device == Device::flex();
        Self {
            device,
            backend: backend.into(),
            cpu_engine,
            max_side: DEFAULT_MAX_SIDE,
            model: None,
        }
    }

    /// Whether CPU translations use the [`crate::cpu`] engine (true on the CPU unless turned off).
    pub fn cpu_engine(&self) -> bool {
        self.cpu_engine
    }

    /// Runs CPU translations on the [`crate::cpu`] engine (`true`, the default on the CPU) or on
    /// burn's Flex backend (`false`; the reference the engine is checked against). Ignored on
    /// other devices.
    pub fn set_cpu_engine(&mut self, enabled: bool) {
        self.cpu_engine = enabled && self.device == Device::flex();
        if self.cpu_engine
            && let Some(model) = &mut self.model
        {
            model.prepare_cpu_engine();
        }
    }

    /// The backend's name.
    pub fn backend(&self) -> &str {
        &self.backend
    }

    /// The device translations run on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Images with a longer side are scaled down to it before translation.
    pub fn max_side(&self) -> u32 {
        self.max_side
    }

    /// Sets the maximum side (at least [`image_io::MIN_SIDE`]).
    pub fn set_max_side(&mut self, max_side: u32) -> Result<(), TranslateError> {
        if max_side < image_io::MIN_SIDE {
            return Err(ImageError::MaxSideTooSmall(max_side).into());
        }
        self.max_side = max_side;
        Ok(())
    }

    /// The loaded model, if any.
    pub fn model(&self) -> Option<&Model> {
        self.model.as_ref()
    }

    /// Loads a model's weights onto this translator's device (parse the manifest with
    /// [`ModelManifest::from_json`]). On error the previously loaded model stays in place.
    pub fn load_model(
        &mut self,
        manifest: ModelManifest,
        a_to_b: Option<Vec<u8>>,
        b_to_a: Option<Vec<u8>>,
    ) -> Result<&Model, TranslateError> {
        let mut model = Model::load(manifest, a_to_b, b_to_a, &self.device)?;
        if self.cpu_engine {
            model.prepare_cpu_engine();
        }
        Ok(self.model.insert(model))
    }

    /// Uses a model already in memory.
    pub fn set_model(&mut self, mut model: Model) {
        if self.cpu_engine {
            model.prepare_cpu_engine();
        }
        self.model = Some(model);
    }

    /// The CPU engine's generator for `direction`, for a translation split across workers
    /// ([`crate::cpu::StagedRun`]); `None` when translations do not run on the engine.
    pub fn cpu_generator(
        &self,
        direction: Direction,
    ) -> Result<Option<Arc<CpuGenerator>>, TranslateError> {
        let model = self.model.as_ref().ok_or(TranslateError::NoModel)?;
        model.generator(direction)?;
        Ok(self
            .cpu_engine
            .then(|| model.cpu_generator(direction).cloned())
            .flatten())
    }

    /// What the generator sees of `image`: scaled down to the maximum side, padded to multiples of
    /// 4, as planar values.
    pub fn prepare_image(&self, image: RgbaImage) -> Result<Prepared, TranslateError> {
        let (tensor, input) = self.image_tensor(image, &Device::flex())?;
        let (width, height) = input.dimensions();
        Prepared::new(tensor, width, height, Some(input), &self.backend)
    }

    /// `image` scaled down to the maximum side, and as the padded `[1, 3, H', W']` input on `device`.
    fn image_tensor(
        &self,
        image: RgbaImage,
        device: &Device,
    ) -> Result<(Tensor<4>, RgbaImage), TranslateError> {
        let input = image_io::fit_within(image, self.max_side)?;
        let tensor = image_io::to_tensor(&input, device)?;
        Ok((tensor, input))
    }

    /// What the generator sees of planar values `[3, height, width]`: padded to multiples of 4.
    pub fn prepare_values(
        &self,
        values: Vec<f32>,
        width: u32,
        height: u32,
    ) -> Result<Prepared, TranslateError> {
        let tensor = image_io::planar_to_tensor(values, width, height, &Device::flex())?;
        Prepared::new(tensor, width, height, None, &self.backend)
    }

    /// Runs the generator of `direction` on `tensor` (`[1, 3, H', W']`, padded), cropping the
    /// output to `width × height`; `image` is the input whose alpha the output keeps, if any.
    fn run(
        &self,
        tensor: Tensor<4>,
        image: Option<RgbaImage>,
        direction: Direction,
        (width, height): (u32, u32),
    ) -> Result<Pending, TranslateError> {
        let model = self.model.as_ref().ok_or(TranslateError::NoModel)?;
        let generator = model.generator(direction)?;
        if self.cpu_engine
            && let Some(engine) = model.cpu_generator(direction)
        {
            let prepared = Prepared::new(tensor, width, height, image, &self.backend)?;
            let (h, w) = (prepared.padded_height, prepared.padded_width);
            let planar = prepared.finish(&engine.forward(&prepared.planar, h, w));
            return Ok(Pending {
                output: Output::Ready(planar.values),
                width,
                height,
                input: prepared.image,
            });
        }
        let output = image_io::crop(generator.forward(tensor), width, height);
        Ok(Pending {
            output: Output::Device(Box::new(output)),
            width,
            height,
            input: image,
        })
    }

    /// Queues the translation of `image` on the device; read the result with
    /// [`Pending::into_image`] (native) or [`Pending::into_image_async`] (browser).
    pub fn start(&self, image: RgbaImage, direction: Direction) -> Result<Pending, TranslateError> {
        self.model
            .as_ref()
            .ok_or(TranslateError::NoModel)?
            .generator(direction)?;
        let (tensor, input) = self.image_tensor(image, &self.device)?;
        let size = input.dimensions();
        self.run(tensor, Some(input), direction, size)
    }

    /// Queues the translation of planar values `[3, height, width]` in [-1, 1] (red plane, green,
    /// blue), as they are: no scaling to the maximum side, no 8-bit rounding. For benchmarks and
    /// for comparing outputs across backends.
    pub fn start_values(
        &self,
        values: Vec<f32>,
        width: u32,
        height: u32,
        direction: Direction,
    ) -> Result<Pending, TranslateError> {
        self.model
            .as_ref()
            .ok_or(TranslateError::NoModel)?
            .generator(direction)?;
        let tensor = image_io::planar_to_tensor(values, width, height, &self.device)?;
        self.run(tensor, None, direction, (width, height))
    }

    /// Translates and waits for the pixels (native only: browsers must not block).
    #[cfg(not(target_family = "wasm"))]
    pub fn translate(
        &self,
        image: RgbaImage,
        direction: Direction,
    ) -> Result<RgbaImage, TranslateError> {
        self.start(image, direction)?.into_image(&self.backend)
    }
}

impl Pending {
    /// The output's width and height.
    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// Blocks until the result is back from the device (native only).
    #[cfg(not(target_family = "wasm"))]
    pub fn into_planar(self, backend: &str) -> Result<Planar, TranslateError> {
        Ok(self.read(backend)?.0)
    }

    /// Awaits the result from the device.
    pub async fn into_planar_async(self, backend: &str) -> Result<Planar, TranslateError> {
        Ok(self.read_async(backend).await?.0)
    }

    /// Blocks until the pixels are back (native only).
    #[cfg(not(target_family = "wasm"))]
    pub fn into_image(self, backend: &str) -> Result<RgbaImage, TranslateError> {
        let (planar, input) = self.read(backend)?;
        Ok(to_image(&planar, input.as_ref()))
    }

    /// Awaits the pixels.
    pub async fn into_image_async(self, backend: &str) -> Result<RgbaImage, TranslateError> {
        let (planar, input) = self.read_async(backend).await?;
        Ok(to_image(&planar, input.as_ref()))
    }

    #[cfg(not(target_family = "wasm"))]
    fn read(self, backend: &str) -> Result<(Planar, Option<RgbaImage>), TranslateError> {
        let planar = match self.output {
            Output::Device(tensor) => {
                finish(tensor.try_into_data(), self.width, self.height, backend)?
            }
            Output::Ready(values) => Planar {
                width: self.width,
                height: self.height,
                values,
            },
        };
        Ok((planar, self.input))
    }

    async fn read_async(
        self,
        backend: &str,
    ) -> Result<(Planar, Option<RgbaImage>), TranslateError> {
        let planar = match self.output {
            Output::Device(tensor) => finish(
                tensor.into_data_async().await,
                self.width,
                self.height,
                backend,
            )?,
            Output::Ready(values) => Planar {
                width: self.width,
                height: self.height,
                values,
            },
        };
        Ok((planar, self.input))
    }
}

/// The planar values of a read-back `width × height` output.
fn finish(
    data: Result<TensorData, ExecutionError>,
    width: u32,
    height: u32,
    backend: &str,
) -> Result<Planar, TranslateError> {
    let data = data.map_err(|error| match error {
        ExecutionError::DevicePoisoned { reason } => TranslateError::DeviceLost {
            backend: backend.to_string(),
            reason,
        },
        other => backend_error(backend, other),
    })?;
    let values = data
        .convert::<f32>()
        .try_into_vec::<f32>()
        .map_err(|e| backend_error(backend, format!("{e:?}")))?;
    Ok(Planar {
        width,
        height,
        values,
    })
}

/// The top-left `width × height` of planar `[3, h, w]` values.
fn crop_planar(values: &[f32], w: usize, h: usize, width: u32, height: u32) -> Vec<f32> {
    let (width, height) = (width as usize, height as usize);
    if (width, height) == (w, h) {
        return values.to_vec();
    }
    let mut out = Vec::with_capacity(3 * width * height);
    for c in 0..3 {
        for y in 0..height {
            let row = (c * h + y) * w;
            out.extend_from_slice(&values[row..row + width]);
        }
    }
    out
}

/// Turns planar output into RGBA pixels, keeping the input's alpha where there is an input image.
pub fn to_image(planar: &Planar, input: Option<&RgbaImage>) -> RgbaImage {
    image_io::from_planar(&planar.values, planar.width, planar.height, input)
}

fn backend_error(backend: &str, error: impl std::fmt::Display) -> TranslateError {
    TranslateError::Backend {
        backend: backend.to_string(),
        message: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_poisoned_device_is_a_lost_device() {
        let poisoned = Err(ExecutionError::DevicePoisoned {
            reason: "Destroyed: Device was destroyed.".into(),
        });
        let error = finish(poisoned, 8, 8, "webgpu").unwrap_err();
        assert!(
            matches!(&error, TranslateError::DeviceLost { backend, .. } if backend == "webgpu"),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            "the webgpu device was lost: Destroyed: Device was destroyed."
        );
        let other = Err(ExecutionError::WithContext {
            reason: "out of memory".into(),
        });
        let error = finish(other, 8, 8, "webgpu").unwrap_err();
        assert!(matches!(error, TranslateError::Backend { .. }), "{error:?}");
    }
}
