#!/usr/bin/env bash
# Here, before a session's calls to the GPU machine (the `device` tool): build what its commands
# carry into folders git ignores, so that one call can bench or train without installing anything.
#   .device/native-trainer.xz   the trainer, release, with CUDA and the Vulkan/wgpu backends, stripped
#   .device/native-trainer-wgsl.xz   the same with wgpu's WGSL kernels only (WGSL=0 skips it)
#   .device/peer_bench.py       the PyTorch peer (from ../shared/tools, when present)
#   .gl/*.deb                   the Vulkan/EGL loaders the GPU machine lacks
# Usage: bash scripts/gpu/pack.sh   (two cold release builds: ~15 min each on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/../.."

cargo build --release -p native-trainer --features cuda
mkdir -p .device
strip -o .device/native-trainer target/release/native-trainer
xz -T0 -6 -f .device/native-trainer
# The same trainer with WGSL kernels only (what a browser's WebGPU runs), in its own target folder
# so the two builds do not replace each other: `bench.sh --wgsl`.
if [[ ${WGSL:-1} == 1 ]]; then
  cargo build --release -p native-trainer --no-default-features --features wgsl \
    --target-dir target/wgsl
  strip -o .device/native-trainer-wgsl target/wgsl/release/native-trainer
  xz -T0 -6 -f .device/native-trainer-wgsl
fi
if [[ -f ../shared/tools/peer_bench.py ]]; then
  cp ../shared/tools/peer_bench.py .device/
else
  echo "note: ../shared/tools/peer_bench.py is absent; scripts/gpu/bench.sh will time ours alone" >&2
fi

if ! ls .gl/*.deb >/dev/null 2>&1; then
  mkdir -p .gl /tmp/amd64/partial
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  # shellcheck disable=SC2086
  apt-get $o update
  # shellcheck disable=SC2086
  (cd .gl && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
fi
du -sh .device .gl
