// File: tests/testing/primitive_cases.h
// One small function per primitive (and the composites built on them), with input shapes
// (broadcasting included) and a domain where the function is smooth. The jvp, vjp and Hessian
// tests run every differentiable case against the oracles, the batching test every case;
// tests/interpreters/completeness_test.cc checks that every row of core/primitives.def has a
// case here (a differentiable one for derivative kByRule) or is exempt.

#ifndef COTANGENT_TESTS_TESTING_PRIMITIVE_CASES_H_
#define COTANGENT_TESTS_TESTING_PRIMITIVE_CASES_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "cotangent/cotangent.h"

namespace cotangent::testing {

struct PrimitiveCase {
  std::string name;
  Primitive prim;             // the primitive the case is about
  std::vector<Shape> shapes;  // one per input
  double lo, hi;              // inputs are drawn uniformly from [lo, hi)
  std::function<Tensor(const std::vector<Tensor>&)> f;
};

inline void PrintTo(const PrimitiveCase& c, std::ostream* os) { *os << c.name; }

// f mapped over axis 0 with the axis named "i", for the collectives' cases.
template <typename F>
auto Named(F f) {
  return vmap(std::move(f), 0, 0, axis_name("i"));
}

inline std::vector<PrimitiveCase> DifferentiableCases() {
  using V = const std::vector<Tensor>&;
  return {
      {"neg", Primitive::kNeg, {{3, 4}}, -1, 1, [](V x) { return -x[0]; }},
      {"abs", Primitive::kAbs, {{5}}, 0.2, 1, [](V x) { return abs(x[0] * (x[0] - 0.6)); }},
      {"exp", Primitive::kExp, {{2, 3}}, -2, 2, [](V x) { return exp(x[0]); }},
      {"log", Primitive::kLog, {{4}}, 0.5, 3, [](V x) { return log(x[0]); }},
      {"log1p", Primitive::kLog1p, {{4}}, -0.5, 3, [](V x) { return log1p(x[0]); }},
      {"expm1", Primitive::kExpm1, {{4}}, -1, 1, [](V x) { return expm1(x[0]); }},
      {"sin", Primitive::kSin, {{2, 2}}, -3, 3, [](V x) { return sin(x[0]); }},
      {"cos", Primitive::kCos, {{2, 2}}, -3, 3, [](V x) { return cos(x[0]); }},
      {"tanh", Primitive::kTanh, {{6}}, -2, 2, [](V x) { return tanh(x[0]); }},
      {"sqrt", Primitive::kSqrt, {{3}}, 0.5, 4, [](V x) { return sqrt(x[0]); }},
      {"erf", Primitive::kErf, {{5}}, -2, 2, [](V x) { return erf(x[0]) * x[0]; }},
      {"erfc", Primitive::kErfc, {{5}}, -2, 2, [](V x) { return erfc(x[0] * x[0]); }},
      {"erf_inv", Primitive::kErfInv, {{5}}, -0.9, 0.9, [](V x) { return erfinv(x[0]); }},
      {"lgamma", Primitive::kLgamma, {{5}}, 0.5, 4, [](V x) { return lgamma(x[0]) * x[0]; }},
      {"digamma", Primitive::kDigamma, {{5}}, 0.5, 4, [](V x) { return digamma(x[0] * x[0]); }},
      // zeta is differentiable in q only; polygamma(2, x) is a zeta of x.
      {"zeta",
       Primitive::kZeta,
       {{4}},
       0.5,
       3,
       [](V x) {
         return zeta(full_like(x[0], 3.0), x[0]) + polygamma(full_like(x[0], 2.0), x[0]);
       }},
      // The incomplete gamma family in x (their derivatives in a are first order only:
      // tests/cotangent/special_test.cc), across x = max(1, a), where series and fraction meet.
      {"igamma",
       Primitive::kIgamma,
       {{6}},
       0.3,
       4,
       [](V x) { return gammainc(full_like(x[0], 1.7), x[0]) * x[0]; }},
      {"igammac",
       Primitive::kIgammac,
       {{6}},
       0.3,
       4,
       [](V x) { return gammaincc(full_like(x[0], 2.5), x[0] * x[0]); }},
      {"igamma_grad_a",
       Primitive::kIgammaGradA,
       {{6}},
       0.3,
       4,
       [](V x) { return lax::igamma_grad_a(full_like(x[0], 1.5), x[0]); }},
      {"random_gamma_grad",
       Primitive::kRandomGammaGrad,
       {{6}},
       0.3,
       4,
       [](V x) { return lax::random_gamma_grad(full_like(x[0], 2.2), x[0]); }},
      // Both sides of 0 and of 8 (where the series change).
      {"bessel_i0e", Primitive::kBesselI0e, {{6}}, -10, 10, [](V x) { return i0e(x[0]) * x[0]; }},
      {"bessel_i1e", Primitive::kBesselI1e, {{6}}, -10, 10, [](V x) { return i1e(x[0] * x[0]); }},
      {"atan2", Primitive::kAtan2, {{4}, {4}}, -1, 1, [](V x) { return atan2(x[0], x[1] + 2.0); }},
      {"asin_acos_atan",
       Primitive::kAtan2,
       {{4}},
       -0.9,
       0.9,
       [](V x) { return asin(x[0]) * acos(x[0]) + atan(x[0] * 3.0); }},
      // Quotients between 2 and 5: trunc(x / y) is not 0, and its jump is far from the inputs.
      {"rem",
       Primitive::kRem,
       {{4}, {4}},
       1.1,
       1.3,
       [](V x) { return fmod(x[0] * 5.0, x[1] * x[1]); }},
      {"add_broadcast", Primitive::kAdd, {{3, 4}, {4}}, -1, 1, [](V x) { return x[0] + x[1]; }},
      {"sub_broadcast", Primitive::kSub, {{3, 1}, {1, 4}}, -1, 1, [](V x) { return x[0] - x[1]; }},
      {"mul_broadcast", Primitive::kMul, {{2, 3}, {3}}, -1, 1, [](V x) { return x[0] * x[1]; }},
      {"div", Primitive::kDiv, {{4}, {4}}, 0.5, 2, [](V x) { return x[0] / x[1]; }},
      {"pow", Primitive::kPow, {{4}, {4}}, 0.5, 2, [](V x) { return pow(x[0], x[1]); }},
      {"pow_square", Primitive::kPow, {{4}}, -2, 2, [](V x) { return pow(x[0], 2.0); }},
      {"max", Primitive::kMax, {{6}, {6}}, -1, 1, [](V x) { return maximum(x[0], x[1]); }},
      {"min", Primitive::kMin, {{6}, {6}}, -1, 1, [](V x) { return minimum(x[0], x[1]); }},
      {"select",
       Primitive::kSelect,
       {{5}, {5}},
       -1,
       1,
       [](V x) { return where(x[0] > 0.0, x[0] * x[1], sin(x[1])); }},
      {"convert",
       Primitive::kConvert,
       {{3}},
       -1,
       1,
       [](V x) { return astype(astype(x[0], f32), f64) * 0.0 + x[0] * astype(x[0] > 0.0, f64); }},
      {"reduce_sum",
       Primitive::kReduceSum,
       {{2, 3, 4}},
       -1,
       1,
       [](V x) {
         return sum(x[0] * x[0], {0, 2});
       }},
      {"reduce_max", Primitive::kReduceMax, {{3, 5}}, -1, 1, [](V x) { return max(x[0], 1); }},
      {"reduce_prod",
       Primitive::kReduceProd,
       {{2, 3, 4}},
       0.5,
       1.5,
       [](V x) { return prod(x[0], {0, 2}); }},
      // Five factors of either sign: the product tree pairs the odd row with 1.
      {"reduce_prod_odd",
       Primitive::kReduceProd,
       {{3, 5}},
       -1.5,
       1.5,
       [](V x) { return prod(x[0], 1); }},
      {"reshape",
       Primitive::kReshape,
       {{2, 6}},
       -1,
       1,
       [](V x) {
         return reshape(transpose(x[0]), {3, 4}) * 2.0;
       }},
      {"transpose",
       Primitive::kTranspose,
       {{2, 3, 4}},
       -1,
       1,
       [](V x) {
         return transpose(x[0], {2, 0, 1}) * 3.0;
       }},
      {"broadcast_in_dim",
       Primitive::kBroadcastInDim,
       {{3, 1}},
       -1,
       1,
       [](V x) {
         return broadcast_to(x[0], {2, 3, 4}) * 1.5;
       }},
      {"slice",
       Primitive::kSlice,
       {{5, 6}},
       -1,
       1,
       [](V x) {
         return slice(x[0], {1, 0}, {5, 5}, {2, 2});
       }},
      {"pad",
       Primitive::kPad,
       {{3, 4}},
       -1,
       1,
       [](V x) {
         return lax::pad(x[0], 0.5, {1, -1}, {2, 0}, {1, 2});
       }},
      // Rows with repeats, a negative index and (in the clip case) an out-of-bounds one.
      {"gather_take",
       Primitive::kGather,
       {{4, 3}},
       -1,
       1,
       [](V x) {
         return take(x[0], tensor({3, 0, 3, -1}, {4}, i32)) * 1.5;
       }},
      {"gather_clip",
       Primitive::kGather,
       {{3, 4}},
       -1,
       1,
       [](V x) {
         return at(x[0], {tensor({0, 2, 5}, {3}, i32), tensor({1, 3, 0}, {3}, i32)}).get();
       }},
      // Both the operand and the updates vary; index 7 is dropped, index 1 adds twice.
      {"scatter_add",
       Primitive::kScatterAdd,
       {{5, 2}, {4, 2}},
       -1,
       1,
       [](V x) {
         return at(x[0], tensor({1, 4, 1, 7}, {4}, i32)).add(x[1] * x[1]);
       }},
      // The last of index 1's two stores wins, index 7 is dropped.
      {"scatter",
       Primitive::kScatter,
       {{5, 2}, {4, 2}},
       -1,
       1,
       [](V x) { return at(x[0], tensor({1, 4, 1, 7}, {4}, i32)).set(x[1] * x[1]) * x[0]; }},
      // Index 1 multiplies twice, index 6 clamps to 4.
      {"scatter_mul",
       Primitive::kScatterMul,
       {{5, 2}, {4, 2}},
       -1,
       1,
       [](V x) {
         return at(x[0], tensor({1, 4, 1, 6}, {4}, i32)).mul(x[1] * 2.0, IndexMode::kClip);
       }},
      // Uniform inputs do not tie, where min and max are not differentiable.
      {"scatter_min",
       Primitive::kScatterMin,
       {{5, 2}, {4, 2}},
       -1,
       1,
       [](V x) { return at(x[0], tensor({1, 4, 1, 7}, {4}, i32)).min(x[1]) * x[0]; }},
      {"scatter_max",
       Primitive::kScatterMax,
       {{5, 2}, {4, 2}},
       -1,
       1,
       [](V x) { return at(x[0] * x[0], tensor({3, 3, 0, 3}, {4}, i32)).max(x[1]); }},
      // Sorted values are gathers by argsort's permutation (JAX's sort jvp); uniform inputs
      // have no ties, where the sort is not differentiable.
      {"sort",
       Primitive::kArgsort,
       {{3, 5}},
       -1,
       1,
       [](V x) { return sort(x[0] * x[0], 0, true) * x[0] + top_k(x[0], 2).first[0][1]; }},
      // Linear algebra: well-conditioned inputs (a shifted diagonal); eigen- and singular
      // vectors through sign-free functions of them (each has a sign of its own).
      {"cholesky",
       Primitive::kCholesky,
       {{3, 3}},
       -1,
       1,
       [](V x) { return linalg::cholesky(matmul(x[0], transpose(x[0])) + eye(3, f64) * 3.0); }},
      {"triangular_solve",
       Primitive::kTriangularSolve,
       {{3, 3}, {3, 2}},
       -1,
       1,
       [](V x) { return linalg::solve_triangular(x[0] + eye(3, f64) * 4.0, x[1], true, true); }},
      {"lu", Primitive::kLu, {{4, 3}}, -1, 1, [](V x) { return lax::lu(x[0]).lu * x[0]; }},
      {"qr",
       Primitive::kQr,
       {{4, 3}},
       -1,
       1,
       [](V x) {
         const linalg::QR f = linalg::qr(x[0]);
         return concatenate({f.q, f.r});
       }},
      {"eigh",
       Primitive::kEigh,
       {{3, 3}},
       -1,
       1,
       [](V x) {
         const linalg::Eigh f = linalg::eigh(x[0]);
         return concatenate({expand_dims(f.eigenvalues, 0), f.eigenvectors * f.eigenvectors});
       }},
      {"svd",
       Primitive::kSvd,
       {{4, 3}},
       -1,
       1,
       [](V x) {
         const linalg::SVD f = linalg::svd(x[0], false);
         return concatenate({expand_dims(f.s, 0), f.u * f.u, f.vh * f.vh});
       }},
      {"concatenate",
       Primitive::kConcatenate,
       {{2, 3}, {2, 2}},
       -1,
       1,
       [](V x) {
         return concatenate({x[0], x[1] * 2.0, x[0]}, 1);
       }},
      {"dot_general_matmul",
       Primitive::kDotGeneral,
       {{2, 3, 4}, {2, 4, 5}},
       -1,
       1,
       [](V x) { return matmul(x[0], x[1]); }},
      {"dot_general_odd_dims",
       Primitive::kDotGeneral,
       {{2, 3, 4}, {4, 2, 5}},
       -1,
       1,
       [](V x) {
         DotDims d;
         d.lhs_contracting = {2};
         d.rhs_contracting = {0};
         d.lhs_batch = {0};
         d.rhs_batch = {1};
         return lax::dot_general(x[0], x[1], d);
       }},
      // Strides, asymmetric padding (one side negative), canonical NCHW / OIHW.
      {"conv_strided_padded",
       Primitive::kConvGeneralDilated,
       {{2, 3, 5, 4}, {4, 3, 3, 2}},
       -1,
       1,
       [](V x) { return conv_general_dilated(x[0], x[1], {2, 1}, {{1, 0}, {-1, 2}}); }},
      // NHWC / HWIO with both dilations and two feature groups (each kernel half reads its
      // half of the input features).
      {"conv_nhwc_dilated_grouped",
       Primitive::kConvGeneralDilated,
       {{2, 4, 5, 4}, {2, 2, 2, 6}},
       -1,
       1,
       [](V x) {
         ConvOptions o{.lhs_dilation = {2, 1},
                       .rhs_dilation = {1, 2},
                       .dimension_numbers = {"NHWC", "HWIO", "NHWC"},
                       .feature_group_count = 2};
         return conv_general_dilated(x[0], x[1], {1, 2}, {{0, 1}, {1, 0}}, o);
       }},
      // 1-d, batch groups (the rhs transpose of a grouped convolution), output as NWC.
      {"conv_batch_grouped",
       Primitive::kConvGeneralDilated,
       {{4, 2, 5}, {6, 2, 2}},
       -1,
       1,
       [](V x) {
         ConvOptions o{.dimension_numbers = {"NCW", "OIW", "NWC"}, .batch_group_count = 2};
         return conv_general_dilated(x[0], x[1], {1}, {{1, 1}}, o);
       }},
      {"logsumexp",
       Primitive::kReduceMax,
       {{3, 4}},
       -2,
       2,
       [](V x) { return logsumexp(x[0], {1}, true); }},
      {"softmax", Primitive::kExp, {{2, 5}}, -2, 2, [](V x) { return softmax(x[0]); }},
      // (x - m) - log(sum(exp(x - m))) with m = stop_gradient(max): the shift has no derivative.
      {"log_softmax",
       Primitive::kStopGradient,
       {{2, 5}},
       -2,
       2,
       [](V x) { return log_softmax(x[0]); }},
      // min = -max(-x) for floats: the derivative flows to the minimum.
      {"reduce_min", Primitive::kReduceMax, {{3, 5}}, -1, 1, [](V x) { return min(x[0], 0); }},
      // where(x <= 0, 0, x): slope 1 above 0, 0 below.
      {"relu", Primitive::kSelect, {{6}}, -1, 1, [](V x) { return relu(x[0]) * x[0]; }},
      {"sigmoid", Primitive::kTanh, {{5}}, -3, 3, [](V x) { return sigmoid(x[0]); }},
      // Both branches, each closing over the other operand (a branch constant).
      {"cond",
       Primitive::kCond,
       {{3}, {3}},
       -1,
       1,
       [](V x) {
         const auto on_true = [&](const Tensor& v) { return sin(v) * x[1]; };
         const auto on_false = [&](const Tensor& v) { return v * v * x[1]; };
         return cond(scalar(true, bool_), on_true, on_false, x[0]) +
                cond(scalar(false, bool_), on_true, on_false, x[0]);
       }},
      // An RNN-like scan over the rows of x[1], carrying x[0] and stacking its outputs.
      {"scan",
       Primitive::kScan,
       {{3}, {4, 3}},
       -1,
       1,
       [](V x) {
         const auto step = [](const Tensor& h, const Tensor& row) {
           const Tensor next = tanh(h * row + row);
           return std::pair{next, next * h};
         };
         auto [h, ys] = scan(step, x[0], x[1]);
         return h + sum(ys, {0});
       }},
      // A checkpointed block (nothing saved: reverse mode recomputes it) and a named value.
      {"checkpoint",
       Primitive::kCheckpoint,
       {{2, 3}, {3, 3}},
       -1,
       1,
       [](V x) {
         const auto block =
             checkpoint([](const Tensor& a, const Tensor& w) { return sin(matmul(a, w)) * a; });
         return block(block(x[0], x[1]), x[1]);
       }},
      {"name",
       Primitive::kName,
       {{4}},
       -1,
       1,
       [](V x) { return checkpoint_name(sin(x[0]), "s") * x[0]; }},
      // Collectives inside the vmap that binds their axis (axis 0 of the input), so that the
      // transformations around the case see them through it, and a vmap around it passes
      // them through with their batch rules (tests/cotangent/collectives_test.cc: their own
      // oracles).
      {"psum", Primitive::kPsum, {{3, 4}}, -1, 1,
       [](V x) { return Named([](const Tensor& v) { return psum(sin(v), "i") * v; })(x[0]); }},
      {"pmax", Primitive::kPmax, {{3, 4}}, -1, 1,
       [](V x) { return Named([](const Tensor& v) { return pmax(sin(v), "i") * v; })(x[0]); }},
      {"pmin", Primitive::kPmin, {{3, 4}}, -1, 1,
       [](V x) { return Named([](const Tensor& v) { return pmin(v * v, "i") * v; })(x[0]); }},
      {"all_gather", Primitive::kAllGather, {{3, 4}}, -1, 1,
       [](V x) {
         return Named([](const Tensor& v) { return matmul(all_gather(sin(v), "i"), v); })(x[0]);
       }},
      {"reduce_scatter", Primitive::kReduceScatter, {{4, 4}}, -1, 1,
       [](V x) { return Named([](const Tensor& v) { return psum_scatter(v * v, "i") * v; })(x[0]); }},
      {"all_to_all", Primitive::kAllToAll, {{3, 3, 2}}, -1, 1,
       [](V x) {
         return Named([](const Tensor& v) { return all_to_all(sin(v), "i", 0, 1) * sum(v); })(x[0]);
       }},
      {"ppermute", Primitive::kPpermute, {{4, 3}}, -1, 1,
       [](V x) {
         return Named([](const Tensor& v) {
           return ppermute(sin(v), "i", {{0, 1}, {1, 2}, {2, 0}}) * v;
         })(x[0]);
       }},
      {"shard_map_in", Primitive::kShardMapIn, {{4, 3}}, -1, 1,
       [](V x) {
         return Named([](const Tensor& v) { return internal::shard_map_in(sin(v), "i") * v; })(
             x[0]);
       }},
      // Complex numbers made of the real inputs and read back as reals, so that the real
      // oracles check the complex-part rows and the complex forms of the primitives
      // (core/complex_eval.h) through every transformation. Domains keep off 0 and the
      // negative reals (log's and sqrt's branch cut).
      {"complex",
       Primitive::kComplex,
       {{4}, {4}},
       -1,
       1,
       [](V x) { return imag(complex(x[0], x[1]) * complex(x[1], x[0] * x[0])); }},
      {"real",
       Primitive::kReal,
       {{4}, {4}},
       -1,
       1,
       [](V x) { return real(exp(complex(x[0], x[1]))); }},
      {"imag",
       Primitive::kImag,
       {{2, 3}, {2, 3}},
       -1,
       1,
       [](V x) { return imag(sin(complex(x[0], x[1])) * complex(x[1], x[0])); }},
      {"conj",
       Primitive::kConj,
       {{4}, {4}},
       -1,
       1,
       [](V x) {
         const Tensor z = complex(x[0], x[1]);
         return real(conj(z) * z * z) + imag(conj(z * z));
       }},
      {"complex_div_abs",
       Primitive::kDiv,
       {{4}, {4}},
       0.5,
       2,
       [](V x) {
         const Tensor z = complex(x[0], x[1]), w = complex(x[1], -x[0]);
         return real(z / w) + abs(z - 0.25 * w) * imag(w / z);
       }},
      {"complex_log_sqrt_pow",
       Primitive::kPow,
       {{4}, {4}},
       0.5,
       2,
       [](V x) {
         const Tensor z = complex(x[0], x[1]);
         return real(log(z) * sqrt(z)) + imag(pow(z, complex(x[1], 0.5 * x[0])));
       }},
      {"complex_tanh_cos_expm1_log1p",
       Primitive::kTanh,
       {{4}, {4}},
       -1,
       1,
       [](V x) {
         const Tensor z = complex(x[0], x[1]);
         return imag(tanh(z) * cos(z)) + real(expm1(z) * log1p(0.5 * z));
       }},
      {"complex_matmul_movement",
       Primitive::kDotGeneral,
       {{2, 3}, {3, 2}},
       -1,
       1,
       [](V x) {
         const Tensor a = complex(x[0], transpose(x[1])), b = complex(x[1], transpose(x[0]));
         const Tensor m = matmul(a, b);
         const Tensor shifted = slice(lax::pad(m, 0.0, {1, 0}, {0, 1}), {0, 1}, {2, 3});
         const Tensor picked = take(a, tensor({1, 0}, {2}, i32), 1);
         return real(sum(concatenate({m + shifted, picked}, 0), {0})) +
                imag(where(x[0][0][0] > 0.0, m[0], conj(m[1])));
       }},
  };
}

// Cases for the primitives without derivatives (comparisons, argmax, logic, integer casts),
// for properties that do not differentiate (vmap).
inline std::vector<PrimitiveCase> NonDifferentiableCases() {
  using V = const std::vector<Tensor>&;
  const auto as_f64 = [](const Tensor& x) { return astype(x, f64); };
  return {
      {"sign", Primitive::kSign, {{6}}, -3, 3, [](V x) { return sign(x[0]) * x[0]; }},
      {"axis_index", Primitive::kAxisIndex, {{4, 2}}, -1, 1,
       [](V x) {
         return Named([](const Tensor& v) { return v * astype(axis_index("i"), v.dtype()); })(x[0]);
       }},
      {"floor", Primitive::kFloor, {{6}}, -3, 3, [](V x) { return floor(x[0]) + x[0]; }},
      {"ceil", Primitive::kCeil, {{6}}, -3, 3, [](V x) { return ceil(x[0]) * x[0]; }},
      {"round", Primitive::kRound, {{6}}, -3, 3, [](V x) { return round(x[0] * 2.0) + x[0]; }},
      {"nextafter",
       Primitive::kNextafter,
       {{4}, {4}},
       -1,
       1,
       [](V x) { return nextafter(x[0], x[1]) * 2.0; }},
      {"not",
       Primitive::kNot,
       {{5}},
       -1,
       1,
       [=](V x) { return as_f64(logical_not(x[0] > 0.0)); }},
      {"and",
       Primitive::kAnd,
       {{5}, {5}},
       -1,
       1,
       [=](V x) { return as_f64(logical_and(x[0] > 0.0, x[1] > 0.0)); }},
      {"or",
       Primitive::kOr,
       {{5}, {5}},
       -1,
       1,
       [=](V x) { return where(logical_or(x[0] > 0.0, x[1] > 0.5), 1.0, 0.0); }},
      // The integer ones on i32 values in [-400, 400] and shift amounts in [-8, 40].
      {"xor",
       Primitive::kXor,
       {{5}, {5}},
       -4,
       4,
       [=](V x) { return as_f64(astype(x[0] * 100.0, i32) ^ astype(x[1] * 100.0, i32)); }},
      {"population_count",
       Primitive::kPopulationCount,
       {{5}},
       -4,
       4,
       [=](V x) { return as_f64(lax::population_count(astype(x[0] * 100.0, i32))); }},
      {"clz",
       Primitive::kClz,
       {{5}},
       -4,
       4,
       [=](V x) { return as_f64(lax::clz(astype(x[0] * 100.0, i32))); }},
      {"shift_left",
       Primitive::kShiftLeft,
       {{5}, {5}},
       -4,
       4,
       [=](V x) { return as_f64(astype(x[0] * 100.0, i32) << astype(x[1] * 6.0 + 16.0, i32)); }},
      {"shift_right_arithmetic",
       Primitive::kShiftRightArithmetic,
       {{5}, {5}},
       -4,
       4,
       [=](V x) { return as_f64(astype(x[0] * 100.0, i32) >> astype(x[1] * 6.0 + 16.0, i32)); }},
      {"shift_right_logical",
       Primitive::kShiftRightLogical,
       {{5}, {5}},
       -4,
       4,
       [=](V x) {
         return as_f64(lax::shift_right_logical(astype(x[0] * 100.0, i32),
                                                astype(x[1] * 6.0 + 16.0, i32)));
       }},
      {"eq", Primitive::kEq, {{4}}, -1, 1, [=](V x) { return as_f64(x[0] == x[0][0]); }},
      {"ne", Primitive::kNe, {{4}}, -1, 1, [=](V x) { return as_f64(x[0] != 0.5); }},
      {"lt", Primitive::kLt, {{4}, {4}}, -1, 1, [=](V x) { return as_f64(x[0] < x[1]); }},
      {"le", Primitive::kLe, {{4}, {4}}, -1, 1, [=](V x) { return as_f64(x[0] <= x[1]); }},
      {"gt", Primitive::kGt, {{4}, {4}}, -1, 1, [=](V x) { return as_f64(x[0] > x[1]); }},
      {"ge", Primitive::kGe, {{4}, {4}}, -1, 1, [=](V x) { return as_f64(x[0] >= x[1]); }},
      {"argmax", Primitive::kArgmax, {{3, 5}}, -1, 1, [](V x) { return argmax(x[0], 1); }},
      {"argsort",
       Primitive::kArgsort,
       {{4, 3}},
       -1,
       1,
       [](V x) { return astype(argsort(x[0], 0), f64) * x[0]; }},
      {"to_int",
       Primitive::kConvert,
       {{2, 3}},
       -5,
       5,
       [](V x) { return astype(x[0] * 3.0, i32) * 2.0; }},
      {"bitcast_convert_type",
       Primitive::kBitcastConvert,
       {{3, 2}},
       -1,
       1,
       [](V x) { return astype(lax::bitcast_convert_type(x[0], u32), f64); }},
      {"stop_gradient",
       Primitive::kStopGradient,
       {{3}},
       -1,
       1,
       [](V x) { return lax::stop_gradient(x[0]) * 2.0; }},
  };
}

// The rows of core/primitives.def without a case above, and why (the completeness test fails
// for any other row without one, naming it).
inline std::vector<std::pair<Primitive, std::string>> ExemptPrimitives() {
  return {
      {Primitive::kClosedCall,
       "calls a program: tests/interpreters/program_test.cc runs it "
       "under jvp, vjp and vmap to second order against oracles"},
      {Primitive::kPjit,
       "jit's call: tests/jit_test.cc runs every primitive case and every "
       "composition jitted against eager"},
      {Primitive::kCustomJvpCall,
       "a staged custom_jvp function (params hold its program and "
       "rule): tests/interpreters/program_test.cc, CustomCallTest"},
      {Primitive::kCustomVjpCall,
       "a staged custom_vjp function (params hold its program, fwd "
       "and bwd): tests/interpreters/program_test.cc, CustomCallTest"},
      {Primitive::kCustomLin,
       "only in linearized programs of custom_vjp functions: "
       "tests/interpreters/custom_rules_test.cc"},
      {Primitive::kCustomVmapCall,
       "forward-differentiable only (reverse mode is JAX's error): "
       "tests/interpreters/custom_vmap_test.cc ports JAX's "
       "CustomVmapTest"},
      {Primitive::kWhile,
       "forward-differentiable only (reverse mode is JAX's error): "
       "tests/interpreters/control_flow_test.cc runs it under jvp, vmap, "
       "jit and Hessians by jacfwd against unrolled references"},
      {Primitive::kLinearSolve,
       "its operands are programs' constants, built by custom_linear_solve: "
       "tests/interpreters/custom_solve_test.cc runs it to second order in "
       "both modes against central differences, under jit, vmap and checkpoint"},
  };
}

inline std::vector<PrimitiveCase> AllCases() {
  std::vector<PrimitiveCase> all = DifferentiableCases();
  for (PrimitiveCase& c : NonDifferentiableCases()) all.push_back(std::move(c));
  return all;
}

}  // namespace cotangent::testing

#endif  // COTANGENT_TESTS_TESTING_PRIMITIVE_CASES_H_
