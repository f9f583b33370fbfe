// File: tests/cotangent/collectives_test.cc
// Collectives over named axes under vmap (cotangent/collectives.h) against the same
// computation written on the stacked members with plain ops (JAX's semantics); derivatives
// against central differences in f64, the VJP inner-product identity of each linear
// collective's transpose rule, vmap of grad against grad of the members' total (psum's
// transpose is psum, as JAX's); nested names, jit in either order, control flow, custom rules
// and the errors of unbound names and mismatched sizes.

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
using testing::ErrorOf;
using testing::Inner;
using testing::Random;

// f mapped over axis 0 of its one argument, the axis named "i".
template <typename F>
auto Named(F f, const char* name = "i") {
  return vmap(std::move(f), 0, 0, axis_name(name));
}

// Each member's value: the reference broadcast to every member along a new axis 0.
Tensor Everyone(const Tensor& value, int64_t n) {
  Shape shape = value.shape();
  shape.insert(shape.begin(), n);
  return broadcast_to(expand_dims(value, 0), shape);
}

TEST(CollectivesTest, ReductionsGiveEveryMemberTheResult) {
  const Tensor xs = Random({5, 3}, 1);
  EXPECT_TRUE(AllClose(Named([](Tensor x) { return psum(x, "i"); })(xs), Everyone(sum(xs, {0}), 5),
                       1e-12, 0));
  EXPECT_TRUE(AllClose(Named([](Tensor x) { return pmean(x, "i"); })(xs),
                       Everyone(mean(xs, {0}), 5), 1e-12, 0));
  EXPECT_TRUE(
      AllClose(Named([](Tensor x) { return pmax(x, "i"); })(xs), Everyone(max(xs, {0}), 5), 0, 0));
  EXPECT_TRUE(
      AllClose(Named([](Tensor x) { return pmin(x, "i"); })(xs), Everyone(min(xs, {0}), 5), 0, 0));
  // JAX's docstring example: x / psum(x) over 4 members.
  const Tensor y = Named([](Tensor x) { return x / psum(x, "i"); })(arange(4, f32));
  EXPECT_TRUE(AllClose(y, tensor({0, 1.0 / 6, 2.0 / 6, 3.0 / 6}, {4}), 1e-6, 0));
}

TEST(CollectivesTest, IntegerMinimumIsExactAtTheExtremes) {
  const Tensor xs = tensor({-2147483648.0, 2147483647.0, 0, -1}, {4}, i32);
  const Tensor lo = Named([](Tensor x) { return pmin(x, "i"); })(xs);
  const Tensor hi = Named([](Tensor x) { return pmax(x, "i"); })(xs);
  EXPECT_EQ(lo.to_vector<double>(), std::vector<double>(4, -2147483648.0));
  EXPECT_EQ(hi.to_vector<double>(), std::vector<double>(4, 2147483647.0));
  // bool sums as i32, as JAX's psum.
  const Tensor count = Named([](Tensor x) { return psum(x > 0.0, "i"); })(Random({6}, 2));
  EXPECT_EQ(count.dtype(), i32);
}

TEST(CollectivesTest, AValueEveryMemberSharesIsCountedOncePerMember) {
  // psum of an unmapped value (a constant, or an unbatched argument) is n times it.
  const Tensor c = scalar(2.5, f64);
  const Tensor y = Named([&](Tensor x) { return x + psum(c, "i"); })(Random({7}, 3));
  EXPECT_TRUE(AllClose(y - Random({7}, 3), Everyone(scalar(17.5, f64), 7), 1e-12, 0));
  const Tensor shared =
      vmap([](Tensor x, Tensor w) { return psum(w, "i") + 0.0 * x; }, {0, std::nullopt}, 0,
           axis_name("i"))(Random({3}, 4), scalar(1.0, f64));
  EXPECT_TRUE(AllClose(shared, Everyone(scalar(3.0, f64), 3), 0, 0));
  EXPECT_EQ(Named([](Tensor x) {
              EXPECT_EQ(axis_size("i"), 6);
              return x;
            })(Random({6}, 5))
                .shape(),
            (Shape{6}));
}

TEST(CollectivesTest, AxisIndexNumbersTheMembers) {
  const Tensor ids =
      vmap([](Tensor) { return axis_index("i"); }, 0, 0, axis_name("i"))(Random({5}, 6));
  EXPECT_EQ(ids.dtype(), i32);
  EXPECT_EQ(ids.to_vector<double>(), (std::vector<double>{0, 1, 2, 3, 4}));
  // Several names: row-major, the first major (JAX's axis_index(('i', 'j'))).
  const Tensor both = vmap(vmap(
                               [](Tensor) {
                                 return axis_index({"i", "j"});
                               },
                               0, 0, axis_name("j")),
                           0, 0, axis_name("i"))(Random({2, 3}, 7));
  EXPECT_EQ(both.to_vector<double>(), (std::vector<double>{0, 1, 2, 3, 4, 5}));
  const Tensor no_args = vmap([](Tensor x) { return x + astype(axis_index("i"), f64); },
                              {std::nullopt}, 0, axis_name("i"), 3)(scalar(10.0, f64));
  EXPECT_EQ(no_args.to_vector<double>(), (std::vector<double>{10, 11, 12}));
}

TEST(CollectivesTest, NestedNamesReduceOverTheOnesNamed) {
  const Tensor xs = Random({2, 3, 4}, 8);
  const auto over = [&](AxisNames axes) {
    return vmap(vmap([axes](Tensor x) { return psum(x, axes); }, 0, 0, axis_name("j")), 0, 0,
                axis_name("i"))(xs);
  };
  EXPECT_TRUE(
      AllClose(over({"i", "j"}), broadcast_to(sum(xs, {0, 1}, true), xs.shape()), 1e-12, 0));
  EXPECT_TRUE(AllClose(over("i"), broadcast_to(sum(xs, {0}, true), xs.shape()), 1e-12, 0));
  EXPECT_TRUE(AllClose(over("j"), broadcast_to(sum(xs, {1}, true), xs.shape()), 1e-12, 0));
  // An inner vmap of the same name shadows the outer one.
  const Tensor inner = vmap(vmap([](Tensor x) { return psum(x, "i"); }, 0, 0, axis_name("i")), 0, 0,
                            axis_name("i"))(xs);
  EXPECT_TRUE(AllClose(inner, broadcast_to(sum(xs, {1}, true), xs.shape()), 1e-12, 0));
  // An unnamed vmap in between passes the collective through, its batch axis kept.
  const Tensor through =
      vmap(vmap([](Tensor x) { return pmax(x, "i"); }), 0, 0, axis_name("i"))(xs);
  EXPECT_TRUE(AllClose(through, broadcast_to(max(xs, {0}, true), xs.shape()), 0, 0));
}

TEST(CollectivesTest, AllGatherStacksOrTilesTheMembers) {
  const Tensor xs = Random({3, 2, 4}, 9);
  const Tensor stacked = Named([](Tensor x) { return all_gather(x, "i"); })(xs);
  EXPECT_TRUE(AllClose(stacked, Everyone(xs, 3), 0, 0));
  const Tensor at1 = Named([](Tensor x) { return all_gather(x, "i", 1); })(xs);
  EXPECT_TRUE(AllClose(at1, Everyone(transpose(xs, {1, 0, 2}), 3), 0, 0));
  const Tensor tiled = Named([](Tensor x) { return all_gather(x, "i", 0, true); })(xs);
  EXPECT_TRUE(AllClose(tiled, Everyone(reshape(xs, {6, 4}), 3), 0, 0));
  const Tensor tiled1 = Named([](Tensor x) { return all_gather(x, "i", -1, true); })(xs);
  EXPECT_TRUE(AllClose(tiled1, Everyone(reshape(transpose(xs, {1, 0, 2}), {2, 12}), 3), 0, 0));
  // Over two names: the first name major.
  const Tensor xss = Random({2, 3, 5}, 10);
  const Tensor two = vmap(vmap(
                              [](Tensor x) {
                                return all_gather(x, {"i", "j"});
                              },
                              0, 0, axis_name("j")),
                          0, 0, axis_name("i"))(xss);
  EXPECT_TRUE(AllClose(two, Everyone(Everyone(reshape(xss, {6, 5}), 3), 2), 0, 0));
  // An unmapped value: n copies.
  const Tensor copies =
      vmap([](Tensor x, Tensor w) { return all_gather(w, "i") + 0.0 * x; }, {0, std::nullopt}, 0,
           axis_name("i"))(Random({4}, 11), Random({2}, 12));
  EXPECT_TRUE(AllClose(copies, Everyone(Everyone(Random({2}, 12), 4), 4), 0, 0));
}

TEST(CollectivesTest, PsumScatterKeepsEachMembersBlockOfTheSum) {
  const Tensor xs = Random({4, 4, 3}, 13);
  const Tensor total = sum(xs, {0});
  EXPECT_TRUE(AllClose(Named([](Tensor x) { return psum_scatter(x, "i"); })(xs), total, 1e-12, 0));
  const Tensor ys = Random({4, 3, 8}, 14);
  const Tensor tiled = Named([](Tensor x) { return psum_scatter(x, "i", 1, true); })(ys);
  EXPECT_TRUE(AllClose(tiled, transpose(reshape(sum(ys, {0}), {3, 4, 2}), {1, 0, 2}), 1e-12, 0));
  // psum = all_gather of psum_scatter (JAX's docstring).
  const Tensor again = Named([](Tensor x) { return all_gather(psum_scatter(x, "i"), "i"); })(xs);
  EXPECT_TRUE(AllClose(again, Everyone(total, 4), 1e-12, 0));
}

TEST(CollectivesTest, AllToAllExchangesBlocks) {
  // Member j receives block j of every member k, stacked in k order at concat_axis.
  const Tensor xs = Random({3, 3, 2}, 15);
  EXPECT_TRUE(AllClose(Named([](Tensor x) { return all_to_all(x, "i", 0, 0); })(xs),
                       transpose(xs, {1, 0, 2}), 0, 0));
  const Tensor ys = Random({3, 2, 3}, 16);  // split axis 1 (size 3), new axis at 0
  EXPECT_TRUE(AllClose(Named([](Tensor x) { return all_to_all(x, "i", 1, 0); })(ys),
                       transpose(ys, {2, 0, 1}), 0, 0));
  EXPECT_TRUE(AllClose(Named([](Tensor x) { return all_to_all(x, "i", 0, 1); })(xs),
                       transpose(xs, {1, 2, 0}), 0, 0));
  // Tiled: x [6, 2] split in blocks of 2 rows, blocks concatenated along axis 1.
  const Tensor zs = Random({3, 6, 2}, 17);
  const Tensor tiled = Named([](Tensor x) { return all_to_all(x, "i", 0, 1, true); })(zs);
  const Tensor blocks = reshape(zs, {3, 3, 2, 2});  // [k, j, row, col]
  EXPECT_TRUE(AllClose(tiled, reshape(transpose(blocks, {1, 2, 0, 3}), {3, 2, 6}), 0, 0));
  // Twice is the identity when the axes are swapped back.
  const Tensor back =
      Named([](Tensor x) { return all_to_all(all_to_all(x, "i", 1, 0), "i", 0, 1); })(ys);
  EXPECT_TRUE(AllClose(back, ys, 0, 0));
}

TEST(CollectivesTest, PpermuteSendsAlongPairsAndZeroFillsTheRest) {
  const Tensor xs = Random({4, 2}, 18);
  const Tensor shifted = Named([](Tensor x) {
    return ppermute(x, "i", {{0, 1}, {1, 2}, {2, 3}, {3, 0}});
  })(xs);
  EXPECT_TRUE(AllClose(shifted, roll(xs, 1, 0), 0, 0));
  const Tensor partial = Named([](Tensor x) { return ppermute(x, "i", {{0, 3}, {2, 1}}); })(xs);
  const Tensor zero = zeros({2}, f64);
  EXPECT_TRUE(AllClose(partial, stack({zero, xs[2], zero, xs[0]}), 0, 0));
  const Tensor shuffled = Named([](Tensor x) { return pshuffle(x, "i", {2, 0, 3, 1}); })(xs);
  EXPECT_TRUE(AllClose(shuffled, stack({xs[2], xs[0], xs[3], xs[1]}), 0, 0));
  // An unmapped value is the same on every member; where nothing is sent, zeros.
  const Tensor w = Random({2}, 19);
  const Tensor sent = vmap(
      [&](Tensor x) {
        return ppermute(w, "i", {{1, 0}}) + 0.0 * x;
      },
      0, 0, axis_name("i"))(xs);
  EXPECT_TRUE(AllClose(sent, stack({w, zero, zero, zero}), 0, 0));
}

// The members' total of f, a function of all members' values: the oracle of vmap(grad(f)).
template <typename F>
Tensor TotalGrad(F f, const Tensor& xs) {
  return grad([f](Tensor x) { return sum(Named(f)(x)); })(xs);
}

TEST(CollectivesTest, DerivativesMatchCentralDifferences) {
  const auto f = [](Tensor x) { return sin(x) * psum(x * x, "i") + pmax(x, "i") * pmean(x, "i"); };
  const Tensor xs = Random({4, 3}, 20);
  const Tensor v = Random({4, 3}, 21);
  const auto total = [&](const Tensor& x) { return sum(Named(f)(x)); };
  const Tensor fd = testing::CentralDifference(total, xs, v);
  EXPECT_NEAR(Inner(TotalGrad(f, xs), v), fd.item<double>(), 1e-7);
  // Forward mode inside and outside the vmap.
  const auto [y, y_dot] = jvp(Named(f), {xs}, {v});
  EXPECT_NEAR(sum(y_dot).item<double>(), fd.item<double>(), 1e-7);
  const Tensor inside = vmap([&](Tensor x, Tensor t) { return jvp(f, {x}, {t}).second; }, 0, 0,
                             axis_name("i"))(xs, v);
  EXPECT_TRUE(AllClose(inside, y_dot, 1e-12, 1e-12));
}

TEST(CollectivesTest, VmapOfGradIsTheGradientOfTheMembersTotal) {
  // psum's transpose is psum (JAX's psum/pbroadcast rule): each member's gradient of its own
  // output sums the cotangents every member sends back through the collective.
  const auto f = [](Tensor x) {
    return sum(tanh(x) * psum(x * x, "i")) + sum(all_gather(x, "i")[1]);
  };
  const Tensor xs = Random({3, 4}, 22);
  const Tensor per_member = Named(grad(f))(xs);
  EXPECT_TRUE(AllClose(per_member, TotalGrad(f, xs), 1e-12, 1e-12));
  // Second order: the Hessian-vector products agree too.
  const Tensor v = Random({3, 4}, 23);
  const Tensor hvp_inside = vmap([&](Tensor x, Tensor t) { return jvp(grad(f), {x}, {t}).second; },
                                 0, 0, axis_name("i"))(xs, v);
  const Tensor hvp_total = jvp([&](Tensor x) { return TotalGrad(f, x); }, {xs}, {v}).second;
  EXPECT_TRUE(AllClose(hvp_inside, hvp_total, 1e-10, 1e-10));
}

// <vjp(ct), v> = <ct, jvp(v)> over all members, with vmap outside the differentiation, so
// that each linear collective's transpose rule runs (then is batched).
void ExpectTransposeIdentity(const std::function<Tensor(Tensor)>& f, const Tensor& xs,
                             const char* what) {
  const Tensor out = Named(f)(xs);
  const Tensor v = Random(xs.shape(), 24), ct = Random(out.shape(), 25);
  const Tensor pulled = vmap([&](Tensor x, Tensor c) { return vjp(f, x).second(c)[0]; }, 0, 0,
                             axis_name("i"))(xs, ct);
  const Tensor pushed = vmap([&](Tensor x, Tensor t) { return jvp(f, {x}, {t}).second; }, 0, 0,
                             axis_name("i"))(xs, v);
  EXPECT_NEAR(Inner(pulled, v), Inner(ct, pushed), 1e-10) << what;
}

TEST(CollectivesTest, TransposeRulesSatisfyTheInnerProductIdentity) {
  const Tensor xs = Random({4, 4, 2}, 26);
  ExpectTransposeIdentity([](Tensor x) { return psum(x, "i"); }, xs, "psum");
  ExpectTransposeIdentity([](Tensor x) { return all_gather(x, "i", 1); }, xs, "all_gather");
  ExpectTransposeIdentity([](Tensor x) { return all_gather(x, "i", 0, true); }, xs,
                          "all_gather tiled");
  ExpectTransposeIdentity([](Tensor x) { return psum_scatter(x, "i"); }, xs, "psum_scatter");
  ExpectTransposeIdentity([](Tensor x) { return psum_scatter(x, "i", 0, true); }, xs,
                          "psum_scatter tiled");
  ExpectTransposeIdentity([](Tensor x) { return all_to_all(x, "i", 0, 1); }, xs, "all_to_all");
  ExpectTransposeIdentity(
      [](Tensor x) {
        return ppermute(x, "i", {{0, 2}, {2, 3}, {3, 0}});
      },
      xs, "ppermute");
}

TEST(CollectivesTest, JitInEitherOrderMatchesEager) {
  const auto f = [](Tensor x) {
    return all_to_all(x, "i", 0, 0) * psum(x, "i") + ppermute(x, "i", {{0, 1}, {1, 2}, {2, 0}});
  };
  const Tensor xs = Random({3, 3}, 27);
  const Tensor eager = Named(f)(xs);
  EXPECT_TRUE(AllClose(jit(Named(f))(xs), eager, 1e-12, 0));
  const auto jf = jit(f);
  EXPECT_TRUE(AllClose(Named(jf)(xs), eager, 1e-12, 0));
  EXPECT_TRUE(AllClose(Named(grad([&](Tensor x) { return sum(jf(x)); }))(xs),
                       Named(grad([&](Tensor x) { return sum(f(x)); }))(xs), 1e-12, 0));
  // The same jitted function under an axis of another size traces again (sizes are in the key).
  const auto g = jit([](Tensor x) { return all_gather(x, "i"); });
  EXPECT_EQ(Named(g)(Random({3, 2}, 28)).shape(), (Shape{3, 3, 2}));
  EXPECT_EQ(Named(g)(Random({5, 2}, 29)).shape(), (Shape{5, 5, 2}));
  EXPECT_EQ(g.trace_count(), 2);
}

TEST(CollectivesTest, ControlFlowAndCustomRulesInsideANamedVmap) {
  const Tensor xs = Random({4, 3}, 30);
  // scan body with a collective: each step adds the members' sum.
  const auto scanned = Named([](Tensor x) {
    return scan([](Tensor c, Tensor row) { return std::make_pair(c + psum(row, "i"), c); },
                zeros({}, f64), x)
        .first;
  })(xs);
  EXPECT_TRUE(AllClose(scanned, Everyone(sum(xs), 4), 1e-12, 0));
  const Tensor branched = Named([](Tensor x) {
    return cond(
        sum(x) > 0.0, [](Tensor y) { return psum(y, "i"); }, [](Tensor y) { return pmax(y, "i"); },
        x);
  })(xs);
  for (int64_t k = 0; k < 4; ++k) {
    const Tensor want = sum(xs[k]).item<double>() > 0 ? sum(xs, {0}) : max(xs, {0});
    EXPECT_TRUE(AllClose(branched[k], want, 1e-12, 0)) << "member " << k;
  }
  auto normalized =
      custom_jvp([](Tensor x) { return x / psum(x, "i"); },
                 [](const std::vector<Tensor>& p, const std::vector<Tensor>& t) {
                   const Tensor s = psum(p[0], "i");
                   return std::make_pair(p[0] / s, t[0] / s - p[0] * psum(t[0], "i") / (s * s));
                 });
  const Tensor pos = Random({4, 3}, 31, 1.0, 2.0);
  const Tensor v = Random({4, 3}, 32);
  const auto plain = [](Tensor x) { return x / psum(x, "i"); };
  EXPECT_TRUE(AllClose(jvp(Named(normalized), {pos}, {v}).second,
                       jvp(Named(plain), {pos}, {v}).second, 1e-12, 1e-12));
}

TEST(CollectivesTest, ProgramsPrintTheCollectives) {
  std::string printed;
  Named([&](Tensor x) {
    printed =
        make_jaxpr([](Tensor y) { return all_gather(psum(y, "i"), "i", 0, true); })(x).ToString();
    return x;
  })(Random({2, 3}, 33));
  EXPECT_THAT(printed, ::testing::HasSubstr("psum[axes=('i',)]"));
  EXPECT_THAT(printed,
              ::testing::HasSubstr(
                  "all_gather[all_gather_dimension=0 axis_name=('i',) axis_size=2 tiled=True]"));
}

TEST(CollectivesTest, ErrorsNameTheOperationAndTheAxis) {
  const Tensor x = Random({4, 3}, 34);
  EXPECT_THAT(ErrorOf([&] { psum(x, "i"); }), ::testing::HasSubstr("psum: unbound axis name 'i'"));
  EXPECT_THAT(ErrorOf([&] { Named([](Tensor y) { return psum(y, "j"); })(x); }),
              ::testing::HasSubstr("psum: unbound axis name 'j'"));
  EXPECT_THAT(ErrorOf([&] { axis_index("k"); }),
              ::testing::HasSubstr("axis_index: unbound axis name 'k'"));
  EXPECT_THAT(ErrorOf([&] { Named([](Tensor y) { return all_to_all(y, "i", 0, 0); })(x); }),
              ::testing::HasSubstr("all_to_all: split_axis 0 of f64[3] must have the size 4"));
  EXPECT_THAT(ErrorOf([&] { Named([](Tensor y) { return psum_scatter(y, "i"); })(x); }),
              ::testing::HasSubstr("reduce_scatter: scatter_dimension 0 of f64[3] must equal"));
  EXPECT_THAT(ErrorOf([&] {
                Named([](Tensor y) { return ppermute(y, "i", {{0, 1}, {2, 1}}); })(x);
              }),
              ::testing::HasSubstr("ppermute: pair (2, 1)"));
  EXPECT_THAT(ErrorOf([&] { Named([](Tensor y) {
                              return pshuffle(y, "i", {0, 0, 1, 2});
                            })(x); }),
              ::testing::HasSubstr("pshuffle: perm is not a permutation"));
  EXPECT_THAT(ErrorOf([&] { vmap([](Tensor y) { return y; }, 0, 0, axis_name(""))(x); }),
              ::testing::HasSubstr("vmap: an empty axis name"));
}

}  // namespace
}  // namespace cotangent
