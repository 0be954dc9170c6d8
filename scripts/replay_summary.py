#!/usr/bin/env python3
"""Summarises scripts/replay_zoo.sh's output: one row per model and configuration (predicted vs
replayed time over the nodes that ran, coverage of the predicted time), the model-level median
absolute percentage error per precision and batch, and resnet50 batch 32 fp32 next to the
calibration sample's kernel_sum_us. Standard library only.

    scripts/replay_summary.py OUT_DIR [--sample ../shared/measurements/h100_pytorch_eager.json]
"""
import argparse
import json
import pathlib
import re
import statistics


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir")
    ap.add_argument("--sample", help="calibration sample JSON (kernel_sum_us per model/batch/dtype)")
    args = ap.parse_args()
    rows = []
    for path in sorted(pathlib.Path(args.out_dir).glob("*_b*_fp*.json")):
        if path.name.endswith(".trace.json"):
            continue
        m = re.fullmatch(r"(.+)_b(\d+)_(fp\d+)\.json", path.name)
        if not m:
            continue
        try:
            r = json.loads(path.read_text())
        except json.JSONDecodeError:
            rows.append((m[1], int(m[2]), m[3], None))
            continue
        rows.append((m[1], int(m[2]), m[3], r))

    print("| model | batch | dtype | coverage | predicted (ran) | replayed | error | kernels nodes |")
    print("|---|---|---|---|---|---|---|---|")
    errors = {}
    for model, batch, dt, r in rows:
        if r is None or r.get("status") != "ok":
            why = "unreadable" if r is None else f"{r.get('status')}: {r.get('message', '')}"
            print(f"| {model} | {batch} | {dt} | - | - | - | {why} | - |")
            continue
        ran = [n for n in r["nodes"] if "measured_s" in n]
        predicted = sum(n["predicted_s"] for n in ran)
        measured = sum(n["measured_s"] for n in ran)
        err = (predicted - measured) / measured if measured > 0 else float("nan")
        errors.setdefault((dt, batch), []).append(abs(err))
        print(f"| {model} | {batch} | {dt} | {100 * r['coverage']:.2f}% | {1e3 * predicted:.3f} ms | "
              f"{1e3 * measured:.3f} ms | {100 * err:+.1f}% | {len(ran)} |")
    print()
    print("| dtype | batch | models | median |error| | mean |error| |")
    print("|---|---|---|---|---|")
    for (dt, batch), e in sorted(errors.items()):
        print(f"| {dt} | {batch} | {len(e)} | {100 * statistics.median(e):.1f}% | {100 * statistics.mean(e):.1f}% |")
    for dt in sorted({k[0] for k in errors}):
        e = [x for (d, _), v in errors.items() if d == dt for x in v]
        print(f"\n{dt}, both batches: median |error| {100 * statistics.median(e):.1f}% over {len(e)} runs")

    if args.sample:
        sample = json.loads(pathlib.Path(args.sample).read_text())
        ref = [s for s in sample["runs"] if s["model"] == "resnet50" and s["batch"] == 32 and s["dtype"] == "float32"]
        # resnet50_eager keeps batch norm as its own node, as the PyTorch modules of the sample run it.
        for name in ("resnet50_eager", "resnet50"):
            mine = [r for model, batch, dt, r in rows if model == name and batch == 32 and dt == "fp32" and r]
            if mine:
                break
        if ref and mine and mine[0].get("status") == "ok":
            replayed = sum(n.get("measured_s", 0) for n in mine[0]["nodes"])
            by_op = {}
            for n in mine[0]["nodes"]:
                if "measured_s" in n:
                    by_op[n["op_type"]] = by_op.get(n["op_type"], 0) + n["measured_s"]
            print(f"\n{name} b32 fp32: replay Σ node medians {1e6 * replayed:.0f} us vs PyTorch kernel_sum_us "
                  f"{ref[0]['kernel_sum_us']:.0f} us ({ref[0]['kernels_per_iter']:.0f} kernels per pass) -> "
                  f"{100 * (replayed / (1e-6 * ref[0]['kernel_sum_us']) - 1):+.1f}%")
            print("  replay by op type: " + ", ".join(f"{k} {1e6 * v:.0f} us" for k, v in
                                                       sorted(by_op.items(), key=lambda kv: -kv[1])))


if __name__ == "__main__":
    main()
