// File: cotangent/cotangent.h
// The public API of Cotangent, JAX's composable function transformations for C++:
// #include "cotangent/cotangent.h" and link //:cotangent. Start with docs/getting_started.md.

#ifndef COTANGENT_COTANGENT_COTANGENT_H_
#define COTANGENT_COTANGENT_COTANGENT_H_

#include "core/dtype.h"      // IWYU pragma: export
#include "core/error.h"      // IWYU pragma: export
#include "core/lax.h"        // IWYU pragma: export
#include "core/shape.h"      // IWYU pragma: export
#include "core/tensor.h"     // IWYU pragma: export
#include "cotangent/checkpoint.h"    // IWYU pragma: export
#include "cotangent/collectives.h"   // IWYU pragma: export
#include "cotangent/control_flow.h"  // IWYU pragma: export
#include "cotangent/convolution.h"  // IWYU pragma: export
#include "cotangent/creation.h"  // IWYU pragma: export
#include "cotangent/cumulative.h"  // IWYU pragma: export
#include "cotangent/custom_derivatives.h"  // IWYU pragma: export
#include "cotangent/custom_vmap.h"   // IWYU pragma: export
#include "cotangent/device.h"    // IWYU pragma: export
#include "cotangent/einsum.h"    // IWYU pragma: export
#include "cotangent/indexing.h"  // IWYU pragma: export
#include "cotangent/interop.h"   // IWYU pragma: export
#include "cotangent/io.h"        // IWYU pragma: export
#include "cotangent/jit.h"       // IWYU pragma: export
#include "cotangent/linalg.h"    // IWYU pragma: export
#include "cotangent/numpy.h"     // IWYU pragma: export
#include "cotangent/ode.h"       // IWYU pragma: export
#include "cotangent/random.h"    // IWYU pragma: export
#include "cotangent/shaping.h"   // IWYU pragma: export
#include "cotangent/shard_map.h"  // IWYU pragma: export
#include "cotangent/sorting.h"   // IWYU pragma: export
#include "cotangent/special.h"   // IWYU pragma: export
#include "cotangent/transforms.h"  // IWYU pragma: export
#include "cotangent/tree.h"        // IWYU pragma: export
#include "cotangent/vmap.h"        // IWYU pragma: export
#include "cotangent/windows.h"     // IWYU pragma: export

#endif  // COTANGENT_COTANGENT_COTANGENT_H_
