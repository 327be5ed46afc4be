//! How the browser's backend is chosen: the request (`auto`, `webgpu`, `cpu`), what `auto`
//! makes of the WebGPU adapter, and why it fell back to the CPU. Plain Rust on every target, so
//! its unit tests run natively; [`crate::web`] reads the browser's facts and applies it.

/// Which compute backend to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendRequest {
    /// WebGPU when the browser offers a GPU adapter, else the CPU (see [`auto_backend`]).
    Auto,
    /// WebGPU or an error.
    WebGpu,
    /// burn's Flex CPU backend.
    Cpu,
}

impl BackendRequest {
    /// Parses `auto`, `webgpu` or `cpu` (case-insensitive; empty means auto).
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "" | "auto" => Ok(Self::Auto),
            "webgpu" | "gpu" => Ok(Self::WebGpu),
            "cpu" => Ok(Self::Cpu),
            other => Err(format!(
                "unknown backend '{other}': expected 'auto', 'webgpu' or 'cpu'"
            )),
        }
    }
}

/// What the browser says about its WebGPU adapter: `GPUAdapter.info` (or what the older
/// `requestAdapterInfo()` resolves to) and whether it is a fallback adapter. Any of it may be
/// missing or empty (Firefox leaves the strings empty, for privacy).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdapterFacts {
    /// `info.isFallbackAdapter` (or the older `adapter.isFallbackAdapter`): the browser says the
    /// adapter trades speed for compatibility, which in practice means a software renderer.
    pub is_fallback: bool,
    /// `info.vendor`, e.g. `nvidia`, `google`.
    pub vendor: String,
    /// `info.architecture`, e.g. `ampere`, `swiftshader`.
    pub architecture: String,
    /// `info.device`.
    pub device: String,
    /// `info.description`, e.g. `llvmpipe (LLVM 15.0.6, 256 bits)`.
    pub description: String,
}

/// What `auto` runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AutoBackend {
    /// The browser's WebGPU adapter.
    WebGpu,
    /// The CPU, with why in plain words.
    Cpu {
        /// E.g. "the browser's WebGPU adapter is a software renderer (SwiftShader); the CPU path is faster".
        reason: String,
    },
}

/// Software renderers by a word of their names in the adapter's facts, and how they are written.
const SOFTWARE_RENDERERS: [(&str, &str); 3] = [
    ("swiftshader", "SwiftShader"),
    ("llvmpipe", "llvmpipe"),
    ("lavapipe", "lavapipe"),
];

/// Words that mark an adapter as one that runs on the processor.
const SOFTWARE_WORDS: [&str; 2] = ["software", "cpu"];

/// What `auto` makes of the browser's adapter: WebGPU, unless the adapter is a software renderer
/// (named as one, described as software or CPU, or marked as a fallback adapter). A software
/// renderer runs WebGPU's shaders on the processor, and our own CPU path is several times faster
/// than that (the default model at 128² in headless Chromium: 19 ms a frame on the CPU, 2838 ms on
/// SwiftShader).
/// An adapter that tells nothing about itself is taken to be a GPU.
pub fn auto_backend(facts: &AdapterFacts) -> AutoBackend {
    let fields = [
        &facts.vendor,
        &facts.architecture,
        &facts.device,
        &facts.description,
    ];
    // Whole words, lower case: "SwiftShader Device (Subzero)" → swiftshader, device, subzero.
    let words = |text: &str| {
        text.split(|c: char| !c.is_ascii_alphanumeric())
            .map(str::to_ascii_lowercase)
            .collect::<Vec<_>>()
    };
    let named = fields
        .iter()
        .flat_map(|field| words(field))
        .find_map(|word| {
            SOFTWARE_RENDERERS
                .iter()
                .find(|(key, _)| *key == word)
                .map(|(_, name)| name.to_string())
        });
    let described = || {
        fields
            .iter()
            .find(|field| {
                words(field)
                    .iter()
                    .any(|word| SOFTWARE_WORDS.contains(&word.as_str()))
            })
            .map(|field| field.trim().to_string())
    };
    let flagged = || {
        facts
            .is_fallback
            .then(|| "the browser marks it as a fallback adapter".to_string())
    };
    match named.or_else(described).or_else(flagged) {
        Some(what) => AutoBackend::Cpu {
            reason: format!(
                "the browser's WebGPU adapter is a software renderer ({what}); the CPU path is faster"
            ),
        },
        None => AutoBackend::WebGpu,
    }
}

/// Why `auto` runs on the CPU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fallback {
    /// The browser's WebGPU adapter is a software renderer, slower than the CPU path.
    SoftwareWebGpu(String),
    /// WebGPU cannot be used: missing, no adapter, failed to start, or its device was lost.
    NoWebGpu(String),
}

impl Fallback {
    /// `software-webgpu` or `no-webgpu`, for the page to choose its words.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::SoftwareWebGpu(_) => "software-webgpu",
            Self::NoWebGpu(_) => "no-webgpu",
        }
    }

    /// Why, in plain words.
    pub fn reason(&self) -> &str {
        match self {
            Self::SoftwareWebGpu(reason) | Self::NoWebGpu(reason) => reason,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(vendor: &str, architecture: &str, device: &str, description: &str) -> AdapterFacts {
        AdapterFacts {
            is_fallback: false,
            vendor: vendor.into(),
            architecture: architecture.into(),
            device: device.into(),
            description: description.into(),
        }
    }

    fn cpu(reason: &str) -> AutoBackend {
        AutoBackend::Cpu {
            reason: reason.into(),
        }
    }

    #[test]
    fn a_hardware_adapter_runs_webgpu() {
        for hardware in [
            facts("nvidia", "ampere", "", "NVIDIA GeForce RTX 3060"),
            facts("apple", "metal-3", "", "Apple M2"),
            facts("intel", "gen-12lp", "", "Intel(R) UHD Graphics 770"),
            facts("amd", "rdna-3", "", "AMD Radeon RX 7800 XT (RADV NAVI32)"),
        ] {
            assert_eq!(auto_backend(&hardware), AutoBackend::WebGpu, "{hardware:?}");
        }
    }

    #[test]
    fn an_adapter_that_tells_nothing_runs_webgpu() {
        assert_eq!(auto_backend(&AdapterFacts::default()), AutoBackend::WebGpu);
    }

    #[test]
    fn a_fallback_adapter_runs_on_the_cpu() {
        // Firefox on Mesa's llvmpipe: empty strings, only the flag.
        let flagged = AdapterFacts {
            is_fallback: true,
            ..AdapterFacts::default()
        };
        assert_eq!(
            auto_backend(&flagged),
            cpu(
                "the browser's WebGPU adapter is a software renderer (the browser marks it as a \
                 fallback adapter); the CPU path is faster"
            )
        );
        // The flag wins over a name that sounds like a GPU.
        let odd = AdapterFacts {
            is_fallback: true,
            ..facts("nvidia", "ampere", "", "")
        };
        assert!(matches!(auto_backend(&odd), AutoBackend::Cpu { .. }));
    }

    #[test]
    fn each_software_renderer_is_named_and_runs_on_the_cpu() {
        let cases = [
            // Chromium's SwiftShader, as headless Chromium reports it.
            (facts("google", "swiftshader", "", ""), "SwiftShader"),
            (
                facts("", "", "", "SwiftShader Device (Subzero)"),
                "SwiftShader",
            ),
            (
                facts("mesa", "", "", "llvmpipe (LLVM 15.0.6, 256 bits)"),
                "llvmpipe",
            ),
            (facts("", "", "lavapipe", ""), "lavapipe"),
            (facts("", "", "", "LAVAPIPE"), "lavapipe"),
        ];
        for (adapter, name) in cases {
            assert_eq!(
                auto_backend(&adapter),
                cpu(&format!(
                    "the browser's WebGPU adapter is a software renderer ({name}); the CPU path \
                     is faster"
                )),
                "{adapter:?}"
            );
        }
    }

    #[test]
    fn an_adapter_described_as_software_or_cpu_runs_on_the_cpu() {
        let cases = [
            (
                facts("", "", "", "Software Rasterizer"),
                "Software Rasterizer",
            ),
            (facts("", "", "CPU", ""), "CPU"),
            (facts("example", "cpu-emulation", "", ""), "cpu-emulation"),
        ];
        for (adapter, shown) in cases {
            assert_eq!(
                auto_backend(&adapter),
                cpu(&format!(
                    "the browser's WebGPU adapter is a software renderer ({shown}); the CPU path \
                     is faster"
                )),
                "{adapter:?}"
            );
        }
    }

    #[test]
    fn only_whole_words_count() {
        // "cpu" and the renderers' names inside other words are not software.
        let adapter = facts("acpud", "notllvmpipe", "", "softwareless GPU");
        assert_eq!(auto_backend(&adapter), AutoBackend::WebGpu);
    }

    #[test]
    fn fallback_kinds_and_reasons() {
        let software = Fallback::SoftwareWebGpu("slow".into());
        assert_eq!(
            (software.kind(), software.reason()),
            ("software-webgpu", "slow")
        );
        let none = Fallback::NoWebGpu("missing".into());
        assert_eq!((none.kind(), none.reason()), ("no-webgpu", "missing"));
    }

    #[test]
    fn backend_requests_parse() {
        assert_eq!(BackendRequest::parse(""), Ok(BackendRequest::Auto));
        assert_eq!(BackendRequest::parse(" Auto "), Ok(BackendRequest::Auto));
        assert_eq!(BackendRequest::parse("WebGPU"), Ok(BackendRequest::WebGpu));
        assert_eq!(BackendRequest::parse("gpu"), Ok(BackendRequest::WebGpu));
        assert_eq!(BackendRequest::parse("cpu"), Ok(BackendRequest::Cpu));
        assert_eq!(
            BackendRequest::parse("cuda"),
            Err("unknown backend 'cuda': expected 'auto', 'webgpu' or 'cpu'".into())
        );
    }
}
