// File: interpreters/call.h
// closed_call: applying a program as one primitive, so that transformations of a function
// that calls a program transform the program (and print it nested) instead of inlining it.
// Its rules are in interpreters/call.cc, together.

#ifndef COTANGENT_INTERPRETERS_CALL_H_
#define COTANGENT_INTERPRETERS_CALL_H_

#include <memory>
#include <string>
#include <vector>

#include "core/program.h"

namespace cotangent {

// The program's constants as its leading inputs: a program closed_call can carry.
std::shared_ptr<const Program> ConstsAsInputs(const Program& program);

// prim (closed_call or pjit) of the program on args (its constants passed as leading
// operands); pjit's object is its CompiledCalls (core/executable.h).
std::vector<Tensor> CallProgram(const ClosedProgram& program, absl::Span<const Tensor> args,
                                std::string name = "", Primitive prim = Primitive::kClosedCall,
                                std::shared_ptr<const ParamObject> object = nullptr);

}  // namespace cotangent

#endif  // COTANGENT_INTERPRETERS_CALL_H_
