// File: interpreters/program_transforms.cc
// Programs transformed by tracing: the transformation's interpreter runs EvalProgram inside
// a staging trace (TraceToProgram), and its tracers' state at the outputs gives the flags.

#include "interpreters/program_transforms.h"

#include "core/constants.h"
#include "core/interpreter.h"
#include "core/rules/helpers.h"
#include "interpreters/batching.h"
#include "interpreters/call.h"
#include "interpreters/graph.h"
#include "interpreters/jvp.h"

namespace cotangent {

MaskedProgram JvpProgram(const Program& program, const Mask& nonzero, const Mask& instantiate) {
  std::vector<ShapedArray> avals = program.InAvals();
  const size_t n = avals.size();
  for (size_t i = 0; i < n; ++i) {
    if (nonzero[i]) avals.push_back(avals[i]);
  }
  MaskedProgram out;
  out.program = TraceToProgram(
      [&](const std::vector<Tensor>& xs) {
        JvpInterpreter jvp;
        std::vector<Tensor> ys;
        {
          InterpreterScope scope(jvp);
          std::vector<Tensor> in;
          size_t k = n;
          for (size_t i = 0; i < n; ++i) {
            in.push_back(jvp.Pack(xs[i], nonzero[i] ? xs[k++] : Tensor()));
          }
          ys = EvalProgram(program, {}, in, "jvp");
        }
        std::vector<Tensor> primals, tangents;
        out.out.clear();
        for (size_t j = 0; j < ys.size(); ++j) {
          auto [primal, tangent] = jvp.Unpack(ys[j]);
          const bool floating = IsInexact(primal.dtype());
          if (!tangent.defined() && instantiate[j] && floating) tangent = ZerosLike(primal);
          out.out.push_back(tangent.defined() && floating);
          if (out.out.back()) tangents.push_back(std::move(tangent));
          primals.push_back(std::move(primal));
        }
        primals.insert(primals.end(), tangents.begin(), tangents.end());
        return primals;
      },
      avals);
  return out;
}

MaskedProgram BatchProgram(const Program& program, int64_t size, const Mask& batched,
                           const Mask& force) {
  std::vector<ShapedArray> avals = program.InAvals();
  for (size_t i = 0; i < avals.size(); ++i) {
    if (batched[i]) avals[i].shape.insert(avals[i].shape.begin(), size);
  }
  MaskedProgram out;
  const std::string& axis = RuleAxisName();  // called by batch rules: their vmap's name
  out.program = TraceToProgram(
      [&](const std::vector<Tensor>& xs) {
        BatchInterpreter batch(size, axis);
        std::vector<Tensor> ys;
        {
          InterpreterScope scope(batch);
          std::vector<Tensor> in;
          for (size_t i = 0; i < xs.size(); ++i) {
            in.push_back(batch.Pack(xs[i], batched[i] ? 0 : kNotMapped));
          }
          ys = EvalProgram(program, {}, in, "vmap");
        }
        out.out.assign(ys.size(), false);
        for (size_t j = 0; j < ys.size(); ++j) {
          const Batched b = batch.Unpack(ys[j]);
          out.out[j] = b.bdim != kNotMapped || force[j];
          ys[j] = out.out[j] ? rules::MaterializeBatch(b.value, b.bdim, size, 0) : b.value;
        }
        return ys;
      },
      avals);
  return out;
}

PartialProgram PartialEvalProgram(const Program& program, const Mask& unknown,
                                  const Mask& instantiate, const Mask& forwardable) {
  const std::vector<ShapedArray> avals = program.InAvals();
  PartialProgram out;
  out.known = TraceToProgram(
      [&](const std::vector<Tensor>& known_in) {
        // Known inputs are values of the enclosing staging trace: equations on them alone are
        // recorded there (the known program); the rest are recorded by `graph`, whose
        // constants are then the residuals.
        GraphInterpreter graph;
        std::vector<Tensor> args, unknown_in, ys;
        {
          InterpreterScope scope(graph);
          size_t k = 0;
          for (size_t i = 0; i < avals.size(); ++i) {
            args.push_back(unknown[i] ? graph.NewInput(avals[i]) : known_in[k++]);
            if (unknown[i]) unknown_in.push_back(args.back());
          }
          ys = EvalProgram(program, {}, args, "partial_eval");
        }
        std::vector<Tensor> known_out, unknown_out;
        out.out.clear();
        for (size_t j = 0; j < ys.size(); ++j) {
          out.out.push_back(GraphVar(ys[j], graph) >= 0 || instantiate[j]);
          (out.out.back() ? unknown_out : known_out).push_back(ys[j]);
        }
        const ClosedProgram rest = graph.Finish(unknown_in, unknown_out);
        out.unknown = ConstsAsInputs(*rest.program);
        for (const Tensor& r : rest.consts) {
          out.residual_avals.push_back(r.aval());
          int64_t source = -1;
          for (size_t i = 0, k = 0; i < avals.size() && source < 0; ++i) {
            if (unknown[i]) continue;
            if (forwardable[i] && known_in[k].node() == r.node()) source = static_cast<int64_t>(i);
            ++k;
          }
          out.forwarded.push_back(source);
          if (source < 0) known_out.push_back(r);
        }
        return known_out;
      },
      Select(avals, unknown, false));
  return out;
}

bool Grow(Mask& flags, const Mask& out) {
  bool grew = false;
  for (size_t j = 0; j < flags.size(); ++j) {
    grew = grew || (out[j] && !flags[j]);
    flags[j] = flags[j] || out[j];
  }
  return grew;
}

Mask Cat(const Mask& a, const Mask& b) {
  Mask out = a;
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

KnownSplit SplitKnown(absl::Span<const Tensor> inputs) {
  KnownSplit split;
  for (const Tensor& x : inputs) {
    const auto& tracer = static_cast<const GraphTracer&>(*x.node());
    split.unknown.push_back(tracer.var() >= 0);
    split.known.push_back(tracer.known());
  }
  return split;
}

TensorList RecordUnknown(Interpreter& graph, Primitive prim, const Params& params,
                         absl::Span<const Tensor> operands, absl::Span<const ShapedArray> out_avals,
                         const Mask& unknown) {
  std::vector<ShapedArray> avals;
  for (size_t j = 0; j < out_avals.size(); ++j) {
    if (unknown[j]) avals.push_back(out_avals[j]);
  }
  if (avals.empty()) return {};
  return static_cast<GraphInterpreter&>(graph).Record(prim, params, operands, avals);
}

TensorList Merge(const Mask& unknown, absl::Span<const Tensor> known_out,
                 absl::Span<const Tensor> unknown_out) {
  TensorList out;
  for (size_t j = 0, k = 0, u = 0; j < unknown.size(); ++j) {
    out.push_back(unknown[j] ? unknown_out[u++] : known_out[k++]);
  }
  return out;
}

std::shared_ptr<const Program> Permuted(const Program& program,
                                        const std::vector<size_t>& in_order,
                                        const std::vector<size_t>& out_order) {
  auto p = std::make_shared<Program>(program);
  p->invars.clear();
  for (size_t i : in_order) p->invars.push_back(program.invars[i]);
  p->outvars.clear();
  for (size_t j : out_order) p->outvars.push_back(program.outvars[j]);
  return p;
}

std::shared_ptr<const Program> WithUnusedInputs(const Program& program, size_t at,
                                                const std::vector<ShapedArray>& avals) {
  auto p = std::make_shared<Program>(program);
  std::vector<int32_t> added;
  for (const ShapedArray& aval : avals) added.push_back(p->NewVar(aval));
  p->invars.insert(p->invars.begin() + at, added.begin(), added.end());
  return p;
}

}  // namespace cotangent
