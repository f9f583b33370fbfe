// File: kernels/elementwise.glsl
// The body of every elementwise kernel (unary, binary, compare, select, convert). It is not
// compiled alone: backends/vulkan/elementwise_kernels.cc prepends, per primitive, dtypes and
// access pattern,
//   #version, extensions, NUM_INPUTS (1..3), WIDTH (1, 2 or 4),
//   OUT_T / INk_T (storage types), OUT_BUF_T / INk_BUF_T (buffer element types: vectors of
//   WIDTH storage elements where an operand is read or written as vectors), OUT_VEC_T (a
//   vector of WIDTH results in the compute type),
//   OUT_STORE(v) (compute -> storage type), INk_AT(i, c) (operand k's element i, component
//   c, in its compute type) and apply(...), the primitive's math on compute types,
// and compiles the result with glslang at run time (kernels/elementwise_check.comp compiles
// one instance at build time).
//
// out[out_offset + p] = apply(in_k[offset_k + sum_d i_d * strides_k[d]] ...) for every
// row-major position p of `shape` (index i); the output is dense. Spaces that coalesce to one
// dimension take a uniform branch without index division. WIDTH > 1 kernels serve such flat
// spaces when every operand is contiguous with an aligned offset or broadcast (stride 0, bit k
// of `broadcast`): each invocation moves WIDTH elements with vector loads and stores.

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) writeonly buffer Out { OUT_BUF_T out_data[]; };
layout(std430, binding = 1) readonly buffer In0 { IN0_BUF_T in0[]; };
#if NUM_INPUTS > 1
layout(std430, binding = 2) readonly buffer In1 { IN1_BUF_T in1[]; };
#endif
#if NUM_INPUTS > 2
layout(std430, binding = 3) readonly buffer In2 { IN2_BUF_T in2[]; };
#endif

// Higher ranks (after coalescing) are split into several dispatches by the host.
const uint kMaxRank = 6;

layout(push_constant) uniform Push {
  uint count;
  uint rank;
  uint out_offset;
  uint offset[3];
  uint shape[kMaxRank];
  uint strides[3 * kMaxRank];  // operand k, dimension d at k * kMaxRank + d
  uint broadcast;              // WIDTH > 1: bit k set when operand k is one repeated element
} pc;

void main() {
  const uint step = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
#if WIDTH > 1
  for (uint p = gl_GlobalInvocationID.x; p < pc.count / WIDTH; p += step) {
    OUT_VEC_T r;  // in the compute type (8-bit locals need more than 8-bit storage)
    for (uint c = 0u; c < WIDTH; ++c) {
#if NUM_INPUTS == 1
      r[c] = apply(IN0_AT(p, c));
#elif NUM_INPUTS == 2
      r[c] = apply(IN0_AT(p, c), IN1_AT(p, c));
#else
      r[c] = apply(IN0_AT(p, c), IN1_AT(p, c), IN2_AT(p, c));
#endif
    }
    out_data[pc.out_offset / WIDTH + p] = OUT_BUF_T(r);
  }
#else
  for (uint p = gl_GlobalInvocationID.x; p < pc.count; p += step) {
    uint o[3] = uint[3](pc.offset[0], pc.offset[1], pc.offset[2]);
    if (pc.rank <= 1u) {
      for (uint k = 0; k < NUM_INPUTS; ++k) o[k] += p * pc.strides[k * kMaxRank];
    } else {
      uint rest = p;
      for (uint d = pc.rank; d > 0; --d) {
        const uint i = rest % pc.shape[d - 1];
        rest /= pc.shape[d - 1];
        for (uint k = 0; k < NUM_INPUTS; ++k) o[k] += i * pc.strides[k * kMaxRank + d - 1];
      }
    }
#if NUM_INPUTS == 1
    out_data[pc.out_offset + p] = OUT_STORE(apply(IN0_AT(o[0], 0)));
#elif NUM_INPUTS == 2
    out_data[pc.out_offset + p] = OUT_STORE(apply(IN0_AT(o[0], 0), IN1_AT(o[1], 0)));
#else
    out_data[pc.out_offset + p] =
        OUT_STORE(apply(IN0_AT(o[0], 0), IN1_AT(o[1], 0), IN2_AT(o[2], 0)));
#endif
  }
#endif
}
