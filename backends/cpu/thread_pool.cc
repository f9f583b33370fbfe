// File: backends/cpu/thread_pool.cc
// Worker threads take "help with this job" tokens from a queue and claim chunks of the job
// through an atomic counter, so the caller never waits for a worker busy elsewhere.

#include "backends/cpu/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>

namespace cotangent::cpu {
namespace {

// Set on worker threads: nested parallel loops run inline instead of deadlocking on the pool.
thread_local bool in_worker = false;

// How long a thread polls before it sleeps: a worker after its last job, for the next one; the
// caller, for its helpers to finish. Waking a sleeping thread costs tens of microseconds on a
// VM, as long as half of a 128^3 matmul: with sleeping alone, W5's 128^3 product on 2 threads
// ran at 61 GFLOP/s against 91 on one; polling 50 us (OpenMP runtimes and OpenBLAS poll
// likewise) lets back-to-back parallel kernels hand over without sleeping (150 GFLOP/s).
constexpr auto kSpinTime = std::chrono::microseconds(50);

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// Polls `ready` for up to kSpinTime (the clock read every 64 polls); whether it became true.
template <typename Ready>
bool SpinUntil(Ready ready) {
  const auto deadline = std::chrono::steady_clock::now() + kSpinTime;
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (ready()) return true;
      CpuRelax();
    }
    if (std::chrono::steady_clock::now() >= deadline) return ready();
  }
}

}  // namespace

struct ThreadPool::Job {
  absl::FunctionRef<void(int64_t, int64_t)> fn;
  int64_t n;
  int64_t chunk;  // elements per chunk
  int64_t num_chunks;
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> done{0};
  std::mutex mutex;
  std::condition_variable finished;
};

ThreadPool& ThreadPool::Get() {
  static ThreadPool* pool = [] {
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    return new ThreadPool(cores - 1);  // Leaked: workers must outlive static destructors.
  }();
  return *pool;
}

ThreadPool::ThreadPool(int num_workers) : max_parallelism_(num_workers + 1) {
  workers_.reserve(num_workers);
  for (int i = 0; i < num_workers; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

int ThreadPool::parallelism() const {
  return std::min<int>(max_parallelism_.load(), static_cast<int>(workers_.size()) + 1);
}

void ThreadPool::set_max_parallelism(int n) { max_parallelism_ = std::max(1, n); }

void ThreadPool::RunChunks(Job& job) {
  for (int64_t i; (i = job.next.fetch_add(1)) < job.num_chunks;) {
    const int64_t begin = i * job.chunk;
    job.fn(begin, std::min(job.n, begin + job.chunk));
    if (job.done.fetch_add(1) + 1 == job.num_chunks) {
      std::lock_guard<std::mutex> lock(job.mutex);
      job.finished.notify_all();
    }
  }
}

void ThreadPool::WorkerLoop() {
  in_worker = true;
  for (;;) {
    std::shared_ptr<Job> job;
    SpinUntil([this] { return queued_.load(std::memory_order_acquire) > 0; });
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
      queued_.fetch_sub(1, std::memory_order_relaxed);
    }
    RunChunks(*job);
  }
}

void ThreadPool::ParallelFor(int64_t n, int64_t grain,
                             absl::FunctionRef<void(int64_t, int64_t)> fn) {
  if (n <= 0) return;
  const int64_t threads = in_worker ? 1 : parallelism();
  grain = std::max<int64_t>(grain, 1);
  const int64_t max_chunks = std::min<int64_t>(threads, (n + grain - 1) / grain);
  if (max_chunks <= 1) {
    fn(0, n);
    return;
  }
  const int64_t chunk = (n + max_chunks - 1) / max_chunks;
  const int64_t num_chunks = (n + chunk - 1) / chunk;
  auto job = std::make_shared<Job>(fn, n, chunk, num_chunks);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (int64_t i = 1; i < num_chunks; ++i) queue_.push_back(job);
    queued_.fetch_add(static_cast<int>(num_chunks - 1), std::memory_order_release);
  }
  for (int64_t i = 1; i < num_chunks; ++i) wake_.notify_one();
  RunChunks(*job);
  if (SpinUntil([&] { return job->done.load() == job->num_chunks; })) return;
  std::unique_lock<std::mutex> lock(job->mutex);
  job->finished.wait(lock, [&] { return job->done.load() == job->num_chunks; });
}

}  // namespace cotangent::cpu
