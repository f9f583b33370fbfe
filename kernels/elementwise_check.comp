// File: kernels/elementwise_check.comp
// A build-time compile of the run-time elementwise template (elementwise.glsl) for one
// instance, so that a syntax error there breaks the build rather than the first kernel launch.
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_shader_8bit_storage : require

#define NUM_INPUTS 3
#define FLAT 0
#define OUT_T float
#define IN0_T uint8_t
#define IN1_T float
#define IN2_T float
#define OUT_STORE(v) (v)
#define IN0_LOAD(v) uint(v)
#define IN1_LOAD(v) (v)
#define IN2_LOAD(v) (v)

float apply(uint p, float a, float b) { return p != 0u ? a : b; }

#include "elementwise.glsl"
