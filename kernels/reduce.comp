// File: kernels/reduce.comp
// reduce_sum, reduce_max, reduce_prod and argmax (OP_SUM / OP_MAX / OP_PROD / OP_ARGMAX,
// element type by ELEM_F32, ELEM_F64, ELEM_I32, ELEM_I64, ELEM_U32, ELEM_U8 or ELEM_BOOL) over a
// strided input: output o reduces the elements in_offset + kept(o) + red(j), j < red_count,
// where kept() and red() decompose o and j over the kept and the reduced dimensions (row-major,
// each group coalesced by the host).
//
// A workgroup reduces one (output, chunk) pair: its invocations stride over the chunk (sums
// compensated, Kahan), then combine in a tree (subgroup shuffles when SUBGROUPS, else shared
// memory). Reductions too long for one workgroup run in two passes (chunks, then the chunks'
// partials); short ones run one invocation per output (THREAD_PER_OUTPUT). argmax carries
// (value, index) pairs: NaN beats everything and ties go to the lowest index, so the first
// maximum (or first NaN) wins, as numpy and the CPU backend.
#version 450
#if SUBGROUPS
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_shuffle_relative : require
#endif

#if ELEM_F32
#define T float
#define LOAD(x) (x)
#define IS_NAN(x) isnan(x)
#define LOWEST uintBitsToFloat(0xFF800000u)
#elif ELEM_F64
#define T double
#define LOAD(x) (x)
#define IS_NAN(x) isnan(x)
#define LOWEST packDouble2x32(uvec2(0u, 0xFFF00000u))
#elif ELEM_I32
#define T int
#define LOAD(x) (x)
#define IS_NAN(x) false
#define LOWEST int(0x80000000u)
#define INTEGER 1
#elif ELEM_I64  // never with SUBGROUPS: shuffles of 64-bit integers are an optional feature
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
#define T int64_t
#define LOAD(x) (x)
#define IS_NAN(x) false
#define LOWEST int64_t(0x8000000000000000ul)
#define INTEGER 1
#elif ELEM_U32
#define T uint
#define LOAD(x) (x)
#define IS_NAN(x) false
#define LOWEST 0u
#define INTEGER 1
#elif ELEM_U8
#extension GL_EXT_shader_8bit_storage : require
#define T uint
#define STORAGE uint8_t
#define LOAD(x) uint(x)
#define IS_NAN(x) false
#define LOWEST 0u
#define INTEGER 1
#else  // ELEM_BOOL: one byte per element, computed as uint 0/1
#extension GL_EXT_shader_8bit_storage : require
#define T uint
#define STORAGE uint8_t
#define LOAD(x) uint(x)
#define IS_NAN(x) false
#define LOWEST 0u
#endif
#ifndef STORAGE
#define STORAGE T
#endif

// Integer sums wrap (defined on unsigned types; u8 keeps its byte when stored) and need no
// compensation.
#if OP_SUM && ELEM_I64
#define ACC uint64_t
#define INT_SUM 1
#elif OP_SUM && INTEGER
#define ACC uint
#define INT_SUM 1
#else
#define ACC T
#endif

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const bool THREAD_PER_OUTPUT = false;
layout(constant_id = 2) const bool PAIRS_IN = false;     // argmax: read indices from in_index
layout(constant_id = 3) const bool VALUES_OUT = false;   // argmax: also write the values

#if OP_ARGMAX
layout(std430, binding = 0) writeonly buffer Out { int out_data[]; };
#else
layout(std430, binding = 0) writeonly buffer Out { STORAGE out_data[]; };
#endif
layout(std430, binding = 1) readonly buffer In { STORAGE in_data[]; };
#if OP_ARGMAX
layout(std430, binding = 2) readonly buffer InIndex { int in_index[]; };
layout(std430, binding = 3) writeonly buffer OutValue { STORAGE out_value[]; };
#endif

const uint kMaxRank = 5;  // per group; the host copies higher ranks densely first

layout(push_constant) uniform Push {
  uint out_count;  // outputs (times chunks: out_count * chunks results are written)
  uint red_count;  // elements reduced per output
  uint chunks;     // pieces each reduction is split into (1: a single pass)
  uint chunk_len;  // elements per piece
  uint in_offset;
  uint kept_rank;
  uint red_rank;
  uint pad;
  uint kept_shape[kMaxRank];
  uint kept_strides[kMaxRank];
  uint red_shape[kMaxRank];
  uint red_strides[kMaxRank];
} pc;

struct Acc {
  ACC v;
#if OP_SUM && !INT_SUM
  ACC c;  // Kahan compensation
#endif
#if OP_ARGMAX
  int i;
#endif
};

Acc Identity() {
  Acc a;
#if OP_SUM
  a.v = ACC(0);
#if !INT_SUM
  a.c = ACC(0);
#endif
#elif OP_PROD
  a.v = T(1);
#else
  a.v = LOWEST;
#endif
#if OP_ARGMAX
  a.i = 0x7FFFFFFF;
#endif
  return a;
}

#if OP_SUM && !INT_SUM
// The compensation to keep beside a new running sum t. Once t is inf or NaN (an infinite or
// NaN element, or overflow) the error terms are inf - inf = NaN, and v - c would turn a sum of
// [inf, 1] into NaN: the sum is then exactly t, with nothing to compensate.
ACC Compensation(ACC t, ACC c) { return isinf(t) || isnan(t) ? ACC(0) : c; }
#endif

// Folds element x (at reduced position j) into a.
void Add(inout Acc a, T x, int j) {
#if INT_SUM
  a.v += ACC(x);
#elif OP_SUM
  // Kahan: c carries the low-order bits the running sum lost.
  precise ACC y = x - a.c;
  precise ACC t = a.v + y;
  precise ACC c = (t - a.v) - y;
  a.c = Compensation(t, c);
  a.v = t;
#elif OP_MAX
  if (x > a.v || IS_NAN(x)) a.v = x;
#elif OP_PROD
  a.v *= x;  // integers wrap (OpIMul is modular)
#else
  if (!IS_NAN(a.v) && (IS_NAN(x) || x > a.v || (x == a.v && j < a.i))) {
    a.v = x;
    a.i = j;
  }
#endif
}

// Combines two partial results (of interleaved element sets: argmax breaks ties by index).
Acc Combine(Acc a, Acc b) {
#if INT_SUM
  a.v += b.v;
#elif OP_SUM
  // Represented values are v - c; the rounding error e of t = a.v + b.v joins the c's.
  precise ACC t = a.v + b.v;
  precise ACC bb = t - a.v;
  precise ACC e = (a.v - (t - bb)) + (b.v - bb);
  precise ACC c = (a.c + b.c) - e;
  a.v = t;
  a.c = Compensation(t, c);
#elif OP_MAX
  if (b.v > a.v || IS_NAN(b.v)) a.v = b.v;
#elif OP_PROD
  a.v *= b.v;
#else
  const bool a_nan = IS_NAN(a.v), b_nan = IS_NAN(b.v);
  const bool take_b = a_nan ? (b_nan && b.i < a.i)
                            : (b_nan || b.v > a.v || (b.v == a.v && b.i < a.i));
  if (take_b) a = b;
#endif
  return a;
}

uint KeptOffset(uint o) {
  uint off = pc.in_offset;
  for (uint d = pc.kept_rank; d > 0u; --d) {
    off += (o % pc.kept_shape[d - 1u]) * pc.kept_strides[d - 1u];
    o /= pc.kept_shape[d - 1u];
  }
  return off;
}

uint RedOffset(uint j) {
  if (pc.red_rank <= 1u) return j * pc.red_strides[0];
  uint off = 0u;
  for (uint d = pc.red_rank; d > 0u; --d) {
    off += (j % pc.red_shape[d - 1u]) * pc.red_strides[d - 1u];
    j /= pc.red_shape[d - 1u];
  }
  return off;
}

void Fold(inout Acc a, uint base, uint j) {
  const uint at = base + RedOffset(j);
#if OP_ARGMAX
  Add(a, LOAD(in_data[at]), PAIRS_IN ? in_index[at] : int(j));
#else
  Add(a, LOAD(in_data[at]), int(j));
#endif
}

void Store(uint at, Acc a) {
#if OP_ARGMAX
  out_data[at] = a.i;
  if (VALUES_OUT) out_value[at] = STORAGE(a.v);
#elif INT_SUM
  out_data[at] = STORAGE(a.v);
#elif OP_SUM
  out_data[at] = STORAGE(a.v - a.c);
#else
  out_data[at] = STORAGE(a.v);
#endif
}

#if SUBGROUPS
Acc ShuffleDown(Acc a, uint delta) {
  Acc b;
  b.v = subgroupShuffleDown(a.v, delta);
#if OP_SUM && !INT_SUM
  b.c = subgroupShuffleDown(a.c, delta);
#endif
#if OP_ARGMAX
  b.i = subgroupShuffleDown(a.i, delta);
#endif
  return b;
}
#endif

shared Acc partials[gl_WorkGroupSize.x];

void main() {
  const uint group = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
  const uint tid = gl_LocalInvocationID.x;
  if (THREAD_PER_OUTPUT) {
    const uint o = group * gl_WorkGroupSize.x + tid;
    if (o >= pc.out_count) return;
    Acc a = Identity();
    const uint base = KeptOffset(o);
    for (uint j = 0u; j < pc.red_count; ++j) Fold(a, base, j);
    Store(o, a);
    return;
  }
  // One (output, chunk) pair per workgroup; the whole group returns together.
  if (group >= pc.out_count * pc.chunks) return;
  const uint o = group / pc.chunks, chunk = group % pc.chunks;
  const uint begin = chunk * pc.chunk_len;
  const uint end = min(begin + pc.chunk_len, pc.red_count);
  const uint base = KeptOffset(o);
  Acc a = Identity();
  for (uint j = begin + tid; j < end; j += gl_WorkGroupSize.x) Fold(a, base, j);
#if SUBGROUPS
  for (uint delta = gl_SubgroupSize / 2u; delta > 0u; delta /= 2u) {
    const Acc b = ShuffleDown(a, delta);
    if (gl_SubgroupInvocationID + delta < gl_SubgroupSize) a = Combine(a, b);
  }
  if (gl_SubgroupInvocationID == 0u) partials[gl_SubgroupID] = a;
  barrier();
  if (tid == 0u) {
    for (uint s = 1u; s < gl_NumSubgroups; ++s) a = Combine(a, partials[s]);
    Store(group, a);
  }
#else
  partials[tid] = a;
  barrier();
  for (uint stride = gl_WorkGroupSize.x / 2u; stride > 0u; stride /= 2u) {
    if (tid < stride) partials[tid] = Combine(partials[tid], partials[tid + stride]);
    barrier();
  }
  if (tid == 0u) Store(group, partials[0]);
#endif
}
