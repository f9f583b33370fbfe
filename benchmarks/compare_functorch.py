#!/usr/bin/python3
"""Runs workloads W1-W5 in Cotangent (benchmarks/hessian_benchmark) and in PyTorch's functorch,
in the same run with the same thread count, and writes docs/benchmarks.md (table + plot).

Usage (from the repository root): bash benchmarks/compare.sh. The table goes between the
markers of docs/benchmarks.md; the plot to docs/benchmarks_rosenbrock.png.
PyTorch is used by this script only, never by the library or its tests. The workload
definitions mirror benchmarks/workloads.h.
"""

import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time

import torch
from functorch import grad, jacfwd, jacrev, jvp

# Cotangent's CPU thread pool uses every core; functorch gets the same number of threads.
THREADS = os.cpu_count() or 1
ROSENBROCK_NS = [10, 100, 1000, 3000]

# ---- the workloads, as in benchmarks/workloads.h ----


def cookbook_f(x):
    return (torch.tanh(x) ** 2).sum()


MLP_PARAMS = 2 * 32 + 32 + 32 * 32 + 32 + 32 * 1 + 1


def mlp_loss(p, x, y):
    shapes = [(2, 32), (32,), (32, 32), (32,), (32, 1), (1,)]
    parts, at = [], 0
    for shape in shapes:
        n = 1
        for d in shape:
            n *= d
        parts.append(p[at:at + n].reshape(shape))
        at += n
    w1, b1, w2, b2, w3, b3 = parts
    h1 = torch.tanh(x @ w1 + b1)
    h2 = torch.tanh(h1 @ w2 + b2)
    return ((h2 @ w3 + b3 - y) ** 2).mean()


def rosenbrock(x):
    head, tail = x[:-1], x[1:]
    return (100.0 * (tail - head ** 2) ** 2 + (1.0 - head) ** 2).sum()


CHAIN_OPS = 1250


def chain(x):
    for _ in range(CHAIN_OPS // 5):
        x = torch.sin(x) * 1.01 + 0.1 - x * 0.001
    return x


def median_seconds(fn, min_time=0.5, min_reps=5, max_reps=200):
    fn()  # warm up
    times = []
    start = time.perf_counter()
    while len(times) < min_reps or (time.perf_counter() - start < min_time and len(times) < max_reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def functorch_timings():
    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    out = {}
    x, v = torch.randn(30, 40), torch.randn(30, 40)
    out["BM_W1_HVP_FwdOverRev"] = median_seconds(lambda: jvp(grad(cookbook_f), (x,), (v,))[1])
    out["BM_W1_HVP_RevOverFwd"] = median_seconds(
        lambda: grad(lambda y: jvp(cookbook_f, (y,), (v,))[1])(x))
    out["BM_W1_HVP_RevOverRev"] = median_seconds(
        lambda: grad(lambda y: (grad(cookbook_f)(y) * v).sum())(x))
    out["BM_W1_Hessian_FwdOverRev"] = median_seconds(lambda: jacfwd(jacrev(cookbook_f))(x))

    p = torch.randn(MLP_PARAMS) * 0.3
    bx, by = torch.randn(64, 2), torch.randn(64, 1)
    loss = lambda q: mlp_loss(q, bx, by)
    out["BM_W2_Grad"] = median_seconds(lambda: grad(loss)(p))
    out["BM_W2_Hessian_FwdOverRev"] = median_seconds(lambda: jacfwd(jacrev(loss))(p))
    out["BM_W2_Hessian_RevOverRev"] = median_seconds(lambda: jacrev(jacrev(loss))(p))

    for n in ROSENBROCK_NS:
        r = torch.rand(n, dtype=torch.float64) * 4 - 2
        out[f"BM_W3_Rosenbrock_FwdOverRev/{n}"] = median_seconds(
            lambda: jacfwd(jacrev(rosenbrock))(r), min_reps=3)
        out[f"BM_W3_Rosenbrock_RevOverRev/{n}"] = median_seconds(
            lambda: jacrev(jacrev(rosenbrock))(r), min_reps=3)

    s = torch.tensor(0.5, dtype=torch.float64)
    out["BM_W4_Chain_Forward"] = median_seconds(lambda: chain(s))
    out["BM_W4_Chain_Grad"] = median_seconds(lambda: grad(chain)(s))

    for n in (128, 1024):
        a, b = torch.randn(n, n), torch.randn(n, n)
        out[f"BM_W5_Matmul/{n}"] = median_seconds(lambda: a @ b)
    return out


def cotangent_timings(binary):
    """Medians (seconds) and counters from the Google Benchmark binary's JSON output."""
    result = subprocess.run(
        [binary, "--benchmark_format=json", "--benchmark_repetitions=5",
         "--benchmark_report_aggregates_only=true"],
        check=True, capture_output=True, text=True)
    report = json.loads(result.stdout)
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
    times, counters = {}, {}
    for b in report["benchmarks"]:
        if b.get("aggregate_name") != "median":
            continue
        # "BM_W3_Rosenbrock_FwdOverRev/1000/real_time" -> "BM_W3_Rosenbrock_FwdOverRev/1000";
        # the W1/W2 sizes are fixed, so their arguments are dropped.
        parts = [p for p in b["run_name"].split("/") if p != "real_time"]
        name = parts[0] + ("/" + parts[1] if parts[0].startswith(("BM_W3", "BM_W5")) else "")
        times[name] = b["real_time"] * scale[b["time_unit"]]
        counters[name] = {k: b[k] for k in ("peak_bytes", "per_op", "flops") if k in b}
    return times, counters, report.get("context", {})


def fmt_time(seconds):
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def plot(ct_times, fc_times, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=120)
    for strategy, style in (("FwdOverRev", "-"), ("RevOverRev", "--")):
        for label, times, marker in (("Cotangent", ct_times, "o"), ("functorch", fc_times, "s")):
            ys = [times.get(f"BM_W3_Rosenbrock_{strategy}/{n}") for n in ROSENBROCK_NS]
            ax.plot(ROSENBROCK_NS, ys, style, marker=marker,
                    label=f"{label} {'jacfwd(jacrev)' if strategy == 'FwdOverRev' else 'jacrev(jacrev)'}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("n (Rosenbrock dimension)")
    ax.set_ylabel("time per Hessian (s)")
    ax.set_title("W3: Rosenbrock Hessian, f64, CPU")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)


def main():
    binary, out_md = sys.argv[1], sys.argv[2]
    ct_times, counters, context = cotangent_timings(binary)
    fc_times = functorch_timings()
    plot_path = os.path.join(os.path.dirname(out_md), "benchmarks_rosenbrock.png")
    plot(ct_times, fc_times, plot_path)

    rows = []
    for name in ct_times:
        if name not in fc_times:
            continue
        ct_t, fc_t = ct_times[name], fc_times[name]
        extra = ""
        c = counters.get(name, {})
        if "peak_bytes" in c:
            extra = f"{c['peak_bytes'] / 2**20:.1f} MiB"
        if "per_op" in c:
            extra = f"{c['per_op'] * 1e6:.2f} us/op (functorch {fc_t / CHAIN_OPS * 1e6:.2f})"
        if "flops" in c:
            n = int(name.split("/")[1])
            extra = f"{c['flops'] / 1e9:.1f} GFLOP/s (functorch {2 * n**3 / fc_t / 1e9:.1f})"
        rows.append(f"| `{name[3:]}` | {fmt_time(ct_t)} | {fmt_time(fc_t)} | {ct_t / fc_t:.2f} | {extra} |")

    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    table = "\n".join(rows)
    section = (
        f"Measured {datetime.date.today()} at commit {commit} on {cpu}, {THREADS} threads for "
        f"both libraries, torch {torch.__version__} (functorch), by `bash benchmarks/compare.sh`. "
        f"Times are medians; ratio = Cotangent / functorch (below 1: Cotangent is faster). "
        f"Peak memory is the CPU backend's peak bytes allocated during one call.\n\n"
        f"| workload | Cotangent | functorch | ratio | notes |\n"
        f"| --- | ---: | ---: | ---: | --- |\n{table}\n")
    # Replace the generated part of docs/benchmarks.md, between its markers.
    begin, end = "<!-- compare:begin -->", "<!-- compare:end -->"
    with open(out_md) as f:
        doc = f.read()
    head, rest = doc.split(begin, 1)
    tail = rest.split(end, 1)[1]
    with open(out_md, "w") as f:
        f.write(f"{head}{begin}\n{section}{end}{tail}")
    print(table)


if __name__ == "__main__":
    main()
