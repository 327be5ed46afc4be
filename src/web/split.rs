//! A CPU translation shared by several Web Workers (wasm32 only). Each worker holds its own
//! WebAssembly instance and model; `www/cpu-split.js` runs the stages of the generator in step,
//! every worker computing a share of each stage's output channels, and exchanges the shares
//! through a `SharedArrayBuffer`. This is the Rust half: one worker's share of one translation.

use std::sync::Arc;

use js_sys::Float32Array;
use wasm_bindgen::prelude::*;
use web_sys::ImageData;

use super::{WebTranslator, image_data};
use crate::cpu::{CpuGenerator, Part, StagedRun};
use crate::image_io;
use crate::manifest::Direction;
use crate::translator::{Prepared, to_image};

/// One worker's share of a translation split across `count` workers (part 0 is the one that
/// started it and returns the image).
#[wasm_bindgen]
pub struct SplitJob {
    engine: Arc<CpuGenerator>,
    run: Option<StagedRun>,
    /// Part 0's input (what the other parts join with) and the size to crop back to.
    prepared: Option<Prepared>,
    padded: (usize, usize),
    /// This part's channels of the stage just run, kept so JavaScript can copy them from a view.
    outgoing: Vec<f32>,
}

fn error(message: impl std::fmt::Display) -> JsError {
    JsError::new(&message.to_string())
}

impl WebTranslator {
    fn engine(&self, direction: &str) -> Result<Arc<CpuGenerator>, JsError> {
        let direction = Direction::parse(direction).map_err(error)?;
        self.inner
            .borrow()
            .cpu_generator(direction)
            .map_err(error)?
            .ok_or_else(|| error("this translator does not run on the CPU engine"))
    }

    fn split(
        &self,
        prepared: Prepared,
        direction: &str,
        count: usize,
    ) -> Result<SplitJob, JsError> {
        let engine = self.engine(direction)?;
        if count == 0 {
            return Err(error("a split needs at least one worker"));
        }
        let padded = (prepared.padded_height, prepared.padded_width);
        let run = StagedRun::new(
            &prepared.planar,
            padded.0,
            padded.1,
            Part { index: 0, count },
        );
        Ok(SplitJob {
            engine,
            run: Some(run),
            prepared: Some(prepared),
            padded,
            outgoing: Vec::new(),
        })
    }
}

#[wasm_bindgen(js_class = Translator)]
impl WebTranslator {
    /// Whether translations in `direction` can be split across workers (the CPU engine runs them).
    #[wasm_bindgen(js_name = canSplit)]
    pub fn can_split(&self, direction: String) -> bool {
        self.engine(&direction).is_ok()
    }

    /// Starts translating `image` as part 0 of `count` workers (scaled to `maxSide` and padded as
    /// `translate` does). Hand `job.input` to the other workers' `joinSplit`.
    #[wasm_bindgen(js_name = splitImage)]
    pub fn split_image(
        &self,
        image: ImageData,
        direction: String,
        count: usize,
    ) -> Result<SplitJob, JsError> {
        let (width, height) = (image.width(), image.height());
        let pixels = image_io::rgba_from_bytes(width, height, image.data().0).map_err(error)?;
        let prepared = self.inner.borrow().prepare_image(pixels).map_err(error)?;
        self.split(prepared, &direction, count)
    }

    /// Starts translating planar values (as `translateValues`) as part 0 of `count` workers.
    #[wasm_bindgen(js_name = splitValues)]
    pub fn split_values(
        &self,
        values: Vec<f32>,
        width: u32,
        height: u32,
        direction: String,
        count: usize,
    ) -> Result<SplitJob, JsError> {
        let prepared = self
            .inner
            .borrow()
            .prepare_values(values, width, height)
            .map_err(error)?;
        self.split(prepared, &direction, count)
    }

    /// Joins a split translation as part `part` of `count`, with part 0's `input`
    /// (`3 × paddedHeight × paddedWidth` values).
    #[wasm_bindgen(js_name = joinSplit)]
    pub fn join_split(
        &self,
        input: Vec<f32>,
        padded_width: usize,
        padded_height: usize,
        direction: String,
        part: usize,
        count: usize,
    ) -> Result<SplitJob, JsError> {
        let engine = self.engine(&direction)?;
        if part == 0 || part >= count {
            return Err(error(format!("part {part} of {count} cannot join a split")));
        }
        let sides_ok = |side: usize| side >= 8 && side.is_multiple_of(4);
        if !sides_ok(padded_width)
            || !sides_ok(padded_height)
            || input.len() != 3 * padded_width * padded_height
        {
            return Err(error("the split's input does not match its size"));
        }
        let run = StagedRun::new(
            &input,
            padded_height,
            padded_width,
            Part { index: part, count },
        );
        Ok(SplitJob {
            engine,
            run: Some(run),
            prepared: None,
            padded: (padded_height, padded_width),
            outgoing: Vec::new(),
        })
    }
}

#[wasm_bindgen]
impl SplitJob {
    fn run(&mut self) -> Result<&mut StagedRun, JsError> {
        self.run
            .as_mut()
            .ok_or_else(|| error("this split translation has finished"))
    }

    /// Stages of the generator, each run and exchanged by every part in turn.
    #[wasm_bindgen(getter)]
    pub fn stages(&self) -> usize {
        self.engine.stages()
    }

    /// Padded width of the generator's input.
    #[wasm_bindgen(getter, js_name = paddedWidth)]
    pub fn padded_width(&self) -> usize {
        self.padded.1
    }

    /// Padded height of the generator's input.
    #[wasm_bindgen(getter, js_name = paddedHeight)]
    pub fn padded_height(&self) -> usize {
        self.padded.0
    }

    /// Part 0's padded planar input, for the other parts' `joinSplit` (a copy).
    #[wasm_bindgen(getter)]
    pub fn input(&self) -> Option<Float32Array> {
        self.prepared
            .as_ref()
            .map(|prepared| Float32Array::from(prepared.planar.as_slice()))
    }

    /// The most values one stage exchanges: the size of the shared buffer, in floats.
    #[wasm_bindgen(getter, js_name = largestStage)]
    pub fn largest_stage(&self) -> usize {
        StagedRun::largest_stage(&self.engine, self.padded.0, self.padded.1)
    }

    /// Computes this part's channels of `stage`.
    #[wasm_bindgen(js_name = runStage)]
    pub fn run_stage(&mut self, stage: usize) -> Result<(), JsError> {
        if stage >= self.engine.stages() {
            return Err(error(format!("there is no stage {stage}")));
        }
        let engine = self.engine.clone();
        self.run()?.run_stage(&engine, stage);
        Ok(())
    }

    /// This part's share of the stage just run, as a view into WebAssembly memory: copy it
    /// (into the shared buffer at `ownOffset`) before calling anything else on this instance.
    #[wasm_bindgen(js_name = ownOutput)]
    pub fn own_output(&mut self, stage: usize) -> Result<Float32Array, JsError> {
        let engine = self.engine.clone();
        self.outgoing = self.run()?.own_output(&engine, stage);
        // SAFETY: the view is documented as valid only until the next call into this instance,
        // which is when memory could grow or `outgoing` change.
        Ok(unsafe { Float32Array::view(&self.outgoing) })
    }

    /// Where this part's share goes among all parts' (in floats).
    #[wasm_bindgen(js_name = ownOffset)]
    pub fn own_offset(&mut self, stage: usize) -> Result<usize, JsError> {
        let engine = self.engine.clone();
        Ok(self.run()?.own_offset(&engine, stage))
    }

    /// Values all parts of the stage just run exchange together.
    #[wasm_bindgen(js_name = stageValues)]
    pub fn stage_values(&mut self) -> Result<usize, JsError> {
        Ok(self.run()?.stage_values())
    }

    /// Completes `stage` with every part's share (`stageValues` floats, in part order; a part
    /// alone passes an empty array).
    #[wasm_bindgen(js_name = completeStage)]
    pub fn complete_stage(&mut self, stage: usize, all: &[f32]) -> Result<(), JsError> {
        let engine = self.engine.clone();
        let run = self.run()?;
        if run.part().count == 1 {
            run.complete_stage(&engine, stage, None);
            return Ok(());
        }
        if all.len() != run.stage_values() {
            return Err(error("the exchanged channels do not match the stage"));
        }
        run.complete_stage(&engine, stage, Some(all));
        Ok(())
    }

    /// Part 0, after every stage: the translated image (as `translate` returns it).
    #[wasm_bindgen(js_name = finishImage)]
    pub fn finish_image(&mut self) -> Result<ImageData, JsValue> {
        let (planar, prepared) = self.finish()?;
        let image = to_image(&planar, prepared.image.as_ref());
        image_data(&image)
    }

    /// Part 0, after every stage: the translated planar values (as `translateValues`).
    #[wasm_bindgen(js_name = finishValues)]
    pub fn finish_values(&mut self) -> Result<Float32Array, JsError> {
        let (planar, _) = self.finish()?;
        Ok(Float32Array::from(planar.values.as_slice()))
    }
}

impl SplitJob {
    fn finish(&mut self) -> Result<(crate::translator::Planar, Prepared), JsError> {
        let prepared = self
            .prepared
            .take()
            .ok_or_else(|| error("only part 0 finishes a split translation"))?;
        let run = self
            .run
            .take()
            .ok_or_else(|| error("this split translation has finished"))?;
        let output = run.finish();
        Ok((prepared.finish(&output), prepared))
    }
}
