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

/// Runs one tiny operation so a broken GPU is an error here, not a panic later.
#[cfg(any(feature = "gpu", feature = "wgsl", feature = "cuda"))]
fn probe(device: Device, name: &'static str) -> Result<(Device, &'static str)> {
    use anyhow::{Context, bail};
    use burn::tensor::Tensor;

    let probe_device = device.clone();
    let outcome = std::panic::catch_unwind(move || {
        let sum = Tensor::<1>::ones([4], &probe_device).sum();
        sum.try_into_data().map(|d| d.try_to_vec::<f32>())
    });
    match outcome {
        Ok(Ok(Ok(values))) if values == [4.0] => Ok((device, name)),
        Ok(Ok(_)) => bail!("the {name} device returned a wrong result"),
        Ok(Err(e)) => Err(e).with_context(|| format!("the {name} device failed")),
        Err(_) => bail!("the {name} device failed its first operation"),
    }
}

#[cfg(feature = "cuda")]
mod cuda {
    use anyhow::{Result, anyhow};
    use burn::tensor::Device;

    /// The first CUDA GPU. burn's CUDA runtime loads the driver (`libcuda.so.1`) and NVRTC at run
    /// time and panics without them, so the first use is caught and said in words.
    pub fn open() -> Result<(Device, &'static str)> {
        let device = std::panic::catch_unwind(|| Device::cuda(0)).map_err(|_| anyhow!(MISSING))?;
        super::probe(device, "cuda").map_err(|e| e.context(MISSING))
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
    use anyhow::{Context, Result, anyhow, bail};
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
        let (device, setup) = std::panic::catch_unwind(move || options.init_with_setup())
            .map_err(|_| anyhow!("no {name} device is available on this machine"))?
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
