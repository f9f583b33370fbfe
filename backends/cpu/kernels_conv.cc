// File: backends/cpu/kernels_conv.cc
// conv_general_dilated as implicit GEMM: the windows the output positions read are packed
// into a patch matrix (zeros where a window element falls in padding or between dilated input
// elements) and multiplied by the kernel in one OpenBLAS product per block (integers: blas.h's
// loop, in wrapping arithmetic). Operands are read
// through their strides in the canonical order of the dimension numbers; only the small kernel
// is copied first. Patches are built in blocks of at most kPatchElements, so memory stays
// bounded, and blocks are spread over the pool's threads, each with its own patch.
// The output position o along a spatial axis reads, for window element k, the dilated-padded
// input at q = o * stride + k * rhs_dilation - low, which is input element q / lhs_dilation
// when that divides and lies inside (tables per axis hold it, or -1).
//
// What makes a patch cheap to build is long runs of input read at a small stride, so the
// patch's innermost index follows the operand's layout (ChooseForm):
//   kColumns      P [I x window, positions] per image, runs along the last output axis
//                 (feature-major input such as NCHW); out [O_g, positions] = W_g P.
//   kFeatureRuns  P [images x positions, window x I], runs along the input features
//                 (channels-last input such as NHWC); out [rows, O_g] = P W_g^T, which is
//                 the output's own layout when that is channels-last too.
//   kWindowRuns   P [images x positions, I x window], runs along the last window axis: the
//                 kernel gradient, whose "window" is the forward output and whose
//                 positions are the few kernel taps.
//   kScatter      the other direction, when the outputs have fewer features than the
//                 inputs (the input gradient of a layer widening its features): per image
//                 Y [inputs, window x O_g] = X W_g, each row of Y then added at the output
//                 positions its window elements reach; Y is smaller than a patch would be.

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "backends/cpu/blas.h"
#include "backends/cpu/cpu_buffer.h"
#include "backends/cpu/kernels.h"
#include "backends/cpu/thread_pool.h"

namespace cotangent::cpu {
namespace {

// The most elements a patch block holds (4 MiB of f32): larger patches are built and
// multiplied in blocks of output rows.
constexpr int64_t kPatchElements = int64_t{1} << 20;

// One operand in canonical order: sizes and element strides, spec[i]'s axis at position i.
struct Canonical {
  std::vector<int64_t> shape, strides;
};

Canonical CanonicalOf(const Array& a, const std::vector<int64_t>& spec) {
  Canonical c;
  for (int64_t axis : spec) {
    c.shape.push_back(a.aval.shape[axis]);
    c.strides.push_back(a.strides[axis]);
  }
  return c;
}

// The geometry of one convolution, the spatial axes padded to at least one (a rank-2
// convolution is a product with one output position).
struct Geometry {
  int64_t batch_out, out_features, in_features, groups, group_features;
  bool batch_groups;                         // groups split the batch (else the features)
  std::vector<int64_t> window, positions;    // per spatial axis
  std::vector<int64_t> lhs_strides;          // per spatial axis
  std::vector<std::vector<int64_t>> table;   // per axis: [k * positions + o] input index or -1
  std::vector<int64_t> inputs;               // per spatial axis, the input's size
  std::vector<std::vector<int64_t>> target;  // per axis: [k * inputs + s] output index or -1
  int64_t window_size = 1, position_count = 1, input_count = 1;
};

Geometry GeometryOf(const Canonical& l, const Canonical& r, const Canonical& o, const ConvDims& c) {
  Geometry g;
  g.batch_out = o.shape[0];
  g.out_features = r.shape[0];
  g.in_features = r.shape[1];
  g.batch_groups = c.batch_group_count > 1;
  g.groups = std::max(c.feature_group_count, c.batch_group_count);
  g.group_features = g.out_features / g.groups;
  const size_t n = l.shape.size() - 2;
  for (size_t d = 0; d < n; ++d) {
    const int64_t k = r.shape[d + 2], p = o.shape[d + 2], s = l.shape[d + 2];
    std::vector<int64_t> table(k * p, -1);
    for (int64_t ki = 0; ki < k; ++ki) {
      for (int64_t oi = 0; oi < p; ++oi) {
        const int64_t q = oi * c.window_strides[d] + ki * c.rhs_dilation[d] - c.padding_low[d];
        if (q < 0 || q % c.lhs_dilation[d] != 0 || q / c.lhs_dilation[d] >= s) continue;
        table[ki * p + oi] = q / c.lhs_dilation[d];
      }
    }
    // The inverse map: input element si meets window element ki at output o when
    // o * stride = si * lhs_dilation + low - ki * rhs_dilation.
    std::vector<int64_t> target(k * s, -1);
    for (int64_t ki = 0; ki < k; ++ki) {
      for (int64_t si = 0; si < s; ++si) {
        const int64_t q = si * c.lhs_dilation[d] + c.padding_low[d] - ki * c.rhs_dilation[d];
        if (q < 0 || q % c.window_strides[d] != 0 || q / c.window_strides[d] >= p) continue;
        target[ki * s + si] = q / c.window_strides[d];
      }
    }
    g.window.push_back(k);
    g.positions.push_back(p);
    g.lhs_strides.push_back(l.strides[d + 2]);
    g.table.push_back(std::move(table));
    g.inputs.push_back(s);
    g.target.push_back(std::move(target));
  }
  if (n == 0) {
    g.window = g.positions = g.inputs = {1};
    g.lhs_strides = {0};
    g.table = g.target = {{0}};
  }
  for (size_t d = 0; d < g.window.size(); ++d) {
    g.window_size *= g.window[d];
    g.position_count *= g.positions[d];
    g.input_count *= g.inputs[d];
  }
  return g;
}

// Whether strides lay shape out densely in row-major order (a size-1 axis's stride is free).
bool IsRowMajor(const std::vector<int64_t>& shape, const std::vector<int64_t>& strides) {
  int64_t expected = 1;
  for (size_t d = shape.size(); d-- > 0;) {
    if (shape[d] != 1 && strides[d] != expected) return false;
    expected *= shape[d];
  }
  return true;
}

enum class Form { kColumns, kFeatureRuns, kWindowRuns, kScatter };

Form ChooseForm(const Geometry& g, int64_t feature_stride) {
  // Scattering multiplies each input element by the window and the output features; gathering
  // each output position's window of input features: scatter when that is half the data.
  const double scattered = static_cast<double>(g.input_count) * g.window_size * g.group_features;
  const double gathered = static_cast<double>(g.position_count) * g.window_size * g.in_features;
  if (2 * scattered <= gathered) return Form::kScatter;
  if (g.in_features > 1 && feature_stride < g.lhs_strides.back()) return Form::kFeatureRuns;
  if (g.window.back() > g.positions.back()) return Form::kWindowRuns;
  return Form::kColumns;
}

// Where window element k of output position p reads, along the spatial axes [0, axes): adds
// the input offset, false when it falls in padding or a dilation hole.
bool Inside(const Geometry& g, const std::vector<int64_t>& k, const std::vector<int64_t>& p,
            size_t axes, int64_t& offset) {
  for (size_t d = 0; d < axes; ++d) {
    const int64_t s = g.table[d][k[d] * g.positions[d] + p[d]];
    if (s < 0) return false;
    offset += s * g.lhs_strides[d];
  }
  return true;
}

// index = the row-major multi-index of `flat` over sizes.
void Unflatten(int64_t flat, const std::vector<int64_t>& sizes, std::vector<int64_t>& index) {
  for (size_t d = sizes.size(); d-- > 0;) {
    index[d] = flat % sizes[d];
    flat /= sizes[d];
  }
}

// kColumns: rows [row0, row1) of the output positions (a row: all positions along the last
// spatial axis) of one image's patch; patch row (i, window element) holds, per position, the
// input element that window element reads.
template <typename T>
void BuildColumns(const Geometry& g, const T* image, int64_t feature_stride, int64_t row0,
                  int64_t row1, T* dst) {
  const size_t n = g.window.size();
  const int64_t last = g.positions[n - 1], stride = g.lhs_strides[n - 1];
  std::vector<int64_t> k(n, 0), p(n, 0);
  for (int64_t i = 0; i < g.in_features; ++i) {
    for (int64_t w = 0; w < g.window_size; ++w) {
      Unflatten(w, g.window, k);
      const int64_t* table = g.table[n - 1].data() + k[n - 1] * last;
      for (int64_t row = row0; row < row1; ++row, dst += last) {
        Unflatten(row * last, g.positions, p);
        int64_t offset = i * feature_stride;
        if (!Inside(g, k, p, n - 1, offset)) {
          std::fill(dst, dst + last, T{0});
          continue;
        }
        for (int64_t o = 0; o < last; ++o) {
          dst[o] = table[o] >= 0 ? image[offset + table[o] * stride] : T{0};
        }
      }
    }
  }
}

// For each window element (row-major), sum over the spatial axes d of
// scale[d] * tables[d][k_d * extent[d] + at[d]], or -1 where any entry is -1; built one axis at
// a time, with no divisions. With the gather tables (extent: positions, scale: the input's
// strides) it is the input offset each window element of output position `at` reads; with
// the scatter tables (extent: inputs, scale: row-major position strides), the flat output
// position each window element of input element `at` reaches.
void WindowSums(const std::vector<std::vector<int64_t>>& tables, const std::vector<int64_t>& window,
                const std::vector<int64_t>& extent, const std::vector<int64_t>& scale,
                const std::vector<int64_t>& at, std::vector<int64_t>& out,
                std::vector<int64_t>& next) {
  out.assign(1, 0);
  for (size_t d = 0; d < window.size(); ++d) {
    next.clear();
    for (int64_t base : out) {
      for (int64_t k = 0; k < window[d]; ++k) {
        const int64_t v = tables[d][k * extent[d] + at[d]];
        next.push_back(base < 0 || v < 0 ? -1 : base + v * scale[d]);
      }
    }
    out.swap(next);
  }
}

// kFeatureRuns and kWindowRuns: one patch row, output position p of an image, its depth in
// (window, I) or (I, window) order. `offsets`: kFeatureRuns' window offsets of position p
// (WindowSums), the same for every image, so computed once per call.
template <typename T>
void BuildRow(const Geometry& g, Form form, const T* image, int64_t feature_stride,
              const std::vector<int64_t>& p, std::vector<int64_t>& k, const int64_t* offsets,
              T* dst) {
  const size_t n = g.window.size();
  if (form == Form::kFeatureRuns) {
    for (int64_t w = 0; w < g.window_size; ++w) {
      const int64_t offset = offsets[w];
      if (offset < 0) {
        std::fill(dst, dst + g.in_features, T{0});
      } else if (feature_stride == 1) {
        std::copy(image + offset, image + offset + g.in_features, dst);
      } else {
        for (int64_t i = 0; i < g.in_features; ++i) dst[i] = image[offset + i * feature_stride];
      }
      dst += g.in_features;
    }
    return;
  }
  const int64_t last = g.window[n - 1], stride = g.lhs_strides[n - 1];
  const int64_t* table = g.table[n - 1].data() + p[n - 1];
  for (int64_t i = 0; i < g.in_features; ++i) {
    for (int64_t w = 0; w < g.window_size; w += last, dst += last) {
      Unflatten(w, g.window, k);
      int64_t offset = i * feature_stride;
      if (!Inside(g, k, p, n - 1, offset)) {
        std::fill(dst, dst + last, T{0});
        continue;
      }
      for (int64_t kl = 0; kl < last; ++kl) {
        const int64_t s = table[kl * g.positions[n - 1]];
        dst[kl] = s >= 0 ? image[offset + s * stride] : T{0};
      }
    }
  }
}

// Units of work: `items` times their rows in blocks, each block's patch at most kPatchElements
// of `row_elements` each, and at least one unit per thread where the rows allow.
int64_t BlockRows(int64_t items, int64_t rows, int64_t row_elements) {
  const int threads = ThreadPool::Get().parallelism();
  int64_t block = std::clamp<int64_t>(kPatchElements / row_elements, 1, rows);
  if (items * ((rows + block - 1) / block) < threads) {
    const int64_t per_item = (threads + items - 1) / items;
    block = std::max<int64_t>(1, std::min(block, (rows + per_item - 1) / per_item));
  }
  return block;
}

template <typename T>
absl::Status Convolve(const Array& lhs_array, const Array& rhs_array, const ConvDims& c,
                      const Array& out) {
  const Canonical l = CanonicalOf(lhs_array, c.lhs_spec);
  const Canonical r = CanonicalOf(rhs_array, c.rhs_spec);
  const Canonical o = CanonicalOf(out, c.out_spec);
  const Geometry g = GeometryOf(l, r, o, c);
  if (out.aval.size() == 0) return absl::OkStatus();
  const int64_t depth = g.in_features * g.window_size;  // the contraction: I x window
  T* out_data = MutableData<T>(out);
  if (depth == 0) {
    FillDense(out, 0.0);
    return absl::OkStatus();
  }
  const int64_t rows_per_group = g.batch_out * g.position_count;
  if (!FitsBlas(rows_per_group, g.out_features, depth, g.out_features)) {
    return absl::InvalidArgumentError("cpu: conv_general_dilated of " + out.aval.ToString() +
                                      " is too large for BLAS's int sizes");
  }
  const Form form = ChooseForm(g, l.strides[1]);
  if (form == Form::kScatter &&
      !FitsBlas(g.input_count, g.window_size * g.group_features, g.in_features, 1)) {
    return absl::InvalidArgumentError("cpu: conv_general_dilated of " + out.aval.ToString() +
                                      " is too large for BLAS's int sizes");
  }
  // The kernel densely: [O, depth], depth in the patch's order, (I, window) as the canonical
  // rhs or (window, I); for scattering, per group [I, window, O_g].
  std::vector<int64_t> w_shape = r.shape, w_strides = r.strides;
  if (form == Form::kFeatureRuns) {
    std::rotate(w_shape.begin() + 1, w_shape.begin() + 2, w_shape.end());
    std::rotate(w_strides.begin() + 1, w_strides.begin() + 2, w_strides.end());
  } else if (form == Form::kScatter) {
    w_shape = {g.groups, g.in_features};
    w_strides = {g.group_features * r.strides[0], r.strides[1]};
    w_shape.insert(w_shape.end(), r.shape.begin() + 2, r.shape.end());
    w_strides.insert(w_strides.end(), r.strides.begin() + 2, r.strides.end());
    w_shape.push_back(g.group_features);
    w_strides.push_back(r.strides[0]);
  }
  // In place when the depth axes collapse to one stride and BLAS reads the [O, depth] matrix
  // (the kernel gradient's kernel is the whole output cotangent); a dense copy otherwise.
  std::optional<BlasMatrix<T>> kernel;
  if (form != Form::kScatter) {
    std::vector<int64_t> depth_shape(w_shape.begin() + 1, w_shape.end());
    std::vector<int64_t> depth_strides(w_strides.begin() + 1, w_strides.end());
    int64_t unit = 1;  // the stride of the innermost axis that has one
    for (size_t d = depth_shape.size(); d-- > 0;) {
      if (depth_shape[d] != 1) {
        unit = depth_strides[d];
        break;
      }
    }
    for (int64_t& stride : depth_strides) stride /= std::max<int64_t>(unit, 1);
    if (unit > 0 && IsRowMajor(depth_shape, depth_strides)) {
      kernel = AsBlasMatrix(Data<T>(rhs_array), g.out_features, depth, w_strides[0], unit);
    }
  }
  std::vector<T> dense;
  if (!kernel) {
    dense.resize(rhs_array.aval.size());
    CopyStrided(Data<T>(rhs_array), w_shape, w_strides, dense.data(), ContiguousStrides(w_shape),
                sizeof(T));
    kernel = BlasMatrix<T>{dense.data(), false, form == Form::kScatter ? 0 : depth};
  }
  // Rows [first, first + O_g) of the [O, depth] kernel, as is or transposed.
  const auto group_rows = [&](int64_t group, bool transpose) {
    BlasMatrix<T> m = *kernel;
    const int64_t first = group * g.group_features;
    m.data += m.trans ? first : first * m.ld;
    m.trans = m.trans != transpose;
    return m;
  };
  const T* weights = dense.data();  // kScatter's [groups, I, window, O_g]
  // The products write the output channels first, [N', O, positions] (kColumns only), or
  // channels last, [N', positions, O]: in place when that is the output's layout, else into a
  // scratch copied over once at the end.
  std::vector<int64_t> last_shape = o.shape, last_strides = o.strides;
  std::rotate(last_shape.begin() + 1, last_shape.begin() + 2, last_shape.end());
  std::rotate(last_strides.begin() + 1, last_strides.begin() + 2, last_strides.end());
  const bool first_dense = IsRowMajor(o.shape, o.strides);
  const bool last_dense = IsRowMajor(last_shape, last_strides);
  const bool channels_first = form == Form::kColumns && (first_dense || !last_dense);
  const std::vector<int64_t>& shape = channels_first ? o.shape : last_shape;
  const std::vector<int64_t>& strides = channels_first ? o.strides : last_strides;
  const bool direct = channels_first ? first_dense : last_dense;
  const std::unique_ptr<T[]> scratch(direct ? nullptr : new T[out.aval.size()]);
  T* result = direct ? out_data : scratch.get();
  const T* lhs = Data<T>(lhs_array);
  const auto image_of = [&](int64_t n, int64_t group) {
    const int64_t image = g.batch_groups ? group * g.batch_out + n : n;
    const int64_t feature0 = g.batch_groups ? 0 : group * g.in_features;
    return lhs + image * l.strides[0] + feature0 * l.strides[1];
  };
  if (form == Form::kScatter) {
    // Per image and group: Y [inputs, window x O_g] = X [inputs, I] W_g, then each row of Y
    // added, window element by window element, at the output position it reaches.
    const int64_t width = g.window_size * g.group_features;
    // Each input element's offset and the output positions its window elements reach, shared
    // by all images.
    std::vector<int64_t> input_offsets, targets;
    {
      std::vector<int64_t> at(g.inputs.size()), one, next;
      const std::vector<int64_t> position_strides = ContiguousStrides(g.positions);
      for (int64_t si = 0; si < g.input_count; ++si) {
        Unflatten(si, g.inputs, at);
        int64_t offset = 0;
        for (size_t d = 0; d < at.size(); ++d) offset += at[d] * g.lhs_strides[d];
        input_offsets.push_back(offset);
        WindowSums(g.target, g.window, g.inputs, position_strides, at, one, next);
        targets.insert(targets.end(), one.begin(), one.end());
      }
    }
    ParallelFor(g.batch_out * g.groups, 1, [&](int64_t begin, int64_t end) {
      const std::unique_ptr<T[]> x(new T[g.input_count * g.in_features]);
      const std::unique_ptr<T[]> y(new T[g.input_count * width]);
      for (int64_t item = begin; item < end; ++item) {
        const int64_t n = item / g.groups, group = item % g.groups;
        const T* image = image_of(n, group);
        for (int64_t si = 0; si < g.input_count; ++si) {
          for (int64_t i = 0; i < g.in_features; ++i) {
            x[si * g.in_features + i] = image[input_offsets[si] + i * l.strides[1]];
          }
        }
        Gemm(g.input_count, width, g.in_features, BlasMatrix<T>{x.get(), false, g.in_features},
             BlasMatrix<T>{weights + group * g.in_features * width, false, width}, y.get(), width);
        T* rows = result + n * g.position_count * g.out_features + group * g.group_features;
        for (int64_t p = 0; p < g.position_count; ++p) {
          std::fill(rows + p * g.out_features, rows + p * g.out_features + g.group_features, T{0});
        }
        const T* src = y.get();
        for (const int64_t target : targets) {  // input-major, then window element
          if (target >= 0) {
            T* dst = rows + target * g.out_features;
            for (int64_t f = 0; f < g.group_features; ++f) dst[f] += src[f];
          }
          src += g.group_features;
        }
      }
    });
  } else if (form == Form::kColumns) {
    const int64_t last = g.positions.back(), rows = g.position_count / last;
    const int64_t items = g.batch_out * g.groups;
    const int64_t block = BlockRows(items, rows, depth * last);
    const int64_t blocks = (rows + block - 1) / block;
    ParallelFor(items * blocks, 1, [&](int64_t begin, int64_t end) {
      const std::unique_ptr<T[]> patch(new T[depth * block * last]);  // every element is written
      for (int64_t unit = begin; unit < end; ++unit) {
        const int64_t item = unit / blocks, row0 = unit % blocks * block;
        const int64_t row1 = std::min(rows, row0 + block), width = (row1 - row0) * last;
        const int64_t n = item / g.groups, group = item % g.groups;
        BuildColumns(g, image_of(n, group), l.strides[1], row0, row1, patch.get());
        if (channels_first) {  // out [O_g, width] = W_g P
          T* dst = result + (n * g.out_features + group * g.group_features) * g.position_count;
          Gemm(g.group_features, width, depth, group_rows(group, false),
               BlasMatrix<T>{patch.get(), false, width}, dst + row0 * last, g.position_count);
        } else {  // out [width, O_g] = P^T W_g^T
          T* dst = result + (n * g.position_count + row0 * last) * g.out_features +
                   group * g.group_features;
          Gemm(width, g.group_features, depth, BlasMatrix<T>{patch.get(), true, width},
               group_rows(group, true), dst, g.out_features);
        }
      }
    });
  } else {
    // Every position's window offsets, shared by all images (kFeatureRuns).
    std::vector<int64_t> offsets;
    if (form == Form::kFeatureRuns) {
      std::vector<int64_t> p(g.positions.size()), one, next;
      for (int64_t position = 0; position < g.position_count; ++position) {
        Unflatten(position, g.positions, p);
        WindowSums(g.table, g.window, g.positions, g.lhs_strides, p, one, next);
        offsets.insert(offsets.end(), one.begin(), one.end());
      }
    }
    const int64_t block = BlockRows(g.groups, rows_per_group, depth);
    const int64_t blocks = (rows_per_group + block - 1) / block;
    ParallelFor(g.groups * blocks, 1, [&](int64_t begin, int64_t end) {
      const std::unique_ptr<T[]> patch(new T[depth * block]);  // every element is written
      std::vector<int64_t> k(g.window.size()), p(g.positions.size());
      for (int64_t unit = begin; unit < end; ++unit) {
        const int64_t group = unit / blocks, row0 = unit % blocks * block;
        const int64_t row1 = std::min(rows_per_group, row0 + block);
        for (int64_t row = row0; row < row1; ++row) {
          Unflatten(row % g.position_count, g.positions, p);
          const int64_t position = row % g.position_count;
          BuildRow(g, form, image_of(row / g.position_count, group), l.strides[1], p, k,
                   offsets.data() + position * g.window_size, patch.get() + (row - row0) * depth);
        }
        Gemm(row1 - row0, g.group_features, depth, BlasMatrix<T>{patch.get(), false, depth},
             group_rows(group, true), result + row0 * g.out_features + group * g.group_features,
             g.out_features);
      }
    });
  }
  if (!direct) {
    CopyStrided(scratch.get(), shape, ContiguousStrides(shape), out_data, strides, sizeof(T));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ConvGeneralDilatedKernel(absl::Span<const Array> in, const Params& params,
                                      const Array& out) {
  switch (out.aval.dtype) {
    case DType::kF32:
      return Convolve<float>(in[0], in[1], params.conv, out);
    case DType::kF64:
      return Convolve<double>(in[0], in[1], params.conv, out);
    // Integers in the unsigned type of their width (blas.h's LoopGemm says why).
    case DType::kU8: return Convolve<uint8_t>(in[0], in[1], params.conv, out);
    case DType::kI32:
    case DType::kU32: return Convolve<uint32_t>(in[0], in[1], params.conv, out);
    case DType::kI64: return Convolve<uint64_t>(in[0], in[1], params.conv, out);
    default:
      return absl::InternalError("cpu: conv_general_dilated has no kernel for " +
                                 out.aval.ToString());
  }
}

}  // namespace cotangent::cpu
