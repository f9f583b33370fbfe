#!/usr/bin/env python3
# File: benchmarks/jit_codegen_bound.py
# The speed and compile latency of generated code for W4 (docs/jit.md, "The decision"): writes
# W4's chain and its gradient as the straight-line C++ a code generator would emit, compiles it
# with the system compiler (timed), and times both functions per op. Run:
#   python3 benchmarks/jit_codegen_bound.py [--cxx g++] [--opt -O2]
import argparse
import os
import subprocess
import tempfile
import time

STEPS = 250  # 250 x (sin, mul, add, mul, sub): W4's 1250 ops (benchmarks/workloads.h)

def generated_source():
    lines = ['#include <cmath>', 'extern "C" double chain(double x) {', '  double v = x;']
    for _ in range(STEPS):
        lines.append('  { double s = std::sin(v); v = s * 1.01 + 0.1 - v * 0.001; }')
    lines += ['  return v;', '}', 'extern "C" double chain_grad(double x) {',
              f'  double v = x; double cs[{STEPS}];']
    for i in range(STEPS):
        lines.append(f'  cs[{i}] = std::cos(v); v = std::sin(v) * 1.01 + 0.1 - v * 0.001;')
    lines.append('  double ct = 1.0;')
    for i in reversed(range(STEPS)):
        lines.append(f'  ct = ct * (cs[{i}] * 1.01 - 0.001);')
    lines += ['  return ct;', '}']
    return '\n'.join(lines) + '\n'

DRIVER = r'''#include <chrono>
#include <cstdio>
extern "C" double chain(double);
extern "C" double chain_grad(double);
int main() {
  volatile double x = 0.5;
  double s = 0;
  const int n = 20000;
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) s += chain(x + i * 1e-9);
  auto t1 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) s += chain_grad(x + i * 1e-9);
  auto t2 = std::chrono::steady_clock::now();
  const double per = 1e9 / n / 1250;
  std::printf("forward %.2f ns/op, grad %.2f ns/op (checksum %g)\n",
              std::chrono::duration<double>(t1 - t0).count() * per,
              std::chrono::duration<double>(t2 - t1).count() * per, s);
}
'''

def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--cxx', default='g++')
    parser.add_argument('--opt', default='-O2')
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as d:
        gen, driver = os.path.join(d, 'gen.cc'), os.path.join(d, 'main.cc')
        with open(gen, 'w') as f:
            f.write(generated_source())
        with open(driver, 'w') as f:
            f.write(DRIVER)
        start = time.monotonic()
        subprocess.run([args.cxx, args.opt, '-c', gen, '-o', os.path.join(d, 'gen.o')], check=True)
        print(f'compile ({args.cxx} {args.opt}): {time.monotonic() - start:.2f} s')
        exe = os.path.join(d, 'bench')
        subprocess.run([args.cxx, '-O2', driver, os.path.join(d, 'gen.o'), '-o', exe], check=True)
        for _ in range(3):
            subprocess.run([exe], check=True)

if __name__ == '__main__':
    main()
