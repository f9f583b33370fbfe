// File: kernels/math_check.comp
// A build-time compile of the math libraries the run-time kernels include (math_common.glsl,
// math_f32.glsl, math_f64.glsl, special_f32.glsl, special_f64.glsl), so that an error there
// breaks the build. Never dispatched.
#version 450
#extension GL_GOOGLE_include_directive : require

#define CT_TABLE_BINDING 2

#include "math_common.glsl"
#include "math_f32.glsl"
#include "math_f64.glsl"
#include "special_f32.glsl"
#include "special_f64.glsl"

layout(local_size_x = 1) in;
layout(std430, binding = 0) buffer F { float f[]; };
layout(std430, binding = 1) buffer D { double d[]; };

void main() {
  const float x = f[0];
  f[1] = ct_exp(x) + ct_log(x) + ct_log1p(x) + ct_expm1(x) + ct_sin(x) + ct_cos(x) +
         ct_tanh(x) + ct_sqrt(x) + ct_pow(x, f[2]);
  const double y = d[0];
  d[1] = ct_exp(y) + ct_log(y) + ct_log1p(y) + ct_expm1(y) + ct_sin(y) + ct_cos(y) +
         ct_tanh(y) + ct_sqrt(y) + ct_pow(y, d[2]);
}
