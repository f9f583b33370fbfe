// File: cotangent/control_flow.cc
// The checks that turn cond's predicate and switch's index into the cond primitive's index,
// and custom_root's flat core: JAX's _custom_root, a custom_jvp function of f's, solve's and
// tangent_solve's constants and the guess whose rule is the implicit function theorem.

#include "cotangent/control_flow.h"

#include <memory>

#include "core/constants.h"
#include "core/interpreter.h"
#include "interpreters/call.h"
#include "interpreters/custom.h"
#include "interpreters/graph.h"

namespace cotangent::internal {

Tensor PredicateIndex(const char* op, const Tensor& pred) {
  if (pred.ndim() != 0 || (pred.dtype() != DType::kBool && pred.dtype() != DType::kI32)) {
    ThrowInvalid(op, ": the predicate must be a bool or integer scalar, got ",
                 pred.aval().ToString());
  }
  const Tensor truth = pred.dtype() == DType::kBool ? pred : lax::ne(pred, FullLike(pred, 0));
  return lax::convert_element_type(truth, DType::kI32);
}

Tensor BranchIndex(const char* op, const Tensor& index) {
  if (index.ndim() != 0 || index.dtype() != DType::kI32) {
    ThrowInvalid(op, ": the index must be an i32 scalar, got ", index.aval().ToString());
  }
  return index;
}

namespace {

std::vector<Tensor> Cat(std::initializer_list<absl::Span<const Tensor>> parts) {
  std::vector<Tensor> out;
  for (absl::Span<const Tensor> part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

// Throws "custom_root: <what> output 0 has type f32[2] but initial_guess has type f32[3]".
void CheckTypes(const char* what, const std::vector<ShapedArray>& out,
                const std::vector<ShapedArray>& guess) {
  for (size_t i = 0; i < guess.size(); ++i) {
    if (i >= out.size() || out[i] != guess[i]) {
      ThrowInvalid("custom_root: ", what, " output ", i, " has type ",
                   i < out.size() ? out[i].ToString() : "nothing", " but initial_guess ", i,
                   " has type ", guess[i].ToString());
    }
  }
}

}  // namespace

std::vector<Tensor> RootFlat(const FlatFn& f, const std::vector<Tensor>& guess,
                             const SolveFn& solve, const SolveFn& tangent_solve) {
  constexpr const char* kOp = "custom_root";
  CheckLiveTracers(kOp, guess);
  std::vector<ShapedArray> avals;
  for (const Tensor& x : guess) avals.push_back(x.aval());
  const size_t n = guess.size();
  const ClosedProgram f_traced = TraceToProgram(f, avals, kOp);
  CheckTypes("f", f_traced.program->OutAvals(), avals);
  const ClosedProgram s_traced =
      TraceToProgram([&](const std::vector<Tensor>& x) { return solve(f, x); }, avals, kOp);
  CheckTypes("solve", s_traced.program->OutAvals(), avals);
  // tangent_solve(g, b) with g the linearization of f at x: the inputs are x, then b.
  std::vector<ShapedArray> twice = avals;
  twice.insert(twice.end(), avals.begin(), avals.end());
  const ClosedProgram l_traced = TraceToProgram(
      [&](const std::vector<Tensor>& xb) {
        const std::vector<Tensor> x(xb.begin(), xb.begin() + n), b(xb.begin() + n, xb.end());
        const FlatFn g = [&](const std::vector<Tensor>& v) { return JvpFlat(kOp, f, x, v).second; };
        return tangent_solve(g, b);
      },
      twice, kOp);
  CheckTypes("tangent_solve", l_traced.program->OutAvals(), avals);
  if (l_traced.program->outvars.size() != n) {
    ThrowInvalid(kOp, ": tangent_solve returns ", l_traced.program->outvars.size(),
                 " values for initial_guess's ", n);
  }
  // The custom function's arguments: f's, solve's and tangent_solve's constants, the guess.
  const std::shared_ptr<const Program> f_program = ConstsAsInputs(*f_traced.program);
  const std::shared_ptr<const Program> s_program = ConstsAsInputs(*s_traced.program);
  const std::shared_ptr<const Program> l_program = ConstsAsInputs(*l_traced.program);
  const size_t nf = f_traced.consts.size(), ns = s_traced.consts.size();
  const size_t nl = l_traced.consts.size();
  const FlatFn primal = [=](const std::vector<Tensor>& a) {
    const absl::Span<const Tensor> args(a);
    return EvalProgram(*s_program, {}, Cat({args.subspan(nf, ns), args.subspan(nf + ns + nl)}),
                       kOp);
  };
  // f(m, x(m)) = 0 for f's constants m, so d_m f m' + d_x f x' = 0 and x' is -tangent_solve of
  // d_m f m' at the root (JAX's _root_jvp). The aux values get zero tangents. The root itself
  // is this function again (a transformation above differentiates it by this rule, never
  // through solve): the rule holds it weakly, as its callers hold it.
  const auto self = std::make_shared<std::weak_ptr<const CustomFunction>>();
  const CustomJvpFunction::Rule rule = [=](const std::vector<Tensor>& p,
                                           const std::vector<Tensor>& t) {
    std::vector<Tensor> out = BindCustom(*self->lock(), p);
    const absl::Span<const Tensor> x = absl::Span<const Tensor>(out).subspan(0, n);
    const FlatFn f_at_root = [&](const std::vector<Tensor>& m) {
      return EvalProgram(*f_program, {}, Cat({m, x}), kOp);
    };
    const std::vector<Tensor> m(p.begin(), p.begin() + nf), m_dot(t.begin(), t.begin() + nf);
    const std::vector<Tensor> rhs = JvpFlat(kOp, f_at_root, m, m_dot).second;
    const absl::Span<const Tensor> l_consts = absl::Span<const Tensor>(p).subspan(nf + ns, nl);
    std::vector<Tensor> out_dot = EvalProgram(*l_program, {}, Cat({l_consts, x, rhs}), kOp);
    for (Tensor& d : out_dot) d = lax::neg(d);
    for (size_t i = n; i < out.size(); ++i) out_dot.push_back(ZeroTangent(out[i].aval()));
    return std::make_pair(std::move(out), std::move(out_dot));
  };
  const auto function = std::make_shared<CustomJvpFunction>(kOp, primal, rule);
  *self = function;
  return BindCustom(*function, Cat({f_traced.consts, s_traced.consts, l_traced.consts, guess}));
}

}  // namespace cotangent::internal
