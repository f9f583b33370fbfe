// File: tests/core/interpreter_test.cc
// The interpreter stack with a minimal tracing interpreter: Bind dispatches to the highest
// level among the operands, lifts the others, nests, and rejects leaked tracers.

#include <vector>

#include "core/interpreter.h"
#include "core/lax.h"
#include "cotangent/cotangent.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cotangent {
namespace {

using ::testing::HasSubstr;

// Wraps a value; counts the primitives it processes and records which operands were lifted.
class CountingInterpreter final : public Interpreter {
 public:
  class CountingTracer final : public Tracer {
   public:
    CountingTracer(const Interpreter& owner, Tensor value)
        : Tracer(owner, value.aval()), value(std::move(value)) {}
    Tensor value;
  };

  CountingInterpreter() : Interpreter("counting") {}

  Tensor Wrap(Tensor x) { return Tensor(std::make_shared<CountingTracer>(*this, std::move(x))); }
  static const Tensor& Unwrap(const Tensor& x) {
    return static_cast<const CountingTracer&>(*x.node()).value;
  }

  Tensor Lift(const Tensor& x) override {
    ++lifted;
    return Wrap(x);
  }
  TensorList Process(Primitive prim, absl::Span<const Tensor> inputs, const Params& params,
                     absl::Span<const ShapedArray> out_avals) override {
    ++processed;
    std::vector<Tensor> values;
    for (const Tensor& x : inputs) values.push_back(Unwrap(x));
    Tensor out = Bind1(prim, values, params);
    EXPECT_EQ(out.aval(), out_avals[0]);
    return {Wrap(out)};
  }

  int processed = 0;
  int lifted = 0;
};

TEST(InterpreterTest, BindGoesToTheTopInterpreterAndLiftsConstants) {
  CountingInterpreter counting;
  InterpreterScope scope(counting);
  EXPECT_EQ(counting.level(), 1);
  const Tensor x = counting.Wrap(tensor({1, 2}, {2}));
  const Tensor y = lax::mul(x, tensor({3, 4}, {2}));
  EXPECT_EQ(y.level(), 1);
  EXPECT_EQ(counting.processed, 1);
  EXPECT_EQ(counting.lifted, 1);
  EXPECT_EQ(CountingInterpreter::Unwrap(y).to_vector<float>(), (std::vector<float>{3, 8}));
}

TEST(InterpreterTest, InnerInterpretersSeeOuterTracersAsConstants) {
  CountingInterpreter outer;
  InterpreterScope outer_scope(outer);
  const Tensor x = outer.Wrap(scalar(2.0));
  {
    CountingInterpreter inner;
    InterpreterScope inner_scope(inner);
    EXPECT_EQ(inner.level(), 2);
    const Tensor y = inner.Wrap(scalar(5.0));
    const Tensor z = lax::add(x, y);  // processed by inner, which lifts x; inner binds at outer
    EXPECT_EQ(z.level(), 2);
    EXPECT_EQ(inner.processed, 1);
    EXPECT_EQ(inner.lifted, 1);
    EXPECT_EQ(outer.processed, 1);
  }
  EXPECT_EQ(NextLevel(), 2);
}

TEST(InterpreterTest, LeakedTracersAreAnError) {
  Tensor leaked;
  {
    CountingInterpreter counting;
    InterpreterScope scope(counting);
    leaked = counting.Wrap(scalar(1.0));
  }
  CountingInterpreter next;  // reuses level 1 with a new trace id
  InterpreterScope scope(next);
  try {
    lax::neg(leaked);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("neg: operand f32[] is a tracer that escaped"));
  }
}

TEST(InterpreterTest, AbstractEvaluationRunsBeforeAnyInterpreter) {
  CountingInterpreter counting;
  InterpreterScope scope(counting);
  const Tensor x = counting.Wrap(ones({3}));
  EXPECT_THROW(lax::add(x, ones({4})), Error);
  EXPECT_EQ(counting.processed, 0);
}

}  // namespace
}  // namespace cotangent
