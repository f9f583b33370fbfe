// File: cotangent/safetensors.cc
// Hugging Face's safetensors format: an unsigned 64-bit little-endian header length N, N bytes
// of JSON mapping each tensor name to {"dtype", "shape", "data_offsets": [begin, end]} (byte
// offsets into the data that follows; "__metadata__" maps strings to strings), then the data,
// row-major and little-endian. The JSON is nlohmann/json's (Debian's nlohmann-json3-dev).

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>
#include <tuple>

#include "cotangent/io.h"
#include "cotangent/io_codec.h"

namespace cotangent {
namespace {

using io::StoredType;
using io::ThrowMalformed;
using Json = nlohmann::ordered_json;

// The format's dtype names and the element types they stand for (the F8 and complex ones have
// no Cotangent dtype).
constexpr std::pair<const char*, StoredType> kDtypes[] = {
    {"BOOL", {'b', 1}}, {"U8", {'u', 1}},  {"I8", {'i', 1}},  {"U16", {'u', 2}},
    {"I16", {'i', 2}},  {"U32", {'u', 4}}, {"I32", {'i', 4}}, {"U64", {'u', 8}},
    {"I64", {'i', 8}},  {"F16", {'f', 2}}, {"BF16", {'g', 2}}, {"F32", {'f', 4}},
    {"F64", {'f', 8}},
};

// The format's name of dtype; an Error for the dtypes it lacks (complex).
const char* DtypeName(DType dtype, const std::string& path) {
  const StoredType t = io::StoredTypeOf(dtype);
  for (const auto& [name, stored] : kDtypes) {
    if (stored.kind == t.kind && stored.bytes == t.bytes) return name;
  }
  ThrowInvalid("save_safetensors: ", DTypeName(dtype), " has no safetensors dtype (", path,
               "); save it with save_npz");
}

// The header as JSON, checked to be an object; the data follows it at `data_start`.
Json ReadHeader(const std::string& what, std::string_view file, uint64_t& data_start) {
  const uint64_t length = io::ReadLe(what, file, 0, 8);
  if (length > file.size() - 8) {
    ThrowMalformed(what, "truncated: the header of ", length, " bytes runs past the end (",
                   file.size(), " bytes)");
  }
  data_start = 8 + length;
  const char* begin = file.data() + 8;
  Json header = Json::parse(begin, begin + length, nullptr, /*allow_exceptions=*/false);
  if (header.is_discarded() || !header.is_object()) {
    ThrowMalformed(what, "the header is not a JSON object");
  }
  return header;
}

// A JSON array of non-negative integers.
std::vector<int64_t> Integers(const std::string& what, const Json& json, const char* field) {
  if (!json.is_array()) ThrowMalformed(what, field, " is not an array");
  std::vector<int64_t> out;
  for (const Json& v : json) {
    if (!v.is_number_unsigned() || v.get<uint64_t>() > uint64_t{INT64_MAX}) {
      ThrowMalformed(what, field, " holds ", v.dump(), ", not a non-negative integer");
    }
    out.push_back(v.get<int64_t>());
  }
  return out;
}

}  // namespace

void save_safetensors(const std::string& path, const NamedTensors& arrays,
                      const std::map<std::string, std::string>& metadata) {
  Json header = Json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const auto& [name, x] : arrays) {
    if (name.empty() || name == "__metadata__" || header.contains(name)) {
      ThrowInvalid("save_safetensors: ", name.empty() ? "an empty tensor name" : "the name '" +
                   name + "'" + (name == "__metadata__" ? " is reserved" : " twice"), " (", path,
                   ")");
    }
    const uint64_t bytes = static_cast<uint64_t>(x.aval().bytes());
    header[name] = {{"dtype", DtypeName(x.dtype(), path)},
                    {"shape", x.shape()},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const Json::exception& e) {  // a name or metadata that is not UTF-8
    ThrowInvalid("save_safetensors: ", path, ": ", e.what());
  }
  text.append((8 - text.size() % 8) % 8, ' ');  // the data starts 8-byte aligned
  std::string length;
  io::AppendLe(length, text.size(), 8);
  io::FileWriter file("save_safetensors", path);
  file.Write(length);
  file.Write(text);
  for (const auto& [name, x] : arrays) file.Write(io::Encode("save_safetensors", x));
  file.Commit();
}

NamedTensors load_safetensors(const std::string& path) {
  const std::string what = Cat("load_safetensors: ", path);
  const std::string file = io::ReadFile("load_safetensors", path);
  uint64_t data_start = 0;
  const Json header = ReadHeader(what, file, data_start);
  const std::string_view data = std::string_view(file).substr(data_start);
  std::vector<std::tuple<int64_t, std::string, Tensor>> found;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") continue;
    const std::string tensor = Cat(what, ": tensor '", name, "'");
    if (!entry.is_object() || !entry.contains("dtype") || !entry["dtype"].is_string() ||
        !entry.contains("shape") || !entry.contains("data_offsets")) {
      ThrowMalformed(tensor, "expected {\"dtype\": ..., \"shape\": ..., \"data_offsets\": ...}");
    }
    const std::string dtype = entry["dtype"].get<std::string>();
    const auto known = std::find_if(std::begin(kDtypes), std::end(kDtypes),
                                    [&](const auto& d) { return dtype == d.first; });
    if (known == std::end(kDtypes)) {
      throw Error(absl::StatusCode::kUnimplemented,
                  Cat(tensor, ": dtype ", dtype, " has no Cotangent dtype"));
    }
    const Shape shape = Integers(tensor, entry["shape"], "shape");
    const std::vector<int64_t> range = Integers(tensor, entry["data_offsets"], "data_offsets");
    if (range.size() != 2 || range[0] > range[1] || static_cast<uint64_t>(range[1]) > data.size()) {
      ThrowMalformed(tensor, "data_offsets ", entry["data_offsets"].dump(), " outside the ",
                     data.size(), " bytes of data");
    }
    found.emplace_back(range[0], name, io::Decode(tensor, known->second, shape,
                                                  data.substr(range[0], range[1] - range[0])));
  }
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return std::get<0>(a) < std::get<0>(b); });
  NamedTensors out;
  for (auto& [offset, name, x] : found) out.emplace_back(std::move(name), std::move(x));
  return out;
}

std::map<std::string, std::string> load_safetensors_metadata(const std::string& path) {
  const std::string what = Cat("load_safetensors_metadata: ", path);
  const std::string file = io::ReadFile("load_safetensors_metadata", path);
  uint64_t data_start = 0;
  const Json header = ReadHeader(what, file, data_start);
  std::map<std::string, std::string> out;
  if (!header.contains("__metadata__")) return out;
  const Json& metadata = header["__metadata__"];
  if (!metadata.is_object()) ThrowMalformed(what, "__metadata__ is not an object");
  for (const auto& [key, value] : metadata.items()) {
    if (!value.is_string()) ThrowMalformed(what, "__metadata__ value of '", key, "' not a string");
    out[key] = value.get<std::string>();
  }
  return out;
}

}  // namespace cotangent
