// File: kernels/elementwise.glsl
// The body of every elementwise kernel (unary, binary, compare, select, convert). It is not
// compiled alone: backends/vulkan/elementwise_kernels.cc prepends, per primitive and dtypes,
//   #version, extensions, NUM_INPUTS (1..3), FLAT (0/1), OUT_T / INk_T (storage types),
//   OUT_STORE(v) / INk_LOAD(v) (storage <-> compute type) and
//   apply(...), the primitive's math on compute types,
// and compiles the result with glslang at run time (kernels/elementwise_check.comp compiles
// one instance at build time).
//
// out[out_offset + p] = apply(in_k[offset_k + sum_d i_d * strides_k[d]] ...) for every
// row-major position p of `shape` (index i); the output is dense. FLAT kernels serve
// iteration spaces that coalesce to one dimension (offset_k + p * strides_k[0]: no division).

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) writeonly buffer Out { OUT_T out_data[]; };
layout(std430, binding = 1) readonly buffer In0 { IN0_T in0[]; };
#if NUM_INPUTS > 1
layout(std430, binding = 2) readonly buffer In1 { IN1_T in1[]; };
#endif
#if NUM_INPUTS > 2
layout(std430, binding = 3) readonly buffer In2 { IN2_T in2[]; };
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
} pc;

void main() {
  const uint step = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  for (uint p = gl_GlobalInvocationID.x; p < pc.count; p += step) {
    uint o[3] = uint[3](pc.offset[0], pc.offset[1], pc.offset[2]);
#if FLAT
    for (uint k = 0; k < NUM_INPUTS; ++k) o[k] += p * pc.strides[k * kMaxRank];
#else
    uint rest = p;
    for (uint d = pc.rank; d > 0; --d) {
      const uint i = rest % pc.shape[d - 1];
      rest /= pc.shape[d - 1];
      for (uint k = 0; k < NUM_INPUTS; ++k) o[k] += i * pc.strides[k * kMaxRank + d - 1];
    }
#endif
#if NUM_INPUTS == 1
    out_data[pc.out_offset + p] = OUT_STORE(apply(IN0_LOAD(in0[o[0]])));
#elif NUM_INPUTS == 2
    out_data[pc.out_offset + p] = OUT_STORE(apply(IN0_LOAD(in0[o[0]]), IN1_LOAD(in1[o[1]])));
#else
    out_data[pc.out_offset + p] =
        OUT_STORE(apply(IN0_LOAD(in0[o[0]]), IN1_LOAD(in1[o[1]]), IN2_LOAD(in2[o[2]])));
#endif
  }
}
