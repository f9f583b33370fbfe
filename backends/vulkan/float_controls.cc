// File: backends/vulkan/float_controls.cc
// Inserting SignedZeroInfNanPreserve into a SPIR-V module. A module is a 5-word header and
// instructions whose first word is (word count << 16) | opcode, in a fixed section order:
// capabilities, extensions, imports, memory model, entry points, execution modes, ...

#include "backends/vulkan/float_controls.h"

#include <cstring>
#include <string_view>

#include "absl/strings/str_cat.h"

namespace cotangent::vulkan {
namespace {

constexpr uint32_t kMagic = 0x07230203u;
constexpr uint32_t kOpExtension = 10, kOpEntryPoint = 15, kOpExecutionMode = 16, kOpCapability = 17;
constexpr uint32_t kCapabilityFloat64 = 10, kCapabilitySignedZeroInfNanPreserve = 4466;
constexpr uint32_t kModeSignedZeroInfNanPreserve = 4461;

uint32_t Word(uint32_t count, uint32_t opcode) { return (count << 16) | opcode; }

// OpExtension "name": the string's bytes, NUL-terminated, padded to whole words.
std::vector<uint32_t> Extension(std::string_view name) {
  const size_t words = name.size() / 4 + 1;
  std::vector<uint32_t> out(1 + words, 0);
  out[0] = Word(static_cast<uint32_t>(out.size()), kOpExtension);
  std::memcpy(out.data() + 1, name.data(), name.size());
  return out;
}

}  // namespace

absl::StatusOr<std::vector<uint32_t>> WithIeeeSpecials(absl::Span<const uint32_t> spirv,
                                                       FloatControls controls) {
  if (spirv.size() < 5 || spirv[0] != kMagic) {
    return absl::InvalidArgumentError("vulkan: shader code is not SPIR-V");
  }
  // One pass: where the capability section and the entry points end, and what is declared.
  size_t after_capabilities = 5, after_entry_points = 0;
  bool float64 = false, declared = false;
  std::vector<uint32_t> entry_points;
  for (size_t at = 5; at < spirv.size();) {
    const uint32_t count = spirv[at] >> 16, opcode = spirv[at] & 0xFFFFu;
    if (count == 0 || at + count > spirv.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("vulkan: malformed SPIR-V instruction at word ", at));
    }
    if (opcode == kOpCapability && count == 2) {
      float64 |= spirv[at + 1] == kCapabilityFloat64;
      declared |= spirv[at + 1] == kCapabilitySignedZeroInfNanPreserve;
      after_capabilities = at + count;
    } else if (opcode == kOpEntryPoint && count >= 3) {
      entry_points.push_back(spirv[at + 2]);
      after_entry_points = at + count;
    }
    at += count;
  }
  std::vector<uint32_t> widths;
  if (controls.preserve32) widths.push_back(32);
  if (controls.preserve64 && float64) widths.push_back(64);
  if (widths.empty() || entry_points.empty() || declared) {
    return std::vector<uint32_t>(spirv.begin(), spirv.end());
  }
  std::vector<uint32_t> head = {Word(2, kOpCapability), kCapabilitySignedZeroInfNanPreserve};
  if (spirv[1] < 0x00010400u) {  // float controls are core from SPIR-V 1.4
    const std::vector<uint32_t> extension = Extension("SPV_KHR_float_controls");
    head.insert(head.end(), extension.begin(), extension.end());
  }
  std::vector<uint32_t> modes;
  for (uint32_t entry : entry_points) {
    for (uint32_t width : widths) {
      modes.insert(modes.end(),
                   {Word(4, kOpExecutionMode), entry, kModeSignedZeroInfNanPreserve, width});
    }
  }
  std::vector<uint32_t> out;
  out.reserve(spirv.size() + head.size() + modes.size());
  out.insert(out.end(), spirv.begin(), spirv.begin() + after_capabilities);
  out.insert(out.end(), head.begin(), head.end());
  out.insert(out.end(), spirv.begin() + after_capabilities, spirv.begin() + after_entry_points);
  out.insert(out.end(), modes.begin(), modes.end());
  out.insert(out.end(), spirv.begin() + after_entry_points, spirv.end());
  return out;
}

}  // namespace cotangent::vulkan
