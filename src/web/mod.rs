//! The JavaScript API (wasm32 only): `Translator.create(backend)`, `loadModel`, `loadModelFromUrl`,
//! `translate(imageData, direction)`, `checkManifest(text)` for a page that downloads a model's
//! files itself, and `importPytorch` for a model made of reference PyTorch checkpoints. Every
//! failure reaches JavaScript as an `Error` with a readable message (a lost GPU device as one
//! named `DeviceLostError`, a manifest of a newer format as one named `UnsupportedFormatError`);
//! panics are reported to the console by `console_error_panic_hook`. Works on a page and in a
//! worker.
//!
//! How the backend is chosen is plain Rust in [`crate::backend`], tested natively.

mod import;
mod split;

pub use import::{ImportedModel, StateDict, import_pytorch};
pub use split::SplitJob;

use {
    crate::backend::{AdapterFacts, AutoBackend, BackendRequest, Fallback, auto_backend},
    crate::image_io,
    crate::manifest::{Direction, ManifestError, ModelManifest},
    crate::translator::{TranslateError, Translator},
    burn::tensor::Device,
    burn::tensor::wgpu::wgpu,
    image::RgbaImage,
    js_sys::{Promise, Reflect, Uint8Array, Uint8ClampedArray},
    std::cell::RefCell,
    std::rc::Rc,
    wasm_bindgen::JsCast,
    wasm_bindgen::prelude::*,
    wasm_bindgen_futures::{JsFuture, future_to_promise},
    web_sys::{ImageData, Response},
};

unsafe extern "C" {
    /// The linker's function that runs every static constructor of the module (some dependencies
    /// register things at start-up this way: `inventory`, used by cubecl's compiler).
    fn __wasm_call_ctors();
}

/// Runs the module's static constructors, once. Calling them ourselves matters for speed: when
/// nothing calls `__wasm_call_ctors`, the linker wraps every export in a call to it, which ran all
/// constructors again on each call from JavaScript (~0.1 ms a call, measured in Node; a split
/// translation makes a few hundred). They run when the module starts, and again (as a no-op)
/// before anything that needs them (WebGPU), for hosts that skip the start function (test
/// harnesses).
pub fn run_constructors() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    // SAFETY: the linker-defined constructor runner, run once.
    ONCE.call_once(|| unsafe { __wasm_call_ctors() });
}

#[wasm_bindgen(start)]
fn start() {
    run_constructors();
}

/// The page's WebGPU device. burn's wgpu runtime is initialised once per wasm instance and a lost
/// device stays lost, so after a loss only a new instance (a reload, a new worker) gets the GPU back.
#[derive(Clone)]
enum WebGpu {
    Uninitialised,
    Ready {
        device: Device,
        /// wgpu's handle on the same device, kept so that [`WebTranslator::lose_webgpu_device`]
        /// can destroy it.
        handle: wgpu::Device,
    },
    Lost(String),
}

thread_local! {
    static WEBGPU: RefCell<WebGpu> = const { RefCell::new(WebGpu::Uninitialised) };
}

fn webgpu_state() -> WebGpu {
    WEBGPU.with(|state| state.borrow().clone())
}

fn set_webgpu_state(new: WebGpu) {
    WEBGPU.with(|state| *state.borrow_mut() = new);
}

/// The browser's WebGPU adapter's facts, or why it offers none (no `navigator.gpu`, no adapter).
pub async fn webgpu_adapter_facts() -> Result<AdapterFacts, String> {
    let global = js_sys::global();
    let navigator = Reflect::get(&global, &"navigator".into()).unwrap_or(JsValue::UNDEFINED);
    let gpu = Reflect::get(&navigator, &"gpu".into()).unwrap_or(JsValue::UNDEFINED);
    if gpu.is_undefined() || gpu.is_null() {
        return Err("this browser does not offer WebGPU (navigator.gpu is missing)".into());
    }
    let request = Reflect::get(&gpu, &"requestAdapter".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .ok_or("this browser's WebGPU has no requestAdapter")?;
    let promise: Promise = request
        .call0(&gpu)
        .map_err(|e| js_message(&e))?
        .dyn_into()
        .map_err(|_| "requestAdapter did not return a promise")?;
    let adapter = JsFuture::from(promise).await.map_err(|e| js_message(&e))?;
    if adapter.is_null() || adapter.is_undefined() {
        return Err("WebGPU is present but no GPU adapter is available".into());
    }
    Ok(adapter_facts(&adapter).await)
}

/// What `adapter` says about itself: `adapter.info` (current browsers) or what
/// `adapter.requestAdapterInfo()` resolves to (older ones), and `isFallbackAdapter` on the info or
/// (older browsers) on the adapter. Whatever is missing or fails stays empty.
async fn adapter_facts(adapter: &JsValue) -> AdapterFacts {
    let get = |object: &JsValue, key: &str| {
        Reflect::get(object, &key.into()).unwrap_or(JsValue::UNDEFINED)
    };
    let mut info = get(adapter, "info");
    if !info.is_object() {
        let pending = get(adapter, "requestAdapterInfo")
            .dyn_into::<js_sys::Function>()
            .ok()
            .and_then(|request| request.call0(adapter).ok())
            .and_then(|promise| promise.dyn_into::<Promise>().ok());
        info = match pending {
            Some(promise) => JsFuture::from(promise).await.unwrap_or(JsValue::UNDEFINED),
            None => JsValue::UNDEFINED,
        };
    }
    let text = |key| get(&info, key).as_string().unwrap_or_default();
    let flag = |object: &JsValue| get(object, "isFallbackAdapter").as_bool() == Some(true);
    AdapterFacts {
        is_fallback: flag(&info) || flag(adapter),
        vendor: text("vendor"),
        architecture: text("architecture"),
        device: text("device"),
        description: text("description"),
    }
}

/// The page's WebGPU device, initialised on first use.
pub async fn webgpu_device() -> Result<Device, String> {
    run_constructors();
    match webgpu_state() {
        WebGpu::Ready { device, .. } => return Ok(device),
        WebGpu::Lost(reason) => {
            return Err(format!(
                "the GPU device was lost ({reason}); only a reload gets it back"
            ));
        }
        WebGpu::Uninitialised => {}
    }
    webgpu_adapter_facts().await?;
    let (device, setup) = Device::wgpu_options()
        .init_with_setup_async()
        .await
        .map_err(|e| format!("WebGPU could not be initialised: {e}"))?;
    set_webgpu_state(WebGpu::Ready {
        device: device.clone(),
        handle: setup.device,
    });
    Ok(device)
}

/// The device a backend request resolved to.
pub struct Selected {
    /// The device.
    pub device: Device,
    /// `webgpu` or `cpu`.
    pub name: &'static str,
    /// Why `auto` chose the CPU, if it did.
    pub fallback: Option<Fallback>,
}

/// Resolves a backend request to a device and the name of the backend it runs on.
pub async fn select_backend(request: BackendRequest) -> Result<(Device, &'static str), String> {
    select(request).await.map(|s| (s.device, s.name))
}

/// Resolves a backend request. `auto` takes WebGPU unless the browser has none that works or its
/// adapter is a software renderer ([`auto_backend`]), and then says why it chose the CPU.
pub async fn select(request: BackendRequest) -> Result<Selected, String> {
    let cpu = |fallback| Selected {
        device: Device::flex(),
        name: "cpu",
        fallback,
    };
    let webgpu = |device| Selected {
        device,
        name: "webgpu",
        fallback: None,
    };
    match request {
        BackendRequest::Cpu => Ok(cpu(None)),
        BackendRequest::WebGpu => webgpu_device().await.map(webgpu),
        BackendRequest::Auto => {
            let device = match webgpu_adapter_facts().await {
                Err(reason) => Err(Fallback::NoWebGpu(reason)),
                Ok(facts) => match auto_backend(&facts) {
                    AutoBackend::Cpu { reason } => Err(Fallback::SoftwareWebGpu(reason)),
                    AutoBackend::WebGpu => webgpu_device().await.map_err(Fallback::NoWebGpu),
                },
            };
            match device {
                Ok(device) => Ok(webgpu(device)),
                Err(fallback) => {
                    let reason = fallback.reason();
                    web_sys::console::info_1(&format!("Unpaired: using the CPU ({reason})").into());
                    Ok(cpu(Some(fallback)))
                }
            }
        }
    }
}

fn js_message(value: &JsValue) -> String {
    if let Some(error) = value.dyn_ref::<js_sys::Error>() {
        return String::from(error.message());
    }
    value.as_string().unwrap_or_else(|| format!("{value:?}"))
}

fn js_error(message: impl std::fmt::Display) -> JsValue {
    JsError::new(&message.to_string()).into()
}

/// A manifest that cannot be used, for JavaScript, from every entry point that reads one: a
/// newer format than this build reads is an `Error` named `UnsupportedFormatError` (the site
/// needs an update, not a new download), any other problem a plain `Error`.
fn manifest_error(error: ManifestError) -> JsValue {
    let js = js_sys::Error::new(&error.to_string());
    if let ManifestError::UnsupportedFormat(_) = error {
        js.set_name("UnsupportedFormatError");
    }
    js.into()
}

/// Checks a model's manifest (its JSON text) before the page downloads the weights it names;
/// returns it as this build writes it. Fails as [`manifest_error`] says.
#[wasm_bindgen(js_name = checkManifest)]
pub fn check_manifest(manifest_json: &str) -> Result<String, JsValue> {
    ModelManifest::from_json(manifest_json)
        .map(|manifest| manifest.to_json())
        .map_err(manifest_error)
}

/// A translation error for JavaScript. A lost device becomes an `Error` named `DeviceLostError`
/// (and is remembered, so no later request gets the dead device), so the page can tell it from
/// a bad image and start over on a new device.
fn translate_error(error: TranslateError) -> JsValue {
    let js = js_sys::Error::new(&error.to_string());
    if let TranslateError::DeviceLost { backend, reason } = &error {
        js.set_name("DeviceLostError");
        if backend == "webgpu" {
            set_webgpu_state(WebGpu::Lost(reason.clone()));
        }
    }
    js.into()
}

/// Translates photos with a CycleGAN model in the browser.
#[wasm_bindgen(js_name = Translator)]
pub struct WebTranslator {
    inner: Rc<RefCell<Translator>>,
    fallback: Option<Fallback>,
}

#[wasm_bindgen(js_class = Translator)]
impl WebTranslator {
    /// Creates a translator on `backend`: `"auto"` (WebGPU when the browser has a GPU adapter, else
    /// the CPU, which is also faster than a software WebGPU adapter; the default),
    /// `"webgpu"` or `"cpu"`.
    pub async fn create(backend: Option<String>) -> Result<WebTranslator, JsError> {
        console_error_panic_hook::set_once();
        let request = BackendRequest::parse(backend.as_deref().unwrap_or("auto"))
            .map_err(|e| JsError::new(&e))?;
        let selected = select(request).await.map_err(|e| JsError::new(&e))?;
        Ok(WebTranslator {
            inner: Rc::new(RefCell::new(Translator::new(
                selected.device,
                selected.name,
            ))),
            fallback: selected.fallback,
        })
    }

    /// Why `"auto"` chose the CPU (a software WebGPU adapter, no WebGPU, no adapter, a lost
    /// device…), or `undefined`.
    #[wasm_bindgen(getter, js_name = fallbackReason)]
    pub fn fallback_reason(&self) -> Option<String> {
        self.fallback.as_ref().map(|f| f.reason().to_string())
    }

    /// What kind of reason `fallbackReason` is: `"software-webgpu"` (the CPU is faster than the
    /// browser's software WebGPU) or `"no-webgpu"` (WebGPU cannot be used), or `undefined`.
    #[wasm_bindgen(getter, js_name = fallbackKind)]
    pub fn fallback_kind(&self) -> Option<String> {
        self.fallback.as_ref().map(|f| f.kind().to_string())
    }

    /// Destroys this page's WebGPU device, as a driver reset or a GPU that went away would: the
    /// next translation on it fails with a `DeviceLostError`. For testing a page's recovery.
    /// Returns whether there was a device to destroy.
    #[wasm_bindgen(js_name = loseWebGpuDevice)]
    pub fn lose_webgpu_device() -> bool {
        match webgpu_state() {
            WebGpu::Ready { handle, .. } => {
                handle.destroy();
                true
            }
            _ => false,
        }
    }

    /// The backend in use: `"webgpu"` or `"cpu"`.
    #[wasm_bindgen(getter)]
    pub fn backend(&self) -> String {
        self.inner.borrow().backend().to_string()
    }

    /// Images with a longer side are scaled down to this many pixels first (default 1024).
    #[wasm_bindgen(getter, js_name = maxSide)]
    pub fn max_side(&self) -> u32 {
        self.inner.borrow().max_side()
    }

    /// Sets the maximum side (at least 8).
    #[wasm_bindgen(setter, js_name = maxSide)]
    pub fn set_max_side(&self, max_side: u32) -> Result<(), JsError> {
        self.inner
            .borrow_mut()
            .set_max_side(max_side)
            .map_err(|e| JsError::new(&e.to_string()))
    }

    /// The loaded model's manifest as a JSON string, or `undefined`.
    #[wasm_bindgen(getter)]
    pub fn manifest(&self) -> Option<String> {
        self.inner.borrow().model().map(|m| m.manifest.to_json())
    }

    /// Loads a model from its manifest (JSON text) and the bytes of its weights files.
    /// Returns the manifest JSON. On error the previous model stays loaded.
    #[wasm_bindgen(js_name = loadModel)]
    pub fn load_model(
        &self,
        manifest_json: &str,
        a_to_b: Option<Vec<u8>>,
        b_to_a: Option<Vec<u8>>,
    ) -> Result<String, JsValue> {
        let manifest = ModelManifest::from_json(manifest_json).map_err(manifest_error)?;
        let mut inner = self.inner.borrow_mut();
        let model = inner
            .load_model(manifest, a_to_b, b_to_a)
            .map_err(js_error)?;
        Ok(model.manifest.to_json())
    }

    /// Fetches `manifest.json` at `url` and the weights files it names (relative to it), then loads
    /// them. Resolves to the manifest JSON.
    #[wasm_bindgen(js_name = loadModelFromUrl)]
    pub fn load_model_from_url(&self, url: String) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let base = absolute_url(&url)?;
            let text = fetch_text(&base).await?;
            let manifest = ModelManifest::from_json(&text).map_err(manifest_error)?;
            let a_to_b = fetch_weights(&manifest, Direction::AToB, &base).await?;
            let b_to_a = fetch_weights(&manifest, Direction::BToA, &base).await?;
            let mut inner = inner.borrow_mut();
            let model = inner
                .load_model(manifest, a_to_b, b_to_a)
                .map_err(js_error)?;
            Ok(model.manifest.to_json().into())
        })
    }

    /// Translates an `ImageData` in `direction` (`"a_to_b"` or `"b_to_a"`); resolves to a new
    /// `ImageData` of the same size (or scaled down to `maxSide`), keeping the input's alpha.
    pub fn translate(&self, image: ImageData, direction: String) -> Promise {
        let translator = self.inner.borrow().clone();
        future_to_promise(async move {
            let direction = Direction::parse(&direction).map_err(js_error)?;
            let (width, height) = (image.width(), image.height());
            let pixels =
                image_io::rgba_from_bytes(width, height, image.data().0).map_err(js_error)?;
            let pending = translator
                .start(pixels, direction)
                .map_err(translate_error)?;
            let output = pending
                .into_image_async(translator.backend())
                .await
                .map_err(translate_error)?;
            Ok(image_data(&output)?.into())
        })
    }

    /// Translates planar values (`Float32Array` of `3 · height · width`: the red plane, then green,
    /// then blue, in [-1, 1]) as they are, with no scaling and no 8-bit rounding; resolves to a
    /// `Float32Array` of the same layout. For benchmarks and output comparisons.
    #[wasm_bindgen(js_name = translateValues)]
    pub fn translate_values(
        &self,
        values: Vec<f32>,
        width: u32,
        height: u32,
        direction: String,
    ) -> Promise {
        let translator = self.inner.borrow().clone();
        future_to_promise(async move {
            let direction = Direction::parse(&direction).map_err(js_error)?;
            let pending = translator
                .start_values(values, width, height, direction)
                .map_err(translate_error)?;
            let planar = pending
                .into_planar_async(translator.backend())
                .await
                .map_err(translate_error)?;
            Ok(js_sys::Float32Array::from(planar.values.as_slice()).into())
        })
    }
}

/// An `ImageData` holding a copy of `image`'s pixels. (`ImageData::new_with_u8_clamped_array*`
/// would keep a view into wasm memory, which is reused or detached once `image` is dropped.)
pub fn image_data(image: &RgbaImage) -> Result<ImageData, JsValue> {
    let pixels = Uint8ClampedArray::new_with_length(image.as_raw().len() as u32);
    pixels.copy_from(image.as_raw());
    ImageData::new_with_js_u8_clamped_array_and_sh(&pixels, image.width(), image.height())
}

fn absolute_url(url: &str) -> Result<String, JsValue> {
    let location = Reflect::get(&js_sys::global(), &"location".into())?;
    let href = Reflect::get(&location, &"href".into())?
        .as_string()
        .unwrap_or_default();
    resolve(url, &href)
}

fn resolve(url: &str, base: &str) -> Result<String, JsValue> {
    Ok(web_sys::Url::new_with_base(url, base)
        .map_err(|_| js_error(format!("'{url}' is not a valid address")))?
        .href())
}

async fn fetch(url: &str) -> Result<Response, JsValue> {
    let global = js_sys::global();
    let fetch: js_sys::Function = Reflect::get(&global, &"fetch".into())?.dyn_into()?;
    let promise: Promise = fetch.call1(&global, &url.into())?.dyn_into()?;
    let response: Response = JsFuture::from(promise)
        .await
        .map_err(|e| js_error(format!("could not download {url}: {}", js_message(&e))))?
        .dyn_into()?;
    if !response.ok() {
        return Err(js_error(format!(
            "could not download {url}: HTTP {} {}",
            response.status(),
            response.status_text()
        )));
    }
    Ok(response)
}

async fn fetch_text(url: &str) -> Result<String, JsValue> {
    let text = JsFuture::from(fetch(url).await?.text()?).await?;
    Ok(text.as_string().unwrap_or_default())
}

/// The weights file of `direction`, fetched relative to the manifest at `base`, if the model has one.
async fn fetch_weights(
    manifest: &ModelManifest,
    direction: Direction,
    base: &str,
) -> Result<Option<Vec<u8>>, JsValue> {
    match manifest.weights(direction) {
        Ok(file) => Ok(Some(fetch_bytes(&resolve(&file.file, base)?).await?)),
        Err(_) => Ok(None),
    }
}

async fn fetch_bytes(url: &str) -> Result<Vec<u8>, JsValue> {
    let buffer = JsFuture::from(fetch(url).await?.array_buffer()?).await?;
    Ok(Uint8Array::new(&buffer).to_vec())
}
