// File: backends/vulkan/kernel_cache.h
// Compute pipelines by name, created once per process on first use: from SPIR-V embedded at
// build time or compiled at run time (the caller supplies the code on a miss). Layouts are
// shared per binding count and every pipeline goes through one VkPipelineCache.

#ifndef COTANGENT_BACKENDS_VULKAN_KERNEL_CACHE_H_
#define COTANGENT_BACKENDS_VULKAN_KERNEL_CACHE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "backends/vulkan/descriptor_set_layout.h"
#include "backends/vulkan/device.h"
#include "backends/vulkan/pipeline.h"
#include "backends/vulkan/pipeline_cache.h"
#include "backends/vulkan/pipeline_layout.h"

namespace cotangent::vulkan {

class KernelCache {
 public:
  using SpirvSource = absl::FunctionRef<absl::StatusOr<std::vector<uint32_t>>()>;

  // The device must outlive the cache.
  static absl::StatusOr<std::unique_ptr<KernelCache>> Create(const Device& device);

  // The pipeline named `key` (which must determine the code, the binding count and the
  // specialization constants): `bindings` storage buffers, specialization constant i =
  // specialization[i]. `spirv` is called only when the pipeline does not exist yet.
  absl::StatusOr<const Pipeline*> Get(std::string_view key, uint32_t bindings,
                                      absl::Span<const uint32_t> specialization,
                                      SpirvSource spirv);
  // Same, for SPIR-V embedded at build time.
  absl::StatusOr<const Pipeline*> Get(std::string_view key, uint32_t bindings,
                                      absl::Span<const uint32_t> specialization,
                                      absl::Span<const uint32_t> spirv);

  int64_t size() const { return static_cast<int64_t>(pipelines_.size()); }

 private:
  struct Layout {
    std::unique_ptr<DescriptorSetLayout> set;
    std::unique_ptr<PipelineLayout> pipeline;
  };

  KernelCache(const Device& device, PipelineCache cache)
      : device_(device), cache_(std::move(cache)) {}
  absl::StatusOr<const PipelineLayout*> LayoutFor(uint32_t bindings);

  const Device& device_;
  PipelineCache cache_;
  absl::flat_hash_map<uint32_t, Layout> layouts_;
  // Pipelines are destroyed before the layouts they use (members in reverse order).
  absl::flat_hash_map<std::string, std::unique_ptr<Pipeline>> pipelines_;
};

}  // namespace cotangent::vulkan

#endif  // COTANGENT_BACKENDS_VULKAN_KERNEL_CACHE_H_
