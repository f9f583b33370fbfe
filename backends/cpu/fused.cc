// File: backends/cpu/fused.cc
// Blocked evaluation of a fused group. Every value of the group lives, one block at a time, in
// a scratch slot of kBlock elements (8 bytes each, whatever the dtype); slots are reused after
// a value's last read (a linear scan in op order, done once at compile time), so a chain of
// any length needs a handful of slots. Inputs are read in place when flat (dense, or a
// broadcast scalar: stride 1 or 0), otherwise the block is gathered into a slot first. Outputs
// are computed into slots and copied out at the end of each block, so that an output may
// share its buffer with an input (a donated argument updated in place). Large groups split
// their blocks over the thread pool; each thread has its own scratch.

#include "backends/cpu/fused.h"

#include <algorithm>
#include <cstring>
#include <type_traits>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/cpu_buffer.h"
#include "backends/cpu/elementwise_ops.h"
#include "backends/cpu/kernels.h"
#include "backends/cpu/simd.h"
#include "backends/cpu/strided.h"
#include "backends/cpu/thread_pool.h"
#include "core/layout.h"

namespace cotangent {
namespace {

using cpu::FlatRun;

// Elements per block: 4 KiB of f64 per slot, so a few dozen live slots stay within L1/L2.
// A multiple of every SIMD width, so blocks split vectors where the whole array would.
constexpr int64_t kBlock = 512;
constexpr int64_t kSlotBytes = kBlock * 8;

// Where an op's operand is, per block: an input (in place or gathered), a literal, or a slot.
struct Operand {
  enum Kind : uint8_t { kInput, kLiteral, kSlot } kind;
  int32_t index;    // input number, literal number or slot
  int32_t op = -1;  // a slot's: the op computing it
};

struct Step {
  FlatRun run;        // for blocks of kSimdMin elements or more
  FlatRun run_small;  // for fewer: no SIMD dispatch (the same results but for transcendentals)
  int32_t first_arg;  // its operands are args_[first_arg, first_arg + num_args)
  int32_t num_args;
  int32_t slot;       // the result's
  bool output;        // whether its value is an output of the group
};

// Per Run: each op argument's stride (an input's as laid out, a literal's 0, a slot's 1, or 0
// when the op computing it is uniform), and per step whether it is uniform: every operand
// has stride 0 (a folded constant, a literal) and its value is not an output, so one element
// is computed per block, not kBlock (an f16 constant's conversion to f32, say).
struct Layout {
  absl::InlinedVector<int64_t, 64> strides;
  absl::InlinedVector<bool, 32> uniform;
};

// Blocks shorter than this skip the SIMD dispatch of cheap ops: a scalar chain (W4) pays a
// few nanoseconds per op instead of a dispatch each.
constexpr int64_t kSimdMin = 16;

// ---- Groups of one element: a register interpreter ---------------------------------------
// A scalar chain (W4) is dispatch-bound: a flat run per op costs an indirect call and its
// setup. One element runs instead as a switch over (primitive, dtype) with OpOn<prim, dtype> inlined,
// on one 8-byte register per value. Transcendentals call libm here (Op<prim>), within
// simd.h SimdMath(prim).max_ulp of the eager SIMD kernels.

// One value of any storage type, read and written through memcpy (no union punning).
struct Cell {
  alignas(8) unsigned char bytes[8];
};

template <typename T>
T Get(const Cell& c) {
  T v;
  std::memcpy(&v, c.bytes, sizeof(T));
  return v;
}
template <typename T>
void Put(Cell& c, T v) {
  std::memcpy(c.bytes, &v, sizeof(T));
}

struct Instr {
  uint16_t code;  // Code(prim, operand dtype)
  DType to;       // convert_element_type's result dtype
  int32_t a, b, c, out;
};

constexpr uint16_t Code(Primitive prim, DType dtype) {
  return static_cast<uint16_t>(static_cast<int>(prim) * kNumDTypes + static_cast<int>(dtype));
}

template <Primitive prim, typename T, DType dtype>
inline void Eval(Cell* r, const Instr& i) {
  if constexpr (prim == Primitive::kSelect) {
    Put<T>(r[i.out], Get<uint8_t>(r[i.a]) != 0 ? Get<T>(r[i.b]) : Get<T>(r[i.c]));
  } else if constexpr (prim == Primitive::kConvert) {
    const T x = Get<T>(r[i.a]);
    VisitDType(i.to, [&](auto tag) {
      using To = typename decltype(tag)::type;
      Put<To>(r[i.out], ConvertValue<To, decltype(tag)::dtype>(x));
    });
  } else if constexpr (IsElementwiseMap(prim) && cpu::kAccepts<prim, T>) {
    if constexpr (KindOf(prim) == PrimitiveKind::kUnary) {
      Put<T>(r[i.out], cpu::OpOn<prim, dtype>{}(Get<T>(r[i.a])));
    } else {
      const auto v = cpu::OpOn<prim, dtype>{}(Get<T>(r[i.a]), Get<T>(r[i.b]));
      Put<std::remove_cv_t<decltype(v)>>(r[i.out], v);
    }
  }
}

// A switch over (primitive, dtype): threaded code (a jump per handler) measured no faster on
// W4, whose cost is the chain's latency through the registers, not the dispatch.
void Interpret(Cell* r, const Instr* begin, const Instr* end) {
  for (const Instr* i = begin; i != end; ++i) {
    switch (i->code) {
#define COTANGENT_CASE(e, T, d) \
  case Code(Primitive::e, DType::d): Eval<Primitive::e, T, DType::d>(r, *i); break;
#define PRIMITIVE(e, ...)                                                          \
  COTANGENT_CASE(e, uint8_t, kBool) COTANGENT_CASE(e, uint8_t, kU8)                \
  COTANGENT_CASE(e, uint32_t, kU32) COTANGENT_CASE(e, int32_t, kI32)               \
  COTANGENT_CASE(e, int64_t, kI64) COTANGENT_CASE(e, float16, kF16)                \
  COTANGENT_CASE(e, bfloat16, kBF16) COTANGENT_CASE(e, float, kF32)                \
  COTANGENT_CASE(e, double, kF64)
#include "core/primitives.def"
#undef PRIMITIVE
#undef COTANGENT_CASE
      default: break;
    }
  }
}

class CpuFusedKernel final : public FusedKernel {
 public:
  CpuFusedKernel(CpuBackend& backend, FusedCode code) : backend_(backend), code_(std::move(code)) {}

  absl::Status Compile() {
    if (absl::Status status = CheckHalvesOnlyConverted(code_); !status.ok()) return status;
    const int32_t n_in = static_cast<int32_t>(code_.inputs.size());
    const int32_t n_lit = static_cast<int32_t>(code_.literals.size());
    const int32_t first_op = n_in + n_lit;
    for (const FusedCode::Literal& l : code_.literals) {
      literals_.push_back(ElementBits(l.value, l.dtype));
    }
    // Last reader of each op value; outputs are read at the end of the block.
    std::vector<int32_t> last(code_.ops.size(), -1);
    for (size_t k = 0; k < code_.ops.size(); ++k) {
      for (int32_t a : code_.ops[k].args) {
        if (a >= first_op) last[a - first_op] = static_cast<int32_t>(k);
      }
    }
    for (int32_t v : code_.outputs) last[v - first_op] = kForever;
    std::vector<int32_t> slot_of(code_.ops.size(), -1), free;
    for (size_t k = 0; k < code_.ops.size(); ++k) {
      const FusedCode::Op& op = code_.ops[k];
      Step step;
      const DType in = code_.DTypeOf(op.args[op.prim == Primitive::kSelect ? 1 : 0]);
      step.run = cpu::ElementwiseRun(op.prim, in, op.dtype);
      // Transcendentals keep their SIMD kernels at every size, so that results equal the
      // eager kernels' bit for bit.
      step.run_small = cpu::SimdMath(op.prim) != nullptr
                           ? step.run
                           : cpu::ElementwiseRun(op.prim, in, op.dtype, /*simd=*/false);
      if (step.run == nullptr || step.run_small == nullptr) {
        return absl::InternalError(absl::StrCat("cpu: no fused run for ", PrimitiveName(op.prim),
                                                " on ", DTypeName(in)));
      }
      step.first_arg = static_cast<int32_t>(args_.size());
      step.num_args = static_cast<int32_t>(op.args.size());
      step.output = last[k] == kForever;
      for (int32_t a : op.args) {
        if (a < n_in) {
          input_args_.push_back(static_cast<int32_t>(args_.size()));
          args_.push_back({Operand::kInput, a});
        } else if (a < first_op) {
          args_.push_back({Operand::kLiteral, a - n_in});
        } else {
          args_.push_back({Operand::kSlot, slot_of[a - first_op], a - first_op});
        }
      }
      // The result takes a free slot, never one of its own operands' (a widening convert
      // would overwrite elements it has not read yet); operands read for the last time free
      // theirs after it.
      if (free.empty()) {
        step.slot = num_slots_++;
      } else {
        step.slot = free.back();
        free.pop_back();
      }
      for (int32_t a : op.args) {
        if (a >= first_op && last[a - first_op] == static_cast<int32_t>(k)) {
          const int32_t s = slot_of[a - first_op];
          if (std::find(free.begin(), free.end(), s) == free.end()) free.push_back(s);
        }
      }
      slot_of[k] = step.slot;
      if (last[k] < 0) free.push_back(step.slot);  // never read (dead): reuse at once
      steps_.push_back(std::move(step));
    }
    for (int32_t v : code_.outputs) output_slots_.push_back(slot_of[v - first_op]);
    for (size_t k = 0; k < code_.ops.size(); ++k) {
      const FusedCode::Op& op = code_.ops[k];
      const DType in = code_.DTypeOf(op.args[op.prim == Primitive::kSelect ? 1 : 0]);
      Instr instr{Code(op.prim, in), op.dtype, -1, -1, -1, first_op + static_cast<int32_t>(k)};
      int32_t* fields[] = {&instr.a, &instr.b, &instr.c};
      for (size_t j = 0; j < op.args.size() && j < 3; ++j) *fields[j] = op.args[j];
      instrs_.push_back(instr);
    }
    gather_slots_ = num_slots_;  // gathered inputs take the slots after these
    num_slots_ += n_in;
    return absl::OkStatus();
  }

  absl::Status Run(absl::Span<const Array> inputs, absl::Span<Array> outputs) const override {
    const int64_t n = NumElements(code_.shape);
    for (size_t i = 0; i < outputs.size(); ++i) {
      if (outputs[i].buffer != nullptr) continue;
      const ShapedArray aval{code_.shape, code_.DTypeOf(code_.outputs[i])};
      absl::StatusOr<std::shared_ptr<Buffer>> buffer = backend_.Allocate(aval.bytes());
      if (!buffer.ok()) return buffer.status();
      outputs[i] = DenseArray(*std::move(buffer), aval);
    }
    if (n == 0) return absl::OkStatus();
    if (n == 1) return RunScalar(inputs, outputs);
    absl::InlinedVector<const char*, 8> base(inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) base[i] = cpu::ElementBytes(inputs[i]);
    absl::InlinedVector<char*, 4> out_base;
    for (const Array& o : outputs) out_base.push_back(cpu::ElementBytes(o));
    // Every input flat (dense, or a broadcast scalar): blocks of the flat positions.
    // Otherwise, when the operands' joint layout has long rows (a broadcast row, a transposed
    // matrix, a broadcast along an outer axis), each row is its own run with a fixed stride
    // per input, read in place as the eager kernels read it; short rows are gathered instead.
    absl::InlinedVector<int64_t, 8> stride(inputs.size());
    bool flat = true;
    for (size_t i = 0; i < inputs.size(); ++i) {
      const std::optional<FlatRead> read = FlatReadOf(inputs[i]);
      flat = flat && read.has_value();
      stride[i] = read == FlatRead::kDense ? 1 : 0;
    }
    if (!flat) {
      const Strides dense = ContiguousStrides(code_.shape);
      absl::InlinedVector<absl::Span<const int64_t>, 8> all{dense};
      for (const Array& x : inputs) all.push_back(x.strides);
      const StridedSpace joint = Coalesce(code_.shape, all);
      if (joint.shape.back() >= kRowMin) return RunRows(inputs, outputs, joint, base, out_base);
    }
    absl::InlinedVector<StridedSpace, 1> spaces;
    absl::InlinedVector<int32_t, 8> space_of(inputs.size(), -1);
    if (!flat) {
      const Strides dense = ContiguousStrides(code_.shape);
      for (size_t i = 0; i < inputs.size(); ++i) {
        if (FlatReadOf(inputs[i]).has_value()) continue;
        space_of[i] = static_cast<int32_t>(spaces.size());
        spaces.push_back(Coalesce(code_.shape, {dense, inputs[i].strides}));
        stride[i] = 1;  // read from its gathered slot
      }
    }
    const Layout layout = LayoutOf(stride);
    const auto blocks = [&](int64_t first, int64_t end) {
      char* slots = Scratch();
      std::vector<const void*>& ptrs = Pointers(slots);
      for (int32_t k : input_args_) {
        const int32_t i = args_[k].index;
        if (space_of[i] >= 0) ptrs[k] = slots + (gather_slots_ + i) * kSlotBytes;
      }
      for (int64_t b = first; b < end; ++b) {
        const int64_t b0 = b * kBlock, m = std::min(kBlock, n - b0);
        for (size_t i = 0; i < inputs.size(); ++i) {
          if (space_of[i] >= 0) Gather(inputs[i], spaces[space_of[i]], b0, m,
                                       slots + (gather_slots_ + i) * kSlotBytes);
        }
        for (int32_t k : input_args_) {
          const int32_t i = args_[k].index;
          if (space_of[i] < 0) ptrs[k] = base[i] + b0 * stride[i] * DTypeSize(code_.inputs[i]);
        }
        RunSteps(ptrs.data(), layout, slots, m);
        WriteOutputs(outputs, out_base, b0, slots, m);
      }
    };
    const int64_t num_blocks = (n + kBlock - 1) / kBlock;
    if (num_blocks == 1) {
      blocks(0, 1);
    } else {
      cpu::ParallelFor(num_blocks, Grain(kBlock), blocks);
    }
    return absl::OkStatus();
  }

 private:
  static constexpr int32_t kForever = 1 << 30;
  // Rows of at least this many elements are read in place rather than gathered.
  static constexpr int64_t kRowMin = 64;

  // Units of `unit` elements per thread: a transcendental grain's worth of work per op.
  int64_t Grain(int64_t unit) const {
    return std::max<int64_t>(
        1, cpu::kParallelGrainTranscendental / unit / std::max<int64_t>(1, steps_.size()));
  }

  // This thread's scratch slots.
  char* Scratch() const {
    thread_local std::vector<double> scratch;
    const size_t words = static_cast<size_t>(num_slots_) * kBlock;
    if (scratch.size() < words) scratch.resize(words);
    return reinterpret_cast<char*>(scratch.data());
  }

  // This thread's operand addresses, literals and slots filled in (inputs per block).
  std::vector<const void*>& Pointers(char* slots) const {
    thread_local std::vector<const void*> ptrs;
    if (ptrs.size() < args_.size()) ptrs.resize(args_.size());
    for (size_t k = 0; k < args_.size(); ++k) {
      const Operand& a = args_[k];
      if (a.kind == Operand::kLiteral) ptrs[k] = &literals_[a.index];
      if (a.kind == Operand::kSlot) ptrs[k] = slots + a.index * kSlotBytes;
    }
    return ptrs;
  }

  // The Layout of a Run whose inputs have these strides.
  Layout LayoutOf(absl::Span<const int64_t> input_stride) const {
    Layout layout;
    layout.strides.resize(args_.size());
    for (const Step& step : steps_) {
      bool uniform = !step.output;
      for (int32_t k = step.first_arg; k < step.first_arg + step.num_args; ++k) {
        const Operand& a = args_[k];
        layout.strides[k] = a.kind == Operand::kLiteral ? 0
                            : a.kind == Operand::kSlot  ? (layout.uniform[a.op] ? 0 : 1)
                                                        : input_stride[a.index];
        uniform = uniform && layout.strides[k] == 0;
      }
      layout.uniform.push_back(uniform);
    }
    return layout;
  }

  void RunSteps(const void* const* p, const Layout& layout, char* slots, int64_t m) const {
    const int64_t* st = layout.strides.data();
    for (size_t k = 0; k < steps_.size(); ++k) {
      const Step& step = steps_[k];
      const int64_t n = layout.uniform[k] ? 1 : m;
      (n < kSimdMin ? step.run_small : step.run)(p + step.first_arg, st + step.first_arg,
                                                 slots + step.slot * kSlotBytes, n);
    }
  }

  // The outputs of positions [b0, b0 + m), from their slots.
  void WriteOutputs(absl::Span<Array> outputs, absl::Span<char* const> out_base, int64_t b0,
                    const char* slots, int64_t m) const {
    for (size_t o = 0; o < outputs.size(); ++o) {
      const int64_t size = DTypeSize(outputs[o].aval.dtype);
      std::memcpy(out_base[o] + b0 * size, slots + output_slots_[o] * kSlotBytes, m * size);
    }
  }

  // Row by row over `joint` (the output's dense strides, then each input's, coalesced): in
  // each row every input has one stride, so the ops read it in place, in blocks.
  absl::Status RunRows(absl::Span<const Array> inputs, absl::Span<Array> outputs,
                       const StridedSpace& joint, absl::Span<const char* const> base,
                       absl::Span<char* const> out_base) const {
    const int rank = static_cast<int>(joint.rank());
    const int64_t inner = joint.shape[rank - 1];
    const int64_t rows = joint.size() / inner;
    absl::InlinedVector<int64_t, 8> inner_stride(inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) inner_stride[i] = joint.inner_stride(i + 1);
    const Layout layout = LayoutOf(inner_stride);
    const auto run_rows = [&](int64_t first, int64_t end) {
      char* slots = Scratch();
      std::vector<const void*>& ptrs = Pointers(slots);
      absl::InlinedVector<int64_t, 8> row_offset(inputs.size());
      for (int64_t r = first; r < end; ++r) {
        // Each input's element offset of the row's first position.
        std::fill(row_offset.begin(), row_offset.end(), 0);
        for (int64_t d = rank - 2, rest = r; d >= 0 && rest > 0; --d) {
          const int64_t index = rest % joint.shape[d];
          rest /= joint.shape[d];
          for (size_t i = 0; i < inputs.size(); ++i) row_offset[i] += index * joint.strides[i + 1][d];
        }
        for (int64_t c0 = 0; c0 < inner; c0 += kBlock) {
          const int64_t m = std::min(kBlock, inner - c0);
          for (int32_t k : input_args_) {
            const int32_t i = args_[k].index;
            ptrs[k] = base[i] + (row_offset[i] + c0 * inner_stride[i]) * DTypeSize(code_.inputs[i]);
          }
          RunSteps(ptrs.data(), layout, slots, m);
          WriteOutputs(outputs, out_base, r * inner + c0, slots, m);
        }
      }
    };
    cpu::ParallelFor(rows, Grain(inner), run_rows);
    return absl::OkStatus();
  }

  absl::Status RunScalar(absl::Span<const Array> inputs, absl::Span<Array> outputs) const {
    thread_local std::vector<Cell> registers;
    const size_t n_values = static_cast<size_t>(code_.num_values());
    if (registers.size() < n_values) registers.resize(n_values);
    Cell* r = registers.data();
    for (size_t i = 0; i < inputs.size(); ++i) {
      std::memcpy(&r[i], cpu::ElementBytes(inputs[i]), DTypeSize(code_.inputs[i]));
    }
    if (!literals_.empty()) {
      std::memcpy(&r[inputs.size()], literals_.data(), literals_.size() * sizeof(Cell));
    }
    Interpret(r, instrs_.data(), instrs_.data() + instrs_.size());
    for (size_t o = 0; o < outputs.size(); ++o) {
      std::memcpy(cpu::ElementBytes(outputs[o]), &r[code_.outputs[o]],
                  DTypeSize(outputs[o].aval.dtype));
    }
    return absl::OkStatus();
  }

  // The elements [b0, b0 + m) of x (row-major positions of the group's shape) into dst, run
  // by run along the innermost dimension: a copy, a fill (a broadcast axis) or a strided walk.
  template <typename T>
  static void GatherRuns(const Array& x, const StridedSpace& space, int64_t b0, int64_t m,
                         char* dst) {
    const T* src = reinterpret_cast<const T*>(cpu::ElementBytes(x));
    T* out = reinterpret_cast<T*>(dst) - b0;
    const int64_t sx = space.inner_stride(1);
    cpu::ForEachRun<2>(space, b0, b0 + m, [&](const std::array<int64_t, 2>& off, int64_t len) {
      T* d = out + off[0];
      const T* p = src + off[1];
      if (sx == 1) {
        std::memcpy(d, p, len * sizeof(T));
      } else if (sx == 0) {
        std::fill_n(d, len, *p);
      } else {
        for (int64_t i = 0; i < len; ++i) d[i] = p[i * sx];
      }
    });
  }
  static void Gather(const Array& x, const StridedSpace& space, int64_t b0, int64_t m, char* dst) {
    switch (DTypeSize(x.aval.dtype)) {
      case 1: return GatherRuns<uint8_t>(x, space, b0, m, dst);
      case 2: return GatherRuns<uint16_t>(x, space, b0, m, dst);
      case 4: return GatherRuns<uint32_t>(x, space, b0, m, dst);
      default: return GatherRuns<uint64_t>(x, space, b0, m, dst);
    }
  }

  CpuBackend& backend_;
  FusedCode code_;
  std::vector<uint64_t> literals_;
  std::vector<Step> steps_;
  std::vector<Instr> instrs_;        // the ops for one-element groups
  std::vector<Operand> args_;        // every op's operands, in op order
  std::vector<int32_t> input_args_;  // the positions in args_ of array inputs
  std::vector<int32_t> output_slots_;
  int32_t num_slots_ = 0;
  int32_t gather_slots_ = 0;
};

}  // namespace

absl::StatusOr<std::unique_ptr<FusedKernel>> CompileCpuFused(CpuBackend& backend,
                                                            const FusedCode& code) {
  auto kernel = std::make_unique<CpuFusedKernel>(backend, code);
  if (absl::Status status = kernel->Compile(); !status.ok()) return status;
  return std::unique_ptr<FusedKernel>(std::move(kernel));
}

}  // namespace cotangent
