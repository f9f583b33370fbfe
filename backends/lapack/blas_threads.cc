// File: backends/lapack/blas_threads.cc
// The claims of blas_threads.h over OpenBLAS's process-wide thread count.

#include "backends/lapack/blas_threads.h"

#include <mutex>
#include <shared_mutex>

// OpenBLAS's own call, declared here as OpenBLAS's cblas.h declares it, so that whichever
// cblas.h the system's alternatives point to (netlib's lacks it) compiles; -lopenblas has it.
extern "C" void openblas_set_num_threads(int num_threads);

namespace cotangent::blas {
namespace {

// OpenBLAS starts with one thread per core: the first claim sets one.
std::shared_mutex& Claims() {
  static std::shared_mutex mutex;
  static const bool one = (openblas_set_num_threads(1), true);
  (void)one;
  return mutex;
}

// ThreadSanitizer cannot see the synchronization of OpenBLAS's own threads (an uninstrumented
// library's spin-waits), so it reports their handing over of work as races: under it an
// exclusive claim keeps one thread, and the claims' locking is what it checks.
#if defined(__SANITIZE_THREAD__)
constexpr bool kOpenBlasThreads = false;
#else
constexpr bool kOpenBlasThreads = true;
#endif

}  // namespace

OneThread::OneThread() : lock_(Claims()) {}

Threads::Threads(int n) : lock_(Claims()) {
  if (kOpenBlasThreads && n > 1) openblas_set_num_threads(n);
}

Threads::~Threads() { openblas_set_num_threads(1); }

}  // namespace cotangent::blas
