#!/usr/bin/env bash
# The web app's default model (horse2zebra), trained on this machine's CPU (burn Flex) across
# sessions: each `start` continues the run from its latest snapshot (one per epoch).
#   bash scripts/train-default-model.sh start    starts (or continues) the run as a daemon
#   bash scripts/train-default-model.sh status   the last epoch lines and the newest losses
#   bash scripts/train-default-model.sh stop     stops it (the epoch under way is lost)
#   bash scripts/train-default-model.sh export   `test --eval` of the latest snapshot (EPOCH=N:
#        epoch N's), then its export with MODEL_CARD.md as www/models/horse2zebra-small (the
#        app's preselected model)
# Data: $DATAROOT (default ../shared/datasets/horse2zebra); the run: target/runs/$RUN (default
# h2z_cpu); the trainer: target/release/native-trainer (brought up to date by each command).
# The recipe is the paper's (LSGAN, λ 10, identity 0.5, pool 50, Adam 2e-4/0.5, batch 1,
# paper-scale 286 loads) on a CPU-sized network: ResNet-6, ngf 16, ndf 32, random 128² crops.
# The FID weights for `export`: bash scripts/fetch-fid-weights.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
dataroot=${DATAROOT:-../shared/datasets/horse2zebra} run=${RUN:-h2z_cpu}
# The schedule: N_EPOCHS at the full rate, then N_EPOCHS_DECAY of linear decay (re-read by each
# `start`, so changing it applies to a run under way from its next epoch). The run did 16 + 6,
# then warm restarts: 22 + 9 from epoch 23 (a second decay, from 1.8e-4 down over epochs 23–31),
# then 31 + 9 from epoch 32 (the same over 32–40), then LR=0.0001 40 + 8 (from 8.9e-5 over 41–48).
# The defaults are the last session's: the run is done with them (48 of 48).
n_epochs=${N_EPOCHS:-40} n_epochs_decay=${N_EPOCHS_DECAY:-8}
# The initial rate the schedule scales (the paper's is 2e-4).
lr=${LR:-0.0001}
runs=target/runs bin=target/release/native-trainer
log=$runs/$run.log
pidfile=$runs/$run.pid

running() { [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }
# Built (or brought up to date: a few seconds when it is) before each use, so `export` never runs
# a trainer older than the source.
need_trainer() {
  cargo build --release -p native-trainer
}

case ${1:-} in
  start)
    if running; then echo "already training (pid $(cat "$pidfile"))"; exit 0; fi
    [[ -d $dataroot/trainA ]] || { echo "no dataset at $dataroot (set DATAROOT)" >&2; exit 1; }
    need_trainer
    mkdir -p "$runs"
    resume=()
    [[ -d $runs/$run/latest ]] && resume=(--continue)
    # A copy of the binary, so that rebuilding the trainer meanwhile does not touch the daemon.
    cp "$bin" "$runs/native-trainer-$run"
    setsid nohup "$runs/native-trainer-$run" train --dataroot "$dataroot" --name "$run" \
      --checkpoints-dir "$runs" --device flex --netG resnet_6blocks --ngf 16 --ndf 32 \
      --load-size 286 --crop-size 128 --n-epochs "$n_epochs" --n-epochs-decay "$n_epochs_decay" --lr "$lr" --save-epoch-freq 1 \
      "${resume[@]}" >> "$log" 2>&1 < /dev/null &
    echo $! > "$pidfile"
    sleep 10
    tail -3 "$log"
    ;;
  status)
    if running; then echo "training (pid $(cat "$pidfile"))"; else echo "not running"; fi
    grep -E "^epoch|resuming|new run|error" "$log" 2>/dev/null | tail -4 || true
    tail -1 "$runs/$run/loss_log.jsonl" 2>/dev/null || true
    ;;
  stop)
    if running; then kill "$(cat "$pidfile")"; echo stopped; else echo "not running"; fi
    rm -f "$pidfile"
    ;;
  export)
    need_trainer
    which=${EPOCH:-latest}   # as `--epoch` takes it: latest or N
    snapshot=$runs/$run/$([[ $which == latest ]] && echo latest || echo "epoch_$which")
    [[ -f $snapshot/state.json ]] || { echo "no snapshot $snapshot" >&2; exit 1; }
    epoch=$(sed -n 's/.*"epoch": *\([0-9]*\).*/\1/p' "$snapshot/state.json")
    "$bin" test --dataroot "$dataroot" --name "$run" --checkpoints-dir "$runs" --epoch "$which" \
      --results-dir target/results --device flex --eval --quiet
    "$bin" export --name "$run" --checkpoints-dir "$runs" --epoch "$which" --out www/models/horse2zebra-small \
      --model-name horse2zebra --default --results "target/results/$run/test_$which" \
      --description "A small, early horse ↔ zebra model (ResNet-6, ngf 16, $epoch epochs) trained on a CPU by Unpaired's native-trainer on the horse2zebra photos (ImageNet-derived: research use only)." \
      --notes "Trained with scripts/train-default-model.sh, a few epochs per session on 2 CPU cores. Epochs 1–9 (2,100 iterations) were an earlier smoke run on at most 400 photos per domain loaded at 143² (random 128² crops), which this run continued; from epoch 10 on, every training photo, loaded at 286² (the paper's scale, so 256² test photos are at the training scale). The schedule changed between sessions to fit them: the paper's constant rate then linear decay, shortened, followed by warm restarts (the Learning rate row gives each stretch). The paper trains a ResNet-9 (ngf 64) for 200 epochs on 256² crops: this model is far from that, and its scores say so." \
      --data-terms "horse2zebra (Zhu et al. 2017) is built from ImageNet photos of the wild horse and zebra classes; each photo stays under its owner's copyright, and ImageNet's terms allow non-commercial research and educational use only. Treat this model as research use only. The sample grid shows four test photos of each domain for evaluation."
    ;;
  *)
    sed -n 2,14p "$0"
    exit 2
    ;;
esac
