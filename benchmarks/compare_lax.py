#!/usr/bin/python3
"""Runs the lax rows (benchmarks/lax_benchmark.cc: row gathers and scatters, a 3x3 convolution)
in Cotangent and LibTorch (torch_lax_benchmark.cc) in one run, at 1 and 2 threads, beside the
machine's limits measured in Cotangent's process (memcpy of the gather's bytes; OpenBLAS sgemm
of the convolution's implicit-GEMM shape), and writes the result into docs/benchmarks.md
between its `<!-- lax:begin -->` / `<!-- lax:end -->` markers.

Called by benchmarks/compare.sh after compare.py:
  compare_lax.py --bin DIR [--doc docs/benchmarks.md] [--quick] [--no-doc]
Medians over repetitions, as compare.py's (whose helpers this uses).
"""

import argparse
import datetime
import json
import os
import subprocess
import sys
import time

from compare import THREADS, fmt_time, loadavg, machine, peer_env, run, settings, write_section

HERE = os.path.dirname(os.path.abspath(__file__))
BINARIES = {"Cotangent": "lax_benchmark", "LibTorch": "torch_lax_benchmark"}
# Row -> (the counter it reports, the limit row in Cotangent's process).
ROWS = {
    "BM_Gather_Rows": ("bytes", "BM_Memcpy_GatherBytes"),
    "BM_ScatterAdd_Rows": ("bytes", "BM_Memcpy_GatherBytes"),
    "BM_ScatterMax_Rows": ("bytes", "BM_Memcpy_GatherBytes"),
    "BM_Conv2d_Forward": ("flops", "BM_Sgemm_ConvShape"),
    "BM_Conv2d_Grad": ("flops", "BM_Sgemm_ConvShape"),
}


def medians(binary, threads, reps, min_time):
    """{row: (seconds, {counter: per second})} of one binary's medians."""
    out = run([binary, f"--threads={threads}", "--benchmark_format=json",
               f"--benchmark_repetitions={reps}", f"--benchmark_min_time={min_time}",
               f"--benchmark_min_warmup_time={min_time}",
               "--benchmark_report_aggregates_only=true"], peer_env(threads), timeout=3600)
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
    rows = {}
    for b in json.loads(out)["benchmarks"]:
        if b.get("aggregate_name") != "median":
            continue
        name = b["run_name"].split("/")[0]
        rows[name] = (b["real_time"] * scale[b["time_unit"]],
                      {k: b[k] for k in ("bytes", "flops") if k in b})
    return rows


def checks(bindir):
    """Whether LibTorch computes Cotangent's numbers on the --check cases (f32: to 1e-5 of
    the sum of magnitudes)."""
    parsed = {}
    for peer, binary in BINARIES.items():
        try:
            out = run([os.path.join(bindir, binary), "--check", "--threads=1"], peer_env(1), 600)
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
            return f"check not run ({str(e).splitlines()[0][:200]})"
        parsed[peer] = {f[1]: (float(f[3]), float(f[5]))
                        for f in (line.split() for line in out.splitlines()) if f and f[0] == "check"}
    agree, differ = [], []
    for case, (total, magnitude) in sorted(parsed["LibTorch"].items()):
        ref_total, ref_magnitude = parsed["Cotangent"][case]
        tol = 1e-5 * ref_magnitude
        ok = abs(total - ref_total) <= tol and abs(magnitude - ref_magnitude) <= tol
        (agree if ok else differ).append(case if ok else f"{case} ({total:.9g} vs {ref_total:.9g})")
    return (f"LibTorch agrees with Cotangent on {', '.join(agree) or 'nothing'}" +
            (f"; DIFFERS on {', '.join(differ)}" if differ else ""))


def table(results):
    """Markdown rows: each row's median in both libraries, Cotangent over LibTorch (below 1:
    Cotangent is faster), and throughputs against this machine's limit."""
    cot, torch = results.get("Cotangent", {}), results.get("LibTorch", {})
    lines = ["| row | Cotangent | LibTorch | Cotangent / LibTorch | Cotangent | LibTorch | limit |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, (counter, limit_row) in ROWS.items():
        c, t = cot.get(name), torch.get(name)
        limit = cot.get(limit_row)
        unit, div = ("GB/s", 1e9) if counter == "bytes" else ("GFLOP/s", 1e9)
        rate = lambda r: f"{r[1][counter] / div:.1f} {unit}" if r and counter in r[1] else "n/a"
        ratio = f"{c[0] / t[0]:.2f}" if c and t else "n/a"
        lines.append(f"| `{name[3:]}` | {fmt_time(c[0] if c else None)} | "
                     f"{fmt_time(t[0] if t else None)} | {ratio} | {rate(c)} | {rate(t)} | "
                     f"{rate(limit)} (`{limit_row[3:]}`) |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin", required=True, help="directory of the built binaries")
    parser.add_argument("--doc", default=os.path.join(HERE, "..", "docs", "benchmarks.md"))
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-doc", action="store_true")
    args = parser.parse_args()
    reps, min_time = settings(args.quick)
    started, load_before, info = time.time(), loadavg(), machine()
    check_line = checks(args.bin)
    print(f"compare_lax: {check_line}", file=sys.stderr)
    sections, failed = [], []
    for threads in THREADS:
        results = {}
        for peer, binary in BINARIES.items():
            print(f"compare_lax: {peer}, {threads} thread(s)", file=sys.stderr, flush=True)
            try:
                results[peer] = medians(os.path.join(args.bin, binary), threads, reps, min_time)
            except (RuntimeError, OSError, ValueError, subprocess.TimeoutExpired) as e:
                failed.append(f"{peer} at {threads} thread(s): {str(e).splitlines()[0][:200]}")
        sections.append(f"#### {threads} thread{'s' if threads > 1 else ''}\n\n{table(results)}\n")
    kind = "a --quick run (NOT a measurement)" if args.quick else \
        f"medians of {reps} repetitions of at least {min_time} s"
    section = (
        f"Measured {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC at commit {info['commit']} by "
        f"`benchmarks/compare_lax.py --bin $(bazel info bazel-bin)/benchmarks` (which "
        f"`bash benchmarks/compare.sh` runs after compare.py), {kind}, in "
        f"{(time.time() - started) / 60:.1f} minutes.\n\n"
        f"- CPU: {info['cpu']}, {info['cores']} cores; load average (1/5/15 min) {load_before} "
        f"before, {loadavg()} after\n"
        f"- Sizes (benchmarks/lax_sizes.h): rows of a 50000 x 64 f32 table, 16384 lookups; "
        f"conv2d NCHW [32, 32, 28, 28] with a [64, 32, 3, 3] kernel, SAME; Grad is the forward "
        f"and both gradients (three convolutions' FLOPs)\n"
        f"- Peer: LibTorch {info['torch']} (index_select, index_add_, index_reduce amax, conv2d "
        f"and autograd)\n"
        f"- Same numbers: {check_line}\n" +
        (f"- Failed: {'; '.join(failed)}\n" if failed else "") + "\n" + "\n".join(sections))
    if not args.no_doc:
        write_section(args.doc, "lax", section)
    print(section)


if __name__ == "__main__":
    main()
