// File: tests/backends/vulkan_test_util.h
// Helpers for the Vulkan backend tests, on top of cpu_test_util.h: the process-wide Vulkan
// backend, copying a CPU array (buffer and view) to Vulkan, and running a primitive on both
// backends with the CPU backend as the oracle.

#ifndef COTANGENT_TESTS_BACKENDS_VULKAN_TEST_UTIL_H_
#define COTANGENT_TESTS_BACKENDS_VULKAN_TEST_UTIL_H_

#include <string>
#include <vector>

#include "backends/vulkan/vulkan_backend.h"
#include "core/array.h"
#include "core/params.h"
#include "core/primitive.h"
#include "tests/backends/cpu_test_util.h"

namespace cotangent::vulkan_test {

using cpu_test::Host;
using cpu_test::Layout;

// The process-wide Vulkan backend (COTANGENT_VULKAN_DEVICE); fails the test if there is none.
VulkanBackend& Vulkan();

// The same view (shape, strides, offset) of a copy of x's whole buffer on `backend`.
Array CopyTo(const Array& x, Backend& backend);

// Downloads an array of any backend and layout as a Host.
Host FetchAny(const Array& a);

// Runs prim on `backend` with the CPU arrays `in` copied there; checks the output is a dense
// out_aval on that backend and fetches it.
Host RunOn(Backend& backend, Primitive prim, const std::vector<Array>& in, const Params& params,
           const ShapedArray& out_aval);

// Runs prim on the CPU and on Vulkan and expects the results to match (NaN matches NaN; a
// tolerance >= 0 overrides the dtype's relative one, 2e-6 for f32 and 1e-13 for f64).
void ExpectMatchesCpu(Primitive prim, const std::vector<Array>& in, const Params& params,
                      const ShapedArray& out_aval, const std::string& what,
                      double tolerance = -1);

}  // namespace cotangent::vulkan_test

#endif  // COTANGENT_TESTS_BACKENDS_VULKAN_TEST_UTIL_H_
