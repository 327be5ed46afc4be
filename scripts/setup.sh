#!/usr/bin/env bash
# Installs what building, serving and testing Unpaired needs on a Debian machine, skipping what is present.
# Safe to run again: every step checks first.
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=0.2.130
WASM_PACK_VERSION=0.15.1
GECKODRIVER_VERSION=0.37.1

have() { command -v "$1" >/dev/null 2>&1; }
say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif have sudo; then sudo "$@"; else "$@"; fi; }

if ! have cargo; then
  echo "[setup] cargo not found: install Rust with rustup (https://rustup.rs) and run this again" >&2
  exit 1
fi

# Debian packages: Firefox (browser tests), software Vulkan (WebGPU in headless Firefox), python3
# (static server), Chromium and Node.js with npm (the web app's end-to-end tests). Node and npm
# count as present when their commands are, however they were installed.
missing=()
for pkg in firefox-esr mesa-vulkan-drivers python3 chromium; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
have node || missing+=(nodejs)
have npm || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  say "Debian packages present"
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

version_of() { "$1" --version 2>/dev/null | head -n1 | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -n1; }

if [ "$(version_of wasm-bindgen || true)" != "$WASM_BINDGEN_VERSION" ]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  # Not --locked: a dependency in its lock file was yanked.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi
if [ "$(version_of wasm-pack || true)" != "$WASM_PACK_VERSION" ]; then
  say "installing wasm-pack $WASM_PACK_VERSION"
  cargo install wasm-pack --version "$WASM_PACK_VERSION" --locked --force
fi
if [ "$(version_of geckodriver || true)" != "$GECKODRIVER_VERSION" ]; then
  say "installing geckodriver $GECKODRIVER_VERSION"
  cargo install geckodriver --version "$GECKODRIVER_VERSION" --locked --force
fi
node_major=$(node --version | sed -E 's/^v([0-9]+).*/\1/')
if [ "$node_major" -lt 18 ]; then
  echo "[setup] node $(node --version) is too old for the end-to-end tests: Node.js 18 or newer is needed" >&2
  exit 1
fi

# The end-to-end tests' npm dependencies (playwright-core only; it never downloads a browser),
# exactly as locked, unless they are installed already.
e2e=tests/e2e
if [ -f "$e2e/package-lock.json" ]; then
  if [ ! -f "$e2e/node_modules/.package-lock.json" ] || [ "$e2e/package-lock.json" -nt "$e2e/node_modules/.package-lock.json" ]; then
    say "installing the end-to-end tests' npm dependencies (npm ci)"
    (cd "$e2e" && npm ci --ignore-scripts --no-audit --no-fund)
  fi
fi

say "ready: $(wasm-pack --version), wasm-bindgen $(version_of wasm-bindgen), geckodriver $(version_of geckodriver), node $(node --version)"
