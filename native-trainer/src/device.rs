//! Choosing the compute device: `auto` (a GPU through Vulkan or wgpu when one answers, else the
//! CPU), `vulkan`, `wgpu` or `flex`.

use anyhow::Result;
use burn::tensor::Device;
use clap::ValueEnum;

/// The `--device` option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceChoice {
    /// A GPU if one works (Vulkan first, then wgpu), else the CPU.
    Auto,
    /// burn's wgpu runtime pinned to Vulkan (SPIR-V kernels).
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
        DeviceChoice::Vulkan => gpu::vulkan(),
        DeviceChoice::Wgpu => gpu::wgpu(),
        DeviceChoice::Auto => gpu::vulkan()
            .or_else(|_| gpu::wgpu())
            .or_else(|_| Ok((Device::flex(), "flex"))),
    }
}

#[cfg(feature = "gpu")]
mod gpu {
    use anyhow::{Context, Result, anyhow, bail};
    use burn::tensor::wgpu::{WgpuBackend, wgpu::DeviceType};
    use burn::tensor::{Device, Tensor};

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
        if info.device_type == DeviceType::Cpu {
            bail!(
                "the only {name} adapter is '{}', a software renderer; use --device flex",
                info.name
            );
        }
        probe(device, name)
    }

    /// Runs one tiny operation so a broken GPU is an error here, not a panic later.
    fn probe(device: Device, name: &'static str) -> Result<(Device, &'static str)> {
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
}

#[cfg(not(feature = "gpu"))]
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
