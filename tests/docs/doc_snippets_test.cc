// File: tests/docs/doc_snippets_test.cc
// Keeps the C++ in docs/*.md honest: every ```cpp block of a page must appear, line by line
// (indentation and blank lines aside), in one of the files that page is checked against: the
// compiled snippet tests in tests/docs/ or the sources a page quotes. A block whose first line
// starts with "// New" shows code that is not in the tree (an addition the page proposes) and
// is skipped.

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace {

// The lines of a file (the test runs in the runfiles root, so paths are workspace-relative),
// stripped, blank ones dropped.
std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    std::string stripped(absl::StripAsciiWhitespace(line));
    if (!stripped.empty()) out.push_back(std::move(stripped));
  }
  return out;
}

std::string Read(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The ```cpp blocks of a markdown page, with the line each starts on.
std::vector<std::pair<int, std::string>> CppBlocks(const std::string& markdown) {
  std::vector<std::pair<int, std::string>> blocks;
  std::string block;
  int line_number = 0, start = 0;
  bool inside = false;
  for (absl::string_view line : absl::StrSplit(markdown, '\n')) {
    ++line_number;
    const absl::string_view stripped = absl::StripAsciiWhitespace(line);
    if (!inside && stripped == "```cpp") {
      inside = true;
      start = line_number;
      block.clear();
    } else if (inside && stripped == "```") {
      inside = false;
      blocks.push_back({start, block});
    } else if (inside) {
      block += std::string(line) + "\n";
    }
  }
  return blocks;
}

bool Contains(const std::vector<std::string>& haystack, const std::vector<std::string>& needle) {
  if (needle.empty()) return true;
  for (size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    size_t k = 0;
    while (k < needle.size() && haystack[i + k] == needle[k]) ++k;
    if (k == needle.size()) return true;
  }
  return false;
}

void CheckPage(const std::string& page, const std::vector<std::string>& sources) {
  std::vector<std::vector<std::string>> source_lines;
  for (const std::string& path : sources) source_lines.push_back(Lines(Read(path)));
  const std::vector<std::pair<int, std::string>> blocks = CppBlocks(Read(page));
  EXPECT_FALSE(blocks.empty()) << page << " has no ```cpp blocks";
  for (const auto& [line, block] : blocks) {
    const std::vector<std::string> needle = Lines(block);
    if (!needle.empty() && needle[0].rfind("// New", 0) == 0) continue;
    bool found = false;
    for (const auto& haystack : source_lines) found = found || Contains(haystack, needle);
    EXPECT_TRUE(found) << page << ":" << line << ": this block is in none of the files the page "
                       << "is checked against:\n" << block;
  }
}

TEST(DocSnippetsTest, GettingStarted) {
  CheckPage("docs/getting_started.md", {"tests/docs/getting_started_test.cc"});
}

TEST(DocSnippetsTest, Reference) {
  CheckPage("docs/reference.md", {"tests/docs/reference_test.cc"});
}

// Excerpts of the tree, and the new rules compiled in adding_a_primitive_test.cc.
TEST(DocSnippetsTest, AddingAPrimitive) {
  CheckPage("docs/adding_a_primitive.md",
            {"core/primitives.def", "core/lax.h", "core/rules.cc", "core/rules/elementwise.cc",
             "core/rules/reduction.cc", "cotangent/numpy.cc", "backends/cpu/elementwise_ops.h",
             "backends/vulkan/elementwise_kernels.cc", "tests/testing/primitive_cases.h",
             "tests/docs/adding_a_primitive_test.cc"});
}

}  // namespace
