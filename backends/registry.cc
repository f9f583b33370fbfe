// File: backends/registry.cc
// Name -> backend lookup and the process default (COTANGENT_BACKEND, read once).

#include "backends/registry.h"

#include <cstdlib>
#include <string>

#include "backends/cpu/cpu_backend.h"
#include "core/error.h"

namespace cotangent {

Backend& GetBackend(std::string_view name) {
  if (name == "cpu") return CpuBackend::Get();
  ThrowInvalid("unknown backend \"", name, "\" (known: cpu)");
}

Backend& DefaultBackend() {
  static Backend& backend = []() -> Backend& {
    const char* env = std::getenv("COTANGENT_BACKEND");
    return GetBackend(env == nullptr || *env == '\0' ? "cpu" : std::string_view(env));
  }();
  return backend;
}

}  // namespace cotangent
