#!/usr/bin/env python3
"""Does reduced precision change learning? Compares two runs' loss logs (checkpoints/NAME/
loss_log.jsonl), e.g. the same seed trained with `--conv-precision model` and `f16`, loss by loss:
each curve smoothed over a window of logged points, then the largest gap between the two smoothed
curves, relative to the reference run's own spread (the standard deviation of its raw values over
the compared iterations). Prints one JSON line per loss and a verdict line.
Usage: compare_losses.py REFERENCE.jsonl CANDIDATE.jsonl [--window 20] [--tolerance 0.5]
Train both with --print-freq 10 so that 2k iterations give 200 points to smooth."""
import argparse
import json
import statistics

NAMES = ["D_A", "G_A", "cycle_A", "idt_A", "D_B", "G_B", "cycle_B", "idt_B"]


def read(path):
    rows = {}
    for line in open(path):
        line = line.strip()
        if line:
            record = json.loads(line)
            rows[record["iteration"]] = record["losses"]
    return rows


def smooth(values, window):
    out, total = [], 0.0
    for i, v in enumerate(values):
        total += v
        if i >= window:
            total -= values[i - window]
        out.append(total / min(i + 1, window))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("reference")
    ap.add_argument("candidate")
    ap.add_argument("--window", type=int, default=20)
    ap.add_argument("--tolerance", type=float, default=0.5)
    a = ap.parse_args()
    ref, cand = read(a.reference), read(a.candidate)
    iterations = sorted(set(ref) & set(cand))
    if len(iterations) < 2:
        raise SystemExit("the two logs share fewer than two logged iterations")
    worst = 0.0
    for k, name in enumerate(NAMES):
        r = [ref[i][k] for i in iterations]
        c = [cand[i][k] for i in iterations]
        spread = statistics.pstdev(r) or 1e-12
        gap = max(abs(x - y) for x, y in zip(smooth(r, a.window), smooth(c, a.window)))
        worst = max(worst, gap / spread)
        print(json.dumps({"loss": name, "max_smoothed_gap": round(gap, 5),
                          "reference_spread": round(spread, 5),
                          "gap_over_spread": round(gap / spread, 3),
                          "final_reference": round(statistics.fmean(r[-a.window:]), 5),
                          "final_candidate": round(statistics.fmean(c[-a.window:]), 5)}))
    print(json.dumps({"iterations_compared": len(iterations), "first": iterations[0],
                      "last": iterations[-1], "worst_gap_over_spread": round(worst, 3),
                      "same_learning": worst <= a.tolerance}))


if __name__ == "__main__":
    main()
