// File: examples/support/plot.h
// The examples' figures, drawn with Cairo: a Figure holds Axes (lines, scatter markers,
// heatmaps and contours of a sampled field, a reference line; title, axis labels, round-number
// ticks, grid, legend) and saves itself as PNG or SVG. Start at Figure; plot.cc lays out and
// renders.
//
//   plot::Figure figure(760, 420);
//   plot::Axes& axes = figure.AddAxes();
//   axes.Plot(steps, losses, {.label = "train", .color = plot::kBlue});
//   axes.Title("loss");
//   axes.XLabel("step");
//   axes.Legend();
//   figure.Save("out/loss.png");  // or .svg

#ifndef COTANGENT_EXAMPLES_SUPPORT_PLOT_H_
#define COTANGENT_EXAMPLES_SUPPORT_PLOT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace cotangent::plot {

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
  bool operator==(const Rgb&) const = default;
};

inline constexpr Rgb kWhite{255, 255, 255};
inline constexpr Rgb kBlack{0, 0, 0};
inline constexpr Rgb kGray{127, 127, 127};
// matplotlib's first colors (tab10).
inline constexpr Rgb kBlue{31, 119, 180};
inline constexpr Rgb kOrange{255, 127, 14};
inline constexpr Rgb kGreen{44, 160, 44};
inline constexpr Rgb kRed{214, 39, 40};
inline constexpr Rgb kPurple{148, 103, 189};

// c1 * (1 - t) + c2 * t, t clamped to [0, 1].
Rgb Mix(Rgb c1, Rgb c2, double t);

// A rectangle in figure units, origin at the top left: PNG pixels, SVG px.
struct Rect {
  double x = 0, y = 0, width = 0, height = 0;
};

struct Range {
  double lo = 0, hi = 1;
};

enum class Marker { kNone, kCircle, kSquare };

// How a series is drawn; designated initializers read best:
// {.label = "test", .color = kOrange, .marker = Marker::kCircle}.
struct Style {
  std::string label;  // its legend entry; empty: none
  Rgb color = kBlue;
  double line_width = 2.0;
  bool dashed = false;
  Marker marker = Marker::kNone;
  double marker_size = 7.0;  // diameter
  double edge_width = 0.0;   // a marker's outline, in edge_color
  Rgb edge_color = kBlack;
};

// A scalar field sampled on a rows x cols grid over [x.lo, x.hi] x [y.lo, y.hi]:
// values[row * cols + col] is the cell centred at (X(col), Y(row)); row 0 is the top, as in
// an image.
struct Field {
  int rows = 0, cols = 0;
  Range x, y;
  std::vector<double> values;

  double X(int col) const { return x.lo + (col + 0.5) * (x.hi - x.lo) / cols; }
  double Y(int row) const { return y.hi - (row + 0.5) * (y.hi - y.lo) / rows; }
};

// A field value to a color.
using Colormap = std::function<Rgb(double)>;

// Round tick values: the multiples in [lo, hi] of the smallest step among 1, 2, 2.5 and 5
// times a power of ten that gives at most max_ticks of them (matplotlib's MaxNLocator).
std::vector<double> NiceTicks(double lo, double hi, int max_ticks);
// A tick value with the decimals its step needs and no more ("0.25", "10000"; past 1e5
// "2e+06", "1.025e+06"), a real minus sign (U+2212) as matplotlib's.
std::string TickLabel(double value, double step);

// Where a legend goes: kBest is the first corner (in the order below) that covers the fewest
// points of the data, as matplotlib's "best".
enum class Location { kBest, kUpperRight, kUpperLeft, kLowerLeft, kLowerRight };

class Renderer;  // draws Figures (plot.cc)

// One plot in a Figure: data series in data coordinates and their decorations. Ranges not set
// with XLim/YLim fit the data with 5% margins (heatmaps and contours fit exactly, as images).
// The layout (PlotArea, PixelX, ticks, LegendBox) follows from the contents at any time;
// Figure::Save draws it.
class Axes {
 public:
  // A line through (x[i], y[i]), broken at non-finite values; markers at the points if the
  // style has them.
  void Plot(std::vector<double> x, std::vector<double> y, Style style);
  // Markers alone at (x[i], y[i]) (circles unless the style names a marker).
  void Scatter(std::vector<double> x, std::vector<double> y, Style style);
  // A horizontal line at y across the whole plot (a baseline, a target).
  void HLine(double y, Style style);
  // The field's cells filled with colormap(value), unsmoothed.
  void Heatmap(Field field, Colormap colormap);
  // The field's level set {value = level}, by marching squares between cell centres.
  void Contour(Field field, double level, Style style);

  // Above the plot area; size in px.
  void Title(std::string text, Rgb color = kBlack, double size = 15);
  void XLabel(std::string text);
  void YLabel(std::string text);
  void XLim(double lo, double hi);
  void YLim(double lo, double hi);
  void Grid(bool on);  // on by default
  void Legend(Location location = Location::kBest);
  // No frame, ticks or grid: an image with a title.
  void AxisOff();
  // One data unit as long on both axes (the plot area shrinks, centred).
  void EqualAspect();

  // The data ranges after fitting.
  Range XRange() const;
  Range YRange() const;
  std::vector<double> XTicks() const;
  std::vector<double> YTicks() const;
  // Where the data goes, inside the axes' frame, and data coordinates mapped into it.
  Rect PlotArea() const;
  double PixelX(double x) const;
  double PixelY(double y) const;
  // Where the legend goes; empty without Legend() or labels.
  Rect LegendBox() const;

 private:
  friend class Figure;
  friend class Renderer;

  enum class Kind { kLine, kScatter, kHLine, kContour };
  // kContour: x and y hold the segments' endpoints in pairs.
  struct Series {
    Kind kind;
    std::vector<double> x, y;
    Style style;
  };
  struct Image {
    Field field;
    Colormap colormap;
  };
  struct Layout;

  explicit Axes(Rect frame) : frame_(frame) {}
  Range Fit(bool x_axis) const;
  Layout ComputeLayout() const;
  Rect LegendBoxIn(const Layout& layout) const;

  Rect frame_;
  std::vector<Series> series_;
  std::vector<Image> images_;
  std::vector<std::pair<Range, Range>> extents_;  // of heatmaps and contours, fitted exactly
  std::string title_, x_label_, y_label_;
  Rgb title_color_ = kBlack;
  double title_size_ = 15;
  bool x_set_ = false, y_set_ = false;
  Range x_lim_, y_lim_;
  bool grid_ = true, axis_ = true, equal_aspect_ = false, legend_ = false;
  Location legend_location_ = Location::kBest;
};

// A width x height canvas of Axes and free text, white, saved as PNG (pixels) or SVG (px).
class Figure {
 public:
  Figure(int width, int height);

  int width() const { return width_; }
  int height() const { return height_; }
  // Axes filling frame (the plot area plus room for its title, ticks and labels); the
  // reference stays valid while the figure lives.
  Axes& AddAxes(Rect frame);
  Axes& AddAxes() { return AddAxes({0, 0, 1.0 * width_, 1.0 * height_}); }
  // Text horizontally centred on x, its top at y (a heading over several axes).
  void Text(double x, double y, std::string text, double size = 15, Rgb color = kBlack);
  // Draws the figure to path: PNG or SVG by the extension; throws cotangent::Error naming the
  // path when it cannot be written.
  void Save(const std::string& path) const;

 private:
  friend class Renderer;
  struct Label {
    double x, y;
    std::string text;
    double size;
    Rgb color;
  };

  int width_, height_;
  std::vector<std::unique_ptr<Axes>> axes_;
  std::vector<Label> labels_;
};

}  // namespace cotangent::plot

#endif  // COTANGENT_EXAMPLES_SUPPORT_PLOT_H_
