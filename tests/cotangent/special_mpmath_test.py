# File: tests/cotangent/special_mpmath_test.py
# mpmath as the oracle of cotangent/special.h (run by special_mpmath_test.sh with
# special_mpmath_tool's path): each function on arguments across its range, in f64 and f32,
# computed by Cotangent (the tool, on the CPU backend) and by mpmath in 40 significant digits;
# prints the worst error of each in units of the last place of the true value rounded to the
# dtype, and fails above its bound. Near a function's zeros (lgamma at 1 and 2, digamma at
# 1.46..., sinc at the integers) any method's error is absolute, so there the unit is the last
# place of 1 (`floor`). (scipy is no oracle here: its Cephes erfc loses 500 ulps by x = 24 and
# its digamma 26000 ulps beside the poles below 0, where mpmath agrees with Cotangent.)
import os
import subprocess
import sys
import tempfile

try:
    import mpmath as mp
    import numpy as np
except ImportError:
    sys.exit("special_mpmath_test: mpmath or numpy is missing: install python3-mpmath and "
             "python3-numpy (bash tools/setup.sh)")

mp.mp.dps = 40
TOOL = sys.argv[1]
TMP = os.environ.get("TEST_TMPDIR") or tempfile.mkdtemp()
rng = np.random.default_rng(7)
N = 1000


def uniform(lo, hi, n=N):
    return rng.uniform(lo, hi, n)


def log_uniform(lo, hi, n=N, both_signs=False):
    v = np.exp(rng.uniform(np.log(lo), np.log(hi), n))
    if both_signs:
        v[::2] *= -1
    return v


def cat(*parts):
    return np.concatenate(parts)


def lgamma(x):
    return mp.log(abs(mp.gamma(x)))


def sinc(x):
    return mp.mpf(1) if x == 0 else mp.sin(mp.pi * x) / (mp.pi * x)


# name -> (mpmath function, arguments, floor, bound in ulps for f64, for f32): the worst
# measured, rounded up (docs/reference.md lists them). The CPU computes most f32 functions in
# double and rounds once. gammainc's prefactor x^a e^-x / Gamma(a) carries the rounding of
# a log x (XLA's method: docs/vulkan.md). betainc's 1 - I_{1-x}(b, a) above the switch (XLA's
# method) cancels where the result is small, multiplying the error of the near-1 fraction.
gamma_a = log_uniform(0.05, 50)
CASES = {
    "erf": (mp.erf, [cat(uniform(-6, 6), log_uniform(1e-300, 1, both_signs=True))], 0, 1, 1),
    "erfc": (mp.erfc, [cat(uniform(-6, 27), log_uniform(1e-300, 1, both_signs=True))], 0, 2, 2),
    "erfinv": (mp.erfinv, [cat(uniform(-1, 1), 1 - log_uniform(1e-16, 0.1))], 0, 2, 1),
    "gammaln": (lgamma, [cat(log_uniform(1e-3, 1e3), -uniform(0.01, 30) - 0.005)], 1, 4, 2),
    "digamma": (mp.digamma, [cat(log_uniform(1e-3, 1e3), -uniform(0.01, 30) - 0.005)], 1, 8, 1),
    "polygamma": (lambda n, x: mp.polygamma(int(n), x),
                  [rng.integers(1, 4, N).astype(float), log_uniform(0.1, 50)], 0, 8, 1),
    "zeta": (mp.zeta, [uniform(1.1, 20), log_uniform(0.1, 30)], 0, 8, 1),
    "i0e": (lambda x: mp.besseli(0, x) * mp.exp(-abs(x)), [uniform(-700, 700)], 0, 8, 1),
    "i1e": (lambda x: mp.besseli(1, x) * mp.exp(-abs(x)), [uniform(-700, 700)], 0, 8, 1),
    "i0": (lambda x: mp.besseli(0, x), [uniform(-50, 50)], 0, 8, 2),
    "i1": (lambda x: mp.besseli(1, x), [uniform(-50, 50)], 0, 12, 2),
    "gammainc": (lambda a, x: mp.gammainc(a, 0, x, regularized=True),
                 [gamma_a, gamma_a * log_uniform(0.2, 5)], 0, 300, 1),
    "gammaincc": (lambda a, x: mp.gammainc(a, x, mp.inf, regularized=True),
                  [gamma_a, gamma_a * log_uniform(0.2, 5)], 0, 300, 1),
    "betainc": (lambda a, b, x: mp.betainc(a, b, 0, x, regularized=True),
                [log_uniform(0.1, 50), log_uniform(0.1, 50), uniform(0, 1)], 0, 5000, 1500),
    "sinc": (sinc, [uniform(-30, 30)], 1, 4, 1),
}
DTYPES = {"f64": np.float64, "f32": np.float32}

inputs = {}
for name, (_, args, _, _, _) in CASES.items():
    for dname, dtype in DTYPES.items():
        for i, a in enumerate(args):
            inputs[f"{name}/{dname}.{i}"] = a.astype(dtype)
in_path, out_path = os.path.join(TMP, "in.npz"), os.path.join(TMP, "out.npz")
np.savez(in_path, **inputs)
run = subprocess.run([TOOL, in_path, out_path], capture_output=True, text=True)
if run.returncode != 0:
    sys.exit(f"special_mpmath_test: the tool failed: {run.stderr}")
got = np.load(out_path)

failures = []
print(f"{'function':10} {'dtype':6} {'max ulps':>10}  at")
for name, (fn, args, floor, bound64, bound32) in CASES.items():
    for dname, dtype in DTYPES.items():
        x = [inputs[f"{name}/{dname}.{i}"] for i in range(len(args))]
        # The true value at the dtype's arguments, rounded once to the dtype.
        want = np.array([float(fn(*(mp.mpf(float(a[k])) for a in x))) for k in range(len(x[0]))])
        want = want.astype(dtype)
        have = got[f"{name}/{dname}"]
        if have.dtype != dtype:
            sys.exit(f"special_mpmath_test: {name} {dname} came back as {have.dtype}")
        tiny = np.finfo(dtype).tiny
        normal = np.isfinite(want) & (np.abs(want) >= tiny)
        unit = np.spacing(np.maximum(np.abs(want), dtype(floor)))
        err = np.where(normal, np.abs(have.astype(np.float64) - want.astype(np.float64)) /
                       unit.astype(np.float64), 0.0)
        # Infinities must match; subnormal true values are outside the contract.
        special = np.isinf(want) & (have != want)
        worst = int(np.argmax(err))
        bound = bound64 if dname == "f64" else bound32
        at = ", ".join(f"{a[worst]:.17g}" for a in x)
        print(f"{name:10} {dname:6} {err[worst]:10.3g}  ({at})")
        if err[worst] > bound:
            failures.append(f"{name} {dname}: {err[worst]:.3g} ulps at ({at}), bound {bound}")
        if special.any():
            i = int(np.argmax(special))
            failures.append(f"{name} {dname}: {have[i]} where the value is {want[i]}")

if failures:
    print("\n".join(["FAILED:"] + failures))
    sys.exit(1)
print("all within bounds")
