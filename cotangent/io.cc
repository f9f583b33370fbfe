// File: cotangent/io.cc
// save / load of containers (cotangent/io.h): leaves named by key path, matched back by name
// with their shapes and dtypes checked, in the format the file's extension names.

#include "cotangent/io.h"

#include <set>

namespace cotangent::internal {
namespace {

enum class Format { kNpz, kSafetensors };

Format FormatOf(const char* op, const std::string& path) {
  if (path.ends_with(".npz")) return Format::kNpz;
  if (path.ends_with(".safetensors")) return Format::kSafetensors;
  ThrowInvalid(op, ": ", path, ": the file name must end in .npz or .safetensors");
}

}  // namespace

NamedTensors NameLeaves(const std::vector<std::string>& paths, const std::vector<Tensor>& leaves) {
  NamedTensors out;
  for (size_t i = 0; i < leaves.size(); ++i) out.emplace_back(paths[i], leaves[i]);
  return out;
}

std::vector<Tensor> MatchLeaves(const std::string& path, const std::vector<std::string>& names,
                                const std::vector<Tensor>& like, const NamedTensors& arrays) {
  std::map<std::string, const Tensor*> by_name;
  for (const auto& [name, x] : arrays) by_name[name] = &x;
  std::vector<Tensor> out;
  for (size_t i = 0; i < like.size(); ++i) {
    const auto it = by_name.find(names[i]);
    if (it == by_name.end()) {
      std::string held;
      for (const auto& [name, x] : arrays) held += Cat(held.empty() ? "" : ", ", name);
      throw Error(absl::StatusCode::kNotFound, Cat("load: ", path, " has no array '", names[i],
                                                   "' (it holds: ", held, ")"));
    }
    const Tensor& x = *it->second;
    if (x.aval() != like[i].aval()) {
      ThrowInvalid("load: '", names[i], "' in ", path, " is ", x.aval().ToString(),
                   ", expected ", like[i].aval().ToString());
    }
    out.push_back(x);
    by_name.erase(it);
  }
  if (!by_name.empty()) {
    ThrowInvalid("load: ", path, " holds '", by_name.begin()->first, "', which the container ",
                 "has no leaf for (", by_name.size(), " such arrays)");
  }
  return out;
}

void SaveByExtension(const std::string& path, const NamedTensors& arrays) {
  if (FormatOf("save", path) == Format::kNpz) {
    save_npz(path, arrays);
  } else {
    save_safetensors(path, arrays);
  }
}

NamedTensors LoadByExtension(const std::string& path) {
  return FormatOf("load", path) == Format::kNpz ? load_npz(path) : load_safetensors(path);
}

}  // namespace cotangent::internal
