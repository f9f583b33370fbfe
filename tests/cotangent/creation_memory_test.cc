// File: tests/cotangent/creation_memory_test.cc
// Creation costs about the tensor itself. zeros(f32[2^28]) once peaked at 4 GiB of resident
// memory for 1 GiB of data: a host vector of doubles, an encoded copy, then the buffer. Now
// zeros, ones and full fill on the device (Backend::Fill); this measures the peak resident
// size (getrusage) around them. CPU backend only: lavapipe's memory is not the test's.

#include <sys/resource.h>

#include <cstdint>

#include "cotangent/cotangent.h"
#include "gtest/gtest.h"

namespace cotangent {
namespace {

int64_t PeakResidentBytes() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return int64_t{usage.ru_maxrss} * 1024;  // Linux reports KiB
}

TEST(CreationMemoryTest, FilledTensorsCostAboutTheirOwnBytes) {
  constexpr int64_t kElements = int64_t{1} << 26;  // 256 MiB of f32
  constexpr int64_t kBytes = kElements * 4;
  const int64_t before = PeakResidentBytes();
  {
    const Tensor z = zeros({kElements});
    EXPECT_EQ(z[kElements - 1].item<float>(), 0.0f);
  }
  {
    const Tensor o = ones({kElements});
    EXPECT_EQ(o[kElements - 1].item<float>(), 1.0f);
  }
  {
    const Tensor f = full({kElements}, 3.5);
    EXPECT_EQ(f[kElements / 2].item<float>(), 3.5f);
  }
  const int64_t grown = PeakResidentBytes() - before;
  // The array, plus slack for AddressSanitizer's shadow (1/8) and the allocator; the old path
  // needed 4x.
  EXPECT_LT(grown, kBytes * 3 / 2) << "peak resident memory grew by " << grown << " bytes for "
                                   << kBytes << " bytes of tensor";
}

}  // namespace
}  // namespace cotangent
