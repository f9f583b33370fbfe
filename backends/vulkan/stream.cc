// File: backends/vulkan/stream.cc
// Batch recording, hazard barriers, submission and retirement.

#include "backends/vulkan/stream.h"

#include "backends/vulkan/status.h"

namespace cotangent::vulkan {

absl::StatusOr<std::unique_ptr<Stream>> Stream::Create(const Device& device,
                                                       const Options& options) {
  COTANGENT_ASSIGN_OR_RETURN(CommandPool pool, CommandPool::Create(device));
  return std::unique_ptr<Stream>(new Stream(device, options, std::move(pool)));
}

Stream::~Stream() {
  // Work recorded but not submitted is dropped (nothing can read its results any more): no
  // new work starts while the process may be exiting.
  recording_.reset();
  while (!in_flight_.empty()) {
    // A lost device returns at once; a hung one is given the timeout, then abandoned.
    (void)in_flight_.front()->fence.Wait(options_.timeout);
    in_flight_.pop_front();
  }
}

absl::Status Stream::Fail(absl::Status status) {
  if (failure_.ok()) failure_ = status;
  return status;
}

absl::StatusOr<std::unique_ptr<Stream::Batch>> Stream::NewBatch() {
  COTANGENT_ASSIGN_OR_RETURN(CommandBuffer commands, CommandBuffer::Create(device_, pool_));
  COTANGENT_ASSIGN_OR_RETURN(Fence fence, Fence::Create(device_));
  COTANGENT_ASSIGN_OR_RETURN(DescriptorPool descriptors, NewDescriptorPool());
  std::vector<DescriptorPool> pools;
  pools.push_back(std::move(descriptors));
  return std::make_unique<Batch>(
      Batch{std::move(commands), std::move(fence), std::move(pools), {}, 0, 0, 0});
}

absl::StatusOr<DescriptorPool> Stream::NewDescriptorPool() {
  const uint32_t sets = static_cast<uint32_t>(options_.commands_per_batch);
  return DescriptorPool::Create(device_, sets, sets * kMaxBindings);
}

absl::Status Stream::EnsureRecording() {
  COTANGENT_RETURN_IF_ERROR(failure_);
  if (recording_ != nullptr) return absl::OkStatus();
  COTANGENT_RETURN_IF_ERROR(Poll());
  if (static_cast<int>(in_flight_.size()) >= options_.batches_in_flight) {
    COTANGENT_RETURN_IF_ERROR(WaitOldest());
  }
  std::unique_ptr<Batch> batch;
  if (!spare_.empty()) {
    batch = std::move(spare_.back());
    spare_.pop_back();
  } else {
    COTANGENT_ASSIGN_OR_RETURN(batch, NewBatch());
  }
  COTANGENT_RETURN_IF_ERROR(batch->commands.Begin());
  batch->serial = next_serial_++;
  // Orders this batch after every write of earlier batches (same queue, submission order).
  batch->commands.DeviceBarrier();
  written_.clear();
  read_.clear();
  recording_ = std::move(batch);
  return absl::OkStatus();
}

void Stream::Track(absl::Span<const BufferUse> uses) {
  bool hazard = false;
  for (const BufferUse& use : uses) {
    const std::pair<VkBuffer, VkDeviceSize> block = {use.buffer->allocation().buffer,
                                                     use.buffer->allocation().offset};
    hazard = hazard || written_.contains(block) || (use.write && read_.contains(block));
  }
  if (hazard) {
    recording_->commands.DeviceBarrier();
    written_.clear();
    read_.clear();
    ++stats_.barriers;
  }
  for (const BufferUse& use : uses) {
    const std::pair<VkBuffer, VkDeviceSize> block = {use.buffer->allocation().buffer,
                                                     use.buffer->allocation().offset};
    use.buffer->last_use = recording_->serial;
    if (use.write) {
      use.buffer->last_write = recording_->serial;
      written_.insert(block);
    } else {
      read_.insert(block);
    }
    use.buffer->AddBackendReference();  // before the reference itself, as Retire
    recording_->keep_alive.push_back(use.buffer);
    recording_->bytes += use.buffer->bytes();
  }
}

absl::Status Stream::AfterCommand() {
  ++stats_.commands;
  if ((++recording_->recorded >= options_.commands_per_batch && holds_ == 0) ||
      recording_->bytes >= options_.bytes_per_batch) {
    return Flush();
  }
  return absl::OkStatus();
}

absl::Status Stream::Dispatch(const Pipeline& pipeline, absl::Span<const BufferUse> buffers,
                              absl::Span<const uint32_t> push, std::array<uint32_t, 3> groups) {
  COTANGENT_RETURN_IF_ERROR(EnsureRecording());
  VkDescriptorBufferInfo infos[kMaxBindings];
  for (size_t i = 0; i < buffers.size(); ++i) infos[i] = buffers[i].buffer->descriptor();
  const DescriptorSetLayout& set_layout = pipeline.layout().set_layout();
  const auto allocate = [&] {
    return recording_->descriptors.back().Allocate(set_layout,
                                                   absl::MakeConstSpan(infos, buffers.size()));
  };
  absl::StatusOr<VkDescriptorSet> set = allocate();
  if (!set.ok() && absl::IsResourceExhausted(set.status())) {
    // The batch's last descriptor pool is full: a held batch grows by a pool, any other
    // continues in a fresh batch.
    if (holds_ > 0) {
      COTANGENT_ASSIGN_OR_RETURN(DescriptorPool pool, NewDescriptorPool());
      recording_->descriptors.push_back(std::move(pool));
    } else {
      COTANGENT_RETURN_IF_ERROR(Flush());
      COTANGENT_RETURN_IF_ERROR(EnsureRecording());
    }
    set = allocate();
  }
  if (!set.ok()) return set.status();
  Track(buffers);
  const CommandBuffer& cmd = recording_->commands;
  cmd.BindPipeline(pipeline.handle());
  cmd.BindDescriptorSet(pipeline.layout().handle(), *set);
  cmd.PushConstants(pipeline.layout().handle(), push);
  cmd.Dispatch(groups[0], groups[1], groups[2]);
  return AfterCommand();
}

absl::Status Stream::Copy(const std::shared_ptr<VulkanBuffer>& src, VkDeviceSize src_offset,
                          const std::shared_ptr<VulkanBuffer>& dst, VkDeviceSize dst_offset,
                          VkDeviceSize bytes) {
  COTANGENT_RETURN_IF_ERROR(EnsureRecording());
  const BufferUse uses[] = {{src, false}, {dst, true}};
  Track(uses);
  recording_->commands.CopyBuffer(src->allocation().buffer, src->allocation().offset + src_offset,
                                  dst->allocation().buffer, dst->allocation().offset + dst_offset,
                                  bytes);
  return AfterCommand();
}

absl::Status Stream::Flush() {
  COTANGENT_RETURN_IF_ERROR(failure_);
  if (recording_ == nullptr) return absl::OkStatus();
  std::unique_ptr<Batch> batch = std::move(recording_);
  batch->commands.HostBarrier();
  COTANGENT_RETURN_IF_ERROR(Fail(batch->commands.End()));
  const VkCommandBuffer cmd = batch->commands.handle();
  const VkSubmitInfo submit{
      .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
      .commandBufferCount = 1,
      .pCommandBuffers = &cmd,
  };
  const absl::Status status =
      VkCheck(device_.vk().vkQueueSubmit(device_.queue(), 1, &submit, batch->fence.handle()),
              "vkQueueSubmit");
  if (!status.ok()) {
    in_flight_.push_back(std::move(batch));  // freed with the stream, never reused
    return Fail(status);
  }
  ++stats_.submits;
  in_flight_.push_back(std::move(batch));
  return Poll();
}

absl::Status Stream::Release() {
  if (holds_ > 0) --holds_;
  return Flush();
}

absl::Status Stream::Poll() {
  while (!in_flight_.empty()) {
    absl::StatusOr<bool> done = in_flight_.front()->fence.IsSignaled();
    if (!done.ok()) return Fail(done.status());
    if (!*done) break;
    std::unique_ptr<Batch> batch = std::move(in_flight_.front());
    in_flight_.pop_front();
    COTANGENT_RETURN_IF_ERROR(Retire(std::move(batch)));
  }
  return absl::OkStatus();
}

absl::Status Stream::WaitOldest() {
  ++stats_.waits;
  COTANGENT_RETURN_IF_ERROR(Fail(in_flight_.front()->fence.Wait(options_.timeout)));
  std::unique_ptr<Batch> batch = std::move(in_flight_.front());
  in_flight_.pop_front();
  return Retire(std::move(batch));
}

absl::Status Stream::Retire(std::unique_ptr<Batch> batch) {
  completed_ = batch->serial;
  // Buffers the batch used may now be recycled. Each count drops before its reference (in
  // between, a reader of both sees the buffer shared: never the other way round).
  for (const std::shared_ptr<VulkanBuffer>& buffer : batch->keep_alive) {
    buffer->DropBackendReference();
  }
  batch->keep_alive.clear();
  batch->recorded = 0;
  batch->bytes = 0;
  for (DescriptorPool& pool : batch->descriptors) COTANGENT_RETURN_IF_ERROR(Fail(pool.Reset()));
  COTANGENT_RETURN_IF_ERROR(Fail(batch->fence.Reset()));
  spare_.push_back(std::move(batch));
  return absl::OkStatus();
}

absl::Status Stream::WaitFor(uint64_t serial) {
  COTANGENT_RETURN_IF_ERROR(failure_);
  if (serial <= completed_) return absl::OkStatus();
  if (recording_ != nullptr && serial >= recording_->serial) COTANGENT_RETURN_IF_ERROR(Flush());
  while (!in_flight_.empty() && in_flight_.front()->serial <= serial) {
    COTANGENT_RETURN_IF_ERROR(WaitOldest());
  }
  return absl::OkStatus();
}

absl::Status Stream::Finish() { return WaitFor(recording_serial()); }

absl::Status Stream::Drain() {
  recording_.reset();
  COTANGENT_RETURN_IF_ERROR(failure_);
  while (!in_flight_.empty()) COTANGENT_RETURN_IF_ERROR(WaitOldest());
  return absl::OkStatus();
}

}  // namespace cotangent::vulkan
