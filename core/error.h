// File: core/error.h
// cotangent::Error, the exception the public math and transformation API throws for misuse,
// and the helpers that build it. Backends return absl::Status; ThrowIfError converts at the
// boundary. See docs/errors.md for the error model.

#ifndef COTANGENT_CORE_ERROR_H_
#define COTANGENT_CORE_ERROR_H_

#include <stdexcept>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace cotangent {

// An error from the public API. what() is the message, which names the operation and the shapes
// ("add: incompatible shapes f32[3] and f32[4]"); code() classifies it as absl::Status does.
class Error : public std::runtime_error {
 public:
  Error(absl::StatusCode code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  absl::StatusCode code() const { return code_; }

 private:
  absl::StatusCode code_;
};

namespace internal {
// Debian's Abseil keeps its own absl::string_view, which StrCat takes and std::string_view is
// not; this passes everything else through unchanged.
template <typename T>
const T& ToAlphaNum(const T& value) { return value; }
inline absl::string_view ToAlphaNum(std::string_view s) { return {s.data(), s.size()}; }
}  // namespace internal

// StrCat that also accepts std::string_view pieces.
template <typename... Parts>
std::string Cat(const Parts&... parts) {
  return absl::StrCat(internal::ToAlphaNum(parts)...);
}

// Throws Error(kInvalidArgument, Cat(parts...)): the usual way to reject bad input.
template <typename... Parts>
[[noreturn]] void ThrowInvalid(const Parts&... parts) {
  throw Error(absl::StatusCode::kInvalidArgument, Cat(parts...));
}

// Throws an Error carrying the status' code and message when it is not ok.
inline void ThrowIfError(const absl::Status& status) {
  if (!status.ok()) throw Error(status.code(), std::string(status.message()));
}

// Returns the value of an ok StatusOr, throws its status otherwise.
template <typename T>
T ValueOrThrow(absl::StatusOr<T> result) {
  ThrowIfError(result.status());
  return std::move(result).value();
}

}  // namespace cotangent

#endif  // COTANGENT_CORE_ERROR_H_
