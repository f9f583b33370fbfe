// File: examples/support/plot.cc
// plot.h's ticks, data ranges and layout (text measured with Cairo, so margins fit the labels),
// and the Renderer that draws a Figure on a Cairo surface: an image surface written as PNG, or
// an SVG surface.

#include "examples/support/plot.h"

#include <cairo/cairo-svg.h>
#include <cairo/cairo.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numbers>
#include <string_view>

#include "cotangent/cotangent.h"

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>
#endif

namespace cotangent::plot {
namespace {

// DejaVu Sans, matplotlib's font; fontconfig substitutes another sans-serif where it is missing.
constexpr char kFontFamily[] = "DejaVu Sans";
// Sizes in figure units (px), a little under matplotlib's 10 pt ticks and 12 pt title at its
// 100 dpi (14 and 17 px), which suits these figures of 400-500 px high.
constexpr double kTickSize = 12, kLabelSize = 13, kLegendSize = 12;
constexpr double kTickLength = 5, kTickPad = 4, kLabelPad = 6, kTitlePad = 8, kEdge = 6;
constexpr double kLegendMargin = 8, kLegendPad = 7, kLegendHandle = 28;
constexpr Rgb kInk{38, 38, 38}, kGridColor{225, 225, 225}, kLegendEdge{204, 204, 204};

using SurfacePtr = std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)>;
using ContextPtr = std::unique_ptr<cairo_t, decltype(&cairo_destroy)>;

// The figures' font face, made once and held for the whole process. Fontconfig 2.14 loses a
// few hundred bytes, once, while loading its configuration and when Cairo first resolves a
// family; they are allocated here with LeakSanitizer's tracking off (in sanitized builds), so
// that every other allocation of a program that plots stays checked.
cairo_font_face_t* FontFace() {
  static cairo_font_face_t* const face = [] {
#ifdef __SANITIZE_ADDRESS__
    __lsan_disable();
#endif
    cairo_font_face_t* f =
        cairo_toy_font_face_create(kFontFamily, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    SurfacePtr surface(cairo_image_surface_create(CAIRO_FORMAT_A8, 1, 1), &cairo_surface_destroy);
    ContextPtr cr(cairo_create(surface.get()), &cairo_destroy);
    cairo_set_font_face(cr.get(), f);
    cairo_font_extents_t extents;
    cairo_font_extents(cr.get(), &extents);  // resolves the family through fontconfig
#ifdef __SANITIZE_ADDRESS__
    __lsan_enable();
#endif
    return f;
  }();
  return face;
}

// A context on surface with the figures' text settings: unhinted metrics, so that text
// measures the same on PNG and SVG surfaces and the layout is one.
ContextPtr NewContext(cairo_surface_t* surface) {
  ContextPtr cr(cairo_create(surface), &cairo_destroy);
  cairo_font_options_t* options = cairo_font_options_create();
  cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_SLIGHT);
  cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_GRAY);
  cairo_set_font_options(cr.get(), options);
  cairo_font_options_destroy(options);
  cairo_set_font_face(cr.get(), FontFace());
  return cr;
}

// Text is only measured here, so a 1x1 surface serves.
struct Measurer {
  SurfacePtr surface{cairo_image_surface_create(CAIRO_FORMAT_A8, 1, 1), &cairo_surface_destroy};
  ContextPtr cr = NewContext(surface.get());
};

double TextWidth(cairo_t* cr, const std::string& text, double size) {
  cairo_set_font_size(cr, size);
  cairo_text_extents_t extents;
  cairo_text_extents(cr, text.c_str(), &extents);
  return extents.x_advance;
}

// The font's ascent and descent, and the ink height of a digit (to centre numbers on ticks).
struct Metrics {
  double ascent, descent, digit;
};

Metrics FontMetrics(cairo_t* cr, double size) {
  cairo_set_font_size(cr, size);
  cairo_font_extents_t font;
  cairo_font_extents(cr, &font);
  cairo_text_extents_t zero;
  cairo_text_extents(cr, "0", &zero);
  return {font.ascent, font.descent, -zero.y_bearing};
}

void SetColor(cairo_t* cr, Rgb c, double alpha = 1.0) {
  cairo_set_source_rgba(cr, c.r / 255.0, c.g / 255.0, c.b / 255.0, alpha);
}

// Text at a baseline, anchored at x by its start (align 0), centre (0.5) or end (1).
void DrawText(cairo_t* cr, const std::string& text, double x, double baseline, double size,
              double align, Rgb color) {
  cairo_set_font_size(cr, size);
  SetColor(cr, color);
  cairo_move_to(cr, x - align * TextWidth(cr, text, size), baseline);
  cairo_show_text(cr, text.c_str());
}

// The tick values' step, for their labels' decimals and spacing (a lone tick: its magnitude).
double Step(const std::vector<double>& ticks) {
  if (ticks.size() > 1) return ticks[1] - ticks[0];
  return ticks.empty() ? 1.0 : std::max(std::abs(ticks[0]), 1.0);
}

// Endpoint pairs of the level set {f = level} over the lattice of cell centres, by marching
// squares: on each square, the edges whose ends straddle the level are cut where the linear
// interpolant equals it. A saddle (four cuts) is resolved by the mean of the corners: the two
// corners on the other side of it from the centre are cut off.
void ContourSegments(const Field& f, double level, std::vector<double>& xs,
                     std::vector<double>& ys) {
  for (int r = 0; r + 1 < f.rows; ++r) {
    for (int c = 0; c + 1 < f.cols; ++c) {
      // Corners in cyclic order: top left, top right, bottom right, bottom left.
      const std::array<int, 4> rr = {r, r, r + 1, r + 1}, cc = {c, c + 1, c + 1, c};
      std::array<double, 4> v;
      for (int k = 0; k < 4; ++k) v[k] = f.values[static_cast<size_t>(rr[k]) * f.cols + cc[k]];
      if (!std::all_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); })) continue;
      // Cut k lies on the edge from corner k to corner k + 1 (top, right, bottom, left).
      std::array<double, 4> cut_x, cut_y;
      std::array<bool, 4> cut{};
      for (int k = 0; k < 4; ++k) {
        const int n = (k + 1) % 4;
        if ((v[k] > level) == (v[n] > level)) continue;
        const double t = (level - v[k]) / (v[n] - v[k]);
        cut[k] = true;
        cut_x[k] = f.X(cc[k]) + t * (f.X(cc[n]) - f.X(cc[k]));
        cut_y[k] = f.Y(rr[k]) + t * (f.Y(rr[n]) - f.Y(rr[k]));
      }
      std::vector<std::pair<int, int>> pairs;
      if (cut[0] && cut[1] && cut[2] && cut[3]) {
        const bool centre_above = (v[0] + v[1] + v[2] + v[3]) / 4 > level;
        // Top-left on the centre's side: cut off top-right (cuts 0, 1) and bottom-left (2, 3).
        if ((v[0] > level) == centre_above) {
          pairs = {{0, 1}, {2, 3}};
        } else {
          pairs = {{3, 0}, {1, 2}};
        }
      } else {
        std::vector<int> at;
        for (int k = 0; k < 4; ++k) {
          if (cut[k]) at.push_back(k);
        }
        if (at.size() == 2) pairs = {{at[0], at[1]}};
      }
      for (const auto& [a, b] : pairs) {
        xs.insert(xs.end(), {cut_x[a], cut_x[b]});
        ys.insert(ys.end(), {cut_y[a], cut_y[b]});
      }
    }
  }
}

}  // namespace

Rgb Mix(Rgb c1, Rgb c2, double t) {
  t = std::clamp(t, 0.0, 1.0);
  const auto mix = [t](uint8_t a, uint8_t b) {
    return static_cast<uint8_t>(std::lround(a * (1 - t) + b * t));
  };
  return {mix(c1.r, c2.r), mix(c1.g, c2.g), mix(c1.b, c2.b)};
}

std::vector<double> NiceTicks(double lo, double hi, int max_ticks) {
  if (!std::isfinite(lo) || !std::isfinite(hi) || !(hi > lo)) return {};
  max_ticks = std::max(max_ticks, 2);
  // Candidate steps grow from 10^e <= (hi - lo) / max_ticks, too small to fit; the first that
  // fits is the smallest. A tick is (k * m) scaled by 10^e in one rounding, so 0.6 is 0.6.
  for (int e = static_cast<int>(std::floor(std::log10((hi - lo) / max_ticks)));; ++e) {
    const double scale = std::pow(10.0, std::abs(e));
    for (double m : {1.0, 2.0, 2.5, 5.0}) {
      const double step = e < 0 ? m / scale : m * scale;
      const double k0 = std::ceil(lo / step - 1e-9), k1 = std::floor(hi / step + 1e-9);
      if (k1 - k0 + 1 > max_ticks) continue;
      std::vector<double> ticks;
      for (double k = k0; k <= k1; ++k) {
        const double t = e < 0 ? k * m / scale : k * m * scale;
        ticks.push_back(t == 0 ? 0.0 : t);  // no -0
      }
      return ticks;
    }
  }
}

std::string TickLabel(double value, double step) {
  step = std::abs(step);
  if (std::abs(value) < step * 1e-9) value = 0;
  // The fewest decimals that write multiples of s exactly.
  const auto decimals = [](double s) {
    int d = 0;
    for (; d < 12 && std::abs(s - std::round(s)) > 1e-6 * s; s *= 10) ++d;
    return d;
  };
  char text[40];
  if (std::abs(value) >= 1e5) {
    // Scientific, the mantissa as precise as the step: 1.025e+06 in steps of 25000.
    const double scale = std::pow(10.0, std::floor(std::log10(std::abs(value))));
    std::snprintf(text, sizeof(text), "%.*e", decimals(step / scale), value);
  } else {
    std::snprintf(text, sizeof(text), "%.*f", decimals(step), value);
  }
  std::string label = text;
  if (label[0] == '-') label.replace(0, 1, "\u2212");
  return label;
}

// ---- Axes: the record ----

void Axes::Plot(std::vector<double> x, std::vector<double> y, Style style) {
  if (x.size() != y.size()) {
    ThrowInvalid("plot: Plot got ", x.size(), " x values and ", y.size(), " y values");
  }
  series_.push_back({Kind::kLine, std::move(x), std::move(y), std::move(style)});
}

void Axes::Scatter(std::vector<double> x, std::vector<double> y, Style style) {
  if (x.size() != y.size()) {
    ThrowInvalid("plot: Scatter got ", x.size(), " x values and ", y.size(), " y values");
  }
  if (style.marker == Marker::kNone) style.marker = Marker::kCircle;
  series_.push_back({Kind::kScatter, std::move(x), std::move(y), std::move(style)});
}

void Axes::HLine(double y, Style style) {
  series_.push_back({Kind::kHLine, {}, {y}, std::move(style)});
}

namespace {
void CheckField(const Field& f, const char* what) {
  if (f.rows < 1 || f.cols < 1 || f.values.size() != static_cast<size_t>(f.rows) * f.cols) {
    ThrowInvalid("plot: ", what, " needs rows * cols values, got ", f.values.size(), " for ",
                 f.rows, "x", f.cols);
  }
  if (!(f.x.hi > f.x.lo) || !(f.y.hi > f.y.lo)) {
    ThrowInvalid("plot: ", what, " needs a non-empty extent, got [", f.x.lo, ", ", f.x.hi, "] x [",
                 f.y.lo, ", ", f.y.hi, "]");
  }
}
}  // namespace

void Axes::Heatmap(Field field, Colormap colormap) {
  CheckField(field, "Heatmap");
  extents_.emplace_back(field.x, field.y);
  images_.push_back({std::move(field), std::move(colormap)});
}

void Axes::Contour(Field field, double level, Style style) {
  CheckField(field, "Contour");
  Series s{Kind::kContour, {}, {}, std::move(style)};
  ContourSegments(field, level, s.x, s.y);
  extents_.emplace_back(field.x, field.y);
  series_.push_back(std::move(s));
}

void Axes::Title(std::string text, Rgb color, double size) {
  title_ = std::move(text), title_color_ = color, title_size_ = size;
}
void Axes::XLabel(std::string text) { x_label_ = std::move(text); }
void Axes::YLabel(std::string text) { y_label_ = std::move(text); }

void Axes::XLim(double lo, double hi) {
  if (!(hi > lo)) ThrowInvalid("plot: XLim needs lo < hi, got ", lo, " and ", hi);
  x_set_ = true, x_lim_ = {lo, hi};
}

void Axes::YLim(double lo, double hi) {
  if (!(hi > lo)) ThrowInvalid("plot: YLim needs lo < hi, got ", lo, " and ", hi);
  y_set_ = true, y_lim_ = {lo, hi};
}

void Axes::Grid(bool on) { grid_ = on; }
void Axes::Legend(Location location) { legend_ = true, legend_location_ = location; }
void Axes::AxisOff() { axis_ = false; }
void Axes::EqualAspect() { equal_aspect_ = true; }

// ---- Axes: ranges and layout ----

Range Axes::Fit(bool x_axis) const {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  Range data{kInf, -kInf}, exact{kInf, -kInf};
  for (const Series& s : series_) {
    if (s.kind == Kind::kHLine && x_axis) continue;
    Range& r = s.kind == Kind::kContour ? exact : data;
    for (double v : x_axis ? s.x : s.y) {
      if (std::isfinite(v)) r.lo = std::min(r.lo, v), r.hi = std::max(r.hi, v);
    }
  }
  for (const auto& [x, y] : extents_) {
    const Range& e = x_axis ? x : y;
    exact.lo = std::min(exact.lo, e.lo), exact.hi = std::max(exact.hi, e.hi);
  }
  if (exact.lo <= exact.hi) return {std::min(exact.lo, data.lo), std::max(exact.hi, data.hi)};
  if (!(data.lo <= data.hi)) return {0, 1};
  // matplotlib's margins: 5% of the span each side; a single value gets +-5% of itself.
  const double pad = data.hi > data.lo ? 0.05 * (data.hi - data.lo)
                                       : (data.lo != 0 ? 0.05 * std::abs(data.lo) : 0.5);
  return {data.lo - pad, data.hi + pad};
}

Range Axes::XRange() const { return x_set_ ? x_lim_ : Fit(true); }
Range Axes::YRange() const { return y_set_ ? y_lim_ : Fit(false); }

struct Axes::Layout {
  Rect area;
  Range x, y;
  std::vector<double> x_ticks, y_ticks;
  std::vector<std::string> x_labels, y_labels;

  double PixelX(double v) const { return area.x + (v - x.lo) / (x.hi - x.lo) * area.width; }
  double PixelY(double v) const {
    return area.y + area.height - (v - y.lo) / (y.hi - y.lo) * area.height;
  }
};

namespace {

std::vector<std::string> Labels(const std::vector<double>& ticks) {
  std::vector<std::string> labels;
  for (double t : ticks) labels.push_back(TickLabel(t, Step(ticks)));
  return labels;
}

double Widest(cairo_t* cr, const std::vector<std::string>& labels, double size) {
  double w = 0;
  for (const std::string& s : labels) w = std::max(w, TextWidth(cr, s, size));
  return w;
}

}  // namespace

Axes::Layout Axes::ComputeLayout() const {
  Measurer m;
  cairo_t* cr = m.cr.get();
  Layout l;
  l.x = XRange(), l.y = YRange();
  const Rect& f = frame_;
  const Metrics tick = FontMetrics(cr, kTickSize), label = FontMetrics(cr, kLabelSize),
                title = FontMetrics(cr, title_size_);
  const double title_room = title_.empty() ? 0 : title.ascent + title.descent + kTitlePad;
  // Ticks as dense as their labels allow: x labels two ems apart beyond their width, y ticks
  // four text heights apart.
  const auto choose_ticks = [&] {
    for (int n = std::clamp(static_cast<int>(l.area.width / 60) + 1, 2, 10);; --n) {
      l.x_ticks = NiceTicks(l.x.lo, l.x.hi, n);
      l.x_labels = Labels(l.x_ticks);
      const double spacing = Step(l.x_ticks) / (l.x.hi - l.x.lo) * l.area.width;
      if (n == 2 || Widest(cr, l.x_labels, kTickSize) + 2 * kTickSize <= spacing) break;
    }
    l.y_ticks = NiceTicks(l.y.lo, l.y.hi,
                          std::clamp(static_cast<int>(l.area.height / (4 * kTickSize)) + 1, 2, 10));
    l.y_labels = Labels(l.y_ticks);
  };
  if (!axis_) {
    l.area = {f.x + 2, f.y + 2 + title_room, f.width - 4, f.height - 4 - title_room};
  } else {
    // Margins from the labels of ticks laid out for the previous guess of the area; twice,
    // as the tick count depends on the area.
    l.area = {f.x + 60, f.y + 30, f.width - 80, f.height - 70};
    for (int pass = 0; pass < 2; ++pass) {
      choose_ticks();
      const double label_room = label.ascent + label.descent + kLabelPad;
      const double left = kEdge + (y_label_.empty() ? 0 : label_room) +
                          Widest(cr, l.y_labels, kTickSize) + kTickPad + kTickLength;
      const double bottom = kTickLength + kTickPad + tick.ascent + tick.descent +
                            (x_label_.empty() ? 0 : label_room) + kEdge;
      const double top = std::max(title_room, tick.digit) + kEdge;
      const double right =
          kEdge + (l.x_labels.empty() ? 0 : TextWidth(cr, l.x_labels.back(), kTickSize) / 2);
      l.area = {f.x + left, f.y + top, f.width - left - right, f.height - top - bottom};
    }
  }
  // Whole pixels, so that 1-pixel spines and grid lines are crisp.
  const double x0 = std::ceil(l.area.x), y0 = std::ceil(l.area.y);
  l.area = {x0, y0, std::max(1.0, std::floor(l.area.x + l.area.width) - x0),
            std::max(1.0, std::floor(l.area.y + l.area.height) - y0)};
  if (equal_aspect_) {
    // Pixels per data unit: the smaller of the two, on both axes.
    const double sx = l.area.width / (l.x.hi - l.x.lo), sy = l.area.height / (l.y.hi - l.y.lo);
    const double w = std::round((l.x.hi - l.x.lo) * std::min(sx, sy)),
                 h = std::round((l.y.hi - l.y.lo) * std::min(sx, sy));
    l.area = {l.area.x + std::floor((l.area.width - w) / 2),
              l.area.y + std::floor((l.area.height - h) / 2), w, h};
  }
  if (axis_) choose_ticks();
  return l;
}

std::vector<double> Axes::XTicks() const { return ComputeLayout().x_ticks; }
std::vector<double> Axes::YTicks() const { return ComputeLayout().y_ticks; }
Rect Axes::PlotArea() const { return ComputeLayout().area; }
double Axes::PixelX(double x) const { return ComputeLayout().PixelX(x); }
double Axes::PixelY(double y) const { return ComputeLayout().PixelY(y); }
Rect Axes::LegendBox() const { return LegendBoxIn(ComputeLayout()); }

Rect Axes::LegendBoxIn(const Layout& l) const {
  Measurer m;
  double text = 0;
  int rows = 0;
  for (const Series& s : series_) {
    if (s.style.label.empty()) continue;
    text = std::max(text, TextWidth(m.cr.get(), s.style.label, kLegendSize));
    ++rows;
  }
  if (!legend_ || rows == 0) return {};
  const double w = 2 * kLegendPad + kLegendHandle + kLegendSize * 0.7 + text,
               h = 2 * kLegendPad + rows * kLegendSize * 1.5 - kLegendSize * 0.5;
  const Rect& a = l.area;
  const double left = a.x + kLegendMargin, right = a.x + a.width - kLegendMargin - w,
               top = a.y + kLegendMargin, bottom = a.y + a.height - kLegendMargin - h;
  const std::array<Rect, 4> corners = {Rect{right, top, w, h}, Rect{left, top, w, h},
                                       Rect{left, bottom, w, h}, Rect{right, bottom, w, h}};
  if (legend_location_ != Location::kBest) {
    return corners[static_cast<int>(legend_location_) - static_cast<int>(Location::kUpperRight)];
  }
  // matplotlib's "best": the first corner covering the fewest points of the data, with lines
  // sampled every 4 pixels.
  std::array<int, 4> covered{};
  const auto count = [&](double px, double py) {
    for (int k = 0; k < 4; ++k) {
      const Rect& c = corners[k];
      covered[k] += px >= c.x && px <= c.x + c.width && py >= c.y && py <= c.y + c.height;
    }
  };
  const auto sample = [&](double x0, double y0, double x1, double y1) {
    const int n = 1 + static_cast<int>(std::hypot(x1 - x0, y1 - y0) / 4);
    for (int i = 0; i <= n; ++i) count(x0 + (x1 - x0) * i / n, y0 + (y1 - y0) * i / n);
  };
  for (const Series& s : series_) {
    if (s.kind == Kind::kHLine) {
      sample(a.x, l.PixelY(s.y[0]), a.x + a.width, l.PixelY(s.y[0]));
      continue;
    }
    const size_t stride = s.kind == Kind::kContour ? 2 : 1;
    for (size_t i = 0; i < s.x.size(); i += stride) {
      const double px = l.PixelX(s.x[i]), py = l.PixelY(s.y[i]);
      if (s.kind == Kind::kScatter || i + 1 >= s.x.size()) {
        count(px, py);
      } else if (std::isfinite(px + py + s.x[i + 1] + s.y[i + 1])) {
        sample(px, py, l.PixelX(s.x[i + 1]), l.PixelY(s.y[i + 1]));
      }
    }
  }
  return corners[std::min_element(covered.begin(), covered.end()) - covered.begin()];
}

// ---- Figure and the Renderer ----

Figure::Figure(int width, int height) : width_(width), height_(height) {
  if (width <= 0 || height <= 0) {
    ThrowInvalid("plot: figure size must be positive, got ", width, "x", height);
  }
}

Axes& Figure::AddAxes(Rect frame) {
  axes_.push_back(std::unique_ptr<Axes>(new Axes(frame)));
  return *axes_.back();
}

void Figure::Text(double x, double y, std::string text, double size, Rgb color) {
  labels_.push_back({x, y, std::move(text), size, color});
}

// Draws figures; a friend of Axes and Figure, which only record.
class Renderer {
 public:
  static void Draw(const Figure& figure, cairo_t* cr);

 private:
  static void DrawAxes(const Axes& axes, cairo_t* cr);
  static void DrawImage(const Axes::Layout& l, const Axes::Image& image, cairo_t* cr);
  static void DrawSeries(const Axes::Layout& l, const Axes::Series& s, cairo_t* cr);
  static void DrawDecorations(const Axes& axes, const Axes::Layout& l, cairo_t* cr);
  static void DrawLegend(const Axes& axes, const Axes::Layout& l, cairo_t* cr);
};

namespace {

void StrokeStyle(cairo_t* cr, const Style& s) {
  SetColor(cr, s.color);
  cairo_set_line_width(cr, s.line_width);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
  // matplotlib's dashes, 3.7 on and 1.6 off in line widths; the gap grows by one width, which
  // the round caps take back.
  const std::array<double, 2> dash = {3.7 * s.line_width, 1.6 * s.line_width + s.line_width};
  cairo_set_dash(cr, dash.data(), s.dashed ? 2 : 0, 0);
}

void DrawMarker(cairo_t* cr, const Style& s, double x, double y) {
  const double r = s.marker_size / 2;
  if (s.marker == Marker::kSquare) {
    cairo_rectangle(cr, x - r * 0.9, y - r * 0.9, 1.8 * r, 1.8 * r);
  } else {
    cairo_new_sub_path(cr);
    cairo_arc(cr, x, y, r, 0, 2 * std::numbers::pi);
  }
  SetColor(cr, s.color);
  if (s.edge_width <= 0) {
    cairo_fill(cr);
    return;
  }
  cairo_fill_preserve(cr);
  cairo_set_dash(cr, nullptr, 0, 0);
  cairo_set_line_width(cr, s.edge_width);
  SetColor(cr, s.edge_color);
  cairo_stroke(cr);
}

// A 1-pixel line of constant x or y through pixel centres.
void HairLine(cairo_t* cr, double x0, double y0, double x1, double y1, Rgb color) {
  SetColor(cr, color);
  cairo_set_line_width(cr, 1);
  cairo_set_dash(cr, nullptr, 0, 0);
  cairo_set_line_cap(cr, CAIRO_LINE_CAP_SQUARE);
  cairo_move_to(cr, x0, y0);
  cairo_line_to(cr, x1, y1);
  cairo_stroke(cr);
}

}  // namespace

void Renderer::Draw(const Figure& figure, cairo_t* cr) {
  SetColor(cr, kWhite);
  cairo_paint(cr);
  for (const auto& axes : figure.axes_) DrawAxes(*axes, cr);
  for (const Figure::Label& t : figure.labels_) {
    const Metrics m = FontMetrics(cr, t.size);
    DrawText(cr, t.text, t.x, t.y + m.ascent, t.size, 0.5, t.color);
  }
}

void Renderer::DrawAxes(const Axes& axes, cairo_t* cr) {
  const Axes::Layout l = axes.ComputeLayout();
  const Rect& a = l.area;
  cairo_save(cr);
  cairo_rectangle(cr, a.x, a.y, a.width, a.height);
  cairo_clip(cr);
  for (const Axes::Image& image : axes.images_) DrawImage(l, image, cr);
  if (axes.grid_ && axes.axis_) {
    for (double t : l.x_ticks) {
      const double px = std::floor(l.PixelX(t)) + 0.5;
      HairLine(cr, px, a.y, px, a.y + a.height, kGridColor);
    }
    for (double t : l.y_ticks) {
      const double py = std::floor(l.PixelY(t)) + 0.5;
      HairLine(cr, a.x, py, a.x + a.width, py, kGridColor);
    }
  }
  for (const Axes::Series& s : axes.series_) DrawSeries(l, s, cr);
  cairo_restore(cr);
  DrawDecorations(axes, l, cr);
  DrawLegend(axes, l, cr);
}

void Renderer::DrawImage(const Axes::Layout& l, const Axes::Image& image, cairo_t* cr) {
  const Field& f = image.field;
  SurfacePtr surface(cairo_image_surface_create(CAIRO_FORMAT_RGB24, f.cols, f.rows),
                     &cairo_surface_destroy);
  cairo_surface_flush(surface.get());
  unsigned char* data = cairo_image_surface_get_data(surface.get());
  if (data == nullptr) ThrowInvalid("plot: cannot allocate a ", f.cols, "x", f.rows, " image");
  const int stride = cairo_image_surface_get_stride(surface.get());
  for (int r = 0; r < f.rows; ++r) {
    auto* row = reinterpret_cast<uint32_t*>(data + static_cast<size_t>(r) * stride);
    for (int c = 0; c < f.cols; ++c) {
      const Rgb color = image.colormap(f.values[static_cast<size_t>(r) * f.cols + c]);
      row[c] = 0xFF000000u | uint32_t{color.r} << 16 | uint32_t{color.g} << 8 | color.b;
    }
  }
  cairo_surface_mark_dirty(surface.get());
  cairo_save(cr);
  const double x0 = l.PixelX(f.x.lo), y0 = l.PixelY(f.y.hi);
  cairo_translate(cr, x0, y0);
  cairo_scale(cr, (l.PixelX(f.x.hi) - x0) / f.cols, (l.PixelY(f.y.lo) - y0) / f.rows);
  cairo_set_source_surface(cr, surface.get(), 0, 0);
  cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
  cairo_rectangle(cr, 0, 0, f.cols, f.rows);
  cairo_fill(cr);
  cairo_restore(cr);
}

void Renderer::DrawSeries(const Axes::Layout& l, const Axes::Series& s, cairo_t* cr) {
  const Style& style = s.style;
  StrokeStyle(cr, style);
  switch (s.kind) {
    case Axes::Kind::kHLine:
      cairo_move_to(cr, l.area.x, l.PixelY(s.y[0]));
      cairo_line_to(cr, l.area.x + l.area.width, l.PixelY(s.y[0]));
      break;
    case Axes::Kind::kContour:
      for (size_t i = 0; i + 1 < s.x.size(); i += 2) {
        cairo_move_to(cr, l.PixelX(s.x[i]), l.PixelY(s.y[i]));
        cairo_line_to(cr, l.PixelX(s.x[i + 1]), l.PixelY(s.y[i + 1]));
      }
      break;
    case Axes::Kind::kLine: {
      bool pen_down = false;
      for (size_t i = 0; i < s.x.size(); ++i) {
        const bool ok = std::isfinite(s.x[i]) && std::isfinite(s.y[i]);
        if (ok && pen_down) cairo_line_to(cr, l.PixelX(s.x[i]), l.PixelY(s.y[i]));
        if (ok && !pen_down) cairo_move_to(cr, l.PixelX(s.x[i]), l.PixelY(s.y[i]));
        pen_down = ok;
      }
      break;
    }
    case Axes::Kind::kScatter:
      break;
  }
  if (style.line_width > 0 && s.kind != Axes::Kind::kScatter) cairo_stroke(cr);
  cairo_new_path(cr);
  if (style.marker == Marker::kNone || s.kind == Axes::Kind::kContour) return;
  for (size_t i = 0; i < s.x.size(); ++i) {
    if (std::isfinite(s.x[i]) && std::isfinite(s.y[i])) {
      DrawMarker(cr, style, l.PixelX(s.x[i]), l.PixelY(s.y[i]));
    }
  }
}

void Renderer::DrawDecorations(const Axes& axes, const Axes::Layout& l, cairo_t* cr) {
  const Rect& a = l.area;
  const Metrics tick = FontMetrics(cr, kTickSize), label = FontMetrics(cr, kLabelSize),
                title = FontMetrics(cr, axes.title_size_);
  if (!axes.title_.empty()) {
    DrawText(cr, axes.title_, a.x + a.width / 2, a.y - kTitlePad - title.descent, axes.title_size_,
             0.5, axes.title_color_);
  }
  if (!axes.axis_) return;
  SetColor(cr, kInk);
  cairo_set_line_width(cr, 1);
  cairo_set_dash(cr, nullptr, 0, 0);
  cairo_rectangle(cr, a.x + 0.5, a.y + 0.5, a.width - 1, a.height - 1);
  cairo_stroke(cr);
  const double bottom = a.y + a.height;
  for (size_t i = 0; i < l.x_ticks.size(); ++i) {
    const double px = std::floor(l.PixelX(l.x_ticks[i])) + 0.5;
    HairLine(cr, px, bottom, px, bottom + kTickLength - 0.5, kInk);
    DrawText(cr, l.x_labels[i], px, bottom + kTickLength + kTickPad + tick.ascent, kTickSize, 0.5,
             kInk);
  }
  for (size_t i = 0; i < l.y_ticks.size(); ++i) {
    const double py = std::floor(l.PixelY(l.y_ticks[i])) + 0.5;
    HairLine(cr, a.x - kTickLength + 0.5, py, a.x, py, kInk);
    DrawText(cr, l.y_labels[i], a.x - kTickLength - kTickPad, py + tick.digit / 2, kTickSize, 1,
             kInk);
  }
  if (!axes.x_label_.empty()) {
    DrawText(
        cr, axes.x_label_, a.x + a.width / 2,
        bottom + kTickLength + kTickPad + tick.ascent + tick.descent + kLabelPad + label.ascent,
        kLabelSize, 0.5, kInk);
  }
  if (!axes.y_label_.empty()) {
    // Rotated a quarter turn counter-clockwise: the baseline runs up, ascenders point left.
    cairo_save(cr);
    cairo_translate(cr, axes.frame_.x + kEdge + label.ascent, a.y + a.height / 2);
    cairo_rotate(cr, -std::numbers::pi / 2);
    DrawText(cr, axes.y_label_, 0, 0, kLabelSize, 0.5, kInk);
    cairo_restore(cr);
  }
}

void Renderer::DrawLegend(const Axes& axes, const Axes::Layout& l, cairo_t* cr) {
  const Rect box = axes.LegendBoxIn(l);
  if (box.width <= 0) return;
  // A rounded box, white at 80% over the data as matplotlib's.
  const double r = 4, x = std::round(box.x) + 0.5, y = std::round(box.y) + 0.5;
  cairo_new_sub_path(cr);
  cairo_arc(cr, x + box.width - r, y + r, r, -std::numbers::pi / 2, 0);
  cairo_arc(cr, x + box.width - r, y + box.height - r, r, 0, std::numbers::pi / 2);
  cairo_arc(cr, x + r, y + box.height - r, r, std::numbers::pi / 2, std::numbers::pi);
  cairo_arc(cr, x + r, y + r, r, std::numbers::pi, 3 * std::numbers::pi / 2);
  cairo_close_path(cr);
  SetColor(cr, kWhite, 0.8);
  cairo_fill_preserve(cr);
  SetColor(cr, kLegendEdge);
  cairo_set_line_width(cr, 1);
  cairo_set_dash(cr, nullptr, 0, 0);
  cairo_stroke(cr);
  const Metrics text = FontMetrics(cr, kLegendSize);
  double row_y = box.y + kLegendPad + kLegendSize / 2;
  for (const Axes::Series& s : axes.series_) {
    if (s.style.label.empty()) continue;
    const double x0 = box.x + kLegendPad, x1 = x0 + kLegendHandle;
    if (s.kind != Axes::Kind::kScatter && s.style.line_width > 0) {
      StrokeStyle(cr, s.style);
      cairo_move_to(cr, x0, row_y);
      cairo_line_to(cr, x1, row_y);
      cairo_stroke(cr);
    }
    if (s.style.marker != Marker::kNone && s.kind != Axes::Kind::kContour) {
      DrawMarker(cr, s.style, (x0 + x1) / 2, row_y);
    }
    DrawText(cr, s.style.label, x1 + kLegendSize * 0.7, row_y + text.digit / 2, kLegendSize, 0,
             kInk);
    row_y += kLegendSize * 1.5;
  }
}

void Figure::Save(const std::string& path) const {
  const auto ends_with = [&](std::string_view suffix) {
    if (path.size() < suffix.size()) return false;
    std::string tail = path.substr(path.size() - suffix.size());
    for (char& c : tail) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return tail == suffix;
  };
  const bool svg = ends_with(".svg");
  if (!svg && !ends_with(".png")) {
    ThrowInvalid("plot: cannot save ", path, ": the name must end in .png or .svg");
  }
  SurfacePtr surface(svg ? cairo_svg_surface_create(path.c_str(), width_, height_)
                         : cairo_image_surface_create(CAIRO_FORMAT_RGB24, width_, height_),
                     &cairo_surface_destroy);
  if (svg) cairo_svg_surface_set_document_unit(surface.get(), CAIRO_SVG_UNIT_PX);
  cairo_status_t status = cairo_surface_status(surface.get());
  if (status == CAIRO_STATUS_SUCCESS) {
    ContextPtr cr = NewContext(surface.get());
    Renderer::Draw(*this, cr.get());
    status = cairo_status(cr.get());
  }
  if (status == CAIRO_STATUS_SUCCESS && !svg) {
    status = cairo_surface_write_to_png(surface.get(), path.c_str());
  }
  cairo_surface_finish(surface.get());  // an SVG's file is written and closed here
  if (status == CAIRO_STATUS_SUCCESS) status = cairo_surface_status(surface.get());
  if (status != CAIRO_STATUS_SUCCESS) {
    ThrowInvalid("plot: cannot write ", path, ": ", cairo_status_to_string(status));
  }
}

}  // namespace cotangent::plot
