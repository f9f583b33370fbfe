// File: benchmarks/torch_support.h
// What the LibTorch binaries (torch_benchmark.cc, torch_lax_benchmark.cc) share: the --check
// inputs as tensors and their values back; SetThreads is torch_threads.cc's.

#ifndef COTANGENT_BENCHMARKS_TORCH_SUPPORT_H_
#define COTANGENT_BENCHMARKS_TORCH_SUPPORT_H_

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace cotangent::bench {

// The deterministic inputs of benchmarks/check_inputs.h as a tensor of dtype.
inline torch::Tensor CheckTensor(const std::vector<double>& values, std::vector<int64_t> shape,
                                 torch::ScalarType dtype = torch::kFloat32) {
  return torch::tensor(values, torch::kFloat64).reshape(shape).to(dtype);
}

// t's elements, row-major, as doubles.
inline std::vector<double> Values(const torch::Tensor& t) {
  const torch::Tensor flat = t.detach().to(torch::kFloat64).contiguous().reshape({-1});
  return std::vector<double>(flat.data_ptr<double>(), flat.data_ptr<double>() + flat.numel());
}

}  // namespace cotangent::bench

#endif  // COTANGENT_BENCHMARKS_TORCH_SUPPORT_H_
