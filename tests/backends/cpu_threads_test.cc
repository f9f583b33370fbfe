// File: tests/backends/cpu_threads_test.cc
// Many threads using the CPU backend at once: reading one shared tensor, computing with it
// (buffers recycled across threads, kernels split over the shared thread pool) and
// differentiating through it. Run under ThreadSanitizer by tools/test.sh (--config=tsan), where
// any data race fails the test; plain, it checks every thread's results against one thread's.

#include <algorithm>
#include <thread>
#include <vector>

#include "cotangent/cotangent.h"
#include "gtest/gtest.h"

namespace cotangent {
namespace {

constexpr int kThreads = 8;
constexpr int kRounds = 3;

// 2^16 f32 elements: 256 KiB, above the backend's recycling threshold and large enough for
// its kernels to use the thread pool.
Tensor Shared() { return arange(0.0, 65536.0, 1.0, f32) / 65536.0; }

struct Results {
  std::vector<float> values;
  float total = 0;
  std::vector<float> affine;
  std::vector<float> gradient;
};

Results Compute(const Tensor& x) {
  Results r;
  r.values = x.to_vector<float>();
  r.total = sum(x).item<float>();
  r.affine = (x * 2.0 + 1.0).to_vector<float>();
  r.gradient = grad([](Tensor v) { return sum(tanh(v) * v); })(x).to_vector<float>();
  return r;
}

TEST(CpuThreadsTest, ThreadsReadingAndComputingWithOneTensorAgree) {
  const Tensor x = Shared();
  const Results expected = Compute(x);
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        const Results r = Compute(x);
        mismatches[t] += r.values != expected.values || r.total != expected.total ||
                         r.affine != expected.affine || r.gradient != expected.gradient;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}

TEST(CpuThreadsTest, TransformationsOnSeveralThreadsAtOnce) {
  // Each thread has its own interpreter stack: nested transformations do not interfere.
  std::vector<double> results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const Tensor x = scalar(0.1 * (t + 1), f64);
      auto f = [](Tensor v) { return sin(v) * v; };
      results[t] = grad(grad(f))(x).item<double>();
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) {
    const double v = 0.1 * (t + 1);
    EXPECT_NEAR(results[t], 2 * std::cos(v) - v * std::sin(v), 1e-12);
  }
}

// The largest |got - want| over two tensors of one shape, as f64.
double MaxDifference(const Tensor& got, const Tensor& want) {
  return max(abs(astype(got, f64) - astype(want, f64))).item<double>();
}

// One matrix's solve and eigh run on OpenBLAS's threads under an exclusive claim on its
// process-wide thread count (backends/lapack/blas_threads.h) while other threads' products
// and batched factorizations hold shared ones: each result as one thread computed it first
// (to rounding: threaded updates may add in another order), and no thread waits forever.
TEST(CpuThreadsTest, FactorizationsOnOpenBlasThreadsBesideProducts) {
  constexpr int64_t n = 160;
  const Tensor m = reshape(sin(arange(0.0, n * n, 1.0, f64)), {n, n});
  const Tensor a = matmul(m, transpose(m)) + eye(n, f64) * static_cast<double>(n);
  const Tensor rhs = cos(arange(0.0, n, 1.0, f64));
  const Tensor batch = stack({a, a * 2.0, a * 3.0, a * 4.0, a * 5.0, a * 6.0, a * 7.0, a * 8.0});
  const Tensor x = linalg::solve(a, rhs), w = linalg::eigvalsh(a);
  const Tensor product = matmul(m, transpose(m));
  const Tensor batched = linalg::cholesky(batch);
  std::vector<double> errors(kThreads, 0.0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        double e = 0;
        if (t % 2 == 0) {
          e = std::max(MaxDifference(linalg::solve(a, rhs), x),
                       MaxDifference(linalg::eigvalsh(a), w) / n);
        } else {
          e = std::max(MaxDifference(matmul(m, transpose(m)), product),
                       MaxDifference(linalg::cholesky(batch), batched));
        }
        errors[t] = std::max(errors[t], e);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_LE(errors[t], 1e-9) << "thread " << t;
}

}  // namespace
}  // namespace cotangent
