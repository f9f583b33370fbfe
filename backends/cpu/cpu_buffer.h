// File: backends/cpu/cpu_buffer.h
// A CPU backend buffer: a pooled host block (backends/cpu/block_pool.h) owned by a CpuBuffer,
// and typed access from an Array view (base pointer + offset) that every kernel goes through.

#ifndef COTANGENT_BACKENDS_CPU_CPU_BUFFER_H_
#define COTANGENT_BACKENDS_CPU_CPU_BUFFER_H_

#include <cstdint>
#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "backends/cpu/block_pool.h"
#include "core/array.h"
#include "core/backend.h"

namespace cotangent {

class CpuBackend;

// A block of the backend's BlockPool (64-byte aligned, or 2 MiB for huge pages), counted in
// the backend's live bytes while the buffer lives, and given back to the pool after.
class CpuBuffer final : public Buffer {
  struct Private {
    explicit Private() = default;
  };

 public:
  // A buffer of `bytes` (0 is fine), its shared_ptr control block also from the pool;
  // InvalidArgument for a negative size, ResourceExhausted naming the byte count when out of
  // memory.
  static absl::StatusOr<std::shared_ptr<CpuBuffer>> Create(CpuBackend& backend, int64_t bytes);

  // A buffer over memory the caller owns (not counted in the backend's bytes, never written):
  // release runs when the buffer dies (it may be empty).
  static std::shared_ptr<CpuBuffer> Borrow(CpuBackend& backend, void* data, int64_t bytes,
                                           std::function<void()> release);

  CpuBuffer(Private, CpuBackend& backend, int64_t bytes, cpu::Block block);
  CpuBuffer(Private, CpuBackend& backend, int64_t bytes, void* data,
            std::function<void()> release);
  ~CpuBuffer() override;

  bool borrowed() const override { return borrowed_; }

  void* data() const { return block_.data; }

 private:
  cpu::Block block_;
  bool borrowed_ = false;
  std::function<void()> release_;
};

namespace cpu {

// The storage type of a dtype's elements inside kernels. bool is a byte holding 0 or 1; it is
// read as uint8_t rather than C++ bool so that no byte value is ever undefined behaviour.
template <DType dtype> struct StorageOf;
template <> struct StorageOf<DType::kBool> { using type = uint8_t; };
template <> struct StorageOf<DType::kU8> { using type = uint8_t; };
template <> struct StorageOf<DType::kU32> { using type = uint32_t; };
template <> struct StorageOf<DType::kI32> { using type = int32_t; };
template <> struct StorageOf<DType::kI64> { using type = int64_t; };
template <> struct StorageOf<DType::kF32> { using type = float; };
template <> struct StorageOf<DType::kF64> { using type = double; };

// Element (0, ..., 0) of a view of a CPU buffer.
template <typename T>
const T* Data(const Array& a) {
  return static_cast<const T*>(static_cast<const CpuBuffer&>(*a.buffer).data()) + a.offset;
}
template <typename T>
T* MutableData(const Array& a) {
  return static_cast<T*>(static_cast<const CpuBuffer&>(*a.buffer).data()) + a.offset;
}

// The first byte of element (0, ..., 0) of a view, for kernels that move bytes of any dtype.
inline char* ElementBytes(const Array& a) {
  return static_cast<char*>(static_cast<const CpuBuffer&>(*a.buffer).data()) +
         a.offset * DTypeSize(a.aval.dtype);
}

}  // namespace cpu
}  // namespace cotangent

#endif  // COTANGENT_BACKENDS_CPU_CPU_BUFFER_H_
