#!/usr/bin/env python3
"""resnet50 batch-32 fp32 forward, eager, as in ../shared/measurements/h100_pytorch_eager.json.
Every named module runs inside a range named after it (NVTX for --mode nvtx, torch.profiler
record_function for --mode profiler); the measured passes run inside ranges named ridgeline_pass."""
import argparse, json, sys, time

import torch
import torchvision

p = argparse.ArgumentParser()
p.add_argument("--mode", choices=["nvtx", "profiler"], required=True)
p.add_argument("--out", default="")
p.add_argument("--batch", type=int, default=32)
p.add_argument("--warmup", type=int, default=5)
p.add_argument("--passes", type=int, default=5)
a = p.parse_args()

torch.backends.cudnn.benchmark = False
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
model = torchvision.models.resnet50(weights=None).cuda().eval()
x = torch.randn(a.batch, 3, 224, 224, device="cuda")

stack = []
def pre(name):
    def hook(module, inputs):
        if a.mode == "nvtx":
            torch.cuda.nvtx.range_push(name)
        else:
            rf = torch.autograd.profiler.record_function(name)
            rf.__enter__()
            stack.append(rf)
    return hook
def post(name):
    def hook(module, inputs, output):
        if a.mode == "nvtx":
            torch.cuda.nvtx.range_pop()
        else:
            stack.pop().__exit__(None, None, None)
    return hook
for name, module in model.named_modules():
    if name:
        module.register_forward_pre_hook(pre(name))
        module.register_forward_hook(post(name))

def forward():
    with torch.no_grad():
        model(x)

for _ in range(a.warmup):
    forward()
torch.cuda.synchronize()

if a.mode == "nvtx":
    times = []
    for _ in range(a.passes):
        torch.cuda.nvtx.range_push("ridgeline_pass")
        t0 = time.perf_counter()
        forward()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
        torch.cuda.nvtx.range_pop()
    print(json.dumps({"mode": a.mode, "wall_ms_per_pass": [t * 1e3 for t in times]}))
else:
    from torch.profiler import ProfilerActivity, profile, record_function
    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
        for _ in range(a.passes):
            with record_function("ridgeline_pass"):
                forward()
                torch.cuda.synchronize()
    prof.export_chrome_trace(a.out)
    events = json.load(open(a.out))["traceEvents"]
    kernels = [e for e in events if e.get("ph") == "X" and str(e.get("cat", "")).lower() == "kernel"]
    print(json.dumps({"mode": a.mode, "kernels_per_pass": len(kernels) / a.passes,
                      "kernel_sum_us_per_pass": sum(float(e["dur"]) for e in kernels) / a.passes,
                      "torch": torch.__version__, "cuda": torch.version.cuda,
                      "cudnn": torch.backends.cudnn.version(), "device": torch.cuda.get_device_name()}))
