#!/usr/bin/env bash
# Builds the wasm package into pkg/ (release, ES module for the browser) when src/ (or the build's
# own settings: Cargo.toml, Cargo.lock, this script) changed since the last build, or when pkg/ is
# missing.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=pkg/unpaired_bg.wasm
if [ -f "$stamp" ] && [ -z "$(find src Cargo.toml Cargo.lock scripts/build-web.sh -newer "$stamp" -print -quit)" ]; then
  echo "[build-web] pkg/ is up to date"
  exit 0
fi
echo "[build-web] building the wasm package (release, fat LTO, dependencies for size)…"
# Whole-program LTO in one codegen unit: a much smaller download than the test build's
# plain release profile, at the cost of a longer link. The dependencies (burn, CubeCL, wgpu: most
# of the module) are optimised for size and our own crate, which holds the CPU engine's kernels,
# for speed: 24% less to download (gzip 3.67 → 2.77 MB) for the same CPU and WebGPU times
# (BENCHMARKS.md, "The wasm download"). These settings apply to this build only: the trainer's
# native release build keeps opt-level 3 throughout.
CARGO_PROFILE_RELEASE_LTO=fat CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 CARGO_PROFILE_RELEASE_OPT_LEVEL=s \
  wasm-pack build --release --target web --out-dir pkg --no-pack \
  -- --config 'profile.release.package.unpaired.opt-level=3'
# The function names (for stack traces) are 28% of the module and not needed to run it.
python3 scripts/strip_wasm_names.py pkg/unpaired_bg.wasm
