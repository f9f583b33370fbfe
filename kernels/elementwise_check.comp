// File: kernels/elementwise_check.comp
// A build-time compile of the run-time elementwise template (elementwise.glsl) for one
// instance (select over 4-wide vectors, the predicate broadcast), so that a syntax error there
// breaks the build rather than the first kernel launch.
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_shader_8bit_storage : require

#define NUM_INPUTS 3
#define WIDTH 4
#define OUT_T float
#define OUT_BUF_T vec4
#define OUT_VEC_T vec4
#define OUT_STORE(v) (v)
#define IN0_T uint8_t
#define IN0_BUF_T u8vec4
#define IN0_AT(i, c) uvec4(in0[pc.offset[0] / WIDTH])[pc.offset[0] % WIDTH]
#define IN1_T float
#define IN1_BUF_T vec4
#define IN1_AT(i, c) (in1[pc.offset[1] / WIDTH + (i)][c])
#define IN2_T float
#define IN2_BUF_T vec4
#define IN2_AT(i, c) (in2[pc.offset[2] / WIDTH + (i)][c])

float apply(uint p, float a, float b) { return p != 0u ? a : b; }

#include "elementwise.glsl"
