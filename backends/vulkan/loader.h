// File: backends/vulkan/loader.h
// The Vulkan loader library (libvulkan.so.1), opened at run time so that a machine without it
// still runs everything but the Vulkan backend, and the global entry points it exports; and
// KeepLibraryLoaded, which pins a driver in memory.

#ifndef COTANGENT_BACKENDS_VULKAN_LOADER_H_
#define COTANGENT_BACKENDS_VULKAN_LOADER_H_

#include <memory>

#include "absl/status/statusor.h"
#include "backends/vulkan/dispatch.h"

namespace cotangent::vulkan {

class Loader {
 public:
  // The library's default name on Linux.
  static constexpr const char* kLibraryName = "libvulkan.so.1";

  // Opens `library`; FailedPrecondition naming it and the packages to install when it is
  // missing or not a Vulkan loader.
  static absl::StatusOr<Loader> Create(const char* library = kLibraryName);

  Loader(Loader&& other) noexcept;
  Loader& operator=(Loader&& other) noexcept;
  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;
  ~Loader();

  const GlobalFunctions& vk() const { return *functions_; }

 private:
  Loader(void* library, std::unique_ptr<GlobalFunctions> functions)
      : library_(library), functions_(std::move(functions)) {}

  void* library_;  // dlopen handle
  std::unique_ptr<GlobalFunctions> functions_;
};

// Keeps the shared object that contains `address` (e.g. a driver entry point) mapped until the
// process exits, whatever dlclose calls follow. Best effort: an address in no shared object
// (a driver linked statically) is left alone.
void KeepLibraryLoaded(const void* address);

}  // namespace cotangent::vulkan

#endif  // COTANGENT_BACKENDS_VULKAN_LOADER_H_
