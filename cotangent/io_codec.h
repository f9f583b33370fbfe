// File: cotangent/io_codec.h
// What the file formats of cotangent/io.h share: the element types files store and their
// conversion to Cotangent's dtypes, checked reads of little-endian integers from untrusted
// bytes, and files written under a temporary name then renamed. Internal to the library.

#ifndef COTANGENT_COTANGENT_IO_CODEC_H_
#define COTANGENT_COTANGENT_IO_CODEC_H_

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "core/dtype.h"
#include "core/error.h"
#include "core/shape.h"
#include "core/tensor.h"

namespace cotangent::io {

// An element type as a file stores it: kind 'b' (bool), 'i' (signed), 'u' (unsigned), 'f'
// (IEEE float), 'g' (bfloat16: the top half of an f32), and its bytes and byte order.
struct StoredType {
  char kind = 'f';
  int bytes = 4;
  bool big_endian = false;
};

// How Cotangent stores dtype (little-endian).
StoredType StoredTypeOf(DType dtype);

// A tensor of shape from `data`, which holds the elements of shape in row-major order as type t,
// converted as cotangent/io.h says. `what` prefixes errors ("load_npz: f.npz: member 'w'").
Tensor Decode(const std::string& what, StoredType t, const Shape& shape, std::string_view data);

// The elements of a concrete tensor, row-major and little-endian, bools as 0 and 1 bytes.
std::string Encode(const char* op, const Tensor& x);

// The number of bytes of shape's elements of `bytes` each; Error(kDataLoss) prefixed by what
// for a negative dimension or a count that overflows.
uint64_t CheckedBytes(const std::string& what, const Shape& shape, int bytes);

// Throws Error(kDataLoss, what + ": " + message): a file that is not what its format says.
template <typename... Parts>
[[noreturn]] void ThrowMalformed(const std::string& what, const Parts&... parts) {
  throw Error(absl::StatusCode::kDataLoss, Cat(what, ": ", parts...));
}

// Little-endian unsigned integers of 2, 4 or 8 bytes at data[offset]; ThrowMalformed when they
// run past the end.
uint64_t ReadLe(const std::string& what, std::string_view data, uint64_t offset, int bytes);
// Appends value as `bytes` (at most 8) little-endian bytes.
void AppendLe(std::string& out, uint64_t value, int bytes);

// The whole file; Error naming op and path when it cannot be read (kNotFound when missing).
std::string ReadFile(const char* op, const std::string& path);

// Writes a file as a sequence of pieces to "<path>.tmp<pid>", renamed to path by Commit; a
// writer destroyed without Commit (an exception) removes the temporary file.
class FileWriter {
 public:
  FileWriter(const char* op, std::string path);
  ~FileWriter();
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;

  void Write(std::string_view bytes);
  // Bytes written so far.
  uint64_t offset() const { return offset_; }
  void Commit();

 private:
  [[noreturn]] void Fail(const char* doing);

  const char* op_;
  std::string path_, temp_;
  std::FILE* file_ = nullptr;
  uint64_t offset_ = 0;
};

}  // namespace cotangent::io

#endif  // COTANGENT_COTANGENT_IO_CODEC_H_
