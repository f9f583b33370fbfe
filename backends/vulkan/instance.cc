// File: backends/vulkan/instance.cc
// Instance creation: API version negotiation and the portability extension (MoltenVK lists
// its devices only when asked for it).

#include "backends/vulkan/instance.h"

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "backends/vulkan/status.h"

namespace cotangent::vulkan {
namespace {

constexpr const char* kNoDriver =
    "vulkan: no Vulkan driver found (install mesa-vulkan-drivers for a CPU implementation, or "
    "your GPU vendor's Vulkan driver)";

bool HasExtension(const GlobalFunctions& vk, const char* name) {
  uint32_t count = 0;
  if (vk.vkEnumerateInstanceExtensionProperties(nullptr, &count, nullptr) != VK_SUCCESS) {
    return false;
  }
  std::vector<VkExtensionProperties> extensions(count);
  if (vk.vkEnumerateInstanceExtensionProperties(nullptr, &count, extensions.data()) !=
      VK_SUCCESS) {
    return false;
  }
  return std::any_of(extensions.begin(), extensions.end(), [&](const VkExtensionProperties& e) {
    return std::strcmp(e.extensionName, name) == 0;
  });
}

}  // namespace

absl::StatusOr<Instance> Instance::Create(const Loader& loader) {
  const GlobalFunctions& vk = loader.vk();
  uint32_t loader_version = VK_API_VERSION_1_0;
  COTANGENT_RETURN_IF_ERROR(
      VkCheck(vk.vkEnumerateInstanceVersion(&loader_version), "vkEnumerateInstanceVersion"));
  if (loader_version < VK_API_VERSION_1_1) {
    return absl::FailedPreconditionError(
        absl::StrCat("vulkan: the Vulkan loader offers only version 1.",
                     VK_API_VERSION_MINOR(loader_version), "; Cotangent needs 1.1 or later"));
  }
  const uint32_t api_version = std::min<uint32_t>(loader_version, VK_API_VERSION_1_3);
  const VkApplicationInfo app{
      .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
      .pApplicationName = "cotangent",
      .pEngineName = "cotangent",
      .apiVersion = api_version,
  };
  std::vector<const char*> extensions;
  VkInstanceCreateFlags flags = 0;
  if (HasExtension(vk, VK_KHR_PORTABILITY_ENUMERATION_EXTENSION_NAME)) {
    extensions.push_back(VK_KHR_PORTABILITY_ENUMERATION_EXTENSION_NAME);
    flags |= VK_INSTANCE_CREATE_ENUMERATE_PORTABILITY_BIT_KHR;
  }
  const VkInstanceCreateInfo info{
      .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
      .flags = flags,
      .pApplicationInfo = &app,
      .enabledExtensionCount = static_cast<uint32_t>(extensions.size()),
      .ppEnabledExtensionNames = extensions.data(),
  };
  VkInstance handle = VK_NULL_HANDLE;
  const VkResult result = vk.vkCreateInstance(&info, nullptr, &handle);
  if (result == VK_ERROR_INCOMPATIBLE_DRIVER) {
    return absl::FailedPreconditionError(
        absl::StrCat(kNoDriver, " [vkCreateInstance: VK_ERROR_INCOMPATIBLE_DRIVER]"));
  }
  COTANGENT_RETURN_IF_ERROR(VkCheck(result, "vkCreateInstance"));
  // Owned before anything else can fail: destroyed on every error path below.
  auto destroy = reinterpret_cast<PFN_vkDestroyInstance>(
      vk.vkGetInstanceProcAddr(handle, "vkDestroyInstance"));
  if (destroy == nullptr) {
    return absl::FailedPreconditionError("vulkan: the Vulkan loader lacks vkDestroyInstance");
  }
  Instance instance(handle, std::make_unique<InstanceFunctions>(), destroy, api_version);
  COTANGENT_RETURN_IF_ERROR(LoadInstanceFunctions(vk, handle, *instance.functions_));
  return instance;
}

Instance::Instance(Instance&& other) noexcept
    : instance_(std::exchange(other.instance_, VK_NULL_HANDLE)),
      functions_(std::move(other.functions_)),
      destroy_(other.destroy_),
      api_version_(other.api_version_) {}

Instance& Instance::operator=(Instance&& other) noexcept {
  if (this != &other) {
    Reset();
    instance_ = std::exchange(other.instance_, VK_NULL_HANDLE);
    functions_ = std::move(other.functions_);
    destroy_ = other.destroy_;
    api_version_ = other.api_version_;
  }
  return *this;
}

Instance::~Instance() { Reset(); }

void Instance::Reset() {
  if (instance_ != VK_NULL_HANDLE) destroy_(instance_, nullptr);
  instance_ = VK_NULL_HANDLE;
}

}  // namespace cotangent::vulkan
