#!/usr/bin/env python3
# File: benchmarks/linalg_numpy.py
# numpy.linalg's cholesky, solve and eigh on the sizes of benchmarks/linalg_benchmark.cc
# (batch x n x n f64 matrices b b^T + n I, and c128 ones b b^H + n I): the peer of that
# benchmark, over the LAPACK numpy
# links (on Debian, the BLAS/LAPACK alternative: OpenBLAS when it is installed). Prints the
# median of --repetitions timings per operation and size, in milliseconds.
import argparse
import statistics
import time

import numpy as np


def median_ms(fn, repetitions):
    fn()  # warm-up
    times = []
    for _ in range(repetitions):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repetitions", type=int, default=15)
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    for dtype in ["f64", "c128"]:
        for batch, n in [(256, 64), (1, 512)]:
            b = rng.uniform(-1, 1, (batch, n, n))
            if dtype == "c128":
                b = b + 1j * rng.uniform(-1, 1, (batch, n, n))
            a = b @ b.conj().transpose(0, 2, 1) + n * np.eye(n)
            rhs = rng.uniform(0, 1, (batch, n, 1)).astype(a.dtype)
            for name, fn in [("cholesky", lambda: np.linalg.cholesky(a)),
                             ("solve", lambda: np.linalg.solve(a, rhs)),
                             ("eigh", lambda: np.linalg.eigh(a))]:
                ms = median_ms(fn, args.repetitions)
                print(f"numpy {dtype:4s} {name:9s} {batch:4d} x {n:3d}: {ms:9.3f} ms")


if __name__ == "__main__":
    main()
