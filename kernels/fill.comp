// File: kernels/fill.comp
// dst[offset + p] = value for p < count: the background of pad and the zeros of an empty
// contraction. The value arrives as raw bits (low word first) of ELEM_BITS = 8, 16, 32 or 64.
#version 450
#if ELEM_BITS == 8
#extension GL_EXT_shader_8bit_storage : require
#define ELEM uint8_t
#define VALUE uint8_t(pc.bits.x)
#elif ELEM_BITS == 16
#extension GL_EXT_shader_16bit_storage : require
#define ELEM uint16_t
#define VALUE uint16_t(pc.bits.x)
#elif ELEM_BITS == 32
#define ELEM uint
#define VALUE pc.bits.x
#else
#define ELEM uvec2
#define VALUE pc.bits
#endif

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) writeonly buffer Dst { ELEM dst[]; };

layout(push_constant) uniform Push {
  uint count;
  uint offset;
  uvec2 bits;
} pc;

void main() {
  const uint step = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  for (uint p = gl_GlobalInvocationID.x; p < pc.count; p += step) dst[pc.offset + p] = VALUE;
}
