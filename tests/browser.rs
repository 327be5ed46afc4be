//! Browser tests, run by `wasm-pack test --headless --firefox`: the fixture model translates the
//! fixture image on WebGPU and on the CPU inside Firefox, and each output matches the native Flex
//! output committed by `tests/fixture.rs`; `auto` takes the CPU over a software WebGPU adapter
//! (headless Firefox's is Mesa's llvmpipe) and says why; the JavaScript API's error paths give
//! readable errors.
#![cfg(target_family = "wasm")]

use burn::tensor::Device;
use js_sys::Promise;
use unpaired::backend::{AutoBackend, BackendRequest, auto_backend};
use unpaired::web::{
    WebTranslator, check_manifest, image_data, select_backend, webgpu_adapter_facts,
};
use unpaired::{Direction, Translator};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::ImageData;

wasm_bindgen_test_configure!(run_in_browser);

const MANIFEST: &str = include_str!("fixtures/tiny/manifest.json");
const A_TO_B: &[u8] = include_bytes!("fixtures/tiny/a_to_b.bpk");
const B_TO_A: &[u8] = include_bytes!("fixtures/tiny/b_to_a.bpk");
const INPUT: &[u8] = include_bytes!("fixtures/tiny/input.png");
const EXPECTED_A_TO_B: &[u8] = include_bytes!("fixtures/tiny/expected_a_to_b.f32");
const EXPECTED_B_TO_A: &[u8] = include_bytes!("fixtures/tiny/expected_b_to_a.f32");

/// `tiny_G.pth` from the reference PyTorch code, imported and exported by `native-trainer import`,
/// and PyTorch's own output for `fixtures/pytorch/input.png` (see `make_fixture.py`).
const TORCH_MANIFEST: &str = include_str!("fixtures/pytorch/web/manifest.json");
const TORCH_A_TO_B: &[u8] = include_bytes!("fixtures/pytorch/web/a_to_b.bpk");
const TORCH_INPUT: &[u8] = include_bytes!("fixtures/pytorch/input.png");
const TORCH_EXPECTED: &[u8] = include_bytes!("fixtures/pytorch/expected_G.f32");

/// Flex in wasm runs the same f32 kernels as native Flex; only vector width and fused
/// multiply-adds reorder sums, which moves results by a few ulps. Measured in Firefox 153 ESR:
/// max |Δ| 1.5e-6 on outputs in [-1, 1]; the bound leaves ~10× room.
const CPU_TOLERANCE: f32 = 2e-5;
/// WebGPU runs other kernels (tiled convolutions, parallel reductions in instance norm) in f32,
/// and a GPU's `tanh`/`inverseSqrt` may be a few ulps off. Measured on Mesa's software Vulkan:
/// max |Δ| 3.8e-6; real GPUs' approximations are looser, so the bound is 1e-4 — still 78× below
/// one output level of an 8-bit image (2/255 ≈ 7.8e-3).
const WEBGPU_TOLERANCE: f32 = 1e-4;

fn input() -> image::RgbaImage {
    image::load_from_memory(INPUT).unwrap().to_rgba8()
}

fn expected(direction: Direction) -> Vec<f32> {
    floats(match direction {
        Direction::AToB => EXPECTED_A_TO_B,
        Direction::BToA => EXPECTED_B_TO_A,
    })
}

fn floats(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
        .collect()
}

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0f32, f32::max)
}

async fn max_diff_to_native(device: Device, backend: &str) -> f32 {
    let mut translator = Translator::new(device, backend);
    let manifest = unpaired::ModelManifest::from_json(MANIFEST).unwrap();
    translator
        .load_model(manifest, Some(A_TO_B.to_vec()), Some(B_TO_A.to_vec()))
        .unwrap();
    let mut worst = 0f32;
    for direction in Direction::ALL {
        let planar = translator
            .start(input(), direction)
            .unwrap()
            .into_planar_async(backend)
            .await
            .unwrap();
        let diff = max_diff(&planar.values, &expected(direction));
        console_log!("{backend}: {direction:?} max |Δ| to native = {diff:e}");
        worst = worst.max(diff);
    }
    worst
}

#[wasm_bindgen_test]
async fn cpu_output_matches_native() {
    let (device, name) = select_backend(BackendRequest::Cpu).await.unwrap();
    assert_eq!(name, "cpu");
    let diff = max_diff_to_native(device, name).await;
    assert!(diff <= CPU_TOLERANCE, "cpu max |Δ| {diff}");
}

#[wasm_bindgen_test]
async fn webgpu_output_matches_native() {
    let (device, name) = select_backend(BackendRequest::WebGpu)
        .await
        .expect("this browser must offer WebGPU for this test");
    assert_eq!(name, "webgpu");
    console_log!("webgpu: adapter acquired, running the fixture generator on WebGPU");
    let diff = max_diff_to_native(device, name).await;
    assert!(diff <= WEBGPU_TOLERANCE, "webgpu max |Δ| {diff}");
}

fn message(error: JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_else(|| format!("{error:?}"))
}

async fn await_promise(promise: Promise) -> Result<JsValue, String> {
    JsFuture::from(promise).await.map_err(message)
}

#[wasm_bindgen_test]
async fn javascript_api_translates_image_data_at_its_size() {
    for backend in ["cpu", "webgpu", "auto"] {
        let translator = WebTranslator::create(Some(backend.into()))
            .await
            .map_err(JsValue::from)
            .unwrap();
        console_log!(
            "Translator.create('{backend}') chose {}",
            translator.backend()
        );
        translator
            .load_model(MANIFEST, Some(A_TO_B.to_vec()), Some(B_TO_A.to_vec()))
            .unwrap();
        let pixels = input();
        let data = image_data(&pixels).unwrap();
        let output: ImageData = await_promise(translator.translate(data, "b_to_a".into()))
            .await
            .unwrap()
            .dyn_into()
            .unwrap();
        assert_eq!((output.width(), output.height()), (45, 38));
        // The same pixels the native code makes, within one level (WebGPU rounding).
        let expected =
            unpaired::image_io::from_planar(&expected(Direction::BToA), 45, 38, Some(&pixels));
        let worst = output
            .data()
            .0
            .iter()
            .zip(expected.as_raw())
            .map(|(a, b)| a.abs_diff(*b))
            .max()
            .unwrap();
        assert!(worst <= 1, "{backend}: pixels differ by {worst} levels");
    }
}

#[wasm_bindgen_test]
async fn auto_takes_the_cpu_over_a_software_adapter_and_says_why() {
    let facts = webgpu_adapter_facts()
        .await
        .expect("this browser must offer WebGPU for this test");
    console_log!("the browser's WebGPU adapter: {facts:?}");
    let translator = WebTranslator::create(Some("auto".into()))
        .await
        .map_err(JsValue::from)
        .unwrap();
    let chosen = (
        translator.backend(),
        translator.fallback_kind(),
        translator.fallback_reason(),
    );
    console_log!("Translator.create('auto') chose {chosen:?}");
    match auto_backend(&facts) {
        AutoBackend::Cpu { reason } => {
            assert!(reason.contains("software renderer"), "{reason}");
            assert_eq!(
                chosen,
                ("cpu".into(), Some("software-webgpu".into()), Some(reason))
            );
        }
        AutoBackend::WebGpu => assert_eq!(chosen, ("webgpu".into(), None, None)),
    }
    // Asked for by name, WebGPU runs on whatever adapter there is.
    let explicit = WebTranslator::create(Some("webgpu".into()))
        .await
        .map_err(JsValue::from)
        .unwrap();
    assert_eq!(
        (explicit.backend(), explicit.fallback_reason()),
        ("webgpu".into(), None)
    );
}

#[wasm_bindgen_test]
async fn javascript_api_errors_are_readable() {
    let err = WebTranslator::create(Some("cuda".into()))
        .await
        .err()
        .map(JsValue::from)
        .map(message);
    assert_eq!(
        err.as_deref(),
        Some("unknown backend 'cuda': expected 'auto', 'webgpu' or 'cpu'")
    );

    let translator = WebTranslator::create(Some("cpu".into()))
        .await
        .map_err(JsValue::from)
        .unwrap();
    let image = ImageData::new_with_sw(16, 16).unwrap();
    let err = await_promise(translator.translate(image.clone(), "a_to_b".into()))
        .await
        .unwrap_err();
    assert_eq!(err, "no model is loaded yet");

    let err = message(
        translator
            .load_model(MANIFEST, Some(b"garbage".to_vec()), Some(B_TO_A.to_vec()))
            .unwrap_err(),
    );
    assert!(err.contains("damaged or incomplete"), "{err}");
    let err = message(translator.load_model("{", None, None).unwrap_err());
    assert!(err.starts_with("model manifest is not valid"), "{err}");
    let newer = MANIFEST.replacen("\"format\": 1", "\"format\": 99", 1);
    let err = translator.load_model(&newer, None, None).unwrap_err();
    assert_eq!(
        error_name(&err),
        "UnsupportedFormatError",
        "named as checkManifest names it"
    );

    translator
        .load_model(MANIFEST, Some(A_TO_B.to_vec()), Some(B_TO_A.to_vec()))
        .unwrap();
    let err = await_promise(translator.translate(image.clone(), "sideways".into()))
        .await
        .unwrap_err();
    assert!(err.contains("unknown direction"), "{err}");
    let tiny = ImageData::new_with_sw(4, 4).unwrap();
    let err = await_promise(translator.translate(tiny, "a_to_b".into()))
        .await
        .unwrap_err();
    assert!(err.contains("smallest size"), "{err}");

    let err = await_promise(translator.load_model_from_url("/no/such/model/manifest.json".into()))
        .await
        .unwrap_err();
    assert!(err.contains("HTTP 404"), "{err}");
}

/// The `name` of a thrown `Error` (empty for anything else).
fn error_name(error: &JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map_or_else(String::new, |e| String::from(e.name()))
}

/// The name and message of a rejected manifest's `Error`.
fn refusal(manifest: &str) -> (String, String) {
    let error = check_manifest(manifest).unwrap_err();
    (error_name(&error), message(error))
}

#[wasm_bindgen_test]
fn a_manifest_is_checked_before_its_weights_are_fetched() {
    let checked = check_manifest(MANIFEST).map_err(message).unwrap();
    assert!(checked.contains("\"a_to_b.bpk\""), "{checked}");

    let newer = MANIFEST.replacen("\"format\": 1", "\"format\": 99", 1);
    assert_ne!(newer, MANIFEST, "the fixture states its format");
    let (name, text) = refusal(&newer);
    assert_eq!(name, "UnsupportedFormatError");
    assert!(text.contains("format 99"), "{text}");

    let elsewhere = MANIFEST.replacen("\"a_to_b.bpk\"", "\"../a_to_b.bpk\"", 1);
    let (name, text) = refusal(&elsewhere);
    assert_eq!(name, "Error");
    assert!(text.contains("not a file beside the manifest"), "{text}");
    let (_, text) = refusal("{");
    assert!(text.starts_with("model manifest is not valid"), "{text}");
}

/// PyTorch (CPU) and our native Flex import agree within 1e-4 (the native parity test); WebGPU and
/// wasm add at most the few 1e-6 measured on the fixture above, so the same bound holds in the browser.
const TORCH_TOLERANCE: f32 = 1e-4;

#[wasm_bindgen_test]
async fn imported_pytorch_model_matches_pytorch_on_cpu_and_webgpu() {
    for request in [BackendRequest::Cpu, BackendRequest::WebGpu] {
        let (device, name) = select_backend(request).await.unwrap();
        let mut translator = Translator::new(device, name);
        let manifest = unpaired::ModelManifest::from_json(TORCH_MANIFEST).unwrap();
        translator
            .load_model(manifest, Some(TORCH_A_TO_B.to_vec()), None)
            .unwrap();
        let input = image::load_from_memory(TORCH_INPUT).unwrap().to_rgba8();
        let planar = translator
            .start(input, Direction::AToB)
            .unwrap()
            .into_planar_async(name)
            .await
            .unwrap();
        let diff = max_diff(&planar.values, &floats(TORCH_EXPECTED));
        console_log!("{name}: imported PyTorch generator, max |Δ| to PyTorch = {diff:e}");
        assert!(diff <= TORCH_TOLERANCE, "{name}: max |Δ| to PyTorch {diff}");
    }
}
