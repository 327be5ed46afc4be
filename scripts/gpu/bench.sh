#!/usr/bin/env bash
# On the GPU machine: our generator inference and training iteration beside the PyTorch peer, in
# one command, as JSON lines ($OUT/bench.jsonl) and a Markdown table ($OUT/bench.md).
# Carry .device and .gl (scripts/gpu/pack.sh builds them). Example `run` command:
#   bash scripts/gpu/bench.sh --devices cuda,vulkan --sizes 256,512 --iters 20
# Options: --devices LIST (cuda,vulkan,wgpu)  --sizes LIST  --iters N  --convs LIST
#   (backend,im2col)  --conv-precisions LIST (model,f16)  --ops (per-layer profile at the first
#   size, backend plan)  --wgsl (also the WGSL-only build on `wgpu`: the browser's kernels)
#   --no-peer  --timeout S (per run of ours; default 300).
set -uo pipefail
cd "$(dirname "$0")/../.."
devices=cuda,vulkan sizes=256,512 iters=20 convs=backend,im2col precisions=model,f16
ops=false peer=true limit=300 wgsl=false
while (($#)); do
  case $1 in
    --devices) devices=$2; shift ;;
    --sizes) sizes=$2; shift ;;
    --iters) iters=$2; shift ;;
    --convs) convs=$2; shift ;;
    --conv-precisions) precisions=$2; shift ;;
    --ops) ops=true ;;
    --wgsl) wgsl=true ;;
    --no-peer) peer=false ;;
    --timeout) limit=$2; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
out=${OUT:-target/gpu-bench}
mkdir -p "$out"
log=$out/bench.jsonl
# shellcheck source=scripts/gpu/env.sh
source scripts/gpu/env.sh
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/gpu.txt"
date -u +%FT%TZ >> "$out/gpu.txt"

if $peer && [[ -f .device/peer_bench.py ]]; then
  PYTHONUNBUFFERED=1 python3 .device/peer_bench.py --iters "$iters" --sizes "$sizes" --benchmark \
    | tee -a "$log"
fi
IFS=, read -ra device_list <<< "$devices"
IFS=, read -ra size_list <<< "$sizes"
IFS=, read -ra conv_list <<< "$convs"
IFS=, read -ra precision_list <<< "$precisions"
if $ops; then
  for device in "${device_list[@]}"; do
    timeout "$limit" "$TRAINER" bench --device "$device" --size "${size_list[0]}" --iters "$iters" \
      --no-train --ops 2>> "$out/stderr.txt" | tee -a "$log"
  done
fi
for size in "${size_list[@]}"; do
  for device in "${device_list[@]}"; do
    for conv in "${conv_list[@]}"; do
      for precision in "${precision_list[@]}"; do
        timeout "$limit" "$TRAINER" bench --device "$device" --size "$size" --iters "$iters" \
          --conv "$conv" --conv-precision "$precision" 2>> "$out/stderr.txt" | tee -a "$log" \
          || echo "{\"bench\":\"failed\",\"device\":\"$device\",\"size\":$size,\"conv\":\"$conv/$precision\"}" | tee -a "$log"
      done
    done
    # The whole generator in f16 (inference only).
    timeout "$limit" "$TRAINER" bench --device "$device" --size "$size" --iters "$iters" \
      --precision f16 --no-train 2>> "$out/stderr.txt" | tee -a "$log"
  done
done
if $wgsl && [[ -x /tmp/native-trainer-wgsl ]]; then
  for size in "${size_list[@]}"; do
    for conv in "${conv_list[@]}"; do
      timeout "$limit" /tmp/native-trainer-wgsl bench --device wgpu --size "$size" \
        --iters "$iters" --conv "$conv" --no-train 2>> "$out/stderr.txt" | tee -a "$log"
    done
  done
fi
python3 scripts/gpu/bench_table.py "$log" | tee "$out/bench.md"
