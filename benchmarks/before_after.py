#!/usr/bin/env python3
# File: benchmarks/before_after.py
# Before/after figures for a change: runs two builds of one Google Benchmark binary (e.g.
# hessian_benchmark at the commit before a redesign and at HEAD) alternately, A B A B ..., so
# that drift of a shared machine hits both alike, and prints a markdown table of the medians
# and after/before ratios, with the CPU model, thread count and load beside it.
#
#   git worktree add /tmp/before <commit> && (cd /tmp/before && bazel build //benchmarks:hessian_benchmark)
#   bazel build //benchmarks:hessian_benchmark
#   python3 benchmarks/before_after.py /tmp/before/bazel-bin/benchmarks/hessian_benchmark \
#       bazel-bin/benchmarks/hessian_benchmark --filter 'BM_W[1-5]_[^/]*(/[0-9]+)*/real_time$' --rounds 7

import argparse
import json
import os
import statistics
import subprocess


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown CPU"


def run(binary, bench_filter, extra):
    out = subprocess.run(
        [binary, f"--benchmark_filter={bench_filter}", "--benchmark_format=json"] + extra,
        check=True, capture_output=True, text=True).stdout
    times = {}
    for b in json.loads(out)["benchmarks"]:
        if b.get("run_type", "iteration") == "iteration":
            times[b["name"]] = b["real_time"] * {"ns": 1e-3, "us": 1, "ms": 1e3, "s": 1e6}[b["time_unit"]]
    return times


def fmt(us):
    return f"{us / 1e3:.2f} ms" if us >= 1e3 else f"{us:.1f} us"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("before")
    p.add_argument("after")
    p.add_argument("--filter", default=".")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("extra", nargs="*", help="more flags for both binaries (after --)")
    a = p.parse_args()
    samples = {"before": {}, "after": {}}
    load = []
    for _ in range(a.rounds):
        for which, binary in (("before", a.before), ("after", a.after)):
            load.append(os.getloadavg()[0])
            for name, t in run(binary, a.filter, a.extra).items():
                samples[which].setdefault(name, []).append(t)
    print(f"{cpu_model()}, {os.cpu_count()} CPUs, load average {min(load):.1f}-{max(load):.1f} "
          f"during the run; medians of {a.rounds} alternating rounds\n")
    print("| benchmark | before | after | after / before |")
    print("| --- | --- | --- | --- |")
    for name in samples["before"]:
        if name not in samples["after"]:
            continue
        b = statistics.median(samples["before"][name])
        t = statistics.median(samples["after"][name])
        print(f"| `{name}` | {fmt(b)} | {fmt(t)} | {t / b:.2f} |")


if __name__ == "__main__":
    main()
