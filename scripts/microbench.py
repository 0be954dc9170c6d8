#!/usr/bin/env python3
"""Single-operator microbenchmarks for `ridgeline calibrate`, on any CUDA GPU with PyTorch.

Writes a JSON file in the format of shared/measurements/h200_microbench.json: one row per
operator, shape and precision, with the summed kernel time of one call (every CUDA kernel, memcpy
and memset the call launches, as CUPTI records them through torch.profiler), the kernels per call
and the time per kernel name. Settings match the calibration sample's: TF32 off, cudnn.benchmark
off, eval mode, no_grad.

    python3 scripts/microbench.py -o my_gpu_microbench.json            # the default shape list
    python3 scripts/microbench.py --shapes other_microbench.json -o out.json   # another file's shapes
    ridgeline calibrate --from out.json --hw my-gpu -o hwspecs/my-gpu.yaml

Each row is warmed up, then timed over --calls calls inside one profiler session; the figures are
per call. Needs PyTorch with CUDA; nothing else.
"""
import argparse
import collections
import json
import sys

import torch
import torch.nn.functional as F

# The shapes of shared/measurements/h200_microbench.json: layers of common CNNs and transformers
# at batch 1 to 128, and elementwise/normalisation sizes spanning L2-resident to DRAM-bound.
CONVS = [  # cin, cout, hw, kernel, stride, groups
    (3, 64, 224, 7, 2, 1), (64, 64, 56, 3, 1, 1), (64, 256, 56, 1, 1, 1), (256, 64, 56, 1, 1, 1),
    (128, 128, 28, 3, 1, 1), (256, 256, 14, 3, 1, 1), (512, 512, 7, 3, 1, 1), (1024, 256, 14, 1, 1, 1),
    (2048, 512, 7, 1, 1, 1), (32, 32, 112, 3, 1, 32), (144, 144, 56, 3, 2, 144), (96, 96, 56, 7, 1, 96),
    (384, 384, 14, 7, 1, 384), (64, 128, 56, 3, 2, 1), (128, 128, 28, 3, 1, 32), (96, 24, 112, 1, 1, 1),
    (3, 768, 224, 16, 16, 1),
]
MATMULS = [(1, 768, 768), (8, 768, 3072), (32, 1000, 2048), (128, 4096, 4096), (197, 768, 2304), (512, 768, 768),
           (1024, 1024, 1024), (2048, 3072, 768), (4096, 768, 3072), (4096, 4096, 4096), (8192, 8192, 8192),
           (16384, 1024, 4096), (3136, 64, 256), (50176, 256, 64), (100352, 64, 64), (6272, 128, 128),
           (25088, 96, 384), (8, 50257, 768), (128, 50257, 768), (4096, 50257, 768), (256, 256, 65536)]
BMMS = [(12, 128, 128, 64), (96, 128, 128, 64), (384, 128, 128, 64), (96, 512, 512, 64), (384, 197, 197, 64),
        (128, 1024, 1024, 64), (192, 49, 49, 32), (64, 128, 128, 64)]
ELEMENTS = [4096, 65536, 1 << 20, 1 << 22, 1 << 24, 1 << 26, 1 << 28]
PLANES = [(1, 64, 112), (32, 64, 112), (32, 256, 56), (128, 512, 28), (32, 2048, 7), (8, 96, 56)]
LAYERNORMS = [(128, 768), (1024, 768), (4096, 768), (16384, 768), (4096, 4096), (65536, 1024), (25088, 96)]
SOFTMAXES = [(1536, 128), (12288, 128), (49152, 128), (49152, 512), (75648, 197), (131072, 1024)]
SEQUENCES = [(8, 128, 768), (32, 128, 768), (8, 512, 768)]
EMBEDDINGS = [(1, 128, 768), (32, 128, 768), (8, 1024, 768)]
# --extended: shapes the default list lacks where docs/accuracy.md and docs/llm.md find the largest
# errors — fp32 GEMMs of transformer layers at batch 1 (M = 128, K = 768 / 3072, split-K in cuBLAS)
# and the one-query-row attention products of LLM decode (M = 1 over 128–4096 cached tokens).
EXTENDED_MATMULS = [(128, 768, 768), (128, 2304, 768), (128, 3072, 768), (128, 768, 3072), (32, 768, 768),
                    (32, 3072, 768)]
EXTENDED_BMMS = [(12, 1, 128, 64), (12, 1, 1024, 64), (384, 1, 128, 64), (384, 1, 1024, 64), (384, 1, 4096, 64),
                 (12, 1, 64, 1024), (384, 1, 64, 128), (384, 1, 64, 1024), (384, 1, 64, 4096)]
# One decode step's attention over a KV cache exactly as Hugging Face eager runs it (batch × heads,
# cached tokens, head size): Q·Kᵀ with Kᵀ a transposed view of the cache (cuBLAS "TN", N = past + 1,
# odd: unaligned kernels), P·V with K = past + 1, and torch.cat of the cache with the new token,
# which arrives contiguous (OPT) or as a strided view of the fused QKV projection (GPT-2, batch > 1:
# PyTorch's generic, non-vectorised cat kernel). The batches are gpt2/opt_125m's 12 heads × 1/8/32.
DECODE_ATTENTION = [(12, 128, 64), (12, 1000, 64), (96, 128, 64), (96, 1000, 64), (384, 128, 64), (384, 512, 64),
                    (384, 1000, 64), (384, 4000, 64)]


def default_rows(extended=False):
    rows = []
    if extended:
        rows += [{"op": "matmul", "m": m, "n": n, "k": k} for m, n, k in EXTENDED_MATMULS]
        rows += [{"op": "bmm_qk", "batch": b, "m": m, "n": n, "k": k} for b, m, n, k in EXTENDED_BMMS]
        for bh, past, d in DECODE_ATTENTION:
            rows.append({"op": "decode_qk", "batch": bh, "past": past, "d": d})
            rows.append({"op": "decode_pv", "batch": bh, "past": past, "d": d})
            for op in ("cat_kv", "cat_kv_strided"):
                rows.append({"op": op, "batch": bh // 12, "heads": 12, "past": past, "d": d})
    for m, n, k in MATMULS:
        rows.append({"op": "matmul", "m": m, "n": n, "k": k})
    for b, m, n, k in BMMS:
        rows.append({"op": "bmm_qk", "batch": b, "m": m, "n": n, "k": k})
    for batch in (1, 8, 32, 128):
        for cin, cout, hw, kernel, stride, groups in CONVS:
            rows.append({"op": "conv2d", "batch": batch, "cin": cin, "cout": cout, "hw": hw, "kernel": kernel,
                         "stride": stride, "groups": groups})
    for op in ("add", "relu", "gelu", "mul_scalar", "copy"):
        for e in ELEMENTS:
            rows.append({"op": op, "elements": e})
    for op in ("batchnorm_eval", "maxpool3x3s2", "global_avgpool"):
        for batch, c, hw in PLANES:
            rows.append({"op": op, "batch": batch, "c": c, "hw": hw})
    for r, d in LAYERNORMS:
        rows.append({"op": "layernorm", "rows": r, "d": d})
    for r, d in SOFTMAXES:
        rows.append({"op": "softmax", "rows": r, "d": d})
    for batch, seq, d in SEQUENCES:
        rows.append({"op": "transpose_contiguous", "batch": batch, "seq": seq, "d": d})
    for batch, seq, d in EMBEDDINGS:
        rows.append({"op": "embedding", "batch": batch, "seq": seq, "d": d})
    return rows


def make_call(row, dtype, dev):
    """The operator of a row as a zero-argument callable, its tensors already on the device."""
    op = row["op"]
    r = lambda *shape: torch.randn(*shape, device=dev, dtype=dtype)
    if op == "matmul":
        a, b = r(row["m"], row["k"]), r(row["k"], row["n"])
        return lambda: torch.matmul(a, b)
    if op == "bmm_qk":
        a, b = r(row["batch"], row["m"], row["k"]), r(row["batch"], row["k"], row["n"])
        return lambda: torch.matmul(a, b)
    if op == "decode_qk":  # q [b, 1, d] · Kᵀ, K = the cache after the step's cat, [b, past + 1, d]
        q, kc = r(row["batch"], 1, row["d"]), r(row["batch"], row["past"] + 1, row["d"])
        return lambda: torch.matmul(q, kc.transpose(-1, -2))
    if op == "decode_pv":  # softmax row [b, 1, past + 1] · V [b, past + 1, d]
        p, v = r(row["batch"], 1, row["past"] + 1), r(row["batch"], row["past"] + 1, row["d"])
        return lambda: torch.matmul(p, v)
    if op in ("cat_kv", "cat_kv_strided"):  # cache [b, h, past, d] extended by one token along the sequence axis
        b, h, d = row["batch"], row["heads"], row["d"]
        cache = r(b, h, row["past"], d)
        if op == "cat_kv_strided":  # one third of a fused QKV projection, split and viewed per head (GPT-2)
            new = r(b, 1, 3 * h * d).split(h * d, dim=2)[1].view(b, 1, h, d).transpose(1, 2)
        else:  # a projection of its own, viewed per head (OPT, Llama): contiguous
            new = r(b, 1, h * d).view(b, 1, h, d).transpose(1, 2)
        return lambda: torch.cat([cache, new], dim=2)
    if op == "conv2d":
        k, s = row["kernel"], row["stride"]
        conv = torch.nn.Conv2d(row["cin"], row["cout"], k, stride=s, padding=0 if k == s else k // 2,
                               groups=row["groups"]).to(dev, dtype).eval()
        x = r(row["batch"], row["cin"], row["hw"], row["hw"])
        return lambda: conv(x)
    if op in ("add", "relu", "gelu", "mul_scalar", "copy"):
        x, y = r(row["elements"]), r(row["elements"])
        return {"add": lambda: x + y, "relu": lambda: torch.relu(x), "gelu": lambda: F.gelu(x),
                "mul_scalar": lambda: x * 0.5, "copy": lambda: x.clone()}[op]
    if op in ("batchnorm_eval", "maxpool3x3s2", "global_avgpool"):
        x = r(row["batch"], row["c"], row["hw"], row["hw"])
        if op == "batchnorm_eval":
            bn = torch.nn.BatchNorm2d(row["c"]).to(dev, dtype).eval()
            return lambda: bn(x)
        if op == "maxpool3x3s2":
            return lambda: F.max_pool2d(x, 3, 2, 1)
        return lambda: F.adaptive_avg_pool2d(x, 1)
    if op == "layernorm":
        x = r(row["rows"], row["d"])
        return lambda: F.layer_norm(x, (row["d"],))
    if op == "softmax":
        x = r(row["rows"], row["d"])
        return lambda: torch.softmax(x, -1)
    if op == "transpose_contiguous":
        x = r(row["batch"], row["seq"], row["d"])
        return lambda: x.transpose(1, 2).contiguous()
    if op == "embedding":
        table = r(50257, row["d"])
        ids = torch.randint(0, 50257, (row["batch"], row["seq"]), device=dev)
        return lambda: F.embedding(ids, table)
    raise SystemExit(f"unknown op {op!r}")


def device_time_us(event):
    for attr in ("device_time", "cuda_time", "self_device_time_total", "self_cuda_time_total"):
        if hasattr(event, attr):
            return float(getattr(event, attr))
    return 0.0


def measure(call, calls, warmup):
    """Summed CUDA time per call (µs), kernels per call, time per kernel name (µs per call)."""
    for _ in range(warmup):
        call()
    torch.cuda.synchronize()
    activities = [torch.profiler.ProfilerActivity.CUDA]
    with torch.profiler.profile(activities=activities) as prof:
        for _ in range(calls):
            call()
        torch.cuda.synchronize()
    by_name = collections.defaultdict(float)
    count = 0
    for e in prof.events():
        if e.device_type != torch.autograd.DeviceType.CUDA:
            continue
        by_name[e.name[:60]] += device_time_us(e)
        count += 1
    total = sum(by_name.values())
    return total / calls, count / calls, {k: v / calls for k, v in by_name.items()}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("-o", "--output", required=True, help="the JSON file to write")
    p.add_argument("--shapes", help="take the rows' ops and sizes from another microbenchmark file")
    p.add_argument("--extended", action="store_true",
                   help="add small-M fp32 GEMMs and one-row (LLM decode) attention products to the default list")
    p.add_argument("--dtypes", default="float32,float16", help="comma-separated torch dtypes")
    p.add_argument("--calls", type=int, default=20, help="timed calls per row")
    p.add_argument("--warmup", type=int, default=5, help="untimed calls before")
    p.add_argument("--device", default="cuda:0")
    a = p.parse_args()
    if not torch.cuda.is_available():
        sys.exit("no CUDA device: the microbenchmarks need a GPU")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.benchmark = False
    dev = torch.device(a.device)
    if a.shapes:
        with open(a.shapes) as f:
            keys = {"op", "dtype", "kernel_us", "kernels", "by_kernel_us"}
            seen, shapes = set(), []
            for row in json.load(f)["rows"]:
                shape = {k: v for k, v in row.items() if k not in keys - {"op"}}
                key = json.dumps(shape, sort_keys=True)
                if key not in seen:
                    seen.add(key)
                    shapes.append(shape)
    else:
        shapes = default_rows(a.extended)
    out = {"device": torch.cuda.get_device_name(dev), "torch": torch.__version__,
           "cudnn": torch.backends.cudnn.version(),
           "settings": "tf32 off; cudnn.benchmark off; no_grad; time = summed kernel time per call "
                       "(torch.profiler/CUPTI)",
           "rows": []}
    with torch.no_grad():
        for name in a.dtypes.split(","):
            dtype = getattr(torch, name.strip())
            for shape in shapes:
                try:
                    us, kernels, by_kernel = measure(make_call(shape, dtype, dev), a.calls, a.warmup)
                except torch.cuda.OutOfMemoryError:
                    print(f"skipped (out of memory): {shape} {name}", file=sys.stderr)
                    torch.cuda.empty_cache()
                    continue
                out["rows"].append({"kernel_us": us, "kernels": kernels, "by_kernel_us": by_kernel, **shape,
                                    "dtype": str(dtype)})
                print(f"{shape} {name}: {us:.1f} us, {kernels:g} kernels", file=sys.stderr)
                torch.cuda.empty_cache()
    with open(a.output, "w") as f:
        json.dump(out, f, indent=1)
    print(f"wrote {len(out['rows'])} rows to {a.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
