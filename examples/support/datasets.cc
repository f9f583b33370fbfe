// File: examples/support/datasets.cc
// File reading and validation for datasets.h. gzip and plain files are both read through
// zlib's gzread, which passes uncompressed data through unchanged.

#include "examples/support/datasets.h"

#include <pwd.h>
#include <unistd.h>
#include <zlib.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "cotangent/cotangent.h"

namespace cotangent::datasets {
namespace {

[[noreturn]] void Fail(absl::StatusCode code, const std::string& path, const std::string& what,
                       const std::string& fetch) {
  throw Error(code, Cat(path, ": ", what, " (fetch the dataset with: ", fetch, ")"));
}

// The whole (decompressed) content of a file.
std::string ReadAll(const std::string& path, const std::string& fetch) {
  if (!std::filesystem::exists(path))
    Fail(absl::StatusCode::kNotFound, path, "no such file", fetch);
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) Fail(absl::StatusCode::kNotFound, path, "cannot open", fetch);
  std::string content;
  char buffer[1 << 16];
  int n;
  while ((n = gzread(file, buffer, sizeof(buffer))) > 0) content.append(buffer, n);
  int error = Z_OK;
  const std::string message = n < 0 ? gzerror(file, &error) : "";
  gzclose(file);
  if (n < 0) Fail(absl::StatusCode::kDataLoss, path, "corrupt gzip data (" + message + ")", fetch);
  return content;
}

uint32_t BigEndian32(const std::string& bytes, size_t at) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = v << 8 | static_cast<uint8_t>(bytes[at + i]);
  return v;
}

std::string HomeDir() {
  if (const char* home = std::getenv("HOME"); home != nullptr && *home) return home;
  if (const passwd* pw = getpwuid(getuid()); pw != nullptr && pw->pw_dir != nullptr) {
    return pw->pw_dir;
  }
  return ".";
}

std::vector<std::string> ReadNames(const std::string& path) {
  const std::string fetch = Cat(kSetupCommand, ", which runs npm pack");
  const std::string text = ReadAll(path, fetch);
  std::vector<std::string> names;
  size_t line_start = 0;
  int line = 1;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && text[i] != '\n') continue;
    std::string name = text.substr(line_start, i - line_start);
    if (!name.empty() && name.back() == '\r') name.pop_back();
    for (char& c : name) {
      if (!std::isalpha(static_cast<unsigned char>(c)) && c != '-' && c != '\'' && c != ' ') {
        Fail(absl::StatusCode::kDataLoss, path,
             Cat("line ", line, " is not a name (unexpected byte ",
                 static_cast<int>(static_cast<unsigned char>(c)), ")"),
             fetch);
      }
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (!name.empty()) names.push_back(std::move(name));
    line_start = i + 1;
    ++line;
  }
  if (names.empty()) Fail(absl::StatusCode::kDataLoss, path, "no names in the file", fetch);
  return names;
}

ImageSet LoadImageSet(const std::string& dir, const std::string& prefix) {
  const std::string images_path = dir + "/" + prefix + "-images-idx3-ubyte.gz";
  const std::string labels_path = dir + "/" + prefix + "-labels-idx1-ubyte.gz";
  const std::string fetch = Cat(kSetupCommand, ", which installs dataset-fashion-mnist");
  const data::HostArray<uint8_t> images = ReadIdx(images_path, fetch);
  const data::HostArray<uint8_t> labels = ReadIdx(labels_path, fetch);
  if (images.shape.size() != 3 || images.shape[1] != 28 || images.shape[2] != 28) {
    Fail(absl::StatusCode::kDataLoss, images_path,
         "expected images of shape [N,28,28], got " + ShapeToString(images.shape), fetch);
  }
  if (labels.shape.size() != 1 || labels.shape[0] != images.shape[0]) {
    Fail(absl::StatusCode::kDataLoss, labels_path,
         Cat("expected ", images.shape[0], " labels (one per image), got shape ",
             ShapeToString(labels.shape)),
         fetch);
  }
  ImageSet set;
  set.images.shape = {images.shape[0], 28, 28, 1};
  set.images.values.reserve(images.values.size());
  for (uint8_t v : images.values) set.images.values.push_back(v / 255.0f);
  set.labels.shape = {labels.shape[0]};
  for (size_t i = 0; i < labels.values.size(); ++i) {
    if (labels.values[i] >= 10) {
      Fail(absl::StatusCode::kDataLoss, labels_path,
           Cat("label ", static_cast<int>(labels.values[i]), " of example ", i,
               " is not a class in 0..9"),
           fetch);
    }
    set.labels.values.push_back(labels.values[i]);
  }
  return set;
}

}  // namespace

std::string DataDir() {
  if (const char* dir = std::getenv("COTANGENT_DATA"); dir != nullptr && *dir) return dir;
  return HomeDir() + "/.cache/cotangent";
}

std::vector<std::string> LoadNames(const std::string& data_dir) {
  std::vector<std::string> names;
  for (const char* file : {"female-first-names-en.txt", "male-first-names-en.txt"}) {
    std::vector<std::string> part = ReadNames(data_dir + "/names/" + file);
    names.insert(names.end(), part.begin(), part.end());
  }
  return names;
}

data::HostArray<uint8_t> ReadIdx(const std::string& path, const std::string& fetch) {
  const std::string bytes = ReadAll(path, fetch);
  const auto bad = [&](const std::string& what) {
    Fail(absl::StatusCode::kDataLoss, path, "not an IDX file: " + what, fetch);
  };
  if (bytes.size() < 4) bad(Cat("only ", bytes.size(), " bytes"));
  if (bytes[0] != 0 || bytes[1] != 0) bad("the magic number must start with two zero bytes");
  const int type = static_cast<uint8_t>(bytes[2]), rank = static_cast<uint8_t>(bytes[3]);
  if (type != 0x08)
    bad(Cat("element type 0x", absl::Hex(type), " (only 0x08, unsigned byte, is supported)"));
  if (rank < 1 || rank > 4) bad(Cat("rank ", rank, " (expected 1 to 4)"));
  const size_t header = 4 + 4 * static_cast<size_t>(rank);
  if (bytes.size() < header) bad(Cat("truncated header (", bytes.size(), " bytes)"));
  data::HostArray<uint8_t> array;
  for (int i = 0; i < rank; ++i) array.shape.push_back(BigEndian32(bytes, 4 + 4 * i));
  const size_t expected = header + static_cast<size_t>(NumElements(array.shape));
  if (bytes.size() != expected) {
    bad(Cat(bytes.size() < expected ? "truncated" : "trailing bytes", ": shape ",
            ShapeToString(array.shape), " needs ", expected, " bytes, the file has ",
            bytes.size()));
  }
  array.values.assign(bytes.begin() + header, bytes.end());
  return array;
}

const std::vector<std::string>& FashionMnistClasses() {
  static const std::vector<std::string> kClasses = {
      "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
      "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return kClasses;
}

FashionMnist LoadFashionMnist(const std::string& dir) {
  return {LoadImageSet(dir, "train"), LoadImageSet(dir, "t10k")};
}

}  // namespace cotangent::datasets
