// File: tests/cotangent/convolution_test.cc
// conv_general_dilated against a host reference written here from lax's definition in the
// other direction (each input element scattered to the outputs whose windows read it, where
// the kernels gather per output), over random layouts, strides, paddings, dilations and
// groups; a hand-computed case; SAME padding as lax.padtype_to_pads; jit and vmap against
// eager and loops; the errors. The derivatives of every rule (jvp, both transposes, vmap) run
// through tests/testing/primitive_cases.h's three conv cases. Runs on every backend.

#include <algorithm>
#include <numeric>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "cotangent/cotangent.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/oracles.h"

namespace cotangent {
namespace {

using testing::AllClose;
using ::testing::ElementsAre;
using testing::ErrorOf;
using ::testing::HasSubstr;
using Pads = std::vector<std::pair<int64_t, int64_t>>;

struct Config {
  std::string lhs, rhs, out;  // dimension numbers, letters as JAX's
  int64_t n, c, o;            // batch, lhs features, output features
  std::vector<int64_t> in, window, strides, lhs_dilation, rhs_dilation;
  Pads pads;
  int64_t feature_groups = 1, batch_groups = 1;
};

// The shape of an operand whose layout string is `spec`, from its sizes by letter.
Shape ShapeOf(const std::string& spec, char a, int64_t a_size, char b, int64_t b_size,
              const std::string& spatial, const std::vector<int64_t>& sizes) {
  Shape shape;
  for (char ch : spec) {
    if (ch == a)
      shape.push_back(a_size);
    else if (ch == b)
      shape.push_back(b_size);
    else
      shape.push_back(sizes[spatial.find(ch)]);
  }
  return shape;
}

// Row-major offset of the element at per-letter coordinates.
int64_t Offset(const std::string& spec, const Shape& shape, char a, int64_t ai, char b, int64_t bi,
               const std::string& spatial, const std::vector<int64_t>& at) {
  int64_t flat = 0;
  for (size_t d = 0; d < spec.size(); ++d) {
    const char ch = spec[d];
    const int64_t i = ch == a ? ai : ch == b ? bi : at[spatial.find(ch)];
    flat = flat * shape[d] + i;
  }
  return flat;
}

// Advances a multi-index over sizes (row-major); false after the last one.
bool Next(std::vector<int64_t>& index, const std::vector<int64_t>& sizes) {
  for (size_t d = index.size(); d-- > 0;) {
    if (++index[d] < sizes[d]) return true;
    index[d] = 0;
  }
  return false;
}

std::string Spatial(const Config& cfg) {
  std::string s;
  for (char ch : cfg.rhs) {
    if (ch != 'O' && ch != 'I') s += ch;
  }
  return s;
}

// lax.conv_general_dilated by scattering: input element s (dilated to s * lhs_dilation, moved
// by the low padding) meets kernel element k at output o when o * stride + k * rhs_dilation
// equals it.
Tensor Reference(const Tensor& lhs, const Tensor& rhs, const Config& cfg) {
  const std::string spatial = Spatial(cfg);
  const size_t ns = spatial.size();
  const int64_t groups = std::max(cfg.feature_groups, cfg.batch_groups);
  const int64_t in_per_group = cfg.c / cfg.feature_groups, out_per_group = cfg.o / groups;
  const int64_t n_out = cfg.n / cfg.batch_groups;
  std::vector<int64_t> out_sizes(ns);
  for (size_t d = 0; d < ns; ++d) {
    const int64_t dilated = cfg.in[d] == 0 ? 0 : (cfg.in[d] - 1) * cfg.lhs_dilation[d] + 1;
    const int64_t padded = dilated + cfg.pads[d].first + cfg.pads[d].second;
    const int64_t span = (cfg.window[d] - 1) * cfg.rhs_dilation[d] + 1;
    out_sizes[d] = padded < span ? 0 : (padded - span) / cfg.strides[d] + 1;
  }
  const Shape out_shape = ShapeOf(cfg.out, 'N', n_out, 'C', cfg.o, spatial, out_sizes);
  std::vector<double> out(NumElements(out_shape), 0.0);
  const std::vector<double> l = lhs.to_vector<double>(), r = rhs.to_vector<double>();
  for (int64_t n = 0; n < cfg.n; ++n) {
    for (int64_t ch = 0; ch < cfg.c; ++ch) {
      std::vector<int64_t> s(ns, 0);
      do {
        if (std::find(cfg.in.begin(), cfg.in.end(), 0) != cfg.in.end()) break;
        const double x = l[Offset(cfg.lhs, lhs.shape(), 'N', n, 'C', ch, spatial, s)];
        for (int64_t f = 0; f < cfg.o; ++f) {
          const int64_t group = f / out_per_group;
          int64_t i = ch, batch = n;
          if (cfg.feature_groups > 1) {
            if (ch / in_per_group != group) continue;
            i = ch % in_per_group;
          }
          if (cfg.batch_groups > 1) {
            if (n / n_out != group) continue;
            batch = n % n_out;
          }
          std::vector<int64_t> k(ns, 0);
          do {
            if (std::find(cfg.window.begin(), cfg.window.end(), 0) != cfg.window.end()) break;
            std::vector<int64_t> o(ns);
            bool hit = true;
            for (size_t d = 0; d < ns && hit; ++d) {
              const int64_t num =
                  s[d] * cfg.lhs_dilation[d] + cfg.pads[d].first - k[d] * cfg.rhs_dilation[d];
              hit = num >= 0 && num % cfg.strides[d] == 0 && num / cfg.strides[d] < out_sizes[d];
              o[d] = hit ? num / cfg.strides[d] : 0;
            }
            if (!hit) continue;
            const double w = r[Offset(cfg.rhs, rhs.shape(), 'O', f, 'I', i, spatial, k)];
            out[Offset(cfg.out, out_shape, 'N', batch, 'C', f, spatial, o)] += x * w;
          } while (Next(k, cfg.window));
        }
      } while (ns > 0 && Next(s, cfg.in));
    }
  }
  return tensor(out, out_shape, lhs.dtype());
}

Tensor Apply(const Tensor& lhs, const Tensor& rhs, const Config& cfg) {
  ConvOptions o{.lhs_dilation = cfg.lhs_dilation,
                .rhs_dilation = cfg.rhs_dilation,
                .dimension_numbers = {cfg.lhs, cfg.rhs, cfg.out},
                .feature_group_count = cfg.feature_groups,
                .batch_group_count = cfg.batch_groups};
  return conv_general_dilated(lhs, rhs, cfg.strides, cfg.pads, o);
}

// A random letter order of `fixed` (two letters) and the spatial letters.
std::string Shuffled(std::string letters, std::mt19937& gen) {
  std::shuffle(letters.begin(), letters.end(), gen);
  return letters;
}

Config RandomConfig(std::mt19937& gen) {
  const auto pick = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(gen);
  };
  Config cfg;
  const std::string spatial = pick(1, 2) == 1 ? "W" : "HW";
  const size_t ns = spatial.size();
  cfg.lhs = Shuffled("NC" + spatial, gen);
  cfg.rhs = Shuffled("OI" + spatial, gen);
  cfg.out = Shuffled("NC" + spatial, gen);
  const int64_t groups = pick(1, 2);
  const bool batch = groups > 1 && pick(0, 1) == 1;
  (batch ? cfg.batch_groups : cfg.feature_groups) = groups;
  cfg.n = pick(1, 2) * (batch ? groups : 1);
  cfg.c = pick(1, 3) * (batch ? 1 : groups);
  cfg.o = pick(1, 2) * groups;
  for (size_t d = 0; d < ns; ++d) {
    cfg.in.push_back(pick(1, 6));
    cfg.window.push_back(pick(1, 3));
    cfg.strides.push_back(pick(1, 2));
    cfg.lhs_dilation.push_back(pick(1, 2));
    cfg.rhs_dilation.push_back(pick(1, 2));
    const int64_t dilated = (cfg.in[d] - 1) * cfg.lhs_dilation[d] + 1;
    const int64_t low = pick(-1, 2), high = pick(-1, 2);
    cfg.pads.push_back({std::max(low, -dilated / 2), std::max(high, -dilated / 2)});
  }
  return cfg;
}

std::pair<Tensor, Tensor> Operands(const Config& cfg, uint32_t seed, DType dtype) {
  const std::string spatial = Spatial(cfg);
  const Tensor lhs = testing::Random(ShapeOf(cfg.lhs, 'N', cfg.n, 'C', cfg.c, spatial, cfg.in),
                                     seed, -1, 1, dtype);
  const Tensor rhs = testing::Random(
      ShapeOf(cfg.rhs, 'O', cfg.o, 'I', cfg.c / cfg.feature_groups, spatial, cfg.window),
      seed + 1000, -1, 1, dtype);
  return {lhs, rhs};
}

TEST(ConvolutionTest, HandComputed) {
  // [[1 2 3] [4 5 6] [7 8 9]] with a 2x2 window of ones: each output sums a 2x2 block.
  const Tensor x = reshape(arange(1, 10, 1, f32), {1, 1, 3, 3});
  const Tensor w = ones({1, 1, 2, 2}, f32);
  EXPECT_THAT(conv(x, w, {1, 1}, Padding::kValid).to_vector<double>(), ElementsAre(12, 16, 24, 28));
  // Stride 2 with SAME padding: ceil(3 / 2) = 2 outputs per axis, padding (0, 1) on each.
  EXPECT_THAT(conv(x, w, {2, 2}, Padding::kSame).to_vector<double>(), ElementsAre(12, 9, 15, 9));
  // The kernel is not flipped: [1 0] picks the first element of each window.
  const Tensor first = tensor({1, 0}, {1, 1, 2}, f32);
  EXPECT_THAT(conv(reshape(arange(1, 5, 1, f32), {1, 1, 4}), first, {1}, Padding::kValid)
                  .to_vector<double>(),
              ElementsAre(1, 2, 3));
}

TEST(ConvolutionTest, MatchesTheReferenceOverRandomConfigurations) {
  std::mt19937 gen(7);
  for (int trial = 0; trial < 40; ++trial) {
    const Config cfg = RandomConfig(gen);
    SCOPED_TRACE(::testing::Message()
                 << "trial " << trial << ": " << cfg.lhs << " " << cfg.rhs << " " << cfg.out
                 << " in " << ShapeToString(cfg.in) << " window " << ShapeToString(cfg.window)
                 << " strides " << ShapeToString(cfg.strides) << " dilations "
                 << ShapeToString(cfg.lhs_dilation) << ShapeToString(cfg.rhs_dilation) << " groups "
                 << cfg.feature_groups << "/" << cfg.batch_groups);
    for (DType dtype : {f64, f32}) {
      const auto [lhs, rhs] = Operands(cfg, trial, dtype);
      const double tol = dtype == f64 ? 1e-12 : 1e-5;
      EXPECT_TRUE(AllClose(Apply(lhs, rhs, cfg), Reference(lhs, rhs, cfg), tol, tol));
    }
  }
}

TEST(ConvolutionTest, SamePaddingIsLaxs) {
  // n = 7, window 3 dilated by 2 (span 5), stride 2: ceil(7 / 2) = 4 outputs, total padding
  // (4 - 1) * 2 + 5 - 7 = 4, split (2, 2); lax.padtype_to_pads puts an odd extra at the end.
  const Tensor x = testing::Random({1, 7, 2}, 1, -1, 1, f64);
  const Tensor w = testing::Random({3, 2, 3}, 2, -1, 1, f64);
  const ConvOptions o{.rhs_dilation = {2}, .dimension_numbers = {"NWC", "WIO", "NWC"}};
  EXPECT_TRUE(AllClose(conv_general_dilated(x, w, {2}, Padding::kSame, o),
                       conv_general_dilated(x, w, {2}, Pads{{2, 2}}, o), 0, 0));
  const Tensor y = testing::Random({1, 6, 2}, 3, -1, 1, f64);
  EXPECT_TRUE(AllClose(conv_general_dilated(y, w, {1}, Padding::kSame, o),
                       conv_general_dilated(y, w, {1}, Pads{{2, 2}}, o), 0, 0));
  EXPECT_EQ(conv_general_dilated(y, w, {4}, Padding::kSame, o).shape(), (Shape{1, 2, 3}));
  EXPECT_EQ(conv_general_dilated(y, w, {1}, Padding::kValid, o).shape(), (Shape{1, 2, 3}));
}

TEST(ConvolutionTest, JitAndVmapAgreeWithEager) {
  std::mt19937 gen(11);
  for (int trial = 0; trial < 6; ++trial) {
    const Config cfg = RandomConfig(gen);
    const auto [lhs, rhs] = Operands(cfg, 50 + trial, f64);
    const auto f = [&](const Tensor& a, const Tensor& b) { return Apply(a, b, cfg); };
    EXPECT_TRUE(AllClose(jit(f)(lhs, rhs), f(lhs, rhs), 1e-12, 1e-12));
    // Per-example kernels and inputs: vmap over both against a loop of single convolutions.
    const Tensor lhss = stack({lhs, lhs * 2.0, -lhs});
    const Tensor rhss = stack({rhs, rhs * 0.5, rhs + 1.0});
    const Tensor batched = vmap(f)(lhss, rhss);
    for (int64_t i = 0; i < 3; ++i) {
      EXPECT_TRUE(AllClose(take(batched, scalar(i, i32), 0),
                           f(take(lhss, scalar(i, i32), 0), take(rhss, scalar(i, i32), 0)), 1e-12,
                           1e-12));
    }
    EXPECT_TRUE(AllClose(vmap([&](const Tensor& a) { return f(a, rhs); })(lhss),
                         stack({f(lhs, rhs), f(lhs * 2.0, rhs), f(-lhs, rhs)}), 1e-12, 1e-12));
  }
}

TEST(ConvolutionTest, ConvTransposeUpsamples) {
  // [1 2] upsampled by 2 with a window of three ones: the dilated input [1 0 2] padded by
  // lax's _conv_transpose_padding, (2, 2) for VALID (n s + max(k - s, 0) = 5 outputs) and
  // (2, 1) for SAME (n s = 4 outputs).
  const Tensor x = tensor({1, 2}, {1, 2, 1}, f64);  // NHC
  const Tensor w = ones({3, 1, 1}, f64);            // HIO
  EXPECT_THAT(conv_transpose(x, w, {2}, Padding::kValid).to_vector<double>(),
              ElementsAre(1, 1, 3, 2, 2));
  EXPECT_THAT(conv_transpose(x, w, {2}, Padding::kSame).to_vector<double>(),
              ElementsAre(1, 1, 3, 2));
  // Explicit pairs are used as given: no padding leaves one window over [1 0 2].
  EXPECT_THAT(conv_transpose(x, w, {2}, Pads{{0, 0}}).to_vector<double>(), ElementsAre(3));
  EXPECT_THAT(ErrorOf([&] {
                conv_transpose(x, w, {2, 2}, Padding::kSame);
              }),
              HasSubstr("conv_transpose: strides [2,2] for lhs f64[1,2,1] need one entry per "
                        "spatial axis (1)"));
  EXPECT_THAT(ErrorOf([&] { conv_transpose(zeros({3}), zeros({3}), {}, Padding::kSame); }),
              HasSubstr("conv_transpose: lhs f32[3] and rhs f32[3] must have one rank"));
}

// lax_test's oracle for transpose_kernel: the gradient of the forward convolution with
// respect to its input, at an input of the shape the transposed convolution produces.
TEST(ConvolutionTest, ConvTransposeWithTransposedKernelIsTheInputGradient) {
  const ConvDimensionNumbers dn{"NHWC", "HWIO", "NHWC"};
  for (const Padding padding : {Padding::kValid, Padding::kSame}) {
    for (const std::vector<int64_t>& strides :
         std::vector<std::vector<int64_t>>{{1, 1}, {2, 1}, {2, 3}}) {
      for (const std::vector<int64_t>& dilation :
           std::vector<std::vector<int64_t>>{{1, 1}, {2, 1}}) {
        SCOPED_TRACE(::testing::Message() << "strides " << ShapeToString(strides) << " dilation "
                                          << ShapeToString(dilation) << " padding "
                                          << (padding == Padding::kSame ? "SAME" : "VALID"));
        const Tensor data = testing::Random({2, 4, 3, 5}, 21, -1, 1, f64);    // 5 = O
        const Tensor kernel = testing::Random({3, 2, 4, 5}, 22, -1, 1, f64);  // I = 4
        Shape out = {2};
        for (int64_t d = 0; d < 2; ++d) {
          const int64_t k = (kernel.shape()[d] - 1) * dilation[d] + 1;
          out.push_back(data.shape()[d + 1] * strides[d] +
                        (padding == Padding::kValid ? std::max<int64_t>(k - strides[d], 0) : 0));
        }
        out.push_back(4);
        const auto forward = [&](const Tensor& x) {
          return conv_general_dilated(x, kernel, strides, padding,
                                      {.rhs_dilation = dilation, .dimension_numbers = dn});
        };
        auto [y, pullback] = vjp(forward, ones(out, f64));
        ASSERT_EQ(y.shape(), data.shape());
        const Tensor transposed = conv_transpose(
            data, kernel, strides, padding,
            {.rhs_dilation = dilation, .dimension_numbers = dn, .transpose_kernel = true});
        EXPECT_TRUE(AllClose(transposed, pullback(data)[0], 1e-12, 1e-12));
      }
    }
  }
}

TEST(ConvolutionTest, ProgramsPrintLaxsParameters) {
  const Tensor x = zeros({1, 2, 5}, f32), w = zeros({4, 1, 2}, f32);
  const auto f = [](const Tensor& a, const Tensor& b) {
    return conv_general_dilated(a, b, {2}, Pads{{1, 0}}, {.feature_group_count = 2});
  };
  EXPECT_THAT(make_jaxpr(f)(x, w).ToString(),
              HasSubstr("conv_general_dilated[batch_group_count=1 "
                        "dimension_numbers=ConvDimensionNumbers(lhs_spec=(0, 1, 2), "
                        "rhs_spec=(0, 1, 2), out_spec=(0, 1, 2)) feature_group_count=2 "
                        "lhs_dilation=(1,) padding=((1, 0),) rhs_dilation=(1,) "
                        "window_strides=(2,)]"));
}

TEST(ConvolutionTest, EmptyOperands) {
  // No batch: an empty output; no input features: zeros (an empty sum).
  EXPECT_EQ(conv(zeros({0, 2, 4}, f32), ones({3, 2, 2}, f32), {1}, Padding::kValid).shape(),
            (Shape{0, 3, 3}));
  EXPECT_THAT(
      conv(zeros({1, 0, 3}, f32), ones({2, 0, 2}, f32), {1}, Padding::kValid).to_vector<double>(),
      ElementsAre(0, 0, 0, 0));
  // A window longer than the input: no output positions.
  EXPECT_EQ(conv(ones({1, 1, 2}, f32), ones({1, 1, 3}, f32), {1}, Padding::kValid).shape(),
            (Shape{1, 1, 0}));
}

TEST(ConvolutionTest, ErrorsNameTheShapesAndTheConfiguration) {
  const Tensor x = zeros({2, 3, 5, 5}, f32);
  EXPECT_THAT(ErrorOf([&] {
                conv(x, zeros({4, 2, 3, 3}, f32), {1, 1}, Padding::kValid);
              }),
              HasSubstr("conv_general_dilated: lhs f32[2,3,5,5], rhs f32[4,2,3,3]: lhs features "
                        "3 / feature_group_count 1 must equal the rhs input features 2"));
  EXPECT_THAT(ErrorOf([&] {
                conv(x, zeros({4, 3, 3}, f32), {1, 1}, Padding::kValid);
              }),
              HasSubstr("must have one rank"));
  EXPECT_THAT(ErrorOf([&] {
                conv(x, zeros({4, 3, 3, 3}, f64), {1, 1}, Padding::kValid);
              }),
              HasSubstr("mismatched dtypes"));
  EXPECT_THAT(ErrorOf([&] {
                conv(x, zeros({4, 3, 3, 3}, f32), {0, 1}, Padding::kValid);
              }),
              HasSubstr("strides [0,1] and dilations [1,1], [1,1] must be positive"));
  EXPECT_THAT(ErrorOf([&] {
                conv(x, zeros({4, 3, 3, 3}, f32), {1}, Padding::kValid);
              }),
              HasSubstr("window_strides [1] for lhs f32[2,3,5,5] needs one entry per spatial"));
  EXPECT_THAT(ErrorOf([&] {
                conv_general_dilated(x, zeros({4, 3, 3, 3}, f32), {1, 1}, Pads{{-4, -4}, {0, 0}});
              }),
              HasSubstr("padding crops spatial axis 0 below zero"));
  EXPECT_THAT(ErrorOf([&] {
                conv_general_dilated(x, zeros({4, 3, 3, 3}, f32), {1, 1}, Pads{{0, 0}, {0, 0}},
                                     {.dimension_numbers = {"NCHW", "OIHW", "NCHX"}});
              }),
              HasSubstr("must share their spatial letters"));
  EXPECT_THAT(ErrorOf([&] {
                conv_general_dilated(x, zeros({4, 3, 3, 3}, f32), {1, 1}, Pads{{0, 0}, {0, 0}},
                                     {.dimension_numbers = {"NCHH", "OIHW", "NCHW"}});
              }),
              HasSubstr("\"NCHH\" repeats a letter"));
  EXPECT_THAT(ErrorOf([&] {
                conv_general_dilated(zeros({4, 4, 5}, f32), zeros({4, 2, 3}, f32), {1},
                                     Pads{{0, 0}},
                                     {.feature_group_count = 2, .batch_group_count = 2});
              }),
              HasSubstr("at most one of feature_group_count and batch_group_count"));
  EXPECT_THAT(ErrorOf([&] {
                conv_general_dilated(zeros({3, 2, 5}, f32), zeros({4, 2, 3}, f32), {1},
                                     Pads{{0, 0}}, {.batch_group_count = 2});
              }),
              HasSubstr("batch_group_count 2 must divide the lhs batch 3"));
  EXPECT_THAT(ErrorOf([&] {
                conv(zeros({1, 2, 5}, bool_), zeros({1, 2, 3}, bool_), {1}, Padding::kValid);
              }),
              HasSubstr("conv_general_dilated: expected a numeric operand, got bool[1,2,5]"));
}

// Integer convolutions, as XLA's (JAX computes them on the CPU): exact, and wrapping where a
// product or a sum leaves the type.
TEST(ConvolutionTest, IntegerConvolutionsMatchTheReference) {
  std::mt19937 gen(19);
  for (int trial = 0; trial < 20; ++trial) {
    const Config cfg = RandomConfig(gen);
    SCOPED_TRACE(::testing::Message() << "trial " << trial << ": " << cfg.lhs << " " << cfg.rhs
                                      << " " << cfg.out << " in " << ShapeToString(cfg.in));
    for (DType dtype : {i32, i64, u32, u8}) {
      // Integer values in [-3, 3] ([0, 3] unsigned: a u8 sum stays below 256 in these windows),
      // so the double reference is exact.
      const double lo = IsUnsigned(dtype) ? 0 : -3;
      const auto [l64, r64] = Operands(cfg, trial, f64);
      const Tensor li = astype(clip(round(l64 * 3.0), lo, 3.0), dtype);
      const Tensor ri = astype(clip(round(r64 * 3.0), lo, 3.0), dtype);
      const Tensor got = Apply(li, ri, cfg);
      EXPECT_EQ(got.dtype(), dtype);
      EXPECT_EQ(got.to_vector<double>(), Reference(li, ri, cfg).to_vector<double>())
          << DTypeName(dtype);
    }
  }
  // Wrapping: 65537^2 = 2^32 + 2^17 + 1 is 131073 in i32; 16 * 17 = 272 is 16 in u8, and two
  // such products 32; 2^62 * 4 is 0 in i64.
  const auto one = [](const Tensor& x, const Tensor& w) {
    return conv(x, w, {1}, Padding::kValid).to_vector<double>();
  };
  EXPECT_THAT(one(full({1, 1, 1}, 65537, i32), full({1, 1, 1}, 65537, i32)), ElementsAre(131073));
  EXPECT_THAT(one(full({1, 2, 1}, 16, u8), full({1, 2, 1}, 17, u8)), ElementsAre(32));
  EXPECT_EQ(
      conv(full({1, 1, 1}, int64_t{1} << 62, i64), full({1, 1, 1}, 4, i64), {1}, Padding::kValid)
          .item<int64_t>(),
      0);
}

TEST(ConvolutionTest, IntegerConvolutionsUnderJitVmapAndLinearTranspose) {
  const Tensor x = astype(round(testing::Random({2, 3, 6}, 3, -3, 3)), i32);
  const Tensor w = astype(round(testing::Random({4, 3, 2}, 4, -3, 3)), i32);
  const auto f = [&](const Tensor& a, const Tensor& b) {
    return conv_general_dilated(a, b, {2}, Pads{{1, 0}}, {.rhs_dilation = {2}});
  };
  EXPECT_EQ(jit(f)(x, w).to_vector<int64_t>(), f(x, w).to_vector<int64_t>());
  const Tensor batched = vmap(f)(stack({x, -x}), stack({w, w * 2}));
  EXPECT_EQ(batched.to_vector<int64_t>(), stack({f(x, w), f(-x, w * 2)}).to_vector<int64_t>());
  // The transposes (JAX's linear_transpose of an integer function is an integer function):
  // the same numbers as the f64 transpose of the same integers.
  const Tensor ct = astype(round(testing::Random(f(x, w).shape(), 5, -3, 3)), i32);
  const auto lhs_t = linear_transpose([&](const Tensor& a) { return f(a, w); }, x);
  const auto rhs_t = linear_transpose([&](const Tensor& b) { return f(x, b); }, w);
  const Tensor xf = astype(x, f64), wf = astype(w, f64);
  const auto lhs_tf = linear_transpose([&](const Tensor& a) { return f(a, wf); }, xf);
  const auto rhs_tf = linear_transpose([&](const Tensor& b) { return f(xf, b); }, wf);
  const Tensor dx = lhs_t(ct)[0], dw = rhs_t(ct)[0];
  EXPECT_EQ(dx.dtype(), i32);
  EXPECT_EQ(dx.to_vector<double>(), lhs_tf(astype(ct, f64))[0].to_vector<double>());
  EXPECT_EQ(dw.to_vector<double>(), rhs_tf(astype(ct, f64))[0].to_vector<double>());
}

// lax.conv's preferred_element_type (JAX's testConvPreferredElement): the result has that
// dtype and the value of the convolution of the upcast operands, here against the f64
// reference with the rounding error of the preferred type, not of the operands' (an f16
// result would be off by 1e-3).
TEST(ConvolutionTest, PreferredElementTypeIsTheConvolutionOfUpcastOperands) {
  const Config cfg{.lhs = "NCHW",
                   .rhs = "OIHW",
                   .out = "NCHW",
                   .n = 2,
                   .c = 3,
                   .o = 2,
                   .in = {9, 10},
                   .window = {4, 5},
                   .strides = {1, 1},
                   .lhs_dilation = {1, 1},
                   .rhs_dilation = {1, 1},
                   .pads = {{0, 0}, {0, 0}}};
  const std::pair<DType, DType> pairs[] = {{f16, f32}, {bf16, f32}, {f16, f64}, {f32, f64},
                                           {i32, i64}, {u8, i32},   {u8, u32},  {i32, f32},
                                           {i32, f64}, {u8, f16},   {i64, f64}, {c64, c128}};
  for (auto [from, to] : pairs) {
    SCOPED_TRACE(std::string(DTypeName(from)) + " -> " + DTypeName(to));
    auto [l, r] = Operands(cfg, 21, f64);
    if (IsInteger(from)) {
      l = round(l * 3.0 + (IsUnsigned(from) ? 3.0 : 0.0));
      r = round(r * 3.0 + (IsUnsigned(from) ? 3.0 : 0.0));
    }
    const Tensor lhs = astype(l, from), rhs = astype(r, from);
    const Tensor got = conv(lhs, rhs, {1, 1}, Padding::kValid, to);
    EXPECT_EQ(got.dtype(), to);
    const Tensor expected = Reference(astype(lhs, f64), astype(rhs, f64), cfg);
    const double tol = IsInteger(to) ? 0 : to == f32 || to == c64 ? 2e-6 : 1e-13;
    EXPECT_TRUE(AllClose(astype(real(got), f64), expected, tol, tol));
    EXPECT_TRUE(
        AllClose(got, conv(astype(lhs, to), astype(rhs, to), {1, 1}, Padding::kValid), 0, 0));
  }
  // The derivative with respect to an f16 operand is f16 (JAX's transpose converts back), the
  // rounding of the f32 one.
  const Tensor x = testing::Random({1, 2, 8}, 8, -1, 1, f16), w = testing::Random({3, 2, 3}, 9);
  const auto loss = [&](const Tensor& a) {
    return sum(conv(a, astype(w, f16), {1}, Padding::kValid, f32));
  };
  const Tensor g = grad(loss)(x);
  EXPECT_EQ(g.dtype(), f16);
  const Tensor g32 = grad([&](const Tensor& a) {
    return sum(conv(a, astype(astype(w, f16), f32), {1}, Padding::kValid));
  })(astype(x, f32));
  EXPECT_TRUE(AllClose(g, astype(g32, f16), 0, 0));
  // JAX's checks of the pair.
  const Tensor a = zeros({1, 1, 3}, f32), b = zeros({1, 1, 2}, f32);
  EXPECT_THAT(ErrorOf([&] { conv(a, b, {1}, Padding::kValid, i32); }),
              HasSubstr("conv_general_dilated: preferred_element_type i32 for an operand of type "
                        "f32[1,1,3]: the compatible pairs are (integer, integer), (integer, "
                        "float), (float, float) and (complex, complex)"));
  EXPECT_THAT(ErrorOf([&] { conv(astype(a, f64), astype(b, f64), {1}, Padding::kValid, f32); }),
              HasSubstr("preferred_element_type f32 for an operand of type f64[1,1,3]: narrower "
                        "than the operand"));
  EXPECT_THAT(ErrorOf([&] { conv(astype(a, i32), astype(b, i32), {1}, Padding::kValid, u32); }),
              HasSubstr("an unsigned type for a signed one"));
  EXPECT_THAT(ErrorOf([&] { conv(astype(a, c64), astype(b, c64), {1}, Padding::kValid, f64); }),
              HasSubstr("the compatible pairs are"));
}

}  // namespace
}  // namespace cotangent
