#!/usr/bin/env python3
"""Markdown tables from scripts/gpu/bench.sh's JSON lines: ours (native-trainer bench) beside the
PyTorch peer (peer_bench.py) per size, and the per-layer profile of `bench --ops`.
Usage: bench_table.py bench.jsonl"""
import json
import sys


def ratio(ours, theirs):
    return f"{ours / theirs:.2f}×" if ours and theirs else "—"


def ms(value):
    return f"{value:.1f}" if isinstance(value, (int, float)) else "—"


def g_step(record):
    g = record.get("train_g_step_ms_median")
    return f" (G step {g:.1f})" if isinstance(g, (int, float)) else ""


def main(path):
    rows, ops, failed = [], [], []
    peer = {}
    for line in open(path):
        line = line.strip()
        if not line.startswith("{"):
            continue
        record = json.loads(line)
        kind = record.get("bench")
        if "torch" in record:
            peer[record["size"]] = record
        elif kind == "cyclegan":
            rows.append(record)
        elif kind == "cyclegan-op":
            ops.append(record)
        elif kind == "failed":
            failed.append(record)

    print("| size | device | weights | residual convs | inference ms | vs PyTorch | "
          "train iter ms | vs PyTorch | max abs diff vs Flex f32 |")
    print("|---|---|---|---|---|---|---|---|---|")
    for size in sorted({r["size"] for r in rows} | set(peer)):
        if size in peer:
            p = peer[size]
            print(f"| {size}² | PyTorch {p['torch']} ({p['device']}) | f32 | cuDNN | "
                  f"{ms(p.get('infer_ms_fp32'))} | 1× | {ms(p.get('train_iter_ms'))} | 1× | |")
            if p.get("infer_ms_fp16"):
                print(f"| {size}² | PyTorch {p['torch']} | f16 | cuDNN | "
                      f"{ms(p['infer_ms_fp16'])} | 1× | | | |")
        for r in (r for r in rows if r["size"] == size):
            p = peer.get(size, {})
            conv = r["conv"]
            plan = conv["algorithm"] + ("" if conv["precision"] == "model" else " (f16 operands)")
            reference = p.get("infer_ms_fp16") if r["precision"] == "f16" else p.get("infer_ms_fp32")
            diff = r.get("max_abs_diff_vs_flex")
            kernels = f" ({r['kernels']})" if r.get("kernels") else ""
            print(f"| {size}² | burn {r['burn']} `{r['device']}`{kernels} | {r['precision']} | {plan} | "
                  f"{ms(r['inference_ms_median'])} | {ratio(r['inference_ms_median'], reference)} | "
                  f"{ms(r.get('train_iter_ms_median'))}{g_step(r)} | "
                  f"{ratio(r.get('train_iter_ms_median'), p.get('train_iter_ms'))} | "
                  f"{'' if diff is None else f'{diff:.1e}'} |")
    for f in failed:
        print(f"\nFailed or timed out: {f['device']} {f['size']}² {f['conv']}")

    if ops:
        print("\n| layer | input | count | median ms | ms per forward | share |")
        print("|---|---|---|---|---|---|")
        for o in ops:
            share = o.get("share_of_layer_sum")
            print(f"| {o['op']} | {'×'.join(map(str, o['input']))} | {o['count']} | "
                  f"{o['ms_median']:.3f} | {o['ms_total']:.2f} | "
                  f"{'' if share is None else f'{100 * share:.0f}%'} |")


if __name__ == "__main__":
    main(sys.argv[1])
