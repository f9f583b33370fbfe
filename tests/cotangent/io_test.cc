// File: tests/cotangent/io_test.cc
// cotangent/io.h: round trips of every dtype and awkward shapes through .npy, .npz (stored and
// deflated) and .safetensors; save / load of containers by key path with their mismatch errors;
// the exact bytes numpy writes (an .npy header numpy 1.24 produced) and the foreign element
// types numpy and JAX write (i64, u8, f16, bf16, big-endian, Fortran order); and a fuzz-style
// pass over every truncation and thousands of byte flips: an Error or a value, never a crash.
// tests/cotangent/npz_numpy_test.sh checks the files against numpy itself.

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdio>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "cotangent/cotangent.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cotangent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// gtest's TempDir is $TEST_TMPDIR (or /tmp), with a trailing slash.
std::string TempPath(const std::string& name) { return ::testing::TempDir() + name; }

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// The error a call throws (its code and message), or "no error".
struct Thrown {
  absl::StatusCode code = absl::StatusCode::kOk;
  std::string message = "no error";
};
Thrown ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return {e.code(), e.what()};
  }
  return {};
}

// Bitwise equality of dtype, shape and elements (NaN equal to NaN).
void ExpectSame(const Tensor& a, const Tensor& b) {
  ASSERT_EQ(a.aval(), b.aval());
  const std::vector<double> x = a.to_vector<double>(), y = b.to_vector<double>();
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_TRUE(x[i] == y[i] || (std::isnan(x[i]) && std::isnan(y[i]))) << i;
  }
}

// Arrays of every dtype, with a scalar, an empty array and special values.
NamedTensors Sample() {
  const double inf = std::numeric_limits<double>::infinity();
  return {
      {"f32", tensor({1.5, -0.0, inf, -inf, std::nan(""), 1e-40}, {2, 3}, f32)},
      {"f64", tensor({3.141592653589793, -1e300, 5e-324}, {3}, f64)},
      {"f16", tensor({0.1, -65504, inf, 6e-8}, {2, 2}, f16)},
      {"i32", from_vector<int32_t>({INT32_MIN, -1, 0, INT32_MAX}, {2, 2})},
      {"bool", from_vector<bool>({true, false, true}, {3, 1})},
      {"scalar", scalar(7.0, f64)},
      {"empty", zeros({2, 0, 4}, f32)},
      {"nested/name", arange(5)},
  };
}

void ExpectSameArrays(const NamedTensors& a, const NamedTensors& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].first, b[i].first);
    ExpectSame(a[i].second, b[i].second);
  }
}

TEST(IoTest, NpzRoundTripsEveryDtypeStoredAndCompressed) {
  for (bool compressed : {false, true}) {
    const std::string path = TempPath(compressed ? "c.npz" : "s.npz");
    save_npz(path, Sample(), compressed);
    ExpectSameArrays(load_npz(path), Sample());
  }
}

TEST(IoTest, SafetensorsRoundTripsEveryDtypeAndMetadata) {
  const std::string path = TempPath("a.safetensors");
  save_safetensors(path, Sample(), {{"format", "pt"}, {"step", "100"}});
  ExpectSameArrays(load_safetensors(path), Sample());
  EXPECT_EQ(load_safetensors_metadata(path),
            (std::map<std::string, std::string>{{"format", "pt"}, {"step", "100"}}));
  // The header length is a multiple of 8, so the data is aligned.
  EXPECT_EQ(ReadBytes(path)[0] % 8, 0);
}

TEST(IoTest, NpyRoundTripsAndWritesNumpysExactHeader) {
  const std::string path = TempPath("x.npy");
  save_npy(path, tensor({0, 1, 2}, {3}, f64));
  // numpy 1.24: np.save(f, np.arange(3.0)) starts with these 128 bytes.
  std::string header = "\x93NUMPY\x01";
  header += '\0';
  header += "v";
  header += '\0';
  header += "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }";
  header.append(128 - header.size() - 1, ' ');
  header += '\n';
  const std::string bytes = ReadBytes(path);
  EXPECT_EQ(bytes.substr(0, 128), header);
  EXPECT_EQ(bytes.size(), 128u + 24u);
  ExpectSame(load_npy(path), tensor({0, 1, 2}, {3}, f64));
  for (const auto& [name, x] : Sample()) {
    save_npy(path, x);
    ExpectSame(load_npy(path), x);
  }
}

// An .npy file with the given descr, fortran flag, shape text and raw data, as numpy lays it.
std::string Npy(const std::string& descr, bool fortran, const std::string& shape,
                const std::string& data) {
  std::string dict = "{'descr': '" + descr + "', 'fortran_order': " +
                     (fortran ? "True" : "False") + ", 'shape': " + shape + ", }";
  dict.append(63 - (10 + dict.size()) % 64, ' ');
  dict += '\n';
  std::string out = "\x93NUMPY\x01";
  out += '\0';
  out += static_cast<char>(dict.size() & 0xff);
  out += static_cast<char>(dict.size() >> 8);
  return out + dict + data;
}

template <typename T>
std::string Raw(std::initializer_list<T> values, bool big_endian = false) {
  std::string out;
  for (T v : values) {
    std::string bytes(reinterpret_cast<const char*>(&v), sizeof(T));
    if (big_endian) std::reverse(bytes.begin(), bytes.end());
    out += bytes;
  }
  return out;
}

Tensor LoadNpyBytes(const std::string& bytes) {
  const std::string path = TempPath("foreign.npy");
  WriteBytes(path, bytes);
  return load_npy(path);
}

TEST(IoTest, ReadsTheElementTypesNumpyAndJaxWrite) {
  // numpy's default integer is i64, exact past 2^53; u64 is i64 when every value fits.
  const Tensor wide =
      LoadNpyBytes(Npy("<i8", false, "(3,)", Raw<int64_t>({INT64_MIN, (int64_t{1} << 53) + 1, 7})));
  EXPECT_EQ(wide.dtype(), i64);
  EXPECT_THAT(wide.to_vector<int64_t>(), ElementsAre(INT64_MIN, (int64_t{1} << 53) + 1, 7));
  EXPECT_EQ(LoadNpyBytes(Npy("<u8", false, "(1,)", Raw<uint64_t>({5}))).dtype(), i64);
  const Thrown big = ErrorOf([&] {
    LoadNpyBytes(Npy("<u8", false, "(2,)", Raw<uint64_t>({1, uint64_t{1} << 63})));
  });
  EXPECT_EQ(big.code, absl::StatusCode::kOutOfRange);
  EXPECT_THAT(big.message,
              HasSubstr("element 1 (9223372036854775808) of u64 does not fit in i64"));
  const Tensor bytes = LoadNpyBytes(Npy("|u1", false, "(2,)", Raw<uint8_t>({255, 7})));
  EXPECT_EQ(bytes.dtype(), u8);
  EXPECT_THAT(bytes.to_vector<int>(), ElementsAre(255, 7));
  EXPECT_EQ(LoadNpyBytes(Npy("<u2", false, "(1,)", Raw<uint16_t>({65535}))).dtype(), u32);
  EXPECT_THAT(LoadNpyBytes(Npy("<i2", false, "(2,)", Raw<int16_t>({-32768, 3}))).to_vector<int>(),
              ElementsAre(-32768, 3));
  // f16: 1, -2, the largest finite (65504), the smallest subnormal (2^-24), -inf.
  const Tensor half = LoadNpyBytes(
      Npy("<f2", false, "(5,)", Raw<uint16_t>({0x3c00, 0xc000, 0x7bff, 0x0001, 0xfc00})));
  EXPECT_EQ(half.dtype(), f16);
  EXPECT_THAT(half.to_vector<double>(),
              ElementsAre(1.0, -2.0, 65504.0, std::ldexp(1.0, -24),
                          -std::numeric_limits<double>::infinity()));
  EXPECT_THAT(LoadNpyBytes(Npy(">f4", false, "(2,)", Raw<float>({1.5f, -3.0f}, true)))
                  .to_vector<float>(),
              ElementsAre(1.5f, -3.0f));
  // Fortran order: column-major data of a 2x3 array.
  ExpectSame(LoadNpyBytes(Npy("<f4", true, "(2, 3)", Raw<float>({1, 4, 2, 5, 3, 6}))),
             tensor({1, 2, 3, 4, 5, 6}, {2, 3}));
  // complex64: (real, imaginary) pairs of f32; big-endian complex has no Cotangent layout.
  EXPECT_THAT(LoadNpyBytes(Npy("<c8", false, "(1,)", Raw<float>({1, 2})))
                  .to_vector<std::complex<float>>(),
              ElementsAre(std::complex<float>(1, 2)));
  const Thrown complex =
      ErrorOf([&] { LoadNpyBytes(Npy(">c8", false, "(1,)", Raw<float>({1, 2}, true))); });
  EXPECT_EQ(complex.code, absl::StatusCode::kUnimplemented);
  EXPECT_THAT(complex.message, HasSubstr("numpy dtype '>c8' has no Cotangent dtype"));
}

// A safetensors file with one tensor of the given dtype name, shape text and data.
std::string Safetensors(const std::string& dtype, const std::string& shape,
                        const std::string& data) {
  const std::string header = "{\"t\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape +
                             ",\"data_offsets\":[0," + std::to_string(data.size()) + "]}}";
  return Raw<uint64_t>({header.size()}) + header + data;
}

TEST(IoTest, SafetensorsReadsBf16AndI64) {
  const std::string path = TempPath("foreign.safetensors");
  WriteBytes(path, Safetensors("BF16", "[2]", Raw<uint16_t>({0x3f80, 0xc040})));
  EXPECT_EQ(load_safetensors(path)[0].second.dtype(), bf16);
  EXPECT_THAT(load_safetensors(path)[0].second.to_vector<float>(), ElementsAre(1.0f, -3.0f));
  WriteBytes(path, Safetensors("I64", "[1,1]", Raw<int64_t>({-9})));
  EXPECT_THAT(load_safetensors(path)[0].second.to_vector<int>(), ElementsAre(-9));
  WriteBytes(path, Safetensors("F8_E4M3", "[1]", "x"));
  EXPECT_EQ(ErrorOf([&] { load_safetensors(path); }).code, absl::StatusCode::kUnimplemented);
}

struct Layer {
  Tensor w, b;
};
auto tree_fields(Layer& l) { return std::tie(l.w, l.b); }

using Model = std::map<std::string, std::vector<Layer>>;

// A struct whose fields are named in key paths, with an optional (JAX's None when empty).
struct Named {
  Tensor weight;
  std::optional<Tensor> bias;
};
auto tree_fields(Named& n) { return std::tie(n.weight, n.bias); }
auto tree_field_names(const Named&) { return std::array{"weight", "bias"}; }

Model MakeModel(double scale) {
  return {{"encoder", {Layer{scale * ones({2, 3}), scale * zeros({3})},
                       Layer{full({3, 1}, scale, f64), arange(2)}}},
          {"head", {Layer{from_vector<bool>({true}, {1}), scalar(scale)}}}};
}

TEST(IoTest, KeyPathsNameLeavesByPositionAndKey) {
  EXPECT_THAT(TreeKeyPaths(MakeModel(1)),
              ElementsAre("encoder/0/0", "encoder/0/1", "encoder/1/0", "encoder/1/1", "head/0/0",
                          "head/0/1"));
  EXPECT_THAT(TreeKeyPaths(scalar(1)), ElementsAre("arr_0"));
  EXPECT_THAT(TreeKeyPaths(std::vector<Named>{{scalar(1), scalar(2)}, {scalar(3), std::nullopt}}),
              ElementsAre("0/weight", "0/bias", "1/weight"));
  EXPECT_THAT(TreeKeyPaths(std::make_tuple(scalar(1), std::make_pair(scalar(2), scalar(3)))),
              ElementsAre("0", "1/0", "1/1"));
}

TEST(IoTest, SaveLoadContainersInBothFormats) {
  for (const std::string name : {"model.npz", "model.safetensors"}) {
    const std::string path = TempPath(name);
    save(path, MakeModel(2.5));
    const Model loaded = load(path, MakeModel(0));
    const std::vector<Tensor> got = TreeLeaves(loaded), want = TreeLeaves(MakeModel(2.5));
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) ExpectSame(got[i], want[i]);
  }
}

TEST(IoTest, SaveLoadNamedFieldsAndOptionals) {
  const std::string path = TempPath("named.npz");
  save(path, std::vector<Named>{{ones({2}), scalar(5)}, {zeros({3}), std::nullopt}});
  const NamedTensors arrays = load_npz(path);
  ASSERT_EQ(arrays.size(), 3u);
  EXPECT_EQ(arrays[1].first, "0/bias");
  EXPECT_EQ(arrays[2].first, "1/weight");
  const auto loaded = load(path, std::vector<Named>{{zeros({2}), scalar(0)}, {ones({3}), {}}});
  EXPECT_EQ(loaded[0].bias->item<float>(), 5.0f);
  EXPECT_FALSE(loaded[1].bias.has_value());
  // An optional that is empty in `like` but saved with a value is an extra array.
  EXPECT_THAT(ErrorOf([&] { load(path, std::vector<Named>{{zeros({2}), {}}, {ones({3}), {}}}); })
                  .message,
              HasSubstr("holds '0/bias', which the container has no leaf for"));
}

TEST(IoTest, LoadNamesTheFirstMismatch) {
  const std::string path = TempPath("mismatch.npz");
  save(path, std::vector<Tensor>{ones({2, 3}), zeros({4}, i32)});
  EXPECT_THAT(ErrorOf([&] { load(path, std::vector<Tensor>{ones({3, 2}), zeros({4}, i32)}); })
                  .message,
              HasSubstr("load: '0' in " + path + " is f32[2,3], expected f32[3,2]"));
  EXPECT_THAT(ErrorOf([&] { load(path, std::vector<Tensor>{ones({2, 3}), zeros({4})}); }).message,
              HasSubstr("'1' in " + path + " is i32[4], expected f32[4]"));
  const Thrown missing = ErrorOf(
      [&] { load(path, std::vector<Tensor>{ones({2, 3}), zeros({4}, i32), ones({1})}); });
  EXPECT_EQ(missing.code, absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.message, HasSubstr("has no array '2' (it holds: 0, 1)"));
  EXPECT_THAT(ErrorOf([&] { load(path, std::vector<Tensor>{ones({2, 3})}); }).message,
              HasSubstr("holds '1', which the container has no leaf for"));
}

TEST(IoTest, BadArgumentsAreErrors) {
  EXPECT_EQ(ErrorOf([] { load_npz(TempPath("does_not_exist.npz")); }).code,
            absl::StatusCode::kNotFound);
  EXPECT_THAT(ErrorOf([] { save(TempPath("x.bin"), scalar(1)); }).message,
              HasSubstr("must end in .npz or .safetensors"));
  EXPECT_THAT(ErrorOf([] { save_npz(TempPath("d.npz"), {{"a", scalar(1)}, {"a", scalar(2)}}); })
                  .message,
              HasSubstr("save_npz: the name 'a' twice"));
  EXPECT_THAT(
      ErrorOf([] { save_safetensors(TempPath("d.safetensors"), {{"__metadata__", scalar(1)}}); })
          .message,
      HasSubstr("'__metadata__' is reserved"));
  EXPECT_THAT(ErrorOf([] { save_npz("/nonexistent_dir/x.npz", {{"a", scalar(1)}}); }).message,
              HasSubstr("save_npz: cannot create /nonexistent_dir/x.npz.tmp"));
  // A traced value has no bytes to save; the failed save leaves no file behind.
  const std::string path = TempPath("traced.npz");
  const Thrown traced = ErrorOf([&] {
    grad([&](const Tensor& x) {
      save_npz(path, {{"x", x}});
      return x;
    })(scalar(1));
  });
  EXPECT_NE(traced.code, absl::StatusCode::kOk);
  EXPECT_FALSE(std::ifstream(path).good());
  EXPECT_FALSE(std::ifstream(path + ".tmp" + std::to_string(getpid())).good());
}

// Loads path as a file of its kind ("npz", "npy", "safetensors").
void Load(const std::string& kind, const std::string& path) {
  if (kind == "npz") load_npz(path);
  if (kind == "npy") load_npy(path);
  if (kind == "safetensors") load_safetensors(path), load_safetensors_metadata(path);
}

TEST(IoTest, TruncationsAndByteFlipsAreErrorsNeverCrashes) {
  struct Case {
    std::string kind, file;
  };
  std::vector<Case> cases;
  const std::string dir = TempPath("");
  save_npz(dir + "f.npz", Sample());
  cases.push_back({"npz", ReadBytes(dir + "f.npz")});
  save_npz(dir + "f.npz", Sample(), /*compressed=*/true);
  cases.push_back({"npz", ReadBytes(dir + "f.npz")});
  save_safetensors(dir + "f.safetensors", Sample(), {{"k", "v"}});
  cases.push_back({"safetensors", ReadBytes(dir + "f.safetensors")});
  save_npy(dir + "f.npy", tensor({1, 2, 3, 4, 5, 6}, {2, 3}));
  cases.push_back({"npy", ReadBytes(dir + "f.npy")});
  std::mt19937 rng(17);
  int rejected = 0;
  for (const Case& c : cases) {
    const std::string path = dir + "fuzzed." + c.kind;
    for (size_t n = 0; n < c.file.size(); ++n) {  // every truncation is an Error
      WriteBytes(path, c.file.substr(0, n));
      EXPECT_EQ(ErrorOf([&] { Load(c.kind, path); }).code, absl::StatusCode::kDataLoss)
          << c.kind << " truncated to " << n << " bytes";
    }
    for (int trial = 0; trial < 1500; ++trial) {  // flips: an Error (counted) or some value
      std::string bytes = c.file;
      for (int k = 0; k < 1 + trial % 3; ++k) {
        bytes[rng() % bytes.size()] ^= static_cast<char>(1 + rng() % 255);
      }
      WriteBytes(path, bytes);
      // ErrorOf lets only cotangent::Error through: anything else fails the test.
      rejected += ErrorOf([&] { Load(c.kind, path); }).code != absl::StatusCode::kOk;
    }
  }
  EXPECT_GT(rejected, 1000);  // most flips hit checked structure (headers, CRCs, JSON)
}

}  // namespace
}  // namespace cotangent
