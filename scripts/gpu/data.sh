#!/usr/bin/env bash
# Moves a CycleGAN dataset to the GPU machine in pieces (a call carries at most 64 MiB).
#   here:  bash scripts/gpu/data.sh pack ../shared/datasets/horse2zebra   → .data/N/horse2zebra.tar
#          (pieces of ≤ 40 MiB of whole files; .data is git-ignored)
#   there: one call per piece, each carrying one `.data/N` (`carry: [".data/1"]`), running
#          bash scripts/gpu/data.sh unpack     → target/gpu-data/horse2zebra/{trainA,trainB,testA,testB}
#          (target/ stays on the machine between the calls of one lease)
set -euo pipefail
cd "$(dirname "$0")/../.."
case ${1:-} in
  pack)
    src=${2:?usage: data.sh pack DATASET_DIR}
    name=$(basename "$src")
    rm -rf .data
    mkdir -p .data
    part=1 size=0 list=$(mktemp)
    flush() {
      if [[ -s $list ]]; then
        mkdir -p ".data/$part"
        tar -C "$(dirname "$src")" -cf ".data/$part/$name.tar" -T "$list"
        part=$((part + 1)) size=0
        : > "$list"
      fi
    }
    while IFS= read -r file; do
      bytes=$(stat -c %s "$src/$file")
      if ((size + bytes > 40 * 1024 * 1024)); then flush; fi
      echo "$name/$file" >> "$list"
      size=$((size + bytes))
    done < <(cd "$src" && find trainA trainB testA testB -type f | sort)
    flush
    rm -f "$list"
    du -h .data/*/*.tar
    ;;
  unpack)
    mkdir -p target/gpu-data
    for piece in .data/*/*.tar; do
      tar -C target/gpu-data -xf "$piece"
      echo "unpacked $piece"
    done
    for d in target/gpu-data/*/; do
      for split in trainA trainB testA testB; do
        printf '%s %s: %s files\n' "$d" "$split" "$(find "$d$split" -type f 2>/dev/null | wc -l)"
      done
    done
    ;;
  *) echo "usage: data.sh pack DATASET_DIR | data.sh unpack" >&2; exit 2 ;;
esac
