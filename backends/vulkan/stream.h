// File: backends/vulkan/stream.h
// The command stream: kernels and copies are recorded into command buffers and submitted in
// batches (when a batch is full, or when the host needs a result). Each batch owns its
// command buffer, fence and descriptor pool, and holds a reference to every buffer it uses
// until its fence signals, so no buffer is recycled while the device may still touch it.
// Barriers are inserted only where a command reads or rewrites a buffer written since the
// last barrier. The host waits only in WaitFor/Finish, with a timeout.

#ifndef COTANGENT_BACKENDS_VULKAN_STREAM_H_
#define COTANGENT_BACKENDS_VULKAN_STREAM_H_

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "backends/vulkan/command_buffer.h"
#include "backends/vulkan/command_pool.h"
#include "backends/vulkan/descriptor_pool.h"
#include "backends/vulkan/device.h"
#include "backends/vulkan/fence.h"
#include "backends/vulkan/pipeline.h"
#include "backends/vulkan/vulkan_buffer.h"

namespace cotangent::vulkan {

// A buffer a command reads, or writes.
struct BufferUse {
  std::shared_ptr<VulkanBuffer> buffer;
  bool write = false;
};

// Most buffers one kernel binds.
inline constexpr int kMaxBindings = 8;

class Stream {
 public:
  struct Options {
    int commands_per_batch = 64;  // submit when a batch holds this many commands
    // ... or keeps this many bytes of buffers alive (so dropped arrays are recycled soon).
    int64_t bytes_per_batch = int64_t{256} << 20;
    int batches_in_flight = 3;    // then wait for the oldest before recording more
    absl::Duration timeout = absl::Seconds(120);  // per fence wait
  };
  struct Stats {
    int64_t commands = 0;
    int64_t barriers = 0;
    int64_t submits = 0;
    int64_t waits = 0;
  };

  // The device must outlive the stream.
  static absl::StatusOr<std::unique_ptr<Stream>> Create(const Device& device,
                                                        const Options& options);
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  // Drops the batch being recorded, waits (up to the timeout) for batches in flight, then
  // frees everything.
  ~Stream();

  // Records pipeline over `groups` workgroups with buffers bound at 0..n-1 and push constants.
  absl::Status Dispatch(const Pipeline& pipeline, absl::Span<const BufferUse> buffers,
                        absl::Span<const uint32_t> push, std::array<uint32_t, 3> groups);
  // Records a copy of `bytes` between buffer offsets (multiples of 4).
  absl::Status Copy(const std::shared_ptr<VulkanBuffer>& src, VkDeviceSize src_offset,
                    const std::shared_ptr<VulkanBuffer>& dst, VkDeviceSize dst_offset,
                    VkDeviceSize bytes);
  // Submits the batch being recorded, if any.
  absl::Status Flush();
  // While held (Hold calls not yet matched by Release), a batch is not cut at
  // commands_per_batch: a compiled program's commands go into one submission, which Release
  // makes. The byte limit still cuts batches, so a program cannot pin unbounded memory.
  void Hold() { ++holds_; }
  absl::Status Release();
  // Returns once the batch with this serial (and every earlier one) has finished, submitting
  // it first if it is still being recorded. Serial 0 means "nothing".
  absl::Status WaitFor(uint64_t serial);
  // Submits and waits for everything.
  absl::Status Finish();
  // Drops the batch being recorded (unsubmitted work) and waits for the batches in flight.
  absl::Status Drain();

  // The serial commands recorded now belong to.
  uint64_t recording_serial() const { return recording_ ? recording_->serial : next_serial_; }
  bool IsComplete(uint64_t serial) const { return serial <= completed_; }
  const Stats& stats() const { return stats_; }

 private:
  struct Batch {
    CommandBuffer commands;
    Fence fence;
    // Pools of commands_per_batch sets; a held batch adds pools as it grows.
    std::vector<DescriptorPool> descriptors;
    std::vector<std::shared_ptr<VulkanBuffer>> keep_alive;
    uint64_t serial = 0;
    int recorded = 0;
    int64_t bytes = 0;  // of the buffers in keep_alive
  };

  Stream(const Device& device, const Options& options, CommandPool pool)
      : device_(device), options_(options), pool_(std::move(pool)) {}

  absl::Status EnsureRecording();
  absl::StatusOr<std::unique_ptr<Batch>> NewBatch();
  // Records a barrier first if `uses` read or write a buffer written since the last one, or
  // write one read since it (a donated buffer rewritten after its last reader); then marks
  // them used (and written) by the recording batch and keeps them alive.
  void Track(absl::Span<const BufferUse> uses);
  absl::Status AfterCommand();
  // Retires finished batches from the front of the in-flight queue.
  absl::Status Poll();
  absl::Status WaitOldest();
  absl::Status Retire(std::unique_ptr<Batch> batch);
  absl::Status Fail(absl::Status status);

  const Device& device_;
  const Options options_;
  CommandPool pool_;
  std::unique_ptr<Batch> recording_;
  std::deque<std::unique_ptr<Batch>> in_flight_;
  std::vector<std::unique_ptr<Batch>> spare_;
  uint64_t next_serial_ = 1;
  uint64_t completed_ = 0;
  absl::StatusOr<DescriptorPool> NewDescriptorPool();
  // Blocks written, and read, since the last barrier, by (VkBuffer, offset).
  absl::flat_hash_set<std::pair<VkBuffer, VkDeviceSize>> written_, read_;
  int holds_ = 0;
  absl::Status failure_;  // sticky: a lost device or failed submit stops the stream
  Stats stats_;
};

}  // namespace cotangent::vulkan

#endif  // COTANGENT_BACKENDS_VULKAN_STREAM_H_
