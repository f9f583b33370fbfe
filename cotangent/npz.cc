// File: cotangent/npz.cc
// numpy's .npy format (a magic string, a version, a Python-literal header dict, the raw
// elements) and .npz, a zip archive of .npy members. Readers trust nothing: every length and
// offset is checked against the file before it is used, so a truncated or corrupted file is an
// Error(kDataLoss) naming what is wrong. Zip records: PKWARE's APPNOTE.TXT, sections 4.3-4.5.

#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "cotangent/io.h"
#include "cotangent/io_codec.h"
#include "cotangent/numpy.h"

namespace cotangent {
namespace {

using io::ReadLe;
using io::StoredType;
using io::ThrowMalformed;

constexpr std::string_view kNpyMagic = "\x93NUMPY";
constexpr uint32_t kLocalHeader = 0x04034b50, kCentralHeader = 0x02014b50;
constexpr uint32_t kEnd = 0x06054b50, kEnd64 = 0x06064b50, kEnd64Locator = 0x07064b50;
constexpr uint64_t kMax16 = 0xffff, kMax32 = 0xffffffff;
constexpr uint16_t kDosDate1980 = (0 << 9) | (1 << 5) | 1;  // 1980-01-01: reproducible files

// ---- .npy ----------------------------------------------------------------------------------

std::string Descr(const char* op, DType dtype) {
  if (dtype == DType::kBF16) {
    throw Error(absl::StatusCode::kUnimplemented,
                Cat(op, ": numpy has no bfloat16 dtype to write bf16 as; save it as .safetensors, "
                    "or astype f32 first"));
  }
  const StoredType t = io::StoredTypeOf(dtype);
  return Cat(t.bytes == 1 ? "|" : "<", std::string(1, t.kind), t.bytes);
}

// numpy's descr ("<f4", ">i8", "|b1", "<f2", "<c8") as a stored type.
StoredType ParseDescr(const std::string& what, const std::string& descr) {
  StoredType t;
  bool known = descr.size() >= 3 && std::string_view("<>|=").find(descr[0]) != std::string::npos;
  if (known) {
    t.kind = descr[1];
    t.big_endian = descr[0] == '>';
    const char* end = descr.data() + descr.size();
    const auto [ptr, ec] = std::from_chars(descr.data() + 2, end, t.bytes);
    const bool complex = t.kind == 'c' && (t.bytes == 8 || t.bytes == 16) && !t.big_endian;
    known = ec == std::errc() && ptr == end &&
            (complex || (std::string_view("biuf").find(t.kind) != std::string::npos &&
                         (t.bytes == 1 || t.bytes == 2 || t.bytes == 4 || t.bytes == 8) &&
                         (t.kind != 'b' || t.bytes == 1) && (t.kind != 'f' || t.bytes != 1)));
  }
  if (!known) {
    throw Error(absl::StatusCode::kUnimplemented,
                Cat(what, ": numpy dtype '", descr, "' has no Cotangent dtype (supported: bool, "
                    "integers up to 64 bits, f16, f32, f64, little-endian c64 and c128)"));
  }
  return t;
}

// The header of an .npy file: the Python dict literal numpy writes,
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// parsed strictly (keys in any order, each once).
struct NpyHeader {
  StoredType type;
  bool fortran_order = false;
  Shape shape;
  uint64_t data_offset = 0;
};

class LiteralParser {
 public:
  LiteralParser(const std::string& what, std::string_view text) : what_(what), text_(text) {}

  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n')) ++pos_;
  }
  bool Consume(char c) {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) return ++pos_, true;
    return false;
  }
  void Expect(char c) {
    if (!Consume(c)) Fail(Cat("expected '", std::string(1, c), "'"));
  }
  std::string String() {
    const char quote = Consume('\'') ? '\'' : (Expect('"'), '"');
    const size_t close = text_.find(quote, pos_);
    if (close == std::string_view::npos) Fail("unterminated string");
    std::string out(text_.substr(pos_, close - pos_));
    pos_ = close + 1;
    return out;
  }
  int64_t Int() {
    SkipSpace();
    int64_t value = 0;
    const auto [ptr, ec] = std::from_chars(text_.data() + pos_, text_.data() + text_.size(), value);
    if (ec != std::errc() || value < 0) Fail("expected a dimension");
    pos_ = ptr - text_.data();
    Consume('L');  // Python 2's long suffix, in files numpy wrote long ago
    return value;
  }
  bool Bool() {
    SkipSpace();
    for (const auto& [word, value] : {std::pair{"True", true}, std::pair{"False", false}}) {
      if (text_.substr(pos_).starts_with(word)) return pos_ += std::strlen(word), value;
    }
    Fail("expected True or False");
  }
  [[noreturn]] void Fail(const std::string& message) const {
    ThrowMalformed(what_, "bad .npy header (", message, " at character ", pos_, "): ", text_);
  }

 private:
  const std::string& what_;
  std::string_view text_;
  size_t pos_ = 0;
};

NpyHeader ParseNpyHeader(const std::string& what, std::string_view file) {
  if (!file.starts_with(kNpyMagic)) ThrowMalformed(what, "not an .npy file (no \\x93NUMPY magic)");
  const int major = static_cast<int>(ReadLe(what, file, 6, 1));
  if (major < 1 || major > 3) {
    throw Error(absl::StatusCode::kUnimplemented, Cat(what, ": .npy format version ", major,
                                                      ".", ReadLe(what, file, 7, 1)));
  }
  const int length_bytes = major == 1 ? 2 : 4;
  const uint64_t start = 8 + length_bytes;
  const uint64_t length = ReadLe(what, file, 8, length_bytes);
  if (length > file.size() - std::min<uint64_t>(start, file.size())) {
    ThrowMalformed(what, "truncated: the .npy header of ", length, " bytes runs past the end");
  }
  NpyHeader header;
  header.data_offset = start + length;
  LiteralParser parser(what, file.substr(start, length));
  std::set<std::string> seen;
  parser.Expect('{');
  while (!parser.Consume('}')) {
    const std::string key = parser.String();
    parser.Expect(':');
    if (!seen.insert(key).second) parser.Fail(Cat("key '", key, "' twice"));
    if (key == "descr") {
      header.type = ParseDescr(what, parser.String());
    } else if (key == "fortran_order") {
      header.fortran_order = parser.Bool();
    } else if (key == "shape") {
      parser.Expect('(');  // (), (3,) or (2, 3)
      while (!parser.Consume(')')) {
        header.shape.push_back(parser.Int());
        if (!parser.Consume(',')) {
          parser.Expect(')');
          break;
        }
      }
    } else {
      parser.Fail(Cat("unknown key '", key, "'"));
    }
    if (!parser.Consume(',')) {
      parser.Expect('}');
      break;
    }
  }
  if (seen.count("descr") + seen.count("fortran_order") + seen.count("shape") != 3) {
    parser.Fail("descr, fortran_order and shape are required");
  }
  return header;
}

Tensor DecodeNpy(const std::string& what, std::string_view file) {
  const NpyHeader h = ParseNpyHeader(what, file);
  if (!h.fortran_order || h.shape.size() < 2) {
    return io::Decode(what, h.type, h.shape, file.substr(h.data_offset));
  }
  // Column-major data is the row-major layout of the reversed shape.
  const Shape reversed(h.shape.rbegin(), h.shape.rend());
  return transpose(io::Decode(what, h.type, reversed, file.substr(h.data_offset)));
}

// An .npy file of x: format 1.0 (2.0 when the header passes 64 KiB), header padded with spaces
// and a newline so the data starts at a multiple of 64 bytes, as numpy writes it.
std::string NpyBytes(const char* op, const Tensor& x) {
  std::string shape = "(";
  for (size_t i = 0; i < x.shape().size(); ++i) {
    shape += Cat(i == 0 ? "" : ", ", x.shape()[i]);
  }
  shape += x.shape().size() == 1 ? ",)" : ")";
  std::string dict =
      Cat("{'descr': '", Descr(op, x.dtype()), "', 'fortran_order': False, 'shape': ", shape,
          ", }");
  const bool v2 = dict.size() + 64 > kMax16;
  const size_t preamble = v2 ? 12 : 10;
  dict.append(63 - (preamble + dict.size()) % 64, ' ');
  dict += '\n';
  std::string out(kNpyMagic);
  out += static_cast<char>(v2 ? 2 : 1);
  out += '\0';
  io::AppendLe(out, dict.size(), v2 ? 4 : 2);
  out += dict;
  out += io::Encode(op, x);
  return out;
}

// ---- zip -----------------------------------------------------------------------------------

struct ZipEntry {
  std::string name;
  uint32_t crc = 0;
  uint16_t method = 0;
  uint64_t compressed = 0, uncompressed = 0, offset = 0;
};

// The entries of the central directory, located through the end record (and its ZIP64 form
// when a count, size or offset does not fit its 16- or 32-bit field).
std::vector<ZipEntry> ReadCentralDirectory(const std::string& what, std::string_view file) {
  if (file.size() < 22) ThrowMalformed(what, "not a zip archive (", file.size(), " bytes)");
  uint64_t end = file.size() - 22;
  const uint64_t lowest = end > kMax16 ? end - kMax16 : 0;  // the comment is at most 64 KiB
  while (ReadLe(what, file, end, 4) != kEnd) {
    if (end == lowest) ThrowMalformed(what, "not a zip archive (no end of central directory)");
    --end;
  }
  uint64_t count = ReadLe(what, file, end + 10, 2);
  uint64_t size = ReadLe(what, file, end + 12, 4);
  uint64_t offset = ReadLe(what, file, end + 16, 4);
  if (count == kMax16 || size == kMax32 || offset == kMax32) {
    if (end < 20 || ReadLe(what, file, end - 20, 4) != kEnd64Locator) {
      ThrowMalformed(what, "ZIP64 end of central directory locator missing");
    }
    const uint64_t end64 = ReadLe(what, file, end - 20 + 8, 8);
    if (ReadLe(what, file, end64, 4) != kEnd64) ThrowMalformed(what, "bad ZIP64 end record");
    count = ReadLe(what, file, end64 + 32, 8);
    size = ReadLe(what, file, end64 + 40, 8);
    offset = ReadLe(what, file, end64 + 48, 8);
  }
  if (offset > file.size() || size > file.size() - offset || count > size / 46) {
    ThrowMalformed(what, "central directory (", count, " entries, ", size, " bytes at ", offset,
                   ") does not fit the file");
  }
  std::vector<ZipEntry> entries(count);
  uint64_t p = offset;
  for (ZipEntry& e : entries) {
    if (ReadLe(what, file, p, 4) != kCentralHeader) ThrowMalformed(what, "bad central header");
    if ((ReadLe(what, file, p + 8, 2) & 1) != 0) {
      throw Error(absl::StatusCode::kUnimplemented, Cat(what, ": encrypted members"));
    }
    e.method = static_cast<uint16_t>(ReadLe(what, file, p + 10, 2));
    e.crc = static_cast<uint32_t>(ReadLe(what, file, p + 16, 4));
    e.compressed = ReadLe(what, file, p + 20, 4);
    e.uncompressed = ReadLe(what, file, p + 24, 4);
    const uint64_t name_size = ReadLe(what, file, p + 28, 2);
    const uint64_t extra_size = ReadLe(what, file, p + 30, 2);
    const uint64_t comment_size = ReadLe(what, file, p + 32, 2);
    e.offset = ReadLe(what, file, p + 42, 4);
    ReadLe(what, file, p + 46 + name_size + extra_size + comment_size - 1, 1);  // bounds
    e.name = std::string(file.substr(p + 46, name_size));
    // The ZIP64 extra field (id 1) holds, in this order, each field saturated above.
    const uint64_t extra_end = p + 46 + name_size + extra_size;
    for (uint64_t x = p + 46 + name_size; x + 4 <= extra_end;) {
      const uint64_t id = ReadLe(what, file, x, 2), length = ReadLe(what, file, x + 2, 2);
      uint64_t field = x + 4;
      if (id == 1) {
        for (uint64_t* value : {&e.uncompressed, &e.compressed, &e.offset}) {
          if (*value != kMax32) continue;
          if (field + 8 > x + 4 + length) ThrowMalformed(what, "short ZIP64 extra field");
          *value = ReadLe(what, file, field, 8);
          field += 8;
        }
      }
      x += 4 + length;
    }
    p = extra_end + comment_size;
  }
  return entries;
}

// The uncompressed bytes of a member (stored or deflated), CRC-checked.
std::string MemberBytes(const std::string& what, std::string_view file, const ZipEntry& e) {
  if (ReadLe(what, file, e.offset, 4) != kLocalHeader) ThrowMalformed(what, "bad local header");
  const uint64_t start =
      e.offset + 30 + ReadLe(what, file, e.offset + 26, 2) + ReadLe(what, file, e.offset + 28, 2);
  if (start > file.size() || e.compressed > file.size() - start) {
    ThrowMalformed(what, "truncated: ", e.compressed, " bytes of data run past the end");
  }
  const std::string_view data = file.substr(start, e.compressed);
  std::string out;
  if (e.method == 0) {
    if (e.compressed != e.uncompressed) ThrowMalformed(what, "stored sizes differ");
    out = std::string(data);
  } else if (e.method == 8) {
    // Deflate expands at most 1032:1, which bounds what a corrupted size field can allocate.
    if (e.uncompressed / 1032 > e.compressed + 1) ThrowMalformed(what, "impossible sizes");
    out.resize(e.uncompressed);
    z_stream z{};
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK) ThrowMalformed(what, "zlib: inflateInit failed");
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    int status = Z_OK;
    for (uint64_t in_left = data.size(), out_left = out.size(); status == Z_OK;) {
      z.avail_in = static_cast<uInt>(std::min<uint64_t>(in_left, 1u << 30));
      z.avail_out = static_cast<uInt>(std::min<uint64_t>(out_left, 1u << 30));
      const uInt in_before = z.avail_in, out_before = z.avail_out;
      status = inflate(&z, Z_NO_FLUSH);
      in_left -= in_before - z.avail_in;
      out_left -= out_before - z.avail_out;
      if (status == Z_OK && in_before == z.avail_in && out_before == z.avail_out) break;
    }
    const uint64_t produced = z.total_out;
    inflateEnd(&z);
    if (status != Z_STREAM_END || produced != e.uncompressed) {
      ThrowMalformed(what, "corrupt deflate data");
    }
  } else {
    throw Error(absl::StatusCode::kUnimplemented,
                Cat(what, ": zip compression method ", e.method, " (numpy writes 0 and 8)"));
  }
  if (crc32_z(0, reinterpret_cast<const Bytef*>(out.data()), out.size()) != e.crc) {
    ThrowMalformed(what, "CRC-32 mismatch (corrupted data)");
  }
  return out;
}

std::string Deflate(std::string_view in) {
  z_stream z{};
  deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out;
  char buffer[1 << 16];
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  uint64_t in_left = in.size();
  int status = Z_OK;
  while (status != Z_STREAM_END) {
    const auto chunk = static_cast<uInt>(std::min<uint64_t>(in_left, 1u << 30));
    z.avail_in = chunk;
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof(buffer);
    status = deflate(&z, in_left == chunk ? Z_FINISH : Z_NO_FLUSH);
    in_left -= chunk - z.avail_in;
    out.append(buffer, sizeof(buffer) - z.avail_out);
  }
  deflateEnd(&z);
  return out;
}

// Writes members one at a time, then the central directory and end records (ZIP64 forms when
// a size, offset or count passes its field).
class ZipWriter {
 public:
  ZipWriter(const char* op, const std::string& path, bool compress)
      : file_(op, path), compress_(compress) {}

  void Add(const std::string& name, std::string_view bytes) {
    const uint32_t crc = crc32_z(0, reinterpret_cast<const Bytef*>(bytes.data()), bytes.size());
    const std::string deflated = compress_ ? Deflate(bytes) : std::string();
    const std::string_view data = compress_ ? std::string_view(deflated) : bytes;
    const uint64_t offset = file_.offset();
    const bool zip64 = bytes.size() >= kMax32 || data.size() >= kMax32 || offset >= kMax32;
    const bool utf8 = std::any_of(name.begin(), name.end(), [](char c) { return c & 0x80; });
    // The fields local and central headers share, from "version needed" to the name's length.
    std::string common;
    io::AppendLe(common, zip64 ? 45 : 20, 2);
    io::AppendLe(common, utf8 ? 0x800 : 0, 2);
    io::AppendLe(common, compress_ ? 8 : 0, 2);
    io::AppendLe(common, 0, 2);  // time 00:00:00
    io::AppendLe(common, kDosDate1980, 2);
    io::AppendLe(common, crc, 4);
    io::AppendLe(common, zip64 ? kMax32 : data.size(), 4);
    io::AppendLe(common, zip64 ? kMax32 : bytes.size(), 4);
    io::AppendLe(common, name.size(), 2);
    std::string local, extra;
    io::AppendLe(local, kLocalHeader, 4);
    local += common;
    if (zip64) {
      io::AppendLe(extra, 1, 2);
      io::AppendLe(extra, 16, 2);
      io::AppendLe(extra, bytes.size(), 8);
      io::AppendLe(extra, data.size(), 8);
    }
    io::AppendLe(local, extra.size(), 2);
    file_.Write(local + name + extra);
    file_.Write(data);

    io::AppendLe(central_, kCentralHeader, 4);
    io::AppendLe(central_, zip64 ? 45 : 20, 2);  // version made by
    central_ += common;
    if (zip64) {
      io::AppendLe(extra, offset, 8);
      extra[2] = 24;  // the extra field's data: both sizes and the offset
    }
    io::AppendLe(central_, extra.size(), 2);
    io::AppendLe(central_, 0, 2);  // comment length
    io::AppendLe(central_, 0, 2);  // disk
    io::AppendLe(central_, 0, 2);  // internal attributes
    io::AppendLe(central_, 0, 4);  // external attributes
    io::AppendLe(central_, zip64 ? kMax32 : offset, 4);
    central_ += name + extra;
    ++count_;
  }

  void Finish() {
    const uint64_t offset = file_.offset(), size = central_.size();
    std::string end;
    if (count_ >= kMax16 || offset >= kMax32 || size >= kMax32) {
      io::AppendLe(end, kEnd64, 4);
      io::AppendLe(end, 44, 8);  // the record's size after this field
      io::AppendLe(end, 45, 2);
      io::AppendLe(end, 45, 2);
      io::AppendLe(end, 0, 8);  // this disk, the directory's disk
      io::AppendLe(end, count_, 8);
      io::AppendLe(end, count_, 8);
      io::AppendLe(end, size, 8);
      io::AppendLe(end, offset, 8);
      io::AppendLe(end, kEnd64Locator, 4);
      io::AppendLe(end, 0, 4);
      io::AppendLe(end, offset + size, 8);
      io::AppendLe(end, 1, 4);  // disks
    }
    io::AppendLe(end, kEnd, 4);
    io::AppendLe(end, 0, 4);  // this disk, the directory's disk
    io::AppendLe(end, std::min(count_, kMax16), 2);
    io::AppendLe(end, std::min(count_, kMax16), 2);
    io::AppendLe(end, std::min(size, kMax32), 4);
    io::AppendLe(end, std::min(offset, kMax32), 4);
    io::AppendLe(end, 0, 2);  // comment length
    file_.Write(central_);
    file_.Write(end);
    file_.Commit();
  }

 private:
  io::FileWriter file_;
  bool compress_;
  std::string central_;
  uint64_t count_ = 0;
};

}  // namespace

void save_npy(const std::string& path, const Tensor& x) {
  io::FileWriter file("save_npy", path);
  file.Write(NpyBytes("save_npy", x));
  file.Commit();
}

Tensor load_npy(const std::string& path) {
  return DecodeNpy(Cat("load_npy: ", path), io::ReadFile("load_npy", path));
}

void save_npz(const std::string& path, const NamedTensors& arrays, bool compressed) {
  std::set<std::string> names;
  for (const auto& [name, x] : arrays) {
    if (name.empty() || !names.insert(name).second) {
      ThrowInvalid("save_npz: ", name.empty() ? "an empty array name" : "the name '" + name +
                   "' twice", " (", path, ")");
    }
  }
  ZipWriter zip("save_npz", path, compressed);
  for (const auto& [name, x] : arrays) zip.Add(name + ".npy", NpyBytes("save_npz", x));
  zip.Finish();
}

NamedTensors load_npz(const std::string& path) {
  const std::string what = Cat("load_npz: ", path);
  const std::string file = io::ReadFile("load_npz", path);
  NamedTensors out;
  std::set<std::string> names;
  for (const ZipEntry& e : ReadCentralDirectory(what, file)) {
    if (e.name.ends_with('/')) continue;  // a directory entry
    const std::string member = Cat(what, ": member '", e.name, "'");
    std::string name = e.name;
    if (name.ends_with(".npy")) name.resize(name.size() - 4);
    if (!names.insert(name).second) ThrowMalformed(member, "a second member of that name");
    out.emplace_back(name, DecodeNpy(member, MemberBytes(member, file, e)));
  }
  return out;
}

}  // namespace cotangent
