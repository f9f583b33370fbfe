// File: tests/interpreters/float0_test.cc
// Integer and bool values under differentiation, as JAX's api_test checks them
// (test_vjp_of_int_index, test_vjp_of_int_shapes, test_jvp_of_int_identity, test_jvp_of_int_add,
// test_jvp_of_int_index, test_grad_of_int_errors, the float0 mismatch errors): their tangents
// and cotangents have dtype float0 and their shape; vjp and jvp differentiate the floating
// inputs and give float0 zeros for the rest; grad and the Jacobians refuse an integer input
// unless allow_int is passed (test_grad_of_int_errors' allow_int cases, test_jacrev_of_int and
// the float0 gradients of api_test's float0 tests); float0 has no values and is the operand of no
// primitive; jit passes it through.

#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "cotangent/cotangent.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/oracles.h"

namespace cotangent {
namespace {

using ::testing::HasSubstr;

void ExpectFloat0(const Tensor& t, const Shape& shape) {
  EXPECT_EQ(t.dtype(), float0);
  EXPECT_EQ(t.shape(), shape);
}

TEST(Float0Test, VjpOfAnIntegerIndexGivesAFloat0Cotangent) {
  const auto f = [](const Tensor& x, const Tensor& i) { return take(x, i); };
  const auto [out, pullback] = vjp(f, full({2}, 2.0, f32), scalar(1, i32));
  EXPECT_EQ(out.item<float>(), 2.0f);
  const std::vector<Tensor> cts = pullback(scalar(1.0f));
  EXPECT_EQ(cts[0].to_vector<float>(), (std::vector<float>{0, 1}));
  ExpectFloat0(cts[1], {});
}

TEST(Float0Test, VjpOfAnIntegerFunctionTakesAndGivesFloat0) {
  const auto f = [](const Tensor& x) { return reshape(x, {2, 2}); };
  const auto [out, pullback] = vjp(f, ones({4, 1}, i32));
  EXPECT_EQ(out.dtype(), i32);
  ExpectFloat0(pullback(zeros({2, 2}, float0))[0], {4, 1});
  // The cotangent of an integer output must be float0, as JAX's pullback demands.
  EXPECT_THAT(testing::ErrorOf([&] { pullback(zeros({2, 2}, i32)); }),
              HasSubstr("vjp: cotangent i32[2,2] does not match output i32[2,2]: the cotangent "
                        "of an integer or bool is float0[2,2]"));
  // Mixed outputs: the float one carries the derivative, the integer one a float0 zero.
  const auto g = [](const Tensor& x, const Tensor& n) {
    return std::make_pair(x * astype(n, f32), n + 1);
  };
  const auto [pair, pb] = vjp(g, scalar(3.0f), scalar(4, i32));
  EXPECT_EQ(pair.second.item<int32_t>(), 5);
  const std::vector<Tensor> d = pb(std::make_pair(scalar(1.0f), zeros({}, float0)));
  EXPECT_EQ(d[0].item<float>(), 4.0f);
  ExpectFloat0(d[1], {});
}

TEST(Float0Test, JvpOfIntegersTakesAndGivesFloat0) {
  const auto identity = [](const Tensor& x) { return x; };
  auto [y, t] = jvp(identity, {scalar(1, i32)}, {zeros({}, float0)});
  EXPECT_EQ(y.item<int32_t>(), 1);
  ExpectFloat0(t, {});
  std::tie(y, t) = jvp([](const Tensor& x) { return x + 1; }, {scalar(2, i32)}, {zeros({}, float0)});
  EXPECT_EQ(y.item<int32_t>(), 3);
  ExpectFloat0(t, {});
  // The float input's tangent flows through the gather; the index's is float0.
  const auto f = [](const Tensor& x, const Tensor& i) { return take(x, i); };
  std::tie(y, t) = jvp(f, {ones({2}, f32), scalar(1, i32)}, {full({2}, 3.0, f32), zeros({}, float0)});
  EXPECT_EQ(y.item<float>(), 1.0f);
  EXPECT_EQ(t.item<float>(), 3.0f);
  // An integer tangent for an integer input is JAX's mismatch error.
  EXPECT_THAT(testing::ErrorOf([&] { jvp(identity, {scalar(1, i32)}, {scalar(1, i32)}); }),
              HasSubstr("jvp: tangent i32[] does not match primal i32[] (input 0): the tangent of "
                        "an integer or bool input is float0[], as JAX's"));
  EXPECT_THAT(testing::ErrorOf([&] { jvp(identity, {scalar(1.0f)}, {zeros({}, float0)}); }),
              HasSubstr("jvp: tangent float0[] does not match primal f32[] (input 0)"));
}

TEST(Float0Test, LinearizeOfAMixedFunction) {
  const auto f = [](const Tensor& x, const Tensor& n) { return x * astype(n, f32); };
  const auto [y, f_jvp] = linearize(f, scalar(2.0f), scalar(3, i32));
  EXPECT_EQ(y.item<float>(), 6.0f);
  EXPECT_EQ(f_jvp(scalar(1.0f), zeros({}, float0)).item<float>(), 3.0f);
}

TEST(Float0Test, GradAndJacobiansRefuseIntegerInputs) {
  EXPECT_THAT(testing::ErrorOf([] { grad([](const Tensor& x) { return x; })(scalar(3, i32)); }),
              HasSubstr("grad: cannot differentiate with respect to input 0 of type i32[]"));
  EXPECT_THAT(testing::ErrorOf([] { jacfwd([](const Tensor& x) { return x; })(ones({2}, i32)); }),
              HasSubstr("cannot differentiate with respect to input 0 of type i32[2]"));
  // An integer argument not differentiated is fine (grad with respect to argument 0).
  const auto f = [](const Tensor& x, const Tensor& n) { return x * astype(n, f32); };
  EXPECT_EQ(grad(f, 0)(scalar(2.0f), scalar(5, i32)).item<float>(), 5.0f);
}

TEST(Float0Test, GradRefusalNamesAllowInt) {
  const auto f = [](const Tensor& x) { return astype(x, f32); };
  for (const std::string& message : {testing::ErrorOf([&] { grad(f)(scalar(3, i32)); }),
                                     testing::ErrorOf([&] { value_and_grad(f)(scalar(3, i32)); }),
                                     testing::ErrorOf([&] { jacrev(f)(ones({2}, i32)); })}) {
    EXPECT_THAT(message, HasSubstr("; pass allow_int for a float0 zero gradient, or use vjp"));
  }
  // jvp's and jacfwd's refusals do not: they take no allow_int (JAX's jacfwd has none).
  EXPECT_THAT(testing::ErrorOf([&] { jacfwd(f)(ones({2}, i32)); }),
              ::testing::Not(HasSubstr("allow_int")));
}

TEST(Float0Test, GradWithAllowIntGivesFloat0ZerosForIntegers) {
  const auto f = [](const Tensor& x, const Tensor& n) { return sum(x * astype(n, f32)); };
  const Tensor x = tensor({1, 2}, {2}), n = tensor({3, 4}, {2}, i32);
  ExpectFloat0(grad(f, 1, allow_int)(x, n), {2});
  // Both arguments: the float one's gradient is unchanged, the integer one's is float0.
  const std::vector<Tensor> both = grad(f, {0, 1}, allow_int)(x, n);
  EXPECT_EQ(both[0].to_vector<float>(), (std::vector<float>{3, 4}));
  ExpectFloat0(both[1], {2});
  EXPECT_EQ(both[0].to_vector<float>(), grad(f)(x, n).to_vector<float>());
  // An integer first argument, and a bool one.
  const auto g = [](const Tensor& n, const Tensor& x) { return sum(astype(n, f32) * x); };
  ExpectFloat0(grad(g, allow_int)(n, x), {2});
  ExpectFloat0(grad(g, allow_int)(tensor({1, 0}, {2}, bool_), x), {2});
  // value_and_grad, and has_aux with the options in either order.
  const auto [value, dn] = value_and_grad(f, 1, allow_int)(x, n);
  EXPECT_EQ(value.item<float>(), 11.0f);
  ExpectFloat0(dn, {2});
  const auto with_aux = [&](const Tensor& x, const Tensor& n) {
    return std::make_pair(f(x, n), n + 1);
  };
  const auto [dn_aux, aux] = grad(with_aux, 1, has_aux, allow_int)(x, n);
  ExpectFloat0(dn_aux, {2});
  EXPECT_EQ(aux.to_vector<int32_t>(), (std::vector<int32_t>{4, 5}));
  const auto [both_aux, aux2] = grad(with_aux, {0, 1}, allow_int, has_aux)(x, n);
  EXPECT_EQ(both_aux[0].to_vector<float>(), (std::vector<float>{3, 4}));
  ExpectFloat0(both_aux[1], {2});
  EXPECT_EQ(aux2.to_vector<int32_t>(), (std::vector<int32_t>{4, 5}));
}

TEST(Float0Test, GradWithAllowIntOfAMixedContainer) {
  // A pytree of a float and an integer leaf, as the jax-md and flax parameter trees that pass
  // allow_int: the float leaf's gradient, float0 for the integer leaf.
  using Params = std::tuple<Tensor, Tensor>;
  const auto f = [](const Params& p) {
    return sum(std::get<0>(p) * std::get<0>(p) * astype(std::get<1>(p), f32));
  };
  const Params p{tensor({1, -2}, {2}), tensor({2, 3}, {2}, i32)};
  const Params g = grad(f, allow_int)(p);
  EXPECT_EQ(std::get<0>(g).to_vector<float>(), (std::vector<float>{4, -12}));
  ExpectFloat0(std::get<1>(g), {2});
  EXPECT_THAT(testing::ErrorOf([&] { grad(f)(p); }),
              HasSubstr("grad: cannot differentiate with respect to input 1 of type i32[2]"));
  // Under jit: float0 leaves pass through (the first call traces, the second reuses).
  const auto jitted = jit(grad(f, allow_int));
  for (int call = 0; call < 2; ++call) {
    const Params j = jitted(p);
    EXPECT_EQ(std::get<0>(j).to_vector<float>(), (std::vector<float>{4, -12}));
    ExpectFloat0(std::get<1>(j), {2});
  }
}

// vmap of a function with float0 results (a regression: vmap moved the batch axis of a float0
// result with broadcast_in_dim, which has no float0 operand): per-example gradients with
// allow_int and per-example pullbacks of integer indices, at any out axis.
TEST(Float0Test, VmapGivesBatchedFloat0Results) {
  const auto f = [](const Tensor& x, const Tensor& n) { return sum(x * astype(n, f32)); };
  const Tensor xs = ones({3, 2}), ns = tensor({1, 2, 3, 4, 5, 6}, {3, 2}, i32);
  const std::vector<Tensor> g = vmap(grad(f, {0, 1}, allow_int))(xs, ns);
  EXPECT_EQ(g[0].to_vector<float>(), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  ExpectFloat0(g[1], {3, 2});
  const auto pullback = [](const Tensor& x, const Tensor& i) {
    return vjp([](const Tensor& a, const Tensor& b) { return take(a, b); }, x, i)
        .second(scalar(1.0f));
  };
  const std::vector<Tensor> cts = vmap(pullback)(ones({4, 3}), tensor({0, 2, 1, 1}, {4}, i32));
  EXPECT_EQ(cts[0].to_vector<float>(), (std::vector<float>{1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 0}));
  ExpectFloat0(cts[1], {4});
  const std::vector<Tensor> last = vmap(grad(f, {0, 1}, allow_int), {0, 0}, 1)(xs, ns);
  EXPECT_EQ(last[0].shape(), (Shape{2, 3}));
  ExpectFloat0(last[1], {2, 3});
  EXPECT_EQ(jit(vmap(grad(f, {0, 1}, allow_int)))(xs, ns)[1].shape(), (Shape{3, 2}));
}

TEST(Float0Test, AllowIntKeepsTheOutputChecks) {
  // allow_int is about inputs: the output must still be a floating scalar (JAX's
  // _check_output_dtype_revderiv), and holomorphic still wants complex inputs.
  const auto to_int = [](const Tensor& n) { return n * 2; };
  EXPECT_THAT(testing::ErrorOf([&] { grad(to_int, allow_int)(scalar(3, i32)); }),
              HasSubstr("grad: function output must be a floating-point scalar, got i32[]"));
  EXPECT_THAT(testing::ErrorOf([&] { jacrev(to_int, allow_int)(ones({2}, i32)); }),
              HasSubstr("jacrev: requires floating-point outputs (as JAX), got i32[2]"));
  const auto to_complex = [](const Tensor& n) { return astype(n, c64); };
  EXPECT_THAT(testing::ErrorOf([&] { grad(to_complex, holomorphic, allow_int)(scalar(3, i32)); }),
              HasSubstr("with holomorphic, inputs must be complex, got input 0 of type i32[]"));
}

TEST(Float0Test, JacrevWithAllowIntGivesAFloat0Jacobian) {
  const auto f = [](const Tensor& x, const Tensor& n) { return x * astype(sum(n), f32); };
  const Tensor x = tensor({1, 2, 3}, {3}), n = ones({2, 2}, i32);
  ExpectFloat0(jacrev(f, 1, allow_int)(x, n), {3, 2, 2});  // out.shape + in.shape
  // On a floating argument allow_int changes nothing.
  EXPECT_EQ(jacrev(f, 0, allow_int)(x, n).to_vector<float>(),
            jacrev(f, 0)(x, n).to_vector<float>());
  EXPECT_EQ(jacrev(f, 0, allow_int)(x, n).to_vector<float>(),
            (std::vector<float>{4, 0, 0, 0, 4, 0, 0, 0, 4}));
}

TEST(Float0Test, Float0HasNoValuesAndIsTheOperandOfNoPrimitive) {
  const Tensor z = zeros({2, 3}, float0);
  ExpectFloat0(z, {2, 3});
  EXPECT_EQ(DTypeSize(float0), 0);
  EXPECT_EQ(z.size(), 6);
  std::ostringstream printed;
  printed << zeros({2}, float0) << " " << zeros({}, float0);
  EXPECT_EQ(printed.str(), "[b'' b''] b''");
  EXPECT_THAT(testing::ErrorOf([&] { z.to_vector<float>(); }),
              HasSubstr("to_vector: float0[2,3] has no values (float0 is the tangent type of "
                        "integers and bools)"));
  EXPECT_THAT(testing::ErrorOf([&] { reshape(z, {6}); }),
              HasSubstr("reshape: operand float0[2,3] has no values"));
  EXPECT_THAT(testing::ErrorOf([&] { z + 1.0; }), HasSubstr("has no values"));
  EXPECT_THAT(testing::ErrorOf([] { full({2}, 1.0, float0); }),
              HasSubstr("float0 has no values but its zeros"));
}

// jit passes float0 through, as JAX's: a float0 argument reaches f as float0 zeros and a
// float0 result comes back as zeros of its shape; neither is an operand or a result of the
// program, which holds the values alone. The common case: a jitted pullback of a function of
// an integer index (before, "pjit: operand float0[] has no values").
TEST(Float0Test, JitPassesFloat0Through) {
  const Tensor z = zeros({2, 3}, float0);
  const auto identity = jit([](const Tensor& x) { return x; });
  ExpectFloat0(identity(z), {2, 3});
  const auto pulled = [](const Tensor& x, const Tensor& i) {
    const auto [out, pullback] =
        vjp([](const Tensor& v, const Tensor& k) { return take(v, k); }, x, i);
    return pullback(ones_like(out));
  };
  const Tensor x = from_vector<float>({1, 2, 3}, {3}), i = from_vector<int32_t>({2, 0}, {2});
  const auto jitted = jit(pulled);
  const std::vector<Tensor> cts = jitted(x, i);
  EXPECT_EQ(cts[0].to_vector<float>(), pulled(x, i)[0].to_vector<float>());
  EXPECT_EQ(cts[0].to_vector<float>(), (std::vector<float>{1, 0, 1}));
  ExpectFloat0(cts[1], {2});
  jitted(x, i);
  EXPECT_EQ(jitted.trace_count(), 1);
  EXPECT_EQ(jitted.lower(x, i).program.ToString().find("float0"), std::string::npos);
  // A float0 argument beside values, and jvp's float0 tangent of an integer result, in jit.
  const auto mixed = jit([](const Tensor& v, const Tensor& t0) {
    const auto [y, dy] =
        jvp([](const Tensor& a, const Tensor& n) { return std::make_pair(a * 2.0f, n); },
            std::make_tuple(v, scalar(3, i32)), std::make_tuple(ones_like(v), t0));
    return std::make_pair(dy.first, dy.second);
  });
  const auto [dv, dn] = mixed(x, zeros({}, float0));
  EXPECT_EQ(dv.to_vector<float>(), (std::vector<float>{2, 2, 2}));
  ExpectFloat0(dn, {});
}

}  // namespace
}  // namespace cotangent
