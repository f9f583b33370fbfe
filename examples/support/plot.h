// File: examples/support/plot.h
// Plots as PNG images, with no plotting library: an RGB Image with a few drawing primitives
// (lines, discs, rectangles, text in a built-in 5x8 bitmap font), Axes that map data
// coordinates into a pixel rectangle and draw ticks and labels, LineChart on top, and a PNG
// encoder (zlib-compressed, 8-bit RGB).

#ifndef COTANGENT_EXAMPLES_SUPPORT_PLOT_H_
#define COTANGENT_EXAMPLES_SUPPORT_PLOT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cotangent::plot {

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
  bool operator==(const Rgb&) const = default;
};

inline constexpr Rgb kWhite{255, 255, 255};
inline constexpr Rgb kBlack{0, 0, 0};
inline constexpr Rgb kGray{128, 128, 128};
inline constexpr Rgb kLightGray{225, 225, 225};
// matplotlib's first colors (tab10).
inline constexpr Rgb kBlue{31, 119, 180};
inline constexpr Rgb kOrange{255, 127, 14};
inline constexpr Rgb kGreen{44, 160, 44};
inline constexpr Rgb kRed{214, 39, 40};
inline constexpr Rgb kPurple{148, 103, 189};

// c1 * (1 - t) + c2 * t, t in [0, 1].
Rgb Mix(Rgb c1, Rgb c2, double t);

// An 8-bit RGB raster, row-major, origin at the top left. Drawing outside is clipped.
class Image {
 public:
  Image(int width, int height, Rgb fill = kWhite);

  int width() const { return width_; }
  int height() const { return height_; }
  // Three bytes per pixel, rows top to bottom.
  const std::vector<uint8_t>& rgb() const { return rgb_; }

  Rgb At(int x, int y) const;
  void Set(int x, int y, Rgb color);
  // The pixels x0 <= x < x1, y0 <= y < y1.
  void FillRect(int x0, int y0, int x1, int y1, Rgb color);
  // A segment of the given width between two points (pixel coordinates, fractional allowed).
  void Line(double x0, double y0, double x1, double y1, Rgb color, double width = 1.0);
  void Disc(double cx, double cy, double radius, Rgb color);
  // Text in the 5x8 font (ASCII 32..126; others print as '?'), scale pixels per font pixel,
  // top-left corner at (x, y).
  void Text(int x, int y, std::string_view text, Rgb color, int scale = 1);
  // Text rotated 90 degrees counter-clockwise (for y-axis labels), reading bottom to top from
  // (x, y), which is the bottom-left corner.
  void TextVertical(int x, int y, std::string_view text, Rgb color, int scale = 1);
  // Pixel width and height of text at scale.
  static int TextWidth(std::string_view text, int scale = 1);
  static int TextHeight(int scale = 1);

 private:
  int width_, height_;
  std::vector<uint8_t> rgb_;
};

// The PNG file's bytes: signature, IHDR (8-bit RGB), one zlib-compressed IDAT (filter 0 on
// every row), IEND.
std::string EncodePng(const Image& image);
// Writes EncodePng(image) to path; throws cotangent::Error naming the path on failure.
void WritePng(const Image& image, const std::string& path);
// CRC-32 (ISO 3309, the one PNG chunks use) of bytes.
uint32_t Crc32(std::string_view bytes);

// A pixel rectangle.
struct Rect {
  int x = 0, y = 0, width = 0, height = 0;
};

// About `target` round tick values (1, 2 or 5 times a power of ten) covering [lo, hi].
std::vector<double> NiceTicks(double lo, double hi, int target = 5);

// Data coordinates [x_min, x_max] x [y_min, y_max] mapped onto the plot area inside `frame`
// (which leaves margins for the title, ticks and labels).
class Axes {
 public:
  Axes(Image& image, Rect frame, double x_min, double x_max, double y_min, double y_max);

  // Pixel coordinates of data coordinates.
  double PixelX(double x) const;
  double PixelY(double y) const;
  // Data coordinates of a pixel's center.
  double DataX(int px) const;
  double DataY(int py) const;
  // The plot area in pixels.
  const Rect& area() const { return area_; }

  // Frame, grid, ticks with labels, title above, axis labels below and to the left.
  void Draw(std::string_view title, std::string_view x_label, std::string_view y_label);
  // A line through the points (x[i], y[i]); with markers, a disc at each point.
  void Polyline(const std::vector<double>& x, const std::vector<double>& y, Rgb color,
                double width = 2.0, bool markers = false);
  // A box in the upper right (or lower right) corner naming each color.
  void Legend(const std::vector<std::pair<std::string, Rgb>>& entries, bool bottom = false);

 private:
  Image& image_;
  Rect frame_, area_;
  double x_min_, x_max_, y_min_, y_max_;
};

// One line of a chart.
struct Series {
  std::string label;
  std::vector<double> x, y;
  Rgb color = kBlue;
  bool markers = false;
};

// A line chart of several series in `frame`: axis ranges fit the data (with 5% headroom), a
// legend in the upper (or lower) right corner names the series.
void LineChart(Image& image, Rect frame, std::string_view title, std::string_view x_label,
               std::string_view y_label, const std::vector<Series>& series,
               bool legend_bottom = false);

}  // namespace cotangent::plot

#endif  // COTANGENT_EXAMPLES_SUPPORT_PLOT_H_
