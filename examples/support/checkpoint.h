// File: examples/support/checkpoint.h
// Training checkpoints for the examples' --resume: the parameters, the optimizer's state and
// the number of updates taken, in one .npz file (cotangent/io.h) whose arrays are named
// params/<key path>, opt/mu/<key path>, opt/nu/<key path> (Adam) or opt/trace/... (SGD with
// momentum), and step, so that numpy.load reads them too.
//   ct::training::SaveCheckpoint(path, {params, opt_state, step});
//   auto [params, opt_state, step] = ct::training::LoadCheckpoint(path, {params, opt_state, 0});

#ifndef COTANGENT_EXAMPLES_SUPPORT_CHECKPOINT_H_
#define COTANGENT_EXAMPLES_SUPPORT_CHECKPOINT_H_

#include <array>
#include <cstdint>
#include <string>
#include <tuple>

#include "cotangent/cotangent.h"

namespace cotangent::training {

// What a checkpoint holds: P is the parameters' container, S the optimizer's state
// (optim::AdamState<P>, optim::SgdState<P>), step the updates taken (the state's count).
template <typename P, typename S>
struct TrainState {
  P params;
  S opt;
  int64_t step = 0;
};

namespace internal {
// The file's layout: the step as an i32 scalar beside the two containers.
template <typename P, typename S>
struct Stored {
  P params;
  S opt;
  Tensor step;
};
template <typename P, typename S>
auto tree_fields(Stored<P, S>& s) { return std::tie(s.params, s.opt, s.step); }
template <typename P, typename S>
auto tree_field_names(const Stored<P, S>&) { return std::array{"params", "opt", "step"}; }
}  // namespace internal

template <typename P, typename S>
void SaveCheckpoint(const std::string& path, const TrainState<P, S>& state) {
  save(path, internal::Stored<P, S>{state.params, state.opt,
                                    scalar(static_cast<double>(state.step), i32)});
}

// The checkpoint at path, shaped like `like`: every name, shape and dtype must match (an
// Error names the first difference, e.g. a checkpoint of another model size).
template <typename P, typename S>
TrainState<P, S> LoadCheckpoint(const std::string& path, const TrainState<P, S>& like) {
  const internal::Stored<P, S> stored =
      load(path, internal::Stored<P, S>{like.params, like.opt, scalar(0, i32)});
  TrainState<P, S> out{stored.params, stored.opt, stored.step.template item<int64_t>()};
  out.opt.count = out.step;
  return out;
}

}  // namespace cotangent::training

#endif  // COTANGENT_EXAMPLES_SUPPORT_CHECKPOINT_H_
