// File: tests/examples/plot_test.cc
// The PNG encoder against known CRC values and a decode of its own output (chunk CRCs,
// IHDR fields, inflated rows equal to the pixels), and the drawing primitives.

#include "examples/support/plot.h"

#include <zlib.h>

#include <string>

#include "core/error.h"
#include "gtest/gtest.h"

namespace cotangent::plot {
namespace {

uint32_t Be32(const std::string& s, size_t at) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = v << 8 | static_cast<uint8_t>(s[at + i]);
  return v;
}

struct Chunk {
  std::string type, data;
};

// Splits a PNG into chunks, checking the signature and every chunk's CRC.
std::vector<Chunk> ParsePng(const std::string& png) {
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  std::vector<Chunk> chunks;
  size_t at = 8;
  while (at + 12 <= png.size()) {
    const uint32_t length = Be32(png, at);
    Chunk chunk{png.substr(at + 4, 4), png.substr(at + 8, length)};
    EXPECT_EQ(Be32(png, at + 8 + length), Crc32(chunk.type + chunk.data)) << chunk.type;
    chunks.push_back(chunk);
    at += 12 + length;
  }
  EXPECT_EQ(at, png.size());
  return chunks;
}

TEST(Crc32, KnownValues) {
  EXPECT_EQ(Crc32(""), 0u);
  EXPECT_EQ(Crc32("123456789"), 0xCBF43926u);  // the CRC-32 check value
  EXPECT_EQ(Crc32("IEND"), 0xAE426082u);       // every PNG ends with this CRC
}

TEST(EncodePng, RoundTrip) {
  Image image(7, 3, kWhite);
  image.Set(0, 0, kRed);
  image.Set(6, 2, Rgb{1, 2, 3});
  image.FillRect(2, 1, 4, 2, kBlue);
  const std::string png = EncodePng(image);
  const std::vector<Chunk> chunks = ParsePng(png);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0].type, "IHDR");
  EXPECT_EQ(chunks[1].type, "IDAT");
  EXPECT_EQ(chunks[2].type, "IEND");
  EXPECT_EQ(png.substr(png.size() - 4), std::string("\xAE\x42\x60\x82", 4));
  EXPECT_EQ(Be32(chunks[0].data, 0), 7u);
  EXPECT_EQ(Be32(chunks[0].data, 4), 3u);
  EXPECT_EQ(chunks[0].data.substr(8), std::string("\x08\x02\x00\x00\x00", 5));

  std::string raw(3 * (1 + 7 * 3), '\0');
  uLongf size = raw.size();
  ASSERT_EQ(
      uncompress(reinterpret_cast<Bytef*>(raw.data()), &size,
                 reinterpret_cast<const Bytef*>(chunks[1].data.data()), chunks[1].data.size()),
      Z_OK);
  ASSERT_EQ(size, raw.size());
  for (int y = 0; y < 3; ++y) {
    EXPECT_EQ(raw[y * 22], '\0') << "row " << y << " filter";
    for (int x = 0; x < 7; ++x) {
      const Rgb c = image.At(x, y);
      const size_t i = y * 22 + 1 + x * 3;
      EXPECT_EQ(Rgb({static_cast<uint8_t>(raw[i]), static_cast<uint8_t>(raw[i + 1]),
                     static_cast<uint8_t>(raw[i + 2])}),
                c)
          << x << "," << y;
    }
  }
  EXPECT_EQ(image.At(0, 0), kRed);
  EXPECT_EQ(image.At(2, 1), kBlue);
  EXPECT_EQ(image.At(4, 1), kWhite);
}

TEST(Image, DrawingIsClipped) {
  Image image(10, 10);
  image.Disc(0, 0, 4, kBlack);
  image.Line(-5, 5, 20, 5, kGreen, 1.0);
  image.FillRect(-3, -3, 100, 1, kRed);
  EXPECT_EQ(image.At(9, 5), kGreen);
  EXPECT_EQ(image.At(5, 0), kRed);
  EXPECT_EQ(image.At(1, 2), kBlack);
  EXPECT_THROW(image.At(10, 0), Error);
}

TEST(Image, TextUsesTheFont) {
  Image image(20, 10);
  image.Text(0, 0, "1", kBlack);
  // '1' is columns 0x00 0x42 0x7F 0x40 0x00: column 2 is fully set over rows 0..6.
  for (int row = 0; row < 7; ++row) EXPECT_EQ(image.At(2, row), kBlack) << row;
  EXPECT_EQ(image.At(0, 3), kWhite);
  EXPECT_EQ(Image::TextWidth("ab"), 11);
  EXPECT_EQ(Image::TextWidth("ab", 2), 22);
}

TEST(NiceTicks, RoundSteps) {
  EXPECT_EQ(NiceTicks(0, 1, 5), (std::vector<double>{0, 0.2, 0.4, 0.6000000000000001, 0.8, 1}));
  const std::vector<double> ticks = NiceTicks(0.13, 2.6, 5);
  ASSERT_FALSE(ticks.empty());
  EXPECT_DOUBLE_EQ(ticks.front(), 0.5);
  EXPECT_DOUBLE_EQ(ticks.back(), 2.5);
}

TEST(Axes, MapsDataToPixels) {
  Image image(300, 200);
  Axes axes(image, Rect{0, 0, 300, 200}, 0, 10, -1, 1);
  EXPECT_DOUBLE_EQ(axes.PixelX(0), axes.area().x);
  EXPECT_DOUBLE_EQ(axes.PixelX(10), axes.area().x + axes.area().width);
  EXPECT_DOUBLE_EQ(axes.PixelY(-1), axes.area().y + axes.area().height);
  EXPECT_NEAR(axes.DataX(static_cast<int>(axes.PixelX(5))), 5, 10.0 / axes.area().width);
}

}  // namespace
}  // namespace cotangent::plot
