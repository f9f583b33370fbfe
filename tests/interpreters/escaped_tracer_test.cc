// File: tests/interpreters/escaped_tracer_test.cc
// A tracer kept after its transformation returned (JAX's UnexpectedTracerError) is an error in
// every operand position and under every kind of interpreter, never memory corruption or a
// silently computed number.

#include <string>

#include "cotangent/cotangent.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cotangent {
namespace {

using ::testing::HasSubstr;

// Runs fn and expects a cotangent::Error that names an escaped tracer.
template <typename Fn>
void ExpectEscaped(Fn fn) {
  try {
    fn();
    ADD_FAILURE() << "expected an escaped-tracer error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("escaped")) << e.what();
  }
}

Tensor LeakFromVmap() {
  Tensor leaked;
  vmap([&](Tensor x) {
    leaked = x * 2.0;
    return x;
  })(ones({4, 3}));
  return leaked;
}

Tensor LeakFromJvp() {
  Tensor leaked;
  jvp([&](Tensor x) {
    leaked = sin(x);
    return x;
  }, {ones({3})}, {ones({3})});
  return leaked;
}

Tensor LeakFromGrad() {
  Tensor leaked;
  grad([&](Tensor x) {
    leaked = x * x;
    return sum(x);
  })(ones({3}));
  return leaked;
}

TEST(EscapedTracerTest, VmapTracerUnderJvpIsAnErrorNotACrash) {
  const Tensor g = LeakFromVmap();
  ExpectEscaped([&] { jvp([&](Tensor v) { return v + g; }, {ones({3})}, {ones({3})}); });
  ExpectEscaped([&] { jvp([&](Tensor v) { return g + v; }, {ones({3})}, {ones({3})}); });
}

TEST(EscapedTracerTest, LeakedTracerInAnyOperandPosition) {
  for (const Tensor& g : {LeakFromVmap(), LeakFromJvp(), LeakFromGrad()}) {
    ExpectEscaped([&] {
      grad([&](Tensor x) { return sum(where(x > 0.0, x, g)); })(ones({3}));
    });
    ExpectEscaped([&] {
      vmap([&](Tensor x) { return where(x > 0.0, x, g); })(ones({4, 3}));
    });
    ExpectEscaped([&] {
      jvp([&](Tensor x) { return transpose(stack({x, g}), {1, 0}); }, {ones({3})},
          {ones({3})});
    });
  }
}

TEST(EscapedTracerTest, LeakedTracerAsSecondArgumentOfCustomFunctions) {
  auto f = custom_vjp([](Tensor x, Tensor y) { return x * y; },
                      [](Tensor x, Tensor y) {
                        return std::make_pair(x * y, std::vector<Tensor>{x, y});
                      },
                      [](const std::vector<Tensor>& r, Tensor ct) {
                        return std::vector<Tensor>{ct * r[1], ct * r[0]};
                      });
  auto h = custom_jvp([](Tensor x, Tensor y) { return x * y; },
                      [](const std::vector<Tensor>& p, const std::vector<Tensor>& t) {
                        return std::make_pair(p[0] * p[1], t[0] * p[1] + p[0] * t[1]);
                      });
  const Tensor g = LeakFromGrad();
  ExpectEscaped([&] { grad([&](Tensor x) { return sum(f(x, g)); })(ones({3})); });
  ExpectEscaped([&] { grad([&](Tensor x) { return sum(h(x, g)); })(ones({3})); });
  ExpectEscaped([&] { f(ones({3}), g); });
}

TEST(EscapedTracerTest, LeakedTracerPassedIntoANewTransformationOfTheSameKind) {
  const Tensor g = LeakFromGrad();
  ExpectEscaped([&] { grad([](Tensor x) { return sum(x * x); })(g); });
  ExpectEscaped([&] { jvp([](Tensor x) { return x * x; }, {g}, {ones({3})}); });
  ExpectEscaped([&] { vmap([](Tensor x) { return x * x; })(g); });
  const Tensor j = LeakFromJvp();
  ExpectEscaped([&] { grad([&](Tensor x) { return sum(x * j); })(ones({3})); });
}

TEST(EscapedTracerTest, LeakedTracerUsedOutsideAnyTransformation) {
  const Tensor g = LeakFromVmap();
  ExpectEscaped([&] { sin(g); });
  ExpectEscaped([&] { ones({3}) + g; });
  EXPECT_THROW(g.to_vector<float>(), Error);
}

}  // namespace
}  // namespace cotangent
