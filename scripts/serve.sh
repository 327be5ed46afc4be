#!/usr/bin/env bash
# Sets up what is missing, builds the wasm package if needed, and serves the app on
# http://127.0.0.1:8080 (PORT=… to change). Further arguments go to serve.py, e.g.
# `--models DIR` to offer the models in DIR instead of www/models.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build-web.sh
exec python3 scripts/serve.py --port "${PORT:-8080}" "$@"
