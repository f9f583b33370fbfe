// File: cotangent/io.h
// Tensors to and from files: numpy's .npy and .npz (what numpy.save / numpy.savez write and
// numpy.load reads) and Hugging Face's .safetensors, and save / load of a whole container of
// tensors (a model's parameters, an optimizer's state) by the key paths of its leaves.
//
//   ct::save("params.npz", params);                      // or "params.safetensors"
//   Params restored = ct::load("params.npz", params);    // same structure, shapes, dtypes
//
// Files hold Cotangent's dtypes as themselves (bool, u8, u32, i32, i64, f16, bf16, f32, f64;
// numpy has no bfloat16, so bf16 goes to .safetensors only). Reading accepts what numpy and
// JAX write: the integer widths we lack widen exactly (i8, i16 -> i32; u16 -> u32; u64 -> i64
// when every value fits, else an Error naming the value), big-endian data is swapped,
// Fortran-ordered arrays are transposed.
// Complex and object arrays are an Error. A malformed or truncated file is an Error naming the
// file and what is wrong (never a crash); docs/io.md has the details.

#ifndef COTANGENT_COTANGENT_IO_H_
#define COTANGENT_COTANGENT_IO_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/tensor.h"
#include "cotangent/tree.h"

namespace cotangent {

// Named arrays in file order, as an .npz or .safetensors file holds them.
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// One array as an .npy file (format 1.0, or 2.0 when the header needs it), and back.
void save_npy(const std::string& path, const Tensor& x);
Tensor load_npy(const std::string& path);

// Arrays as an .npz archive, each as the member "<name>.npy": stored (as numpy.savez) or
// deflate-compressed (as numpy.savez_compressed). ZIP64 records are written when a member or
// the archive passes 4 GiB. Names must be unique and non-empty.
void save_npz(const std::string& path, const NamedTensors& arrays, bool compressed = false);
NamedTensors load_npz(const std::string& path);

// Arrays as a .safetensors file: an 8-byte header length, a JSON header (dtype, shape, byte
// range of each tensor, and optional string metadata under "__metadata__"), then the data.
void save_safetensors(const std::string& path, const NamedTensors& arrays,
                      const std::map<std::string, std::string>& metadata = {});
NamedTensors load_safetensors(const std::string& path);
std::map<std::string, std::string> load_safetensors_metadata(const std::string& path);

// The key path of each leaf of a container, in TreeLeaves order: vector, array, tuple, pair and
// struct fields by position, map entries by key, joined by '/' ("layers/0/w"); a lone tensor
// is "arr_0" (numpy.savez's name for a positional array).
template <typename T>
std::vector<std::string> TreeKeyPaths(const T& tree) {
  std::vector<std::string> paths;
  std::string prefix;
  TreeTraits<T>::KeyPaths(tree, prefix, paths);
  if (paths.size() == 1 && paths[0].empty()) paths[0] = "arr_0";
  return paths;
}

namespace internal {
// The named leaves of a container; and the leaves of `like` read back from `arrays`, checking
// that the names, shapes and dtypes match exactly (an Error lists the first difference).
NamedTensors NameLeaves(const std::vector<std::string>& paths, const std::vector<Tensor>& leaves);
std::vector<Tensor> MatchLeaves(const std::string& path, const std::vector<std::string>& names,
                                const std::vector<Tensor>& like, const NamedTensors& arrays);
// save_npz or save_safetensors by the extension of path (.npz, .safetensors); load likewise.
void SaveByExtension(const std::string& path, const NamedTensors& arrays);
NamedTensors LoadByExtension(const std::string& path);
}  // namespace internal

// Saves the leaves of a container under their key paths, as .npz or .safetensors by the
// extension of path. The file is written to a temporary name and renamed, so an interrupted
// save never leaves a half-written file under path.
template <typename T>
void save(const std::string& path, const T& tree) {
  internal::SaveByExtension(path, internal::NameLeaves(TreeKeyPaths(tree), TreeLeaves(tree)));
}

// A container shaped like `like` holding the arrays save wrote: the file must hold exactly the
// key paths of like, each with like's shape and dtype. Tensors go to the default device.
template <typename T>
T load(const std::string& path, const T& like) {
  const NamedTensors arrays = internal::LoadByExtension(path);
  return TreeUnflatten(like, internal::MatchLeaves(path, TreeKeyPaths(like), TreeLeaves(like),
                                                   arrays));
}

}  // namespace cotangent

#endif  // COTANGENT_COTANGENT_IO_H_
