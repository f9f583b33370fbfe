// File: backends/vulkan/instance.h
// The VkInstance (Vulkan 1.1 or later) and its function table. Physical devices are listed
// and chosen in physical_device.h.

#ifndef COTANGENT_BACKENDS_VULKAN_INSTANCE_H_
#define COTANGENT_BACKENDS_VULKAN_INSTANCE_H_

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "backends/vulkan/dispatch.h"
#include "backends/vulkan/loader.h"
#include "backends/vulkan/vk.h"

namespace cotangent::vulkan {

class Instance {
 public:
  // Creates an instance of the highest API version up to 1.3 that the loader offers; an error
  // naming the missing driver when there is none (or only a Vulkan 1.0 one). `loader` must
  // outlive the instance.
  static absl::StatusOr<Instance> Create(const Loader& loader);

  Instance(Instance&& other) noexcept;
  Instance& operator=(Instance&& other) noexcept;
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;
  ~Instance();

  VkInstance handle() const { return instance_; }
  const InstanceFunctions& vk() const { return *functions_; }
  uint32_t api_version() const { return api_version_; }

 private:
  Instance(VkInstance instance, std::unique_ptr<InstanceFunctions> functions,
           PFN_vkDestroyInstance destroy, uint32_t api_version)
      : instance_(instance), functions_(std::move(functions)), destroy_(destroy),
        api_version_(api_version) {}
  void Reset();

  VkInstance instance_ = VK_NULL_HANDLE;
  std::unique_ptr<InstanceFunctions> functions_;
  PFN_vkDestroyInstance destroy_ = nullptr;
  uint32_t api_version_ = 0;
};

}  // namespace cotangent::vulkan

#endif  // COTANGENT_BACKENDS_VULKAN_INSTANCE_H_
