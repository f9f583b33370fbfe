// File: backends/lapack/blas_threads.h
// OpenBLAS's thread count: one process-wide setting for every call into OpenBLAS (its BLAS and
// its LAPACK). The backends call it from their own tasks with one OpenBLAS thread inside (a
// product split over the CPU pool, one matrix of a batch per task), so that OpenBLAS's threads
// and the pool's never share cores; a batch of fewer matrices than threads instead runs each
// factorization on that many OpenBLAS threads (backends/lapack/linalg.h), whose blocked
// algorithms thread their matrix-product updates. Changing the setting while another thread is
// inside OpenBLAS is not safe, so every call holds a claim: shared at one thread, exclusive
// with more.

#ifndef COTANGENT_BACKENDS_LAPACK_BLAS_THREADS_H_
#define COTANGENT_BACKENDS_LAPACK_BLAS_THREADS_H_

#include <mutex>
#include <shared_mutex>

namespace cotangent::blas {

// Calls into OpenBLAS on one thread for the claim's scope, alongside other such claims.
class OneThread {
 public:
  OneThread();

 private:
  std::shared_lock<std::shared_mutex> lock_;
};

// Calls into OpenBLAS on n threads (n >= 1) for the claim's scope, no other call meanwhile; one
// thread is set back at its end.
class Threads {
 public:
  explicit Threads(int n);
  ~Threads();
  Threads(const Threads&) = delete;
  Threads& operator=(const Threads&) = delete;

 private:
  std::unique_lock<std::shared_mutex> lock_;
};

}  // namespace cotangent::blas

#endif  // COTANGENT_BACKENDS_LAPACK_BLAS_THREADS_H_
