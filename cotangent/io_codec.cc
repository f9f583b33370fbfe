// File: cotangent/io_codec.cc
// Element conversion, checked little-endian reads and atomic file writes for cotangent/io.h.

#include "cotangent/io_codec.h"

#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "core/array.h"
#include "core/backend.h"
#include "core/constants.h"

namespace cotangent::io {
namespace {

static_assert(std::endian::native == std::endian::little,
              "cotangent/io assumes a little-endian host, as every file format it writes");

// The unsigned integer of `bytes` bytes at p, in the given byte order.
uint64_t LoadBits(const char* p, int bytes, bool big_endian) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) {
    value = (value << 8) | static_cast<unsigned char>(p[big_endian ? i : bytes - 1 - i]);
  }
  return value;
}

std::string TypeName(StoredType t) {
  return Cat(t.big_endian ? "big-endian " : "", std::string(1, t.kind), t.bytes * 8);
}

}  // namespace

StoredType StoredTypeOf(DType dtype) {
  switch (dtype) {
    case DType::kBool: return {'b', 1};
    case DType::kU8: return {'u', 1};
    case DType::kU32: return {'u', 4};
    case DType::kI32: return {'i', 4};
    case DType::kI64: return {'i', 8};
    case DType::kF16: return {'f', 2};
    case DType::kBF16: return {'g', 2};
    case DType::kF32: return {'f', 4};
    case DType::kF64: return {'f', 8};
    case DType::kC64: return {'c', 8};
    case DType::kC128: return {'c', 16};
    case DType::kFloat0:
      ThrowInvalid("save: float0 has no values to store (it is the tangent type of integers)");
  }
  return {};
}

uint64_t CheckedBytes(const std::string& what, const Shape& shape, int bytes) {
  std::optional<int64_t> total = bytes;
  for (int64_t d : shape) {
    if (d < 0) ThrowMalformed(what, "negative dimension in shape ", ShapeToString(shape));
    if (total) total = CheckedMul(*total, d);
  }
  if (!total) ThrowMalformed(what, "shape ", ShapeToString(shape), " is too large");
  return static_cast<uint64_t>(*total);
}

Tensor Decode(const std::string& what, StoredType t, const Shape& shape, std::string_view data) {
  const uint64_t bytes = CheckedBytes(what, shape, t.bytes);
  if (data.size() != bytes) {
    ThrowMalformed(what, "holds ", data.size(), " bytes of data for shape ", ShapeToString(shape),
                   " of ", TypeName(t), " (", bytes, " bytes)");
  }
  const int64_t n = static_cast<int64_t>(bytes / t.bytes);
  const char* p = data.data();
  auto element = [&](int64_t i) { return LoadBits(p + i * t.bytes, t.bytes, t.big_endian); };
  // Cotangent's own layouts copy as they are.
  for (DType dtype : {DType::kU8, DType::kU32, DType::kI32, DType::kI64, DType::kF16, DType::kBF16,
                      DType::kF32, DType::kF64, DType::kC64, DType::kC128}) {
    const StoredType own = StoredTypeOf(dtype);
    if (t.kind == own.kind && t.bytes == own.bytes && !t.big_endian) {
      return FromHost(p, n, shape, dtype, "load");
    }
  }
  if (t.kind == 'b' && t.bytes == 1) {
    std::vector<uint8_t> values(n);
    for (int64_t i = 0; i < n; ++i) values[i] = p[i] != 0;
    return FromHost(values.data(), n, shape, DType::kBool, "load");
  }
  if (t.kind == 'i' || t.kind == 'u') {
    // Integer types we lack widen to the narrowest dtype holding them (i8, i16 -> i32; u16 ->
    // u32); u64 becomes i64 when every element fits.
    const DType dtype = t.kind == 'u' ? (t.bytes == 1 ? DType::kU8 : t.bytes <= 4 ? DType::kU32
                                                                                   : DType::kI64)
                                      : (t.bytes <= 4 ? DType::kI32 : DType::kI64);
    return VisitDType(dtype, [&](auto tag) {
      using T = typename decltype(tag)::type;
      std::vector<T> values(n);
      for (int64_t i = 0; i < n; ++i) {
        const uint64_t bits = element(i);
        if (t.kind == 'u' && t.bytes == 8 && bits > uint64_t{INT64_MAX}) {
          throw Error(absl::StatusCode::kOutOfRange,
                      Cat(what, ": element ", i, " (", std::to_string(bits), ") of ", TypeName(t),
                          " does not fit in i64, Cotangent's widest integer dtype"));
        }
        int64_t value = static_cast<int64_t>(bits);
        if (t.kind == 'i' && t.bytes < 8 && (bits >> (8 * t.bytes - 1)) != 0) {
          value = static_cast<int64_t>(bits) - (int64_t{1} << (8 * t.bytes));  // sign-extend
        }
        values[i] = static_cast<T>(value);
      }
      return FromHost(values.data(), n, shape, dtype, "load");
    });
  }
  if ((t.kind == 'f' || t.kind == 'g') && t.bytes == 2) {  // big-endian f16 or bf16
    std::vector<uint16_t> values(n);
    for (int64_t i = 0; i < n; ++i) values[i] = static_cast<uint16_t>(element(i));
    return FromHost(values.data(), n, shape, t.kind == 'f' ? DType::kF16 : DType::kBF16, "load");
  }
  if (t.kind == 'f' && t.bytes == 4) {
    std::vector<float> values(n);
    for (int64_t i = 0; i < n; ++i) values[i] = std::bit_cast<float>(uint32_t(element(i)));
    return FromHost(values.data(), n, shape, DType::kF32, "load");
  }
  if (t.kind == 'f' && t.bytes == 8) {
    std::vector<double> values(n);
    for (int64_t i = 0; i < n; ++i) values[i] = std::bit_cast<double>(element(i));
    return FromHost(values.data(), n, shape, DType::kF64, "load");
  }
  throw Error(absl::StatusCode::kUnimplemented,
              Cat(what, ": element type ", TypeName(t), " has no Cotangent dtype"));
}

std::string Encode(const char* op, const Tensor& x) {
  if (!x.defined()) ThrowInvalid(op, ": undefined tensor");
  const Array& a = x.array();  // throws for a traced or abstract tensor
  std::string out(a.aval.bytes(), '\0');
  ThrowIfError(a.backend().Download(a, out.data()));
  if (a.aval.dtype == DType::kBool) {
    for (char& c : out) c = c != 0 ? 1 : 0;
  }
  return out;
}

uint64_t ReadLe(const std::string& what, std::string_view data, uint64_t offset, int bytes) {
  if (offset > data.size() || data.size() - offset < static_cast<uint64_t>(bytes)) {
    ThrowMalformed(what, "truncated: ", bytes, " bytes at offset ", offset, " run past the end (",
                   data.size(), " bytes)");
  }
  return LoadBits(data.data() + offset, bytes, /*big_endian=*/false);
}

void AppendLe(std::string& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((value >> (8 * i)) & 0xff);
}

std::string ReadFile(const char* op, const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    const int error = errno;
    throw Error(absl::ErrnoToStatusCode(error),
                Cat(op, ": cannot open ", path, ": ", std::strerror(error)));
  }
  std::string out;
  char buffer[1 << 16];
  size_t got;
  while ((got = std::fread(buffer, 1, sizeof(buffer), file)) > 0) out.append(buffer, got);
  const bool failed = std::ferror(file) != 0;
  const int error = errno;
  std::fclose(file);
  if (failed) {
    throw Error(absl::ErrnoToStatusCode(error),
                Cat(op, ": cannot read ", path, ": ", std::strerror(error)));
  }
  return out;
}

FileWriter::FileWriter(const char* op, std::string path)
    : op_(op), path_(std::move(path)), temp_(Cat(path_, ".tmp", getpid())) {
  file_ = std::fopen(temp_.c_str(), "wb");
  if (file_ == nullptr) Fail("create");
}

FileWriter::~FileWriter() {
  if (file_ != nullptr) {
    std::fclose(file_);
    std::remove(temp_.c_str());
  }
}

void FileWriter::Write(std::string_view bytes) {
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) Fail("write");
  offset_ += bytes.size();
}

void FileWriter::Commit() {
  std::FILE* file = file_;
  file_ = nullptr;
  if (std::fclose(file) != 0) {
    std::remove(temp_.c_str());
    Fail("write");
  }
  if (std::rename(temp_.c_str(), path_.c_str()) != 0) {
    const int error = errno;
    std::remove(temp_.c_str());
    errno = error;
    Fail("rename the finished file to");
  }
}

void FileWriter::Fail(const char* doing) {
  const int error = errno;
  throw Error(absl::ErrnoToStatusCode(error),
              Cat(op_, ": cannot ", doing, " ", doing[0] == 'r' ? path_ : temp_, ": ",
                  std::strerror(error)));
}

}  // namespace cotangent::io
