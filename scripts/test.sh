#!/usr/bin/env bash
# Runs every test: formatting, the native tests (cargo test), the browser tests in headless
# Firefox on WebGPU and CPU (wasm-pack test), and the web app end to end in headless Chromium and
# Firefox (tests/e2e). Installs what is missing first.
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

step "web app end to end (headless Chromium and Firefox)"
# The page runs the same release build that scripts/serve.sh serves (built once, used by both browsers).
bash scripts/build-web.sh
# Without a browser: the stage loop that shares CPU translations among workers, the picture
# header reader, the ZIP, WebM and MP4 writers, folders, the offline file list, RGB to YUV, the
# page's sizes and durations.
node --test tests/e2e/cpu-split.test.mjs tests/e2e/image-header.test.mjs tests/e2e/zip.test.mjs tests/e2e/unzip.test.mjs tests/e2e/local-model.test.mjs tests/e2e/folders.test.mjs tests/e2e/offline-files.test.mjs tests/e2e/webm.test.mjs tests/e2e/mp4.test.mjs tests/e2e/yuv.test.mjs tests/e2e/status.test.mjs tests/e2e/pytorch.test.mjs
# Screenshots of each state land in test-output/e2e/.
node --test tests/e2e/chromium.test.mjs
node --test tests/e2e/firefox.test.mjs
