//! Models made in the page from reference PyTorch checkpoints: `www/pytorch.js` reads each `.pth`
//! file into a [`StateDict`], [`import_pytorch`] maps it onto our generator
//! ([`crate::pytorch`], as the trainer's `import` does) and packages it as the trainer's export
//! would, so the page keeps and loads it like any model opened from the computer.

use {
    crate::manifest::{ModelFile, ModelParts, PackageError},
    crate::pytorch,
    crate::weights::Precision,
    burn::store::burn_pack::Tensor as PackTensor,
    burn::tensor::{Bytes, DType, Device},
    wasm_bindgen::prelude::*,
};

/// A checkpoint's tensors, added one by one from JavaScript under the keys the file gives them.
#[wasm_bindgen]
#[derive(Default)]
pub struct StateDict {
    tensors: Vec<PackTensor>,
}

#[wasm_bindgen]
impl StateDict {
    #[wasm_bindgen(constructor)]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the tensor `key` of `shape`, its `values` in row-major order.
    pub fn add(&mut self, key: String, shape: Vec<u32>, values: Vec<f32>) -> Result<(), JsError> {
        let shape: Vec<usize> = shape.into_iter().map(|side| side as usize).collect();
        let count: usize = shape.iter().product();
        if count != values.len() {
            return Err(JsError::new(&format!(
                "{key}: {} values for shape {shape:?}",
                values.len()
            )));
        }
        self.tensors.push(PackTensor::new(
            key,
            DType::F32,
            shape,
            None,
            Bytes::from_elems(values),
        ));
        Ok(())
    }
}

/// A model made of checkpoints: its manifest and its weights files.
#[wasm_bindgen]
pub struct ImportedModel {
    manifest: String,
    files: Vec<ModelFile>,
}

#[wasm_bindgen]
impl ImportedModel {
    /// The manifest, as JSON.
    #[wasm_bindgen(getter)]
    pub fn manifest(&self) -> String {
        self.manifest.clone()
    }

    /// The weights files' names (`a_to_b.bpk`, `b_to_a.bpk`).
    #[wasm_bindgen(getter, js_name = fileNames)]
    pub fn file_names(&self) -> Vec<String> {
        self.files.iter().map(|(name, _)| name.clone()).collect()
    }

    /// The bytes of the weights file `name`.
    pub fn file(&self, name: &str) -> Option<Vec<u8>> {
        self.files
            .iter()
            .find(|(file, _)| file == name)
            .map(|(_, bytes)| bytes.clone())
    }
}

/// The model `name` (domains `domain_a`, `domain_b`) of the generator in `a_to_b` (the file
/// `a_file`) and, if given, the one in `b_to_a` (`b_file`), its shape read from the files, its
/// weights in f16. Fails with a message that names the file and says what it holds.
#[wasm_bindgen(js_name = importPytorch)]
pub fn import_pytorch(
    name: String,
    domain_a: String,
    domain_b: String,
    a_file: String,
    a_to_b: StateDict,
    b_file: Option<String>,
    b_to_a: Option<StateDict>,
) -> Result<ImportedModel, JsError> {
    let device = Device::flex();
    let load = |file: &str, state: StateDict| {
        pytorch::load_generator(state.tensors, None, &device)
            .map_err(|e| JsError::new(&format!("“{file}” {e}")))
    };
    let a = load(&a_file, a_to_b)?;
    let b = match (b_file, b_to_a) {
        (Some(file), Some(state)) => Some((load(&file, state)?, file)),
        _ => None,
    };
    let sources = match &b {
        Some((_, file)) => format!("{a_file} and {file}"),
        None => a_file.clone(),
    };
    let (manifest, files) = ModelParts {
        name,
        domain_a,
        domain_b,
        train_size: 256,
        precision: Precision::F16,
        description: Some(format!(
            "Imported in this browser from the PyTorch checkpoint(s) {sources}."
        )),
        card: None,
        a_to_b: Some(&a),
        b_to_a: b.as_ref().map(|(generator, _)| generator),
    }
    .package()
    .map_err(|e| match (e, &b) {
        (PackageError::Mismatch, Some((_, file))) => JsError::new(&format!(
            "“{a_file}” and “{file}” are generators of different shapes, so they are not the two directions of one model."
        )),
        (e, _) => JsError::new(&e.to_string()),
    })?;
    Ok(ImportedModel {
        manifest: manifest.to_json(),
        files,
    })
}
