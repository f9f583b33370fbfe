// File: backends/vulkan/kernel_cache.cc
// Pipeline lookup and creation.

#include "backends/vulkan/kernel_cache.h"

#include "backends/vulkan/shader_module.h"
#include "backends/vulkan/status.h"

namespace cotangent::vulkan {

absl::StatusOr<std::unique_ptr<KernelCache>> KernelCache::Create(const Device& device) {
  COTANGENT_ASSIGN_OR_RETURN(PipelineCache cache, PipelineCache::Create(device));
  return std::unique_ptr<KernelCache>(new KernelCache(device, std::move(cache)));
}

absl::StatusOr<const PipelineLayout*> KernelCache::LayoutFor(uint32_t bindings) {
  if (auto it = layouts_.find(bindings); it != layouts_.end()) return it->second.pipeline.get();
  COTANGENT_ASSIGN_OR_RETURN(DescriptorSetLayout set, DescriptorSetLayout::Create(device_, bindings));
  auto set_ptr = std::make_unique<DescriptorSetLayout>(std::move(set));
  COTANGENT_ASSIGN_OR_RETURN(PipelineLayout layout, PipelineLayout::Create(device_, *set_ptr));
  Layout& entry = layouts_[bindings];
  entry.set = std::move(set_ptr);
  entry.pipeline = std::make_unique<PipelineLayout>(std::move(layout));
  return entry.pipeline.get();
}

absl::StatusOr<const Pipeline*> KernelCache::Get(std::string_view key, uint32_t bindings,
                                                 absl::Span<const uint32_t> specialization,
                                                 SpirvSource spirv) {
  const std::string name(key);
  if (auto it = pipelines_.find(name); it != pipelines_.end()) return it->second.get();
  COTANGENT_ASSIGN_OR_RETURN(const PipelineLayout* layout, LayoutFor(bindings));
  COTANGENT_ASSIGN_OR_RETURN(const std::vector<uint32_t> code, spirv());
  COTANGENT_ASSIGN_OR_RETURN(const ShaderModule shader, ShaderModule::Create(device_, code));
  COTANGENT_ASSIGN_OR_RETURN(Pipeline pipeline,
                             Pipeline::Create(device_, cache_, *layout, shader, specialization));
  auto& slot = pipelines_[name];
  slot = std::make_unique<Pipeline>(std::move(pipeline));
  return slot.get();
}

absl::StatusOr<const Pipeline*> KernelCache::Get(std::string_view key, uint32_t bindings,
                                                 absl::Span<const uint32_t> specialization,
                                                 absl::Span<const uint32_t> spirv) {
  return Get(key, bindings, specialization, [&]() -> absl::StatusOr<std::vector<uint32_t>> {
    return std::vector<uint32_t>(spirv.begin(), spirv.end());
  });
}

}  // namespace cotangent::vulkan
