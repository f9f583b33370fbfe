// File: tests/examples/plot_test.cc
// plot.h through the files it writes: PNGs decoded with Cairo's reader (size, series pixels at
// their data coordinates, heatmap cells, a contour on its level set, the title's placement,
// the legend away from the data), the SVG header; and the tick rules (the smallest round step
// that fits, labels that read back as the ticks).

#include "examples/support/plot.h"

#include <cairo/cairo.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <numbers>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "gtest/gtest.h"

namespace cotangent::plot {
namespace {

// gtest's TempDir is $TEST_TMPDIR (or /tmp), with a trailing slash.
std::string TempPath(const std::string& name) { return ::testing::TempDir() + name; }

// A PNG read back with Cairo.
struct Decoded {
  int width = 0, height = 0;
  std::vector<Rgb> pixels;
  Rgb At(int x, int y) const { return pixels.at(static_cast<size_t>(y) * width + x); }
};

Decoded ReadPng(const std::string& path) {
  cairo_surface_t* surface = cairo_image_surface_create_from_png(path.c_str());
  Decoded png;
  EXPECT_EQ(cairo_surface_status(surface), CAIRO_STATUS_SUCCESS) << path;
  if (cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS) {
    png.width = cairo_image_surface_get_width(surface);
    png.height = cairo_image_surface_get_height(surface);
    EXPECT_EQ(cairo_image_surface_get_format(surface), CAIRO_FORMAT_RGB24) << "opaque RGB";
    const unsigned char* data = cairo_image_surface_get_data(surface);
    const int stride = cairo_image_surface_get_stride(surface);
    for (int y = 0; y < png.height; ++y) {
      const auto* row = reinterpret_cast<const uint32_t*>(data + static_cast<size_t>(y) * stride);
      for (int x = 0; x < png.width; ++x) {
        png.pixels.push_back({static_cast<uint8_t>(row[x] >> 16), static_cast<uint8_t>(row[x] >> 8),
                              static_cast<uint8_t>(row[x])});
      }
    }
  }
  cairo_surface_destroy(surface);
  return png;
}

Decoded SaveAndRead(const Figure& figure, const std::string& name) {
  figure.Save(TempPath(name));
  return ReadPng(TempPath(name));
}

// The pixel whose square contains the point (px, py).
Rgb PixelAt(const Decoded& png, double px, double py) {
  return png.At(static_cast<int>(std::floor(px)), static_cast<int>(std::floor(py)));
}

TEST(Figure, PngHasTheFigureSize) {
  Figure figure(321, 203);
  figure.AddAxes().Plot({0, 1}, {0, 1}, {});
  const Decoded png = SaveAndRead(figure, "size.png");
  EXPECT_EQ(png.width, 321);
  EXPECT_EQ(png.height, 203);
  EXPECT_EQ(png.At(0, 0), kWhite);
}

TEST(Figure, LinesAppearAtTheirDataCoordinates) {
  Figure figure(400, 300);
  Axes& axes = figure.AddAxes();
  axes.XLim(0, 10);
  axes.YLim(0, 10);
  axes.Grid(false);
  axes.Plot({0, 10}, {3, 3}, {.color = kRed, .line_width = 3});
  axes.Plot({0, 5, 10}, {0, 5, 10}, {.color = kRed, .line_width = 3});
  const Decoded png = SaveAndRead(figure, "lines.png");
  // The 3-pixel lines wholly cover the pixels containing their points.
  for (double x : {1.0, 5.0, 7.5, 9.0}) {
    EXPECT_EQ(PixelAt(png, axes.PixelX(x), axes.PixelY(3)), kRed) << "y = 3 at x = " << x;
    EXPECT_EQ(PixelAt(png, axes.PixelX(x), axes.PixelY(x)), kRed) << "y = x at x = " << x;
  }
  // And nothing else is red: every red pixel's centre is within 2 pixels of a line's axis.
  const double x0 = axes.PixelX(0), y0 = axes.PixelY(0), dx = axes.PixelX(10) - x0,
               dy = axes.PixelY(10) - y0;
  int red = 0;
  for (int y = 0; y < png.height; ++y) {
    for (int x = 0; x < png.width; ++x) {
      if (png.At(x, y) != kRed) continue;
      ++red;
      const double cx = x + 0.5, cy = y + 0.5;
      const double to_flat = std::abs(cy - axes.PixelY(3));
      const double to_diagonal = std::abs((cx - x0) * dy - (cy - y0) * dx) / std::hypot(dx, dy);
      EXPECT_LE(std::min(to_flat, to_diagonal), 2.0) << x << "," << y;
    }
  }
  EXPECT_GT(red, 2 * 300);  // both lines, each about 300 pixels long and 2-3 wide
}

TEST(Figure, MarkersAreCentredOnTheirPoints) {
  Figure figure(300, 300);
  Axes& axes = figure.AddAxes();
  axes.XLim(0, 4);
  axes.YLim(0, 4);
  axes.Grid(false);
  axes.Scatter({1, 3}, {3, 1}, {.color = kBlue, .marker_size = 12});
  const Decoded png = SaveAndRead(figure, "markers.png");
  for (const auto& [x, y] : {std::pair{1.0, 3.0}, {3.0, 1.0}}) {
    // The blue pixels near the point: their mean is the point, their count a 12-pixel disc's.
    double sum_x = 0, sum_y = 0;
    int n = 0;
    const int px = static_cast<int>(axes.PixelX(x)), py = static_cast<int>(axes.PixelY(y));
    for (int v = py - 10; v <= py + 10; ++v) {
      for (int u = px - 10; u <= px + 10; ++u) {
        if (png.At(u, v) == kBlue) sum_x += u + 0.5, sum_y += v + 0.5, ++n;
      }
    }
    ASSERT_GT(n, 0);
    EXPECT_NEAR(sum_x / n, axes.PixelX(x), 0.5);
    EXPECT_NEAR(sum_y / n, axes.PixelY(y), 0.5);
    // Wholly covered pixels: their centres are within about r - 0.6 of the centre.
    EXPECT_NEAR(n, std::numbers::pi * 5.4 * 5.4, 12);
  }
}

TEST(Figure, HeatmapCellsFillTheirExtent) {
  Figure figure(360, 300);
  Axes& axes = figure.AddAxes();
  const std::vector<Rgb> palette = {kRed, kGreen, kBlue, kOrange, kPurple, kGray};
  const Field field{.rows = 2, .cols = 3, .x = {0, 3}, .y = {0, 2}, .values = {0, 1, 2, 3, 4, 5}};
  axes.Heatmap(field, [&](double v) { return palette.at(static_cast<size_t>(v)); });
  axes.Grid(false);
  // An image fits the axes exactly, without margins.
  EXPECT_EQ(axes.XRange().lo, 0);
  EXPECT_EQ(axes.XRange().hi, 3);
  EXPECT_EQ(axes.YRange().lo, 0);
  EXPECT_EQ(axes.YRange().hi, 2);
  const Decoded png = SaveAndRead(figure, "heatmap.png");
  for (int r = 0; r < 2; ++r) {
    for (int c = 0; c < 3; ++c) {
      // Row 0 is the top row.
      EXPECT_EQ(PixelAt(png, axes.PixelX(field.X(c)), axes.PixelY(field.Y(r))), palette[r * 3 + c])
          << r << "," << c;
      EXPECT_EQ(PixelAt(png, axes.PixelX(c + 0.1), axes.PixelY(2 - r - 0.9)), palette[r * 3 + c]);
    }
  }
}

TEST(Figure, ContourLiesOnTheLevelSet) {
  Figure figure(320, 320);
  Axes& axes = figure.AddAxes();
  Field field{.rows = 50, .cols = 50, .x = {-1, 1}, .y = {-1, 1}};
  for (int r = 0; r < field.rows; ++r) {
    for (int c = 0; c < field.cols; ++c) field.values.push_back(std::hypot(field.X(c), field.Y(r)));
  }
  const double radius = 0.6;
  axes.Contour(field, radius, {.color = kRed, .line_width = 2});
  axes.Grid(false);
  axes.EqualAspect();
  const Decoded png = SaveAndRead(figure, "contour.png");
  const Rect area = axes.PlotArea();
  const double unit = area.width / 2;  // pixels per data unit
  std::vector<int> octants(8);
  for (int y = static_cast<int>(area.y); y < area.y + area.height; ++y) {
    for (int x = static_cast<int>(area.x); x < area.x + area.width; ++x) {
      const Rgb p = png.At(x, y);
      if (!(p.r > 150 && p.g < 120)) continue;  // mostly red: the line covers most of the pixel
      const double u = (x + 0.5 - area.x) / unit - 1, v = 1 - (y + 0.5 - area.y) / unit;
      EXPECT_NEAR(std::hypot(u, v), radius, 1.5 / unit) << x << "," << y;
      const double turn = (std::atan2(v, u) + std::numbers::pi) / (2 * std::numbers::pi);
      ++octants[static_cast<int>(8 * turn) % 8];
    }
  }
  // The whole circle: its circumference (about 2 pi r unit pixels) is spread over all octants.
  const double arc = 2 * std::numbers::pi * radius * unit / 8;
  for (int k = 0; k < 8; ++k) EXPECT_GT(octants[k], 0.8 * arc) << k;
}

// A saddle square (corners 2, -1 / -1, 2 going round from the top left) has its centre, the
// corners' mean 0.5, above the level 0: the level set cuts off the two low corners, so the
// segments run near the top-right and bottom-left corners, not the other two.
TEST(Figure, ContourResolvesSaddlesByTheCentre) {
  Figure figure(300, 300);
  Axes& axes = figure.AddAxes();
  // Cell centres at 0.5 and 1.5; row 0 is the top.
  const Field field{.rows = 2, .cols = 2, .x = {0, 2}, .y = {0, 2}, .values = {2, -1, -1, 2}};
  axes.Contour(field, 0, {.color = kRed, .line_width = 4});
  axes.Grid(false);
  const Decoded png = SaveAndRead(figure, "saddle.png");
  // The cuts interpolate linearly: 2/3 of the way from a 2 to a -1. The segments' midpoints:
  for (const auto& [x, y] : {std::pair{4 / 3.0, 4 / 3.0}, {2 / 3.0, 2 / 3.0}}) {
    EXPECT_EQ(PixelAt(png, axes.PixelX(x), axes.PixelY(y)), kRed) << x << "," << y;
  }
  // and those of the other pairing, cutting off the high corners, stay blank.
  for (const auto& [x, y] : {std::pair{5 / 6.0, 7 / 6.0}, {7 / 6.0, 5 / 6.0}}) {
    EXPECT_EQ(PixelAt(png, axes.PixelX(x), axes.PixelY(y)), kWhite) << x << "," << y;
  }
}

// Wide labels ("−35000", "1.025e+06") on short axes: fewer ticks, so that at least 8
// blank columns (twice a space, more than the gaps between glyphs) separate neighbours.
TEST(Axes, TickLabelsDoNotOverlap) {
  for (const auto& [lo, hi] : {std::pair{-40000.0, 0.0}, {1.0e6, 1.2e6}}) {
    for (int width : {400, 600, 800}) {
      Figure figure(width, 300);
      Axes& axes = figure.AddAxes();
      axes.Plot({lo, hi}, {0, 1}, {});
      const Decoded png = SaveAndRead(figure, "tick_labels.png");
      const Rect area = axes.PlotArea();
      const std::vector<double> ticks = axes.XTicks();
      ASSERT_GE(ticks.size(), 3u);
      const int top = static_cast<int>(area.y + area.height) + 6, bottom = top + 16;
      const auto blank_column = [&](int x) {
        for (int y = top; y < bottom; ++y) {
          if (png.At(x, y) != kWhite) return false;
        }
        return true;
      };
      for (size_t i = 0; i + 1 < ticks.size(); ++i) {
        int run = 0, gap = 0;
        for (int x = static_cast<int>(axes.PixelX(ticks[i])); x < axes.PixelX(ticks[i + 1]); ++x) {
          run = blank_column(x) ? run + 1 : 0;
          gap = std::max(gap, run);
        }
        EXPECT_GE(gap, 8) << "width " << width << ": labels of " << ticks[i] << " and "
                          << ticks[i + 1] << " touch";
      }
    }
  }
}

TEST(Axes, FitsTheDataWithMargins) {
  Figure figure(300, 200);
  Axes& axes = figure.AddAxes();
  axes.Plot({0, 10}, {2, 4}, {});
  EXPECT_DOUBLE_EQ(axes.XRange().lo, -0.5);
  EXPECT_DOUBLE_EQ(axes.XRange().hi, 10.5);
  EXPECT_DOUBLE_EQ(axes.YRange().lo, 1.9);
  EXPECT_DOUBLE_EQ(axes.YRange().hi, 4.1);
  axes.HLine(5, {});  // widens y only
  EXPECT_DOUBLE_EQ(axes.XRange().hi, 10.5);
  EXPECT_DOUBLE_EQ(axes.YRange().hi, 5.15);
  axes.XLim(-1, 1);
  EXPECT_DOUBLE_EQ(axes.XRange().lo, -1);
  for (double t : axes.XTicks()) EXPECT_TRUE(t >= -1 && t <= 1) << t;
  EXPECT_DOUBLE_EQ(axes.PixelX(-1), axes.PlotArea().x);
  EXPECT_DOUBLE_EQ(axes.PixelX(1), axes.PlotArea().x + axes.PlotArea().width);
  EXPECT_DOUBLE_EQ(axes.PixelY(axes.YRange().lo), axes.PlotArea().y + axes.PlotArea().height);
}

TEST(Axes, TicksAreRoundAndInsideTheFrame) {
  Figure figure(760, 420);
  Axes& axes = figure.AddAxes();
  axes.Plot({0, 40000}, {1.85, 3.3}, {});
  axes.XLabel("step");
  axes.YLabel("loss");
  const Rect area = axes.PlotArea();
  EXPECT_GT(area.x, 30);  // room for the y label and tick labels
  EXPECT_LT(area.y + area.height, 420 - 30);
  const std::vector<double> x = axes.XTicks(), y = axes.YTicks();
  // Labels like "40000" fit 9 ticks across about 670 pixels, not 17.
  EXPECT_EQ(x, (std::vector<double>{0, 5000, 10000, 15000, 20000, 25000, 30000, 35000, 40000}));
  EXPECT_EQ(y, NiceTicks(axes.YRange().lo, axes.YRange().hi, static_cast<int>(y.size())));
  EXPECT_GE(y.size(), 5u);
  EXPECT_LE(y.size(), 10u);
}

TEST(Axes, EqualAspectKeepsUnitsSquare) {
  Figure figure(600, 400);
  Axes& axes = figure.AddAxes();
  axes.Heatmap({.rows = 1, .cols = 4, .x = {0, 4}, .y = {0, 1}, .values = {0, 1, 2, 3}},
               [](double) { return kGray; });
  axes.EqualAspect();
  const Rect area = axes.PlotArea();
  EXPECT_NEAR(area.width / area.height, 4.0, 4.0 / area.height);
}

TEST(Figure, TitleIsCentredAboveThePlot) {
  Figure figure(400, 300);
  Axes& axes = figure.AddAxes();
  axes.Plot({0, 1}, {0, 1}, {});
  axes.Title("Loss curve");
  const Rect area = axes.PlotArea();
  const Decoded png = SaveAndRead(figure, "title.png");
  int x_min = png.width, x_max = -1, y_min = png.height, y_max = -1, gray = 0;
  for (int y = 0; y < area.y - 7; ++y) {  // above the top tick label
    for (int x = 0; x < png.width; ++x) {
      const Rgb p = png.At(x, y);
      if (p == kWhite) continue;
      x_min = std::min(x_min, x), x_max = std::max(x_max, x);
      y_min = std::min(y_min, y), y_max = std::max(y_max, y);
      gray += p.r > 60 && p.r < 200;  // antialiased edges of an outline font
    }
  }
  ASSERT_GE(x_max, 0) << "no title";
  EXPECT_NEAR((x_min + x_max + 1) / 2.0, area.x + area.width / 2, 2.0);
  EXPECT_GT(x_max - x_min, 60);           // ten characters at 15 px
  EXPECT_NEAR(y_max - y_min + 1, 11, 2);  // the cap height of "L" at 15 px
  EXPECT_GT(gray, 10);
}

TEST(Figure, LegendGoesWhereTheDataIsNot) {
  Figure figure(400, 300);
  Axes& axes = figure.AddAxes();
  axes.YLim(0, 10.5);
  axes.Plot({0, 10}, {10, 10}, {.label = "along the top", .color = kRed, .line_width = 4});
  EXPECT_EQ(axes.LegendBox().width, 0) << "no Legend() yet";
  axes.Legend();
  const Rect area = axes.PlotArea(), box = axes.LegendBox();
  // The top corners hold the line; the first free corner is the lower left.
  EXPECT_NEAR(box.x, area.x + 8, 1);
  EXPECT_NEAR(box.y + box.height, area.y + area.height - 8, 1);
  const Decoded png = SaveAndRead(figure, "legend.png");
  int handle = 0;
  for (int y = static_cast<int>(box.y); y < box.y + box.height; ++y) {
    for (int x = static_cast<int>(box.x); x < box.x + box.width; ++x) {
      handle += png.At(x, y) == kRed;
    }
  }
  EXPECT_GT(handle, 20);  // the entry's line in the series' colour
  axes.Legend(Location::kUpperRight);
  EXPECT_NEAR(axes.LegendBox().x + axes.LegendBox().width, area.x + area.width - 8, 1);
  EXPECT_NEAR(axes.LegendBox().y, area.y + 8, 1);
}

TEST(Figure, SvgHasTheSizeAndTheSeries) {
  Figure figure(400, 300);
  Axes& axes = figure.AddAxes();
  axes.Plot({0, 1}, {1, 0}, {.color = kRed});
  axes.Title("svg");
  figure.Save(TempPath("figure.svg"));
  std::ifstream in(TempPath("figure.svg"));
  std::stringstream text;
  text << in.rdbuf();
  const std::string svg = text.str();
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_NE(svg.find("<svg "), std::string::npos);
  EXPECT_NE(svg.find("width=\"400px\" height=\"300px\" viewBox=\"0 0 400 300\""),
            std::string::npos);
  // kRed in Cairo's notation: 214/255, 39/255, 40/255 as percentages.
  EXPECT_NE(svg.find("stroke:rgb(83.921569%,15.294118%,15.686275%)"), std::string::npos);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
}

TEST(Figure, SaveErrorsNameThePath) {
  Figure figure(100, 100);
  figure.AddAxes();
  try {
    figure.Save(TempPath("figure.jpg"));
    FAIL() << "saved a .jpg";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("figure.jpg: the name must end in .png or .svg"),
              std::string::npos)
        << e.what();
  }
  for (const char* path : {"/nonexistent/dir/figure.png", "/nonexistent/dir/figure.svg"}) {
    try {
      figure.Save(path);
      FAIL() << "saved " << path;
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()).rfind(std::string("plot: cannot write ") + path, 0), 0u)
          << e.what();
    }
  }
  EXPECT_THROW(Figure(0, 10), Error);
}

TEST(Axes, RejectsInconsistentData) {
  Figure figure(100, 100);
  Axes& axes = figure.AddAxes();
  EXPECT_THROW(axes.Plot({0, 1}, {0}, {}), Error);
  EXPECT_THROW(axes.Scatter({0}, {}, {}), Error);
  EXPECT_THROW(axes.Heatmap({.rows = 2, .cols = 2, .values = {1, 2, 3}}, nullptr), Error);
  EXPECT_THROW(axes.Contour({.rows = 1, .cols = 1, .x = {1, 1}, .values = {0}}, 0, {}), Error);
  EXPECT_THROW(axes.XLim(1, 1), Error);
  EXPECT_THROW(axes.YLim(2, 1), Error);
}

TEST(NiceTicks, KnownRanges) {
  EXPECT_EQ(NiceTicks(0, 1, 6), (std::vector<double>{0, 0.2, 0.4, 0.6, 0.8, 1}));
  EXPECT_EQ(NiceTicks(0.13, 2.6, 6), (std::vector<double>{0.5, 1, 1.5, 2, 2.5}));
  EXPECT_EQ(NiceTicks(0, 10, 5), (std::vector<double>{0, 2.5, 5, 7.5, 10}));
  EXPECT_EQ(NiceTicks(-1.2, 1.7, 7), (std::vector<double>{-1, -0.5, 0, 0.5, 1, 1.5}));
  EXPECT_EQ(NiceTicks(-0.05, 0.05, 3), (std::vector<double>{-0.05, 0, 0.05}));
  EXPECT_EQ(NiceTicks(1, 1, 5), std::vector<double>{});
}

// Whether v is an integer multiple of step, to rounding.
bool IsMultiple(double v, double step) { return std::abs(v / step - std::round(v / step)) < 1e-6; }

// The definition, on random ranges: the ticks are all the multiples of a step m * 10^e
// (m in 1, 2, 2.5, 5) in the range, at most max_ticks of them, and the next smaller such
// step would give more.
TEST(NiceTicks, SmallestRoundStepThatFits) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> exponent(-6, 6), unit(0, 1);
  for (int trial = 0; trial < 2000; ++trial) {
    const double scale = std::pow(10.0, exponent(rng));
    const double lo = (unit(rng) * 2 - 1) * scale, hi = lo + unit(rng) * scale + 1e-3 * scale;
    const int max_ticks = 2 + trial % 9;
    const std::vector<double> ticks = NiceTicks(lo, hi, max_ticks);
    ASSERT_FALSE(ticks.empty()) << lo << " " << hi;
    ASSERT_LE(static_cast<int>(ticks.size()), max_ticks);
    const double step = ticks.size() > 1 ? ticks[1] - ticks[0] : 0;
    if (ticks.size() == 1) continue;  // a range narrower than any step that fits twice
    const double e = std::floor(std::log10(step) + 1e-9), m = step / std::pow(10.0, e);
    EXPECT_TRUE(std::abs(m - 1) < 1e-9 || std::abs(m - 2) < 1e-9 || std::abs(m - 2.5) < 1e-9 ||
                std::abs(m - 5) < 1e-9)
        << step;
    for (size_t i = 0; i < ticks.size(); ++i) {
      EXPECT_TRUE(IsMultiple(ticks[i], step)) << ticks[i];
      EXPECT_NEAR(ticks[i] - ticks[0], static_cast<double>(i) * step, 1e-9 * step);
    }
    EXPECT_LT(ticks.front() - step, lo);  // all the multiples in [lo, hi]
    EXPECT_GT(ticks.back() + step, hi);
    EXPECT_GE(ticks.front(), lo - 1e-9 * step);
    EXPECT_LE(ticks.back(), hi + 1e-9 * step);
    // The next smaller round step: 5 -> 2.5 -> 2 -> 1 -> 0.5.
    const double smaller = std::abs(m - 2.5) < 1e-9 ? step * 0.8 : step / 2;
    const double count = std::floor(hi / smaller + 1e-9) - std::ceil(lo / smaller - 1e-9) + 1;
    EXPECT_GT(count, max_ticks) << lo << " " << hi << " step " << step;
  }
}

TEST(TickLabel, DecimalsOfTheStep) {
  EXPECT_EQ(TickLabel(0.6000000000000001, 0.2), "0.6");
  EXPECT_EQ(TickLabel(0.25, 0.25), "0.25");
  EXPECT_EQ(TickLabel(2.5, 2.5), "2.5");
  EXPECT_EQ(TickLabel(10000, 5000), "10000");
  EXPECT_EQ(TickLabel(-1, 0.5), "\u22121.0");  // a real minus sign
  EXPECT_EQ(TickLabel(-1e-17, 0.1), "0.0");    // no "-0.0" from rounding
  EXPECT_EQ(TickLabel(2e6, 5e5), "2.0e+06");
  EXPECT_EQ(TickLabel(2e6, 1e6), "2e+06");
  EXPECT_EQ(TickLabel(1025000, 25000), "1.025e+06");
}

// Labels read back as their ticks, and neighbours never share a label.
TEST(TickLabel, ReadsBackAsTheTick) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> exponent(-4, 8), unit(0, 1);
  for (int trial = 0; trial < 500; ++trial) {
    const double scale = std::pow(10.0, exponent(rng));
    const double lo = (unit(rng) * 2 - 1) * scale, hi = lo + (unit(rng) + 0.01) * scale;
    const std::vector<double> ticks = NiceTicks(lo, hi, 8);
    if (ticks.size() < 2) continue;
    const double step = ticks[1] - ticks[0];
    for (size_t i = 0; i < ticks.size(); ++i) {
      std::string label = TickLabel(ticks[i], step);
      if (label.rfind("\u2212", 0) == 0) label.replace(0, 3, "-");
      EXPECT_NEAR(std::stod(label), ticks[i], 1e-9 * step) << label;
      if (i > 0) {
        EXPECT_NE(TickLabel(ticks[i], step), TickLabel(ticks[i - 1], step));
      }
    }
  }
}

TEST(Mix, Endpoints) {
  EXPECT_EQ(Mix(kWhite, kRed, 0), kWhite);
  EXPECT_EQ(Mix(kWhite, kRed, 1), kRed);
  EXPECT_EQ(Mix(kBlack, kWhite, 0.5), (Rgb{128, 128, 128}));
  EXPECT_EQ(Mix(kBlack, kWhite, 7), kWhite);  // clamped
}

}  // namespace
}  // namespace cotangent::plot
