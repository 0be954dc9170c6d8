#!/usr/bin/env python3
"""Summarises the replays of scripts/replay_zoo.sh (or the GPU kit's run.sh): one row per model and
configuration (predicted vs replayed time over the nodes that ran, coverage of the predicted time;
a failed replay shows its message), the model-level median absolute percentage error per precision
and batch, and resnet50 batch 32 fp32 next to an eager PyTorch forward of the same model: the
kernel time per pass of a trace (--eager-trace: ridgeline or Kineto JSON with `ridgeline_pass`
ranges, e.g. the H200's resnet50_inject.json) and/or the calibration sample's kernel_sum_us
(--sample). Both references are optional. Standard library only.

    scripts/replay_summary.py OUT_DIR [--eager-trace [LABEL=]TRACE.json ...] [--sample h100_pytorch_eager.json]
"""
import argparse
import json
import pathlib
import re
import statistics
import sys


def eager_per_pass(path, window="ridgeline_pass"):
    """(kernel seconds per pass, kernels per pass, passes) of the `window` ranges of a trace."""
    j = json.loads(pathlib.Path(path).read_text())
    kernels, windows = [], []  # kernels: (host launch time or device start, duration), in ns
    if "traceEvents" in j:  # Kineto (µs after baseTimeNanoseconds)
        base = int(j.get("baseTimeNanoseconds") or 0)
        ns = lambda us: base + round(float(us) * 1000)  # noqa: E731
        launches = {}
        for e in j["traceEvents"]:
            cat = str(e.get("cat", "")).lower()
            if e.get("ph") == "X" and cat in ("cuda_runtime", "cuda_driver") and "correlation" in e.get("args", {}):
                launches[e["args"]["correlation"]] = ns(e["ts"])
        for e in j["traceEvents"]:
            cat = str(e.get("cat", "")).lower()
            if e.get("ph") != "X":
                continue
            if cat == "kernel":
                at = launches.get(e.get("args", {}).get("correlation"), ns(e["ts"]))
                kernels.append((at, float(e["dur"]) * 1000))
            elif cat == "user_annotation" and e.get("name") == window:
                windows.append((ns(e["ts"]), ns(e["ts"]) + round(float(e["dur"]) * 1000)))
    else:  # ridgeline trace JSON
        for r in j["records"]:
            if r["kind"] == "kernel":
                at = r["launch"]["start_ns"] if r.get("launch") else r["start_ns"]
                kernels.append((at, r["end_ns"] - r["start_ns"]))
        windows = [(g["start_ns"], g["end_ns"]) for g in j.get("ranges", []) if g["name"] == window and not g.get("gpu")]
    if not windows:
        raise ValueError(f"{path}: no '{window}' range")
    inside = [d for at, d in kernels if any(a <= at <= b for a, b in windows)]
    return sum(inside) * 1e-9 / len(windows), len(inside) / len(windows), len(windows)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir")
    ap.add_argument("--eager-trace", action="append", default=[], metavar="[LABEL=]TRACE",
                    help="trace of an eager resnet50 b32 fp32 forward with ridgeline_pass ranges (repeatable)")
    ap.add_argument("--sample", help="calibration sample JSON (kernel_sum_us per model/batch/dtype); optional")
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
            r = None
        rows.append((m[1], int(m[2]), m[3], r))

    print("| model | batch | dtype | coverage | predicted (ran) | replayed | error | kernels nodes |")
    print("|---|---|---|---|---|---|---|---|")
    errors = {}
    replayed = {}
    for model, batch, dt, r in rows:
        if r is None or r.get("status") != "ok":
            why = "unreadable (see the .err file)" if r is None else f"{r.get('status')}: {r.get('message', '')}"
            print(f"| {model} | {batch} | {dt} | - | - | - | {why} | - |")
            continue
        ran = [n for n in r["nodes"] if "measured_s" in n]
        predicted = sum(n["predicted_s"] for n in ran)
        measured = sum(n["measured_s"] for n in ran)
        replayed[(model, batch, dt)] = (measured, ran)
        if measured <= 0:  # the replay refuses this now; an old result may still say so
            print(f"| {model} | {batch} | {dt} | {100 * r['coverage']:.2f}% | {1e3 * predicted:.3f} ms | 0 (nothing "
                  f"recorded) | - | {len(ran)} |")
            continue
        err = (predicted - measured) / measured
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

    # resnet50 batch 32 fp32 against eager PyTorch: resnet50_eager keeps batch norm as its own node,
    # as the PyTorch modules run it.
    name, mine = next(((n, replayed[(n, 32, "fp32")]) for n in ("resnet50_eager", "resnet50")
                       if (n, 32, "fp32") in replayed), (None, None))
    if mine is None:
        if args.eager_trace or args.sample:
            print("\nno resnet50_eager (or resnet50) batch 32 fp32 replay to compare with eager PyTorch")
        return
    total, ran = mine
    by_op = {}
    for n in ran:
        by_op[n["op_type"]] = by_op.get(n["op_type"], 0) + n["measured_s"]
    print(f"\n{name} b32 fp32: replay Σ node medians {1e3 * total:.3f} ms over {len(ran)} nodes")
    for item in args.eager_trace:
        label, path = item.split("=", 1) if "=" in item and not pathlib.Path(item).exists() else ("", item)
        try:
            eager_s, kernels, passes = eager_per_pass(path)
            print(f"  vs eager PyTorch ({label or pathlib.Path(path).name}): {1e3 * eager_s:.3f} ms of kernels per "
                  f"pass ({kernels:.0f} kernels, {passes} passes) -> replay {100 * (total / eager_s - 1):+.1f}%")
        except (OSError, ValueError, KeyError) as e:
            print(f"  eager trace {path} not read: {e}", file=sys.stderr)
    if args.sample:
        try:
            sample = json.loads(pathlib.Path(args.sample).read_text())
            ref = [s for s in sample["runs"]
                   if s["model"] == "resnet50" and s["batch"] == 32 and s["dtype"] == "float32"]
            if ref:
                print(f"  vs the sample's kernel_sum_us ({pathlib.Path(args.sample).name}): "
                      f"{ref[0]['kernel_sum_us'] / 1e3:.3f} ms ({ref[0]['kernels_per_iter']:.0f} kernels per pass) -> "
                      f"replay {100 * (total / (1e-6 * ref[0]['kernel_sum_us']) - 1):+.1f}%")
        except (OSError, ValueError, KeyError) as e:
            print(f"  sample not read ({e}): skipped", file=sys.stderr)
    print("  replay by op type: " + ", ".join(f"{k} {1e3 * v:.3f} ms" for k, v in
                                               sorted(by_op.items(), key=lambda kv: -kv[1])))


if __name__ == "__main__":
    main()
