#!/usr/bin/env bash
# The default model's training run on the GPU machine, as a daemon that outlives the call.
#   bash scripts/gpu/train.sh start [train options…]  starts it (after data.sh unpack); the
#        options are added to the defaults below, e.g. --conv im2col --conv-precision f16.
#        With a fetched pack carried in .device/resume/ (RUN.tar.part*), it continues that run.
#   bash scripts/gpu/train.sh status                  the log's tail, the last losses, the GPU
#   bash scripts/gpu/train.sh wait [SECONDS]          sleeps (default 540), then status
#   bash scripts/gpu/train.sh fetch                   `native-trainer pack` of `latest` (f16)
#        with the loss log and the newest sample grid, as one tar in ≤ 15 MiB pieces in $OUT;
#        here: `mkdir -p checkpoints/NAME/latest && cat RUN.tar.part* | tar -C $_ -xf -`.
# Run name: $RUN (default horse2zebra); data: target/gpu-data/$DATA (default horse2zebra).
set -uo pipefail
cd "$(dirname "$0")/../.."
run=${RUN:-horse2zebra} data=${DATA:-horse2zebra}
runs=target/gpu-runs
# shellcheck source=scripts/gpu/env.sh
source scripts/gpu/env.sh
case ${1:-} in
  start)
    shift
    mkdir -p "$runs"
    resume=()
    if ls .device/resume/*.tar.part* >/dev/null 2>&1 && [[ ! -d $runs/$run/latest ]]; then
      mkdir -p "$runs/$run/latest"
      cat .device/resume/*.tar.part* | tar -C "$runs/$run/latest" -xf -
      rm -f "$runs/$run/latest/loss_log.jsonl" "$runs/$run/latest/"*.png
    fi
    if [[ -d $runs/$run/latest ]]; then resume=(--continue); fi
    setsid nohup "$TRAINER" train --dataroot "target/gpu-data/$data" --name "$run" \
      --checkpoints-dir "$runs" --device "${DEVICE:-cuda}" --save-epoch-freq 1 --quiet \
      "${resume[@]}" "$@" > "$runs/$run.log" 2>&1 < /dev/null &
    sleep 20
    tail -5 "$runs/$run.log"
    ;;
  wait)
    # The machine goes back 30 s after a call ends, daemon and all: keep a call open meanwhile.
    sleep "${2:-540}"
    ;&
  status)
    tail -5 "$runs/$run.log"
    tail -2 "$runs/$run/loss_log.jsonl" 2>/dev/null
    nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader
    ;;
  fetch)
    out=${OUT:?fetch writes to \$OUT}
    rm -rf /tmp/packed
    "$TRAINER" pack --name "$run" --checkpoints-dir "$runs" --out /tmp/packed || exit 1
    cp "$runs/$run/loss_log.jsonl" /tmp/packed/ 2>/dev/null
    newest=$(ls "$runs/$run/samples/"*.png 2>/dev/null | tail -1)
    [[ -n $newest ]] && cp "$newest" /tmp/packed/
    # One tar in ≤ 15 MiB pieces: a call returns at most 8 files of 16 MiB.
    tar -C /tmp/packed -cf - . | split -b 15M -d - "$out/$run.tar.part"
    ls -la "$out"
    ;;
  *) echo "usage: train.sh start [options] | status | wait [seconds] | fetch" >&2; exit 2 ;;
esac
