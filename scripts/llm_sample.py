#!/usr/bin/env python3
"""Compares `ridgeline llm` with the H100 decode sample and prints the Markdown table of docs/llm.md.

For each model of the sample (../shared/measurements/h100_decode_sample.json) it runs

    ridgeline llm ZOO/<model>_decode.onnx --hw h100-sxm --dtype fp16 --batch 1,8,32
                  --context 128,512,1000 --prompt 512 --gen 0 --format json

and prints, per measured run, the predicted against the measured summed kernel time, then the
median absolute percentage error (MdAPE) of decode and of prefill separately. Nothing is fitted.

    scripts/llm_sample.py [--tool build-nocuda/tools/ridgeline/ridgeline] [--zoo ../shared/zoo]
                          [--sample ../shared/measurements/h100_decode_sample.json] [--hw h100-sxm]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tool", default=os.path.join(ROOT, "build-nocuda", "tools", "ridgeline", "ridgeline"))
    ap.add_argument("--zoo", default=os.path.join(ROOT, "..", "shared", "zoo"))
    ap.add_argument("--sample", default=os.path.join(ROOT, "..", "shared", "measurements", "h100_decode_sample.json"))
    ap.add_argument("--hw", default="h100-sxm")
    a = ap.parse_args()

    with open(a.sample) as f:
        sample = json.load(f)
    runs = sample["runs"]
    models = sorted({r["model"] for r in runs})
    rows = []
    commands = []
    for model in models:
        mine = [r for r in runs if r["model"] == model]
        batches = sorted({r["batch"] for r in mine})
        contexts = sorted({r["past_sequence"] for r in mine if r["phase"] == "decode"})
        prompts = sorted({r["sequence"] for r in mine if r["phase"] == "prefill"})
        prompt = prompts[0] if prompts else 512
        path = os.path.join(a.zoo, model + "_decode.onnx")
        cmd = [a.tool, "llm", path, "--hw", a.hw, "--dtype", "fp16",
               "--batch", ",".join(map(str, batches)), "--context", ",".join(map(str, contexts)),
               "--prompt", str(prompt), "--gen", "0", "--format", "json"]
        commands.append(" ".join([os.path.relpath(cmd[0]), cmd[1], os.path.relpath(path)] + cmd[3:]))
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        points = json.loads(out)
        if isinstance(points, dict):
            points = [points]
        by_key = {(p["batch"], p["context"]): p for p in points}
        for r in mine:
            if r["phase"] == "decode":
                p = by_key[(r["batch"], r["past_sequence"])]["decode"]
                past = r["past_sequence"]
            else:
                p = next(q for q in points if q["batch"] == r["batch"])["prefill"]
                past = 0
            measured = r["kernel_sum_us"] * 1e-6
            predicted = p["predicted_time_s"]
            rows.append({"model": model, "phase": r["phase"], "batch": r["batch"], "past": past,
                         "tokens": r["sequence"], "measured_s": measured, "predicted_s": predicted,
                         "kernels_measured": r.get("kernels_per_iter"), "kernels_predicted": p["kernels"],
                         "limiter": p["limiter"], "error": (predicted - measured) / measured})

    print("Commands:\n")
    for c in commands:
        print("    " + c)
    print()
    print("| model | phase | batch | past | tokens | measured | predicted | error | kernels meas./pred. | limiter |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in sorted(rows, key=lambda r: (r["model"], r["phase"] != "decode", r["batch"], r["past"])):
        print("| {model} | {phase} | {batch} | {past} | {tokens} | {m:.0f} µs | {p:.0f} µs | {e:+.1f}% | {km:.0f}/{kp} | {lim} |"
              .format(m=r["measured_s"] * 1e6, p=r["predicted_s"] * 1e6, e=100 * r["error"],
                      km=r["kernels_measured"] or 0, kp=r["kernels_predicted"], lim=r["limiter"], **r))
    print()
    for phase in ("decode", "prefill"):
        errs = [abs(r["error"]) for r in rows if r["phase"] == phase]
        bias = [r["error"] for r in rows if r["phase"] == phase]
        if errs:
            print("{}: {} runs, MdAPE {:.1f}%, mean signed error {:+.1f}%, max |error| {:.1f}%".format(
                phase, len(errs), 100 * statistics.median(errs), 100 * statistics.mean(bias), 100 * max(errs)))
    errs = [abs(r["error"]) for r in rows]
    print("all: {} runs, MdAPE {:.1f}%".format(len(errs), 100 * statistics.median(errs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
