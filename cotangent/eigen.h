// File: cotangent/eigen.h
// Eigen interop, zero-copy both ways (not included by cotangent/cotangent.h: include it where
// Eigen is on the include path, e.g. -isystem /usr/include/eigen3 with Debian's libeigen3-dev,
// or CMake's Eigen3::Eigen):
//   Eigen::Map view = ct::eigen::map<float>(x);  // x's elements in place, any strides
//   ct::Tensor t = ct::eigen::view(matrix);        // a CPU tensor reading matrix's memory
//   ct::Tensor c = ct::eigen::copy(a * b + c);     // a tensor holding an expression's values
// Lifetimes are those of cotangent/interop.h: a map lives while x (or a view of it) does; a
// view needs the matrix alive and unchanged while the tensor (or a view of it) lives.

#ifndef COTANGENT_COTANGENT_EIGEN_H_
#define COTANGENT_COTANGENT_EIGEN_H_

#include <Eigen/Core>
#include <functional>
#include <span>
#include <vector>

#include "cotangent/creation.h"
#include "cotangent/interop.h"
#include "cotangent/numpy.h"

namespace cotangent::eigen {

template <typename T>
using RowMajorMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
// A read-only map with run-time strides, which any view of a CPU tensor has.
template <typename T>
using StridedMap = Eigen::Map<const RowMajorMatrix<T>, Eigen::Unaligned,
                              Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>>;

// A rank-0, -1 (a column) or -2 CPU tensor of dtype T as an Eigen matrix, read in place with
// its strides (a transposed or sliced tensor maps without a copy). Throws as host_span does,
// and for rank 3 and more.
template <typename T>
StridedMap<T> map(const Tensor& x) {
  const internal::HostView v = internal::HostStrided(x, DTypeOf<T>::value, "eigen::map");
  if (v.shape.size() > 2) ThrowInvalid("eigen::map: ", x.aval().ToString(), " has rank > 2");
  const int64_t rows = v.shape.empty() ? 1 : v.shape[0];
  const int64_t cols = v.shape.size() == 2 ? v.shape[1] : 1;
  const int64_t outer = v.shape.empty() ? 1 : v.strides[0];
  const int64_t inner = v.shape.size() == 2 ? v.strides[1] : 1;
  return StridedMap<T>(static_cast<const T*>(v.data), rows, cols,
                       Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>(outer, inner));
}

// The shape of an Eigen object: rank 1 for a compile-time vector, else [rows, cols].
template <typename Derived>
Shape ShapeOf(const Eigen::EigenBase<Derived>& m) {
  if (Derived::ColsAtCompileTime == 1 || Derived::RowsAtCompileTime == 1) return {m.size()};
  return {m.rows(), m.cols()};
}

// A CPU tensor over a dense matrix's or vector's memory, in place (a column-major matrix, as
// Eigen stores by default, is the transposed view of its row-major reading). The tensor's
// lifetime is bounded by m's (see above); release runs when the last view of it dies.
template <typename Derived>
Tensor view(const Eigen::PlainObjectBase<Derived>& m, std::function<void()> release = {}) {
  using T = typename Derived::Scalar;
  const std::span<const T> data(m.data(), static_cast<size_t>(m.size()));
  const Shape shape = ShapeOf(m);
  if (shape.size() == 1 || Derived::IsRowMajor) return borrow(data, shape, std::move(release));
  return transpose(borrow(data, {m.cols(), m.rows()}, std::move(release)));
}

// A tensor (on the default device) holding the values of any Eigen expression.
template <typename Derived>
Tensor copy(const Eigen::DenseBase<Derived>& expression) {
  using T = typename Derived::Scalar;
  const RowMajorMatrix<T> dense = expression;
  return from_vector(std::vector<T>(dense.data(), dense.data() + dense.size()),
                     ShapeOf(expression.derived()));
}

}  // namespace cotangent::eigen

#endif  // COTANGENT_COTANGENT_EIGEN_H_
