// File: tests/backends/vulkan_test_util.cc
// Moving test arrays between backends and the CPU-oracle comparison.

#include "tests/backends/vulkan_test_util.h"

#include <cstring>

#include "core/error.h"
#include "gtest/gtest.h"

namespace cotangent::vulkan_test {

VulkanBackend& Vulkan() {
  absl::StatusOr<VulkanBackend*> backend = VulkanBackend::Get();
  if (!backend.ok()) {
    ADD_FAILURE() << backend.status();
    std::abort();
  }
  return **backend;
}

Array CopyTo(const Array& x, Backend& backend) {
  const int64_t elem = DTypeSize(x.aval.dtype);
  const int64_t n = x.buffer->bytes() / elem;
  std::vector<char> bytes(n * elem);
  const Array whole{x.buffer, ShapedArray{{n}, x.aval.dtype}, {1}, 0};
  ThrowIfError(x.backend().Download(whole, bytes.data()));
  std::shared_ptr<Buffer> buffer = ValueOrThrow(backend.Allocate(bytes.size()));
  ThrowIfError(backend.Upload(bytes.data(), bytes.size(), *buffer));
  return Array{buffer, x.aval, x.strides, x.offset};
}

Host FetchAny(const Array& a) {
  const Array on_cpu = &a.backend() == &cpu_test::Cpu() ? a : CopyTo(a, cpu_test::Cpu());
  return cpu_test::Fetch(on_cpu);
}

Host RunOn(Backend& backend, Primitive prim, const std::vector<Array>& in, const Params& params,
           const ShapedArray& out_aval) {
  std::vector<Array> moved;
  for (const Array& x : in) moved.push_back(&backend == &x.backend() ? x : CopyTo(x, backend));
  absl::StatusOr<Array> out = backend.Execute1(prim, moved, params, out_aval);
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return Host{};
  EXPECT_EQ(out->aval, out_aval);
  EXPECT_TRUE(out->IsContiguous());
  EXPECT_EQ(&out->backend(), &backend);
  return FetchAny(*out);
}

void ExpectMatchesCpu(Primitive prim, const std::vector<Array>& in, const Params& params,
                      const ShapedArray& out_aval, const std::string& what, double tolerance) {
  const Host expected = RunOn(cpu_test::Cpu(), prim, in, params, out_aval);
  const Host actual = RunOn(Vulkan(), prim, in, params, out_aval);
  if (actual.v.size() != expected.v.size()) {
    ADD_FAILURE() << what << ": got " << actual.v.size() << " elements, expected "
                  << expected.v.size();
    return;
  }
  cpu_test::ExpectMatches(actual, expected, out_aval.dtype, what, tolerance);
}

}  // namespace cotangent::vulkan_test
