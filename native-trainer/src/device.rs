//! Choosing the compute device: `auto` (a GPU through CUDA, Vulkan or wgpu when one answers, else
//! the CPU), `cuda`, `vulkan`, `wgpu` or `flex`.

use anyhow::Result;
use burn::tensor::Device;
use clap::ValueEnum;

/// The `--device` option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceChoice {
    /// A GPU if one works (CUDA first where built in, then Vulkan, then wgpu), else the CPU.
    Auto,
    /// burn's CUDA runtime (NVIDIA; needs a build with `--features cuda`).
    Cuda,
    /// burn's wgpu runtime pinned to Vulkan (SPIR-V kernels; WGSL in a `wgsl` build).
    Vulkan,
    /// burn's wgpu runtime on whichever graphics API it picks.
    Wgpu,
    /// burn's Flex CPU backend.
    Flex,
}

/// A device ready to use and the name to report for it.
pub fn open(choice: DeviceChoice) -> Result<(Device, &'static str)> {
    match choice {
        DeviceChoice::Flex => Ok((Device::flex(), "flex")),
        DeviceChoice::Cuda => cuda::open(),
        DeviceChoice::Vulkan => gpu::vulkan(),
        DeviceChoice::Wgpu => gpu::wgpu(),
        DeviceChoice::Auto => cuda::open()
            .or_else(|_| gpu::vulkan())
            .or_else(|_| gpu::wgpu())
            .or_else(|_| Ok((Device::flex(), "flex"))),
    }
}

/// Runs `f`, turning a panic into an error that carries the panic's message, without the panic's
/// report on stderr: burn's GPU runtimes panic where a driver or library is missing, and `auto`
/// must try them without printing a crash report on every machine that lacks one.
pub fn catch_quietly<R>(f: impl FnOnce() -> R + std::panic::UnwindSafe) -> Result<R> {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = std::panic::catch_unwind(f);
    std::panic::set_hook(report);
    outcome.map_err(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".into());
        anyhow::anyhow!("it panicked: {message}")
    })
}

/// Runs one tiny operation so a broken GPU is an error here, not a panic later.
#[cfg(any(feature = "gpu", feature = "wgsl", feature = "cuda"))]
fn probe(device: Device, name: &'static str) -> Result<(Device, &'static str)> {
    use anyhow::{Context, bail};
    use burn::tensor::Tensor;

    let probe_device = device.clone();
    let outcome = catch_quietly(move || {
        let sum = Tensor::<1>::ones([4], &probe_device).sum();
        sum.try_into_data().map(|d| d.try_to_vec::<f32>())
    })
    .with_context(|| format!("the {name} device failed its first operation"))?;
    match outcome {
        Ok(Ok(values)) if values == [4.0] => Ok((device, name)),
        Ok(_) => bail!("the {name} device returned a wrong result"),
        Err(e) => Err(e).with_context(|| format!("the {name} device failed")),
    }
}

#[cfg(feature = "cuda")]
mod cuda {
    use anyhow::{Context, Result};
    use burn::tensor::Device;

    /// The first CUDA GPU. burn's CUDA runtime loads the driver (`libcuda.so.1`) and NVRTC at run
    /// time and panics without them, so the first use is caught and said in words.
    pub fn open() -> Result<(Device, &'static str)> {
        let device = super::catch_quietly(|| Device::cuda(0)).context(MISSING)?;
        super::probe(device, "cuda").context(MISSING)
    }

    const MISSING: &str = "no CUDA device answered (it needs an NVIDIA driver, and a CUDA \
        toolkit's NVRTC and headers: set CUDA_PATH if they are not under /usr/local/cuda); \
        use --device vulkan or flex";
}

#[cfg(not(feature = "cuda"))]
mod cuda {
    use anyhow::{Result, bail};
    use burn::tensor::Device;

    pub fn open() -> Result<(Device, &'static str)> {
        bail!("this build has no CUDA backend; rebuild native-trainer with `--features cuda`")
    }
}

#[cfg(any(feature = "gpu", feature = "wgsl"))]
mod gpu {
    use anyhow::{Context, Result, bail};
    use burn::tensor::Device;
    use burn::tensor::wgpu::{WgpuBackend, wgpu::DeviceType};

    pub fn vulkan() -> Result<(Device, &'static str)> {
        open(Some(WgpuBackend::Vulkan), "vulkan")
    }

    pub fn wgpu() -> Result<(Device, &'static str)> {
        open(None, "wgpu")
    }

    /// Initialises burn's wgpu runtime, refusing software renderers (llvmpipe, lavapipe,
    /// SwiftShader): they are slower than the Flex CPU backend, and some crash on burn's kernels.
    fn open(api: Option<WgpuBackend>, name: &'static str) -> Result<(Device, &'static str)> {
        let options = match api {
            Some(api) => Device::wgpu_options().graphics_api(api),
            None => Device::wgpu_options(),
        };
        let (device, setup) = super::catch_quietly(move || options.init_with_setup())
            .and_then(|result| result.map_err(anyhow::Error::from))
            .with_context(|| format!("no {name} device is available on this machine"))?;
        let info = setup.adapter.get_info();
        // UNPAIRED_ALLOW_SOFTWARE_GPU=1 lets a developer run the GPU code path on a software
        // adapter (lavapipe) to check it works, on a machine without a GPU.
        let allowed = std::env::var_os("UNPAIRED_ALLOW_SOFTWARE_GPU").is_some_and(|v| v == "1");
        if info.device_type == DeviceType::Cpu && !allowed {
            bail!(
                "the only {name} adapter is '{}', a software renderer; use --device flex",
                info.name
            );
        }
        super::probe(device, name)
    }
}

#[cfg(not(any(feature = "gpu", feature = "wgsl")))]
mod gpu {
    use anyhow::{Result, bail};
    use burn::tensor::Device;

    pub fn vulkan() -> Result<(Device, &'static str)> {
        bail!("this build has no GPU backends; rebuild native-trainer with `--features gpu`")
    }

    pub fn wgpu() -> Result<(Device, &'static str)> {
        vulkan()
    }
}

/// Which compiler the device's kernels can go through: `cuda` (CUDA C++ / NVRTC), `spir-v/wgsl`
/// (burn's wgpu runtime with its Vulkan compiler built in: SPIR-V on a Vulkan adapter with the
/// features it needs, else WGSL), `wgsl` (a build without it, as in a browser) or `cpu` (Flex).
pub fn kernels(name: &str) -> &'static str {
    match name {
        "flex" => "cpu",
        "cuda" => "cuda",
        _ if cfg!(feature = "gpu") => "spir-v/wgsl",
        _ => "wgsl",
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::catch_quietly;

    #[test]
    fn a_caught_panic_is_an_error_with_its_message_and_no_report() {
        let reports = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&reports);
        std::panic::set_hook(Box::new(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
        }));
        let missing =
            catch_quietly(|| -> u32 { panic!("libcuda.so.1: cannot open shared object") });
        let formatted = catch_quietly(|| -> u32 { panic!("device {} lost", 3) });
        let fine = catch_quietly(|| 7);
        // The hook is back: an ordinary panic is reported again.
        let _ = std::panic::catch_unwind(|| panic!("reported"));
        let _ = std::panic::take_hook();

        let error = missing.unwrap_err().to_string();
        assert!(error.contains("libcuda.so.1: cannot open"), "{error}");
        assert!(formatted.unwrap_err().to_string().contains("device 3 lost"));
        assert_eq!(fine.unwrap(), 7);
        assert_eq!(
            reports.load(Ordering::SeqCst),
            1,
            "only the panic outside catch_quietly reaches the panic hook"
        );
    }
}
