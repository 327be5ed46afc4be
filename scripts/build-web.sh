#!/usr/bin/env bash
# Builds the wasm package into pkg/ (release, ES module for the browser) when src/ changed since
# the last build, or when pkg/ is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=pkg/unpaired_bg.wasm
if [ -f "$stamp" ] && [ -z "$(find src Cargo.toml Cargo.lock -newer "$stamp" -print -quit)" ]; then
  echo "[build-web] pkg/ is up to date"
  exit 0
fi
echo "[build-web] building the wasm package (release, fat LTO)…"
# Whole-program LTO in one codegen unit: a much smaller download than the test build's
# plain release profile, at the cost of a longer link.
CARGO_PROFILE_RELEASE_LTO=fat CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 \
  wasm-pack build --release --target web --out-dir pkg --no-pack
# The function names (for stack traces) are 16% of the download and not needed to run it.
python3 scripts/strip_wasm_names.py pkg/unpaired_bg.wasm
