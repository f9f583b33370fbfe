// File: examples/support/plot.cc
// The raster, the bitmap font, axes and charts, and the PNG encoder of plot.h.

#include "examples/support/plot.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>

#include "cotangent/cotangent.h"

namespace cotangent::plot {
namespace {

// The classic 5x8 glyphs of ASCII 32..126: five column bytes each, bit 0 the top row.
constexpr uint8_t kFont[95][5] = {
    {0x00, 0x00, 0x00, 0x00, 0x00}, {0x00, 0x00, 0x5F, 0x00, 0x00}, {0x00, 0x07, 0x00, 0x07, 0x00},
    {0x14, 0x7F, 0x14, 0x7F, 0x14}, {0x24, 0x2A, 0x7F, 0x2A, 0x12}, {0x23, 0x13, 0x08, 0x64, 0x62},
    {0x36, 0x49, 0x56, 0x20, 0x50}, {0x00, 0x08, 0x07, 0x03, 0x00}, {0x00, 0x1C, 0x22, 0x41, 0x00},
    {0x00, 0x41, 0x22, 0x1C, 0x00}, {0x2A, 0x1C, 0x7F, 0x1C, 0x2A}, {0x08, 0x08, 0x3E, 0x08, 0x08},
    {0x00, 0x80, 0x70, 0x30, 0x00}, {0x08, 0x08, 0x08, 0x08, 0x08}, {0x00, 0x00, 0x60, 0x60, 0x00},
    {0x20, 0x10, 0x08, 0x04, 0x02}, {0x3E, 0x51, 0x49, 0x45, 0x3E}, {0x00, 0x42, 0x7F, 0x40, 0x00},
    {0x72, 0x49, 0x49, 0x49, 0x46}, {0x21, 0x41, 0x49, 0x4D, 0x33}, {0x18, 0x14, 0x12, 0x7F, 0x10},
    {0x27, 0x45, 0x45, 0x45, 0x39}, {0x3C, 0x4A, 0x49, 0x49, 0x31}, {0x41, 0x21, 0x11, 0x09, 0x07},
    {0x36, 0x49, 0x49, 0x49, 0x36}, {0x46, 0x49, 0x49, 0x29, 0x1E}, {0x00, 0x00, 0x14, 0x00, 0x00},
    {0x00, 0x40, 0x34, 0x00, 0x00}, {0x00, 0x08, 0x14, 0x22, 0x41}, {0x14, 0x14, 0x14, 0x14, 0x14},
    {0x00, 0x41, 0x22, 0x14, 0x08}, {0x02, 0x01, 0x59, 0x09, 0x06}, {0x3E, 0x41, 0x5D, 0x59, 0x4E},
    {0x7C, 0x12, 0x11, 0x12, 0x7C}, {0x7F, 0x49, 0x49, 0x49, 0x36}, {0x3E, 0x41, 0x41, 0x41, 0x22},
    {0x7F, 0x41, 0x41, 0x41, 0x3E}, {0x7F, 0x49, 0x49, 0x49, 0x41}, {0x7F, 0x09, 0x09, 0x09, 0x01},
    {0x3E, 0x41, 0x41, 0x51, 0x73}, {0x7F, 0x08, 0x08, 0x08, 0x7F}, {0x00, 0x41, 0x7F, 0x41, 0x00},
    {0x20, 0x40, 0x41, 0x3F, 0x01}, {0x7F, 0x08, 0x14, 0x22, 0x41}, {0x7F, 0x40, 0x40, 0x40, 0x40},
    {0x7F, 0x02, 0x1C, 0x02, 0x7F}, {0x7F, 0x04, 0x08, 0x10, 0x7F}, {0x3E, 0x41, 0x41, 0x41, 0x3E},
    {0x7F, 0x09, 0x09, 0x09, 0x06}, {0x3E, 0x41, 0x51, 0x21, 0x5E}, {0x7F, 0x09, 0x19, 0x29, 0x46},
    {0x26, 0x49, 0x49, 0x49, 0x32}, {0x03, 0x01, 0x7F, 0x01, 0x03}, {0x3F, 0x40, 0x40, 0x40, 0x3F},
    {0x1F, 0x20, 0x40, 0x20, 0x1F}, {0x3F, 0x40, 0x38, 0x40, 0x3F}, {0x63, 0x14, 0x08, 0x14, 0x63},
    {0x03, 0x04, 0x78, 0x04, 0x03}, {0x61, 0x59, 0x49, 0x4D, 0x43}, {0x00, 0x7F, 0x41, 0x41, 0x41},
    {0x02, 0x04, 0x08, 0x10, 0x20}, {0x00, 0x41, 0x41, 0x41, 0x7F}, {0x04, 0x02, 0x01, 0x02, 0x04},
    {0x40, 0x40, 0x40, 0x40, 0x40}, {0x00, 0x03, 0x07, 0x08, 0x00}, {0x20, 0x54, 0x54, 0x78, 0x40},
    {0x7F, 0x28, 0x44, 0x44, 0x38}, {0x38, 0x44, 0x44, 0x44, 0x28}, {0x38, 0x44, 0x44, 0x28, 0x7F},
    {0x38, 0x54, 0x54, 0x54, 0x18}, {0x00, 0x08, 0x7E, 0x09, 0x02}, {0x18, 0xA4, 0xA4, 0x9C, 0x78},
    {0x7F, 0x08, 0x04, 0x04, 0x78}, {0x00, 0x44, 0x7D, 0x40, 0x00}, {0x20, 0x40, 0x40, 0x3D, 0x00},
    {0x7F, 0x10, 0x28, 0x44, 0x00}, {0x00, 0x41, 0x7F, 0x40, 0x00}, {0x7C, 0x04, 0x78, 0x04, 0x78},
    {0x7C, 0x08, 0x04, 0x04, 0x78}, {0x38, 0x44, 0x44, 0x44, 0x38}, {0xFC, 0x18, 0x24, 0x24, 0x18},
    {0x18, 0x24, 0x24, 0x18, 0xFC}, {0x7C, 0x08, 0x04, 0x04, 0x08}, {0x48, 0x54, 0x54, 0x54, 0x24},
    {0x04, 0x04, 0x3F, 0x44, 0x24}, {0x3C, 0x40, 0x40, 0x20, 0x7C}, {0x1C, 0x20, 0x40, 0x20, 0x1C},
    {0x3C, 0x40, 0x30, 0x40, 0x3C}, {0x44, 0x28, 0x10, 0x28, 0x44}, {0x4C, 0x90, 0x90, 0x90, 0x7C},
    {0x44, 0x64, 0x54, 0x4C, 0x44}, {0x00, 0x08, 0x36, 0x41, 0x00}, {0x00, 0x00, 0x77, 0x00, 0x00},
    {0x00, 0x41, 0x36, 0x08, 0x00}, {0x02, 0x01, 0x02, 0x04, 0x02},
};
constexpr int kGlyphWidth = 5, kGlyphHeight = 8, kGlyphAdvance = 6;

const uint8_t* Glyph(char c) {
  const int code = static_cast<unsigned char>(c);
  return kFont[(code >= 32 && code <= 126 ? code : '?') - 32];
}

// Appends a PNG chunk: length, type, data, CRC of type and data.
void AppendChunk(std::string& png, std::string_view type, std::string_view data) {
  const auto put32 = [&](uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) png.push_back(static_cast<char>(v >> shift));
  };
  put32(static_cast<uint32_t>(data.size()));
  std::string body(type);
  body += data;
  png += body;
  put32(Crc32(body));
}

// Tick labels: "0.25", "1e+04"; no trailing zeros.
std::string TickLabel(double v, double step) {
  if (std::abs(v) < step * 1e-9) v = 0.0;
  char text[32];
  const int decimals = std::max(0, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
  if (std::abs(v) >= 1e5 || decimals > 4) {
    std::snprintf(text, sizeof(text), "%.2g", v);
  } else {
    std::snprintf(text, sizeof(text), "%.*f", decimals, v);
  }
  return text;
}

}  // namespace

Rgb Mix(Rgb c1, Rgb c2, double t) {
  t = std::clamp(t, 0.0, 1.0);
  const auto mix = [t](uint8_t a, uint8_t b) {
    return static_cast<uint8_t>(std::lround(a * (1 - t) + b * t));
  };
  return {mix(c1.r, c2.r), mix(c1.g, c2.g), mix(c1.b, c2.b)};
}

Image::Image(int width, int height, Rgb fill) : width_(width), height_(height) {
  if (width <= 0 || height <= 0)
    ThrowInvalid("image: size must be positive, got ", width, "x", height);
  rgb_.resize(static_cast<size_t>(width) * height * 3);
  FillRect(0, 0, width, height, fill);
}

Rgb Image::At(int x, int y) const {
  if (x < 0 || y < 0 || x >= width_ || y >= height_) {
    ThrowInvalid("image: pixel (", x, ", ", y, ") outside ", width_, "x", height_);
  }
  const size_t i = (static_cast<size_t>(y) * width_ + x) * 3;
  return {rgb_[i], rgb_[i + 1], rgb_[i + 2]};
}

void Image::Set(int x, int y, Rgb color) {
  if (x < 0 || y < 0 || x >= width_ || y >= height_) return;
  const size_t i = (static_cast<size_t>(y) * width_ + x) * 3;
  rgb_[i] = color.r;
  rgb_[i + 1] = color.g;
  rgb_[i + 2] = color.b;
}

void Image::FillRect(int x0, int y0, int x1, int y1, Rgb color) {
  for (int y = std::max(y0, 0); y < std::min(y1, height_); ++y) {
    for (int x = std::max(x0, 0); x < std::min(x1, width_); ++x) Set(x, y, color);
  }
}

void Image::Line(double x0, double y0, double x1, double y1, Rgb color, double width) {
  // Stamp discs along the segment every quarter pixel: simple, and round joints for free.
  const double length = std::hypot(x1 - x0, y1 - y0);
  const int steps = std::max(1, static_cast<int>(std::ceil(length * 4)));
  for (int i = 0; i <= steps; ++i) {
    const double t = static_cast<double>(i) / steps;
    Disc(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, width / 2, color);
  }
}

void Image::Disc(double cx, double cy, double radius, Rgb color) {
  const double r = std::max(radius, 0.5);
  for (int y = static_cast<int>(std::floor(cy - r)); y <= static_cast<int>(std::ceil(cy + r));
       ++y) {
    for (int x = static_cast<int>(std::floor(cx - r)); x <= static_cast<int>(std::ceil(cx + r));
         ++x) {
      const double dx = x + 0.5 - cx, dy = y + 0.5 - cy;
      if (dx * dx + dy * dy <= r * r) Set(x, y, color);
    }
  }
}

void Image::Text(int x, int y, std::string_view text, Rgb color, int scale) {
  for (size_t k = 0; k < text.size(); ++k) {
    const uint8_t* glyph = Glyph(text[k]);
    const int left = x + static_cast<int>(k) * kGlyphAdvance * scale;
    for (int col = 0; col < kGlyphWidth; ++col) {
      for (int row = 0; row < kGlyphHeight; ++row) {
        if ((glyph[col] >> row & 1) == 0) continue;
        FillRect(left + col * scale, y + row * scale, left + (col + 1) * scale,
                 y + (row + 1) * scale, color);
      }
    }
  }
}

void Image::TextVertical(int x, int y, std::string_view text, Rgb color, int scale) {
  // Glyph column c goes up from the baseline; glyph row r goes right from x.
  for (size_t k = 0; k < text.size(); ++k) {
    const uint8_t* glyph = Glyph(text[k]);
    const int bottom = y - static_cast<int>(k) * kGlyphAdvance * scale;
    for (int col = 0; col < kGlyphWidth; ++col) {
      for (int row = 0; row < kGlyphHeight; ++row) {
        if ((glyph[col] >> row & 1) == 0) continue;
        FillRect(x + row * scale, bottom - (col + 1) * scale, x + (row + 1) * scale,
                 bottom - col * scale, color);
      }
    }
  }
}

int Image::TextWidth(std::string_view text, int scale) {
  return text.empty() ? 0 : (static_cast<int>(text.size()) * kGlyphAdvance - 1) * scale;
}

int Image::TextHeight(int scale) { return kGlyphHeight * scale; }

uint32_t Crc32(std::string_view bytes) {
  return static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
}

std::string EncodePng(const Image& image) {
  const int w = image.width(), h = image.height();
  // Each row: filter type 0 (none), then the RGB bytes.
  std::string raw;
  raw.reserve(static_cast<size_t>(h) * (1 + 3 * w));
  for (int y = 0; y < h; ++y) {
    raw.push_back('\0');
    raw.append(reinterpret_cast<const char*>(image.rgb().data()) + static_cast<size_t>(y) * w * 3,
               static_cast<size_t>(w) * 3);
  }
  uLongf size = compressBound(raw.size());
  std::string compressed(size, '\0');
  const int status = compress2(reinterpret_cast<Bytef*>(compressed.data()), &size,
                               reinterpret_cast<const Bytef*>(raw.data()), raw.size(), 6);
  if (status != Z_OK) ThrowInvalid("png: zlib compress2 failed with status ", status);
  compressed.resize(size);

  std::string png = "\x89PNG\r\n\x1a\n";
  std::string ihdr;
  for (uint32_t v : {static_cast<uint32_t>(w), static_cast<uint32_t>(h)}) {
    for (int shift = 24; shift >= 0; shift -= 8) ihdr.push_back(static_cast<char>(v >> shift));
  }
  ihdr += std::string("\x08\x02\x00\x00\x00", 5);  // depth 8, RGB, deflate, filter 0, no interlace
  AppendChunk(png, "IHDR", ihdr);
  AppendChunk(png, "IDAT", compressed);
  AppendChunk(png, "IEND", "");
  return png;
}

void WritePng(const Image& image, const std::string& path) {
  const std::string png = EncodePng(image);
  std::ofstream out(path, std::ios::binary);
  out.write(png.data(), static_cast<std::streamsize>(png.size()));
  out.close();
  if (!out) ThrowInvalid("png: cannot write ", path);
}

std::vector<double> NiceTicks(double lo, double hi, int target) {
  if (!(hi > lo)) return {lo};
  const double raw = (hi - lo) / std::max(target, 1);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  // The round step whose tick count is closest to target.
  double step = magnitude;
  for (double m : {2.0, 5.0, 10.0}) {
    if (std::abs((hi - lo) / (m * magnitude) - target) < std::abs((hi - lo) / step - target)) {
      step = m * magnitude;
    }
  }
  std::vector<double> ticks;
  for (double t = std::ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step) {
    ticks.push_back(t);
  }
  return ticks;
}

Axes::Axes(Image& image, Rect frame, double x_min, double x_max, double y_min, double y_max)
    : image_(image),
      frame_(frame),
      area_{frame.x + 62, frame.y + 26, frame.width - 62 - 14, frame.height - 26 - 42},
      x_min_(x_min),
      x_max_(x_max > x_min ? x_max : x_min + 1),
      y_min_(y_min),
      y_max_(y_max > y_min ? y_max : y_min + 1) {}

double Axes::PixelX(double x) const {
  return area_.x + (x - x_min_) / (x_max_ - x_min_) * area_.width;
}
double Axes::PixelY(double y) const {
  return area_.y + area_.height - (y - y_min_) / (y_max_ - y_min_) * area_.height;
}
double Axes::DataX(int px) const {
  return x_min_ + (px + 0.5 - area_.x) / area_.width * (x_max_ - x_min_);
}
double Axes::DataY(int py) const {
  return y_min_ + (area_.y + area_.height - py - 0.5) / area_.height * (y_max_ - y_min_);
}

void Axes::Draw(std::string_view title, std::string_view x_label, std::string_view y_label) {
  const int left = area_.x, top = area_.y, right = area_.x + area_.width,
            bottom = area_.y + area_.height;
  const std::vector<double> xs = NiceTicks(x_min_, x_max_, 6), ys = NiceTicks(y_min_, y_max_, 5);
  const double x_step = xs.size() > 1 ? xs[1] - xs[0] : 1,
               y_step = ys.size() > 1 ? ys[1] - ys[0] : 1;
  for (double x : xs) {
    const int px = static_cast<int>(std::lround(PixelX(x)));
    image_.FillRect(px, top, px + 1, bottom, kLightGray);
    image_.FillRect(px, bottom, px + 1, bottom + 5, kBlack);
    const std::string label = TickLabel(x, x_step);
    image_.Text(px - Image::TextWidth(label) / 2, bottom + 8, label, kBlack);
  }
  for (double y : ys) {
    const int py = static_cast<int>(std::lround(PixelY(y)));
    image_.FillRect(left, py, right, py + 1, kLightGray);
    image_.FillRect(left - 5, py, left, py + 1, kBlack);
    const std::string label = TickLabel(y, y_step);
    image_.Text(left - 8 - Image::TextWidth(label), py - 3, label, kBlack);
  }
  image_.FillRect(left, top, right, top + 1, kBlack);
  image_.FillRect(left, bottom, right + 1, bottom + 1, kBlack);
  image_.FillRect(left, top, left + 1, bottom, kBlack);
  image_.FillRect(right, top, right + 1, bottom, kBlack);
  image_.Text(left + (area_.width - Image::TextWidth(title, 2)) / 2, frame_.y + 4, title, kBlack,
              2);
  image_.Text(left + (area_.width - Image::TextWidth(x_label)) / 2, bottom + 24, x_label, kBlack);
  image_.TextVertical(frame_.x + 4, top + (area_.height + Image::TextWidth(y_label)) / 2, y_label,
                      kBlack);
}

void Axes::Polyline(const std::vector<double>& x, const std::vector<double>& y, Rgb color,
                    double width, bool markers) {
  const size_t n = std::min(x.size(), y.size());
  for (size_t i = 0; i + 1 < n; ++i) {
    image_.Line(PixelX(x[i]), PixelY(y[i]), PixelX(x[i + 1]), PixelY(y[i + 1]), color, width);
  }
  if (markers || n == 1) {
    for (size_t i = 0; i < n; ++i) image_.Disc(PixelX(x[i]), PixelY(y[i]), width + 2, color);
  }
}

void Axes::Legend(const std::vector<std::pair<std::string, Rgb>>& entries, bool bottom) {
  int text_width = 0;
  for (const auto& [label, color] : entries) {
    text_width = std::max(text_width, Image::TextWidth(label));
  }
  const int row = 14, w = text_width + 34, h = static_cast<int>(entries.size()) * row + 8;
  const int x = area_.x + area_.width - w - 8;
  const int y = bottom ? area_.y + area_.height - h - 8 : area_.y + 8;
  image_.FillRect(x, y, x + w, y + h, kWhite);
  image_.FillRect(x, y, x + w, y + 1, kGray);
  image_.FillRect(x, y + h - 1, x + w, y + h, kGray);
  image_.FillRect(x, y, x + 1, y + h, kGray);
  image_.FillRect(x + w - 1, y, x + w, y + h, kGray);
  for (size_t i = 0; i < entries.size(); ++i) {
    const int cy = y + 4 + static_cast<int>(i) * row + row / 2;
    image_.Line(x + 6, cy, x + 24, cy, entries[i].second, 2.5);
    image_.Text(x + 29, cy - 4, entries[i].first, kBlack);
  }
}

void LineChart(Image& image, Rect frame, std::string_view title, std::string_view x_label,
               std::string_view y_label, const std::vector<Series>& series, bool legend_bottom) {
  double x_min = INFINITY, x_max = -INFINITY, y_min = INFINITY, y_max = -INFINITY;
  for (const Series& s : series) {
    for (double v : s.x) x_min = std::min(x_min, v), x_max = std::max(x_max, v);
    for (double v : s.y) {
      if (std::isfinite(v)) y_min = std::min(y_min, v), y_max = std::max(y_max, v);
    }
  }
  if (!std::isfinite(x_min)) x_min = 0, x_max = 1;
  if (!std::isfinite(y_min)) y_min = 0, y_max = 1;
  const double pad = (y_max > y_min ? y_max - y_min : 1.0) * 0.05;
  Axes axes(image, frame, x_min, x_max, y_min - pad, y_max + pad);
  axes.Draw(title, x_label, y_label);
  std::vector<std::pair<std::string, Rgb>> legend;
  for (const Series& s : series) {
    axes.Polyline(s.x, s.y, s.color, 2.0, s.markers);
    legend.emplace_back(s.label, s.color);
  }
  axes.Legend(legend, legend_bottom);
}

}  // namespace cotangent::plot
