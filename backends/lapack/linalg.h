// File: backends/lapack/linalg.h
// The linear algebra rows of core/primitives.def (cholesky, triangular_solve, lu, qr, eigh,
// svd) on dense row-major arrays in host memory, through LAPACK and BLAS (OpenBLAS, which
// carries LAPACK). The CPU backend runs them on its buffers; the Vulkan backend runs them here
// too, on host copies of its operands (a counted round trip, VulkanBackend::host_stats).

#ifndef COTANGENT_BACKENDS_LAPACK_LINALG_H_
#define COTANGENT_BACKENDS_LAPACK_LINALG_H_

#include <cstdint>
#include <functional>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "core/params.h"
#include "core/primitive.h"
#include "core/shape.h"

namespace cotangent::lapack {

// A dense row-major array in host memory.
struct HostArray {
  ShapedArray aval;
  void* data = nullptr;
};

// Runs fn(begin, end) over [0, count): the matrices of a batch are independent.
using ParallelFor =
    std::function<void(int64_t count, const std::function<void(int64_t, int64_t)>& fn)>;

// Runs a kLinalg row of core/primitives.def: operands and results with the avals its abstract
// evaluation gives, results written whole. A matrix whose factorization fails (cholesky of a
// matrix that is not positive definite, an eigen or singular value solver that does not
// converge) gets NaN in every result of that matrix, as lax.linalg's. The caller has `threads`
// threads; `parallel` runs tasks on them (null: the batch runs in order). A batch of at least
// `threads` matrices runs one matrix per task with OpenBLAS on one thread inside; a smaller
// one (one large matrix) runs its matrices in order, each on `threads` OpenBLAS threads
// (blas_threads.h).
absl::Status Run(Primitive prim, const Params& params, absl::Span<const HostArray> in,
                 absl::Span<const HostArray> out, int threads, const ParallelFor& parallel);

}  // namespace cotangent::lapack

#endif  // COTANGENT_BACKENDS_LAPACK_LINALG_H_
