#!/usr/bin/python3
"""Runs workloads W1-W5 in Cotangent and its peers (LibTorch's C++ API, functorch, ADOL-C) in
one run, at 1 and 2 threads, and writes the result into docs/benchmarks.md between its
`<!-- compare:begin -->` / `<!-- compare:end -->` markers, plus the Rosenbrock plot.

Called by benchmarks/compare.sh, which builds the binaries first:
  compare.py --bin DIR [--doc docs/benchmarks.md] [--quick]
DIR holds hessian_benchmark, torch_benchmark and adolc_benchmark (a missing one is a failed
peer). Each peer runs as its own process with the same thread cap (its --threads flag, and
OMP_NUM_THREADS / OPENBLAS_NUM_THREADS for the BLAS and OpenMP pools inside). Every time is a
median over repetitions, each repetition the mean over enough calls to fill min_time (Google
Benchmark's scheme, which compare_functorch.py copies). A peer that fails is reported on stderr
and shows as "n/a"; the run goes on.
"""

import argparse
import datetime
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
THREADS = [1, 2]
PEERS = ["Cotangent", "LibTorch", "functorch", "ADOL-C"]
BINARIES = {"Cotangent": "hessian_benchmark", "LibTorch": "torch_benchmark",
            "ADOL-C": "adolc_benchmark"}
CHAIN_OPS = 1250  # benchmarks/workloads.h
ROSENBROCK_NS = [10, 100, 1000, 3000]


def settings(quick):
    """(repetitions, min_time seconds): full runs take the median of 5 repetitions of at least
    0.2 s each; --quick only proves that everything runs."""
    return (2, 0.01) if quick else (5, 0.2)


def peer_env(threads, coretype_unset=False):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))
    if coretype_unset:  # the two go together (/work/.library/env/README.md)
        env.pop("OPENBLAS_CORETYPE", None)
        env.pop("OPENBLAS_L2_SIZE", None)
    return env


def bench_name(run_name):
    """"BM_W3_Rosenbrock_FwdOverRev/1000/real_time" -> "BM_W3_Rosenbrock_FwdOverRev/1000"; the
    W1/W2 sizes are fixed, so their arguments are dropped (compare_functorch.py's names)."""
    parts = [p for p in run_name.split("/") if p != "real_time"]
    return parts[0] + ("/" + parts[1] if parts[0].startswith(("BM_W3", "BM_W5")) else "")


def run(cmd, env, timeout):
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {result.returncode}: "
                           f"{result.stderr.strip()[-2000:]}")
    return result.stdout


def google_benchmark(binary, threads, reps, min_time, env, extra=()):
    """Medians (seconds) and counters of one Google Benchmark binary."""
    # A warm-up as long as one repetition (not timed), like compare_functorch.py's warm-up
    # call: first calls pay for lazy initialization (LibTorch's dispatcher, kernel caches).
    out = run([binary, f"--threads={threads}", "--benchmark_format=json",
               f"--benchmark_repetitions={reps}", f"--benchmark_min_time={min_time}",
               f"--benchmark_min_warmup_time={min_time}",
               "--benchmark_report_aggregates_only=true", *extra], env, timeout=3600)
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
    times, counters = {}, {}
    for b in json.loads(out)["benchmarks"]:
        if b.get("aggregate_name") != "median" or "_vulkan" in b["run_name"]:
            continue
        name = bench_name(b["run_name"])
        times[name] = b["real_time"] * scale[b["time_unit"]]
        counters[name] = {k: b[k] for k in ("peak_bytes",) if k in b}
    return times, counters


def functorch(threads, reps, min_time, env):
    out = run(["/usr/bin/python3", os.path.join(HERE, "compare_functorch.py"),
               f"--threads={threads}", f"--reps={reps}", f"--min_time={min_time}"],
              env, timeout=3600)
    return json.loads(out)["times"], {}


def measure(bindir, threads, reps, min_time):
    """{peer: (times, counters) or an error string} at one thread count."""
    results = {}
    env = peer_env(threads)
    for peer in PEERS:
        print(f"compare: {peer}, {threads} thread(s)", file=sys.stderr, flush=True)
        start = time.time()
        try:
            if peer == "functorch":
                results[peer] = functorch(threads, reps, min_time, env)
            else:
                binary = os.path.join(bindir, BINARIES[peer])
                if not os.path.exists(binary):
                    raise RuntimeError(f"{binary} was not built")
                # Cotangent's _vulkan rows (lavapipe here) are not part of the comparison.
                extra = ["--benchmark_filter=-_vulkan"] if peer == "Cotangent" else []
                results[peer] = google_benchmark(binary, threads, reps, min_time, env, extra)
        except (RuntimeError, OSError, ValueError, subprocess.TimeoutExpired) as e:
            print(f"compare: {peer} failed: {e}", file=sys.stderr)
            results[peer] = str(e).splitlines()[0][:200]
        print(f"compare: {peer} took {time.time() - start:.0f} s", file=sys.stderr, flush=True)
    return results


# ---- numerical agreement: the --check cases of benchmarks/check_inputs.h ----

def checks(bindir):
    """Runs every C++ binary's --check and compares each value with Cotangent's: a line per
    peer saying which cases agree."""
    parsed = {}
    for peer, binary in BINARIES.items():
        try:
            out = run([os.path.join(bindir, binary), "--check", "--threads=1"], peer_env(1),
                      timeout=600)
            parsed[peer] = {f[1]: (float(f[3]), float(f[5]))
                            for f in (line.split() for line in out.splitlines())
                            if f and f[0] == "check"}
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
            parsed[peer] = str(e).splitlines()[0][:200]
    base = parsed.get("Cotangent")
    lines = []
    for peer in ("LibTorch", "ADOL-C"):
        got = parsed.get(peer)
        if isinstance(base, str) or isinstance(got, str):
            lines.append(f"{peer}: check not run ({got if isinstance(got, str) else base})")
            continue
        agree, differ = [], []
        for case, (total, magnitude) in sorted(got.items()):
            ref_total, ref_magnitude = base[case]
            # Relative to the sum of magnitudes: f32 cases (W1, W2) to 1e-4, f64 ones (W3,
            # W4; W4's gradient is about 1e-47) to 1e-9.
            tol = (1e-9 if case.startswith(("W3", "W4")) else 1e-4) * ref_magnitude
            ok = abs(total - ref_total) <= tol and abs(magnitude - ref_magnitude) <= tol
            (agree if ok else differ).append(
                case if ok else f"{case} ({total:.9g} vs Cotangent {ref_total:.9g})")
        lines.append(f"{peer} agrees with Cotangent on {', '.join(agree) or 'nothing'}" +
                     (f"; DIFFERS on {', '.join(differ)}" if differ else ""))
    return lines


# ---- the report ----

def fmt_time(seconds):
    if seconds is None:
        return "n/a"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def table(results):
    """Markdown rows: every workload any peer ran, each peer's median, Cotangent's time over
    the fastest other peer's (below 1: Cotangent is faster), and notes: per-op time (W4),
    GFLOP/s (W5), Cotangent's peak bytes allocated in one call (the rest)."""
    times = {p: (r[0] if isinstance(r, tuple) else {}) for p, r in results.items()}
    cotangent = results.get("Cotangent")
    counters = cotangent[1] if isinstance(cotangent, tuple) else {}
    names = sorted({n for t in times.values() for n in t},
                   key=lambda n: (n.split("/")[0], int(n.split("/")[1]) if "/" in n else 0))
    rows = ["| workload | " + " | ".join(PEERS) + " | Cotangent / best peer | notes |",
            "| --- |" + " ---: |" * (len(PEERS) + 1) + " --- |"]
    for name in names:
        if name.startswith("BM_W5_OpenBLAS"):
            continue  # the reference in W5's notes
        cells = [times[p].get(name) for p in PEERS]
        others = [t for p, t in zip(PEERS, cells) if p != "Cotangent" and t is not None]
        ratio = f"{cells[0] / min(others):.2f}" if cells[0] is not None and others else "n/a"
        notes = []
        if name.startswith("BM_W4"):
            notes = [f"{p} {t / CHAIN_OPS * 1e6:.2f}" for p, t in zip(PEERS, cells) if t]
            notes = ["us/op: " + ", ".join(notes)]
        elif name.startswith("BM_W5"):
            n = int(name.split("/")[1])
            notes = [f"{p} {2 * n**3 / t / 1e9:.1f}" for p, t in zip(PEERS, cells) if t]
            blas = times.get("Cotangent", {}).get(f"BM_W5_OpenBLAS/{n}")
            if blas:  # cblas_sgemm called directly in Cotangent's process, same threads
                notes.append(f"OpenBLAS in-process {2 * n**3 / blas / 1e9:.1f}" +
                             (f" (Cotangent at {blas / cells[0]:.0%})" if cells[0] else ""))
            notes = ["GFLOP/s: " + ", ".join(notes)]
        elif "peak_bytes" in counters.get(name, {}):
            notes = [f"Cotangent peak {counters[name]['peak_bytes'] / 2**20:.1f} MiB"]
        rows.append(f"| `{name[3:]}` | " + " | ".join(fmt_time(t) for t in cells) +
                    f" | {ratio} | {'; '.join(notes)} |")
    return "\n".join(rows)


def failures(results):
    return [f"{p}: {r}" for p, r in results.items() if isinstance(r, str)]


def write_section(doc_path, marker, section):
    """Replaces what lies between `<!-- marker:begin -->` and `<!-- marker:end -->` in the doc."""
    begin, end = f"<!-- {marker}:begin -->", f"<!-- {marker}:end -->"
    with open(doc_path) as f:
        doc = f.read()
    head, rest = doc.split(begin, 1)
    tail = rest.split(end, 1)[1]
    with open(doc_path, "w") as f:
        f.write(f"{head}{begin}\n{section}{end}{tail}")


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except OSError:
        return "unknown"


def machine():
    cpu = sh("lscpu | sed -n 's/^Model name: *//p'") or "unknown"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "compiler": sh("gcc --version | head -1"),
        "openblas": sh("dpkg-query -W -f='${Version}' libopenblas0-pthread 2>/dev/null")
                    or "unknown",
        "torch": sh("dpkg-query -W -f='${Version}' libtorch-dev 2>/dev/null") or "unknown",
        "adolc": sh("dpkg-query -W -f='${Version}' libadolc-dev 2>/dev/null") or "unknown",
        "commit": sh("git rev-parse --short HEAD"),
    }


def loadavg():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def plot(results, path):
    """W3 time against n, one line per library and composition (at the last thread count)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("compare: matplotlib missing, plot not redrawn", file=sys.stderr)
        return False
    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=120)
    for peer, r in results.items():
        if not isinstance(r, tuple):
            continue
        for strategy, style in (("FwdOverRev", "-"), ("RevOverRev", "--")):
            ns = [n for n in ROSENBROCK_NS if f"BM_W3_Rosenbrock_{strategy}/{n}" in r[0]]
            if ns:
                ax.plot(ns, [r[0][f"BM_W3_Rosenbrock_{strategy}/{n}"] for n in ns], style,
                        marker="o", label=f"{peer} {strategy}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("n (Rosenbrock dimension)")
    ax.set_ylabel("time per Hessian (s)")
    ax.set_title(f"W3: Rosenbrock Hessian, f64, CPU, {THREADS[-1]} threads")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path)
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin", required=True, help="directory of the built binaries")
    parser.add_argument("--doc", default=os.path.join(HERE, "..", "docs", "benchmarks.md"))
    parser.add_argument("--quick", action="store_true",
                        help="2 repetitions of 0.01 s: proves it runs, numbers mean little")
    parser.add_argument("--no-doc", action="store_true",
                        help="print the section only; neither the doc nor the plot is written")
    args = parser.parse_args()
    reps, min_time = settings(args.quick)
    started, load_before = time.time(), loadavg()
    info = machine()
    coretype = os.environ.get("OPENBLAS_CORETYPE")

    check_lines = checks(args.bin)
    for line in check_lines:
        print(f"compare: {line}", file=sys.stderr)
    by_threads = {t: measure(args.bin, t, reps, min_time) for t in THREADS}

    # OpenBLAS's kernel choice: with the environment's OPENBLAS_CORETYPE, and without it.
    if coretype:
        try:
            unset = google_benchmark(os.path.join(args.bin, BINARIES["Cotangent"]), 1, reps,
                                     min_time, peer_env(1, coretype_unset=True),
                                     ["--benchmark_filter=W2_Grad/[0-9]+/|W5_Matmul/[0-9]+/"])[0]
            with_env = by_threads[1]["Cotangent"][0]
            coretype_note = (
                f"OPENBLAS_CORETYPE={coretype} in this environment; the tables use it. Cotangent "
                f"at 1 thread with it unset (and OPENBLAS_L2_SIZE): " + ", ".join(
                    f"`{n[3:]}` {fmt_time(t)} (set: {fmt_time(with_env.get(n))})"
                    for n, t in sorted(unset.items())) + ".")
        except (RuntimeError, OSError, ValueError, TypeError, KeyError) as e:
            coretype_note = f"OPENBLAS_CORETYPE={coretype}; the unset run failed: {e}"
    else:
        coretype_note = ("OPENBLAS_CORETYPE is unset in this environment: OpenBLAS picks its "
                         "kernels for the CPU it detects, and there is no second setting to "
                         "compare.")

    elapsed = time.time() - started
    plotted = not args.no_doc and plot(
        by_threads[THREADS[-1]], os.path.join(os.path.dirname(args.doc), "benchmarks_rosenbrock.png"))
    sections = []
    for t in THREADS:
        sections.append(f"### {t} thread{'s' if t > 1 else ''}\n\n{table(by_threads[t])}\n")
        failed = failures(by_threads[t])
        if failed:
            sections.append("Failed peers (n/a above): " + "; ".join(failed) + "\n")
    kind = "a --quick run (2 repetitions of 0.01 s: NOT a measurement)" if args.quick else \
        f"medians of {reps} repetitions of at least {min_time} s"
    section = (
        f"Measured {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC at commit {info['commit']} by "
        f"`bash benchmarks/compare.sh`, {kind}, in {elapsed / 60:.1f} minutes.\n\n"
        f"- CPU: {info['cpu']}, {info['cores']} cores; load average (1/5/15 min) "
        f"{load_before} before, {loadavg()} after\n"
        f"- Build: `bazel build -c opt` (the default of .bazelrc, no `-march`), {info['compiler']}\n"
        f"- BLAS: OpenBLAS {info['openblas']} (pthread). {coretype_note}\n"
        f"- Peers: LibTorch and functorch {info['torch']}, ADOL-C {info['adolc']}\n"
        f"- Same numbers: " + "; ".join(check_lines) + "\n\n" + "\n".join(sections) +
        ("" if plotted or args.no_doc else "\n(The plot below was not redrawn: matplotlib is "
                                            "missing.)\n"))
    if not args.no_doc:
        write_section(args.doc, "compare", section)
    print(section)


if __name__ == "__main__":
    main()
