// File: backends/vulkan/loader.cc
// dlopen of the Vulkan loader and lookup of vkGetInstanceProcAddr; pinning a driver library.

#include "backends/vulkan/loader.h"

#include <dlfcn.h>

#include <utility>

#include "absl/strings/str_cat.h"

namespace cotangent::vulkan {

absl::StatusOr<Loader> Loader::Create(const char* library) {
  void* handle = dlopen(library, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    return absl::FailedPreconditionError(absl::StrCat(
        "vulkan: cannot load the Vulkan loader ", library, " (", why ? why : "not found",
        "); install libvulkan1, plus mesa-vulkan-drivers for a CPU implementation or your GPU "
        "vendor's Vulkan driver"));
  }
  // Owned from here: the Loader closes the library on every later failure path.
  Loader loader(handle, std::make_unique<GlobalFunctions>());
  auto get = reinterpret_cast<PFN_vkGetInstanceProcAddr>(dlsym(handle, "vkGetInstanceProcAddr"));
  if (get == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "vulkan: ", library, " exports no vkGetInstanceProcAddr; it is not a Vulkan loader"));
  }
  if (absl::Status status = LoadGlobalFunctions(get, *loader.functions_); !status.ok()) {
    return status;
  }
  return loader;
}

Loader::Loader(Loader&& other) noexcept
    : library_(std::exchange(other.library_, nullptr)), functions_(std::move(other.functions_)) {}

Loader& Loader::operator=(Loader&& other) noexcept {
  if (this != &other) {
    if (library_ != nullptr) dlclose(library_);
    library_ = std::exchange(other.library_, nullptr);
    functions_ = std::move(other.functions_);
  }
  return *this;
}

Loader::~Loader() {
  if (library_ != nullptr) dlclose(library_);
}

void KeepLibraryLoaded(const void* address) {
  Dl_info info{};
  if (dladdr(address, &info) == 0 || info.dli_fname == nullptr) return;
  // RTLD_NOLOAD: only an object already loaded; RTLD_NODELETE marks it never to be unloaded,
  // so the handle (a reference of its own) can be closed at once.
  if (void* handle = dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE)) {
    dlclose(handle);
  }
}

}  // namespace cotangent::vulkan
