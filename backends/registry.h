// File: backends/registry.h
// Which backends exist and which one new tensors go to. COTANGENT_BACKEND=cpu|vulkan picks the
// default (cpu when unset).

#ifndef COTANGENT_BACKENDS_REGISTRY_H_
#define COTANGENT_BACKENDS_REGISTRY_H_

#include <string_view>

#include "core/backend.h"

namespace cotangent {

// The backend named "cpu" (or "vulkan" when built in); throws an Error naming the known
// backends for any other name.
Backend& GetBackend(std::string_view name);

// The backend new tensors are created on: COTANGENT_BACKEND, read once, or "cpu".
Backend& DefaultBackend();

}  // namespace cotangent

#endif  // COTANGENT_BACKENDS_REGISTRY_H_
