// File: tests/consumers/cmake/psum_check.cc
// The program of the consumers of the installed `distributed` component (tools/consumers.sh,
// run under mpirun -np 2): each process holds (rank + 1) * [1, 2, 3], and a jitted psum over the
// mesh axis "data" gives every process the sum over processes, n (n + 1) / 2 * [1, 2, 3].
// Exits 1 on a mismatch, or on a Cotangent error.

#include <cstdio>
#include <exception>
#include <vector>

#include "cotangent/cotangent.h"
#include "distributed/distributed.h"

namespace ct = cotangent;
namespace dist = cotangent::distributed;

int main() {
  try {
    dist::Initialize();
    const int rank = dist::process_index(), n = dist::process_count();
    const dist::Mesh mesh({{"data", n}});
    const ct::Tensor x = ct::tensor({1.0, 2.0, 3.0}, {3}, ct::f64) * (rank + 1.0);
    const auto total = ct::jit([](const ct::Tensor& v) { return ct::psum(v, "data"); });
    const std::vector<double> got = total(x).to_vector<double>();
    const double scale = n * (n + 1) / 2.0;
    bool ok = got.size() == 3;
    for (std::size_t i = 0; ok && i < got.size(); ++i) ok = got[i] == scale * (i + 1.0);
    std::printf("psum_check process %d of %d: [%g %g %g] %s\n", rank, n, got[0], got[1], got[2],
                ok ? "ok" : "MISMATCH");
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "psum_check: %s\n", e.what());
    return 1;
  }
}
