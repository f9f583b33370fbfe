#!/usr/bin/python3
"""The functorch peer of benchmarks/compare.py: workloads W1-W5 in PyTorch's functorch (torch
1.13, Debian's python3-torch), timed here and printed as JSON {"times": {name: median seconds},
"context": {...}} on stdout. Names are hessian_benchmark's with the W1/W2/W4 arguments dropped.

Usage: /usr/bin/python3 benchmarks/compare_functorch.py --threads N [--reps R] [--min_time S]
The workload definitions mirror benchmarks/workloads.h. PyTorch is used by the benchmark
comparison only, never by the library or its tests.
"""

import argparse
import json
import statistics
import time

import torch
from functorch import grad, jacfwd, jacrev, jvp

ROSENBROCK_NS = [10, 100, 1000, 3000]
MATMUL_NS = [128, 1024]

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


def median_seconds(fn, reps, min_time):
    """Google Benchmark's scheme: `reps` repetitions, each the mean over as many calls as fill
    min_time seconds (at least one); the median of the repetitions."""
    fn()  # warm up
    means = []
    for _ in range(reps):
        calls, start = 0, time.perf_counter()
        while True:
            fn()
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_time:
                break
        means.append(elapsed / calls)
    return statistics.median(means)


def timings(reps, min_time):
    torch.manual_seed(0)
    m = lambda fn: median_seconds(fn, reps, min_time)
    out = {}
    x, v = torch.randn(30, 40), torch.randn(30, 40)
    out["BM_W1_HVP_FwdOverRev"] = m(lambda: jvp(grad(cookbook_f), (x,), (v,))[1])
    out["BM_W1_HVP_RevOverFwd"] = m(lambda: grad(lambda y: jvp(cookbook_f, (y,), (v,))[1])(x))
    out["BM_W1_HVP_RevOverRev"] = m(lambda: grad(lambda y: (grad(cookbook_f)(y) * v).sum())(x))
    out["BM_W1_Hessian_FwdOverRev"] = m(lambda: jacfwd(jacrev(cookbook_f))(x))
    out["BM_W1_Hessian_RevOverRev"] = m(lambda: jacrev(jacrev(cookbook_f))(x))

    p = torch.randn(MLP_PARAMS) * 0.3
    bx, by = torch.randn(64, 2), torch.randn(64, 1)
    loss = lambda q: mlp_loss(q, bx, by)
    out["BM_W2_Grad"] = m(lambda: grad(loss)(p))
    out["BM_W2_Hessian_FwdOverRev"] = m(lambda: jacfwd(jacrev(loss))(p))
    out["BM_W2_Hessian_RevOverRev"] = m(lambda: jacrev(jacrev(loss))(p))

    for n in ROSENBROCK_NS:
        r = torch.rand(n, dtype=torch.float64) * 4 - 2
        out[f"BM_W3_Rosenbrock_FwdOverRev/{n}"] = m(lambda: jacfwd(jacrev(rosenbrock))(r))
        out[f"BM_W3_Rosenbrock_RevOverRev/{n}"] = m(lambda: jacrev(jacrev(rosenbrock))(r))

    s = torch.tensor(0.5, dtype=torch.float64)
    out["BM_W4_Chain_Forward"] = m(lambda: chain(s))
    out["BM_W4_Chain_Grad"] = m(lambda: grad(chain)(s))

    for n in MATMUL_NS:
        a, b = torch.randn(n, n), torch.randn(n, n)
        out[f"BM_W5_Matmul/{n}"] = m(lambda: a @ b)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--min_time", type=float, default=0.5)
    args = parser.parse_args()
    # The same thread budget as the C++ peers: intra-op threads, no inter-op parallelism.
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    times = timings(args.reps, args.min_time)
    print(json.dumps({"times": times, "context": {"torch": torch.__version__,
                                                  "threads": torch.get_num_threads()}}))


if __name__ == "__main__":
    main()
