// File: kernels/copy.comp
// Strided copy, the kernel behind every movement primitive and dense downloads:
//   dst[dst_offset + sum_d i_d * dst_strides[d]] = src[src_offset + sum_d i_d * src_strides[d]]
// for every index i of `shape` (row-major position p decomposed innermost first). Elements are
// moved as bits of ELEM_BITS = 8, 16, 32 or 64 (uvec2: no Int64/Float64 capability needed).
#version 450
#if ELEM_BITS == 8
#extension GL_EXT_shader_8bit_storage : require
#define ELEM uint8_t
#elif ELEM_BITS == 16
#extension GL_EXT_shader_16bit_storage : require
#define ELEM uint16_t
#elif ELEM_BITS == 32
#define ELEM uint
#else
#define ELEM uvec2
#endif

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer Src { ELEM src[]; };
layout(std430, binding = 1) writeonly buffer Dst { ELEM dst[]; };

// Dimensions beyond this are split into several dispatches by the host (see ops_movement.cc).
const uint kMaxRank = 8;

layout(push_constant) uniform Push {
  uint count;  // product of shape
  uint rank;
  uint src_offset;
  uint dst_offset;
  uint shape[kMaxRank];
  uint src_strides[kMaxRank];
  uint dst_strides[kMaxRank];
} pc;

void main() {
  const uint step = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  for (uint p = gl_GlobalInvocationID.x; p < pc.count; p += step) {
    uint s = pc.src_offset, d = pc.dst_offset;
    if (pc.rank == 1u) {  // the common coalesced case: no index division
      s += p * pc.src_strides[0];
      d += p * pc.dst_strides[0];
    } else {
      uint rest = p;
      for (uint k = pc.rank; k > 0; --k) {
        const uint i = rest % pc.shape[k - 1];
        rest /= pc.shape[k - 1];
        s += i * pc.src_strides[k - 1];
        d += i * pc.dst_strides[k - 1];
      }
    }
    dst[d] = src[s];
  }
}
