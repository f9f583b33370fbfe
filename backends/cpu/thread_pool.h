// File: backends/cpu/thread_pool.h
// The CPU backend's persistent worker threads and ParallelFor, which splits large kernels over
// all cores while small ones stay on the calling thread (per-op overhead matters).

#ifndef COTANGENT_BACKENDS_CPU_THREAD_POOL_H_
#define COTANGENT_BACKENDS_CPU_THREAD_POOL_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/functional/function_ref.h"

namespace cotangent::cpu {

class ThreadPool {
 public:
  // The process-wide pool: hardware_concurrency() - 1 workers plus the calling thread, started
  // on first use.
  static ThreadPool& Get();

  explicit ThreadPool(int num_workers);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Threads a parallel loop may use, the caller included.
  int parallelism() const;
  // Caps the threads used (>= 1), e.g. for single-core benchmarks; the default is all of them.
  void set_max_parallelism(int n);

  // Calls fn(begin, end) on disjoint ranges covering [0, n), each at least `grain` long (but
  // the last), on up to parallelism() threads; returns when all are done. One range, on the
  // calling thread, when n <= grain or when called from inside a worker.
  void ParallelFor(int64_t n, int64_t grain, absl::FunctionRef<void(int64_t, int64_t)> fn);

 private:
  struct Job;
  void WorkerLoop();
  static void RunChunks(Job& job);

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Job>> queue_;  // one entry per worker asked to help
  std::atomic<int> queued_{0};              // queue_.size(), for workers polling without the lock
  bool stop_ = false;
  std::atomic<int> max_parallelism_;
  std::vector<std::thread> workers_;
};

// ThreadPool::Get().ParallelFor(n, grain, fn).
inline void ParallelFor(int64_t n, int64_t grain, absl::FunctionRef<void(int64_t, int64_t)> fn) {
  ThreadPool::Get().ParallelFor(n, grain, fn);
}

}  // namespace cotangent::cpu

#endif  // COTANGENT_BACKENDS_CPU_THREAD_POOL_H_
