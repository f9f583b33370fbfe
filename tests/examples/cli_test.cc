// File: tests/examples/cli_test.cc
// Flag parsing: values, defaults, bools, and the errors for unknown or malformed flags.

#include "examples/support/cli.h"

#include "core/error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cotangent::cli {
namespace {

using ::testing::HasSubstr;

TEST(Flags, ParsesValuesAndDefaults) {
  const char* argv[] = {"/path/to/example", "--smoke", "--steps=12", "--lr=0.5", "--out=a/b"};
  Flags flags(5, argv, "test");
  EXPECT_TRUE(flags.Bool("smoke", "help"));
  EXPECT_FALSE(flags.Bool("verbose", "help"));
  EXPECT_EQ(flags.Int("steps", 3, "help"), 12);
  EXPECT_EQ(flags.Int("epochs", 3, "help"), 3);
  EXPECT_DOUBLE_EQ(flags.Double("lr", 0.1, "help"), 0.5);
  EXPECT_EQ(flags.String("out", "x", "help"), "a/b");
  EXPECT_FALSE(flags.Finish());
}

TEST(Flags, RejectsUnknownAndMalformed) {
  const char* argv[] = {"example", "--stpes=12"};
  Flags flags(2, argv, "test");
  EXPECT_EQ(flags.Int("steps", 3, "help"), 3);
  try {
    flags.Finish();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("unknown flag --stpes"));
  }
  const char* bad[] = {"example", "--steps=twelve"};
  Flags bad_flags(2, bad, "test");
  EXPECT_THROW(bad_flags.Int("steps", 3, "help"), Error);
  const char* positional[] = {"example", "data.txt"};
  EXPECT_THROW(Flags(2, positional, "test"), Error);
}

}  // namespace
}  // namespace cotangent::cli
