// File: backends/registry.h
// Which backends exist and which one new tensors go to: a DeviceScope on this thread
// (cotangent/device.h), else COTANGENT_BACKEND=cpu|vulkan, else cpu.

#ifndef COTANGENT_BACKENDS_REGISTRY_H_
#define COTANGENT_BACKENDS_REGISTRY_H_

#include <string_view>

#include "core/backend.h"

namespace cotangent {

// The backend named "cpu" or "vulkan" (created on first use); throws an Error naming the known
// backends for any other name, and the Vulkan backend's error (no loader, no device...) when
// it cannot be created.
Backend& GetBackend(std::string_view name);

// The backend new tensors are created on: this thread's DeviceScope backend if one is active,
// else COTANGENT_BACKEND (read once), else "cpu".
Backend& DefaultBackend();

// Makes `backend` the default of this thread (null: the process default again) and returns
// the previous thread default (or null). DeviceScope is the way to use it.
Backend* SetThreadDefaultBackend(Backend* backend);

}  // namespace cotangent

#endif  // COTANGENT_BACKENDS_REGISTRY_H_
