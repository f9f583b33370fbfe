// File: core/fusion.h
// Elementwise fusion planned over a Program, independent of any backend: which equations run
// as one fused elementwise kernel (a group), what each group reads and must write, and an
// order of the groups that runs the program. What fuses is core/fusible.h, the definition the
// backends' eager fusion uses too; a backend renders the groups (jit: a loop over the output
// computing the group's equations per element, on the CPU or as one generated Vulkan kernel).

#ifndef COTANGENT_CORE_FUSION_H_
#define COTANGENT_CORE_FUSION_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "core/dtype.h"
#include "core/fusible.h"
#include "core/primitive.h"
#include "core/program.h"
#include "core/shape.h"

namespace cotangent {

// One step of a plan: a fused elementwise kernel, or one equation run on its own.
struct FusionGroup {
  // True: equations that fuse (core/fusible.h Fuses) over one output shape, computed element
  // by element in one kernel (a single one runs as its primitive's own kernel). False: one
  // equation of any other primitive (or one below the limits' min_elements).
  bool elementwise = false;
  std::vector<int> eqns;  // indices into program.eqns, in program order
  // What the group reads from outside it: variables (each once) and literals, in order of
  // first use.
  std::vector<Atom> inputs;
  // The variables it defines that are read outside it (by another group or as a program
  // output), in definition order; the others never reach memory.
  std::vector<int32_t> outputs;
  Shape shape;  // elementwise: every equation's output shape
};

// Every equation of `program` in exactly one group, the groups in an order that runs it (each
// after the groups that define its inputs). Greedy, in program order: a fusible equation joins
// the elementwise groups of its operands of the same shape (several at once where they can
// merge), unless that would exceed the limits, mix math libraries, or make a cycle (an
// operand computed outside the group from one of the group's values: a reduction between two
// elementwise equations breaks them apart). A value read by several equations of a group is
// computed once per element; one read outside it is an output (a multi-output kernel).
// Literals are inputs but not counted against max_inputs (a renderer writes them into the
// kernel). Time and memory are linear in the program times the number of elementwise groups.
std::vector<FusionGroup> PlanFusion(const Program& program, const FusionOptions& options = {});

}  // namespace cotangent

#endif  // COTANGENT_CORE_FUSION_H_
