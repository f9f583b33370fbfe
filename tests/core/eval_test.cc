// File: tests/core/eval_test.cc
// Eager evaluation: layout primitives become views sharing the operand's buffer, later ops
// read those views correctly, and operands on different devices are rejected.

#include "backends/cpu/cpu_backend.h"
#include "core/lax.h"
#include "cotangent/cotangent.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cotangent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const Buffer* BufferOf(const Tensor& x) { return x.array().buffer.get(); }

TEST(EvalTest, LayoutPrimitivesAreViews) {
  const Tensor x = reshape(arange(12, f64), {3, 4});
  const Tensor t = lax::transpose(x, {1, 0});
  const Tensor b = lax::broadcast_in_dim(x[0], {2, 4}, {1});
  const Tensor s = lax::slice(x, {1, 1}, {3, 4}, {1, 2});
  EXPECT_EQ(BufferOf(t), BufferOf(x));
  EXPECT_EQ(BufferOf(b), BufferOf(x));
  EXPECT_EQ(BufferOf(s), BufferOf(x));
  EXPECT_THAT(t.to_vector<double>(), ElementsAre(0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11));
  EXPECT_THAT(b.to_vector<double>(), ElementsAre(0, 1, 2, 3, 0, 1, 2, 3));
  EXPECT_THAT(s.to_vector<double>(), ElementsAre(5, 7, 9, 11));
}

TEST(EvalTest, OpsReadStridedViews) {
  const Tensor x = reshape(arange(6, f32), {2, 3});
  const Tensor t = lax::transpose(x, {1, 0});                 // [[0,3],[1,4],[2,5]]
  const Tensor row = lax::broadcast_in_dim(x[1], {3, 3}, {0});  // rows 3,4,5 (stride 0)
  EXPECT_THAT((t * 10.0).to_vector<float>(), ElementsAre(0, 30, 10, 40, 20, 50));
  EXPECT_THAT(lax::add(lax::slice(row, {0, 0}, {3, 2}), t).to_vector<float>(),
              ElementsAre(3, 6, 5, 8, 7, 10));
}

TEST(EvalTest, ReshapeOfAStridedViewCopies) {
  const Tensor x = reshape(arange(6, i32), {2, 3});
  const Tensor flat = reshape(transpose(x), {6});
  EXPECT_NE(BufferOf(flat), BufferOf(x));
  EXPECT_THAT(flat.to_vector<int32_t>(), ElementsAre(0, 3, 1, 4, 2, 5));
}

// The CPU backend's memory under another identity; Execute runs CPU kernels, or (forgetful, a
// backend bug) reports success and sets no result.
class OtherDevice final : public Backend {
 public:
  explicit OtherDevice(const char* name, bool forgetful = false)
      : name_(name), forgetful_(forgetful) {}
  const char* name() const override { return name_; }
  absl::StatusOr<std::shared_ptr<Buffer>> Allocate(int64_t bytes) override {
    return CpuBackend::Get().Allocate(bytes);
  }
  absl::Status Upload(const void* src, int64_t bytes, Buffer& dst) override {
    return CpuBackend::Get().Upload(src, bytes, dst);
  }
  absl::Status Fill(const Array& dst, Number value) override {
    return CpuBackend::Get().Fill(dst, value);
  }
  absl::Status Download(const Array& src, void* dst) override {
    return CpuBackend::Get().Download(src, dst);
  }
  absl::Status Execute(Primitive prim, absl::Span<const Array> inputs, const Params& params,
                       absl::Span<const ShapedArray> out_avals,
                       absl::Span<Array> outputs) override {
    if (forgetful_) return absl::OkStatus();
    return CpuBackend::Get().Execute(prim, inputs, params, out_avals, outputs);
  }
  absl::Status Synchronize() override { return absl::OkStatus(); }

 private:
  const char* name_;
  bool forgetful_;
};

// x's data in a buffer owned by `owner` (the CPU backend allocated it; re-wrapped).
Tensor OwnedBy(Backend& owner, const Tensor& x) {
  class OtherBuffer final : public Buffer {
   public:
    OtherBuffer(Backend& owner, std::shared_ptr<Buffer> inner)
        : Buffer(owner, inner->bytes()), inner_(std::move(inner)) {}
    std::shared_ptr<Buffer> inner_;
  };
  Array moved = x.array();
  moved.buffer = std::make_shared<OtherBuffer>(owner, x.array().buffer);
  moved.committed = true;  // as device_put to it would
  return Tensor(moved);
}

TEST(EvalTest, MixingDevicesIsAnError) {
  OtherDevice other("other");
  Array committed = ones({3}).array();
  committed.committed = true;
  const Tensor a(committed);
  const Tensor b = OwnedBy(other, a);
  try {
    lax::add(a, b);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("add: operands f32[3] on cpu and f32[3] on other live on "
                                    "different devices; move one with device_put"));
  }
}

// The operation is an Error naming the primitive and the backend, never an empty array handed on.
TEST(EvalTest, ABackendThatSetsNoResultIsAnError) {
  OtherDevice forgetful("forgetful", /*forgetful=*/true);
  try {
    lax::exp(OwnedBy(forgetful, ones({2})));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("exp: the forgetful backend did not produce f32[2]"));
  }
}

}  // namespace
}  // namespace cotangent
