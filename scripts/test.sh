#!/usr/bin/env bash
# Runs every test: formatting, the native tests (cargo test) and the browser tests in headless
# Firefox on WebGPU and CPU (wasm-pack test). Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "native tests"
cargo test --workspace --no-default-features

step "browser tests (headless Firefox: WebGPU and CPU)"
# Software WebGPU is slow: give each browser test up to 10 minutes.
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-600}"
# --nocapture keeps the tests' own lines (which backend ran, how far from native) in the log.
wasm-pack test --headless --firefox --release -- --test browser -- --nocapture
