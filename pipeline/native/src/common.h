// Shared plumbing of the native kernels: the calling convention (a heap and a
// Float64Array of numbers), bounds-checked views into the heap, and the
// floating-point mode every kernel runs under.
#pragma once

#include <node_api.h>
#include <xmmintrin.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace hw1 {

// A kernel's failure, thrown in C++ and turned into a JavaScript Error at the boundary.
struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Every exported kernel is called as f(heap: ArrayBuffer, args: Float64Array):
// `heap` is the wasm backend's memory (or any ArrayBuffer holding the tensors),
// `args` the offsets and sizes. One convention keeps the boundary to two N-API reads.
struct Call {
  uint8_t *heap = nullptr;
  size_t heapBytes = 0;
  const double *args = nullptr;
  size_t count = 0;
  size_t next = 0;

  double number() {
    if (next >= count) throw Failure("too few arguments");
    return args[next++];
  }
  int64_t integer() { return static_cast<int64_t>(number()); }
  // A float32 array of `n` elements at byte offset `offset` of the heap, checked to lie inside it.
  float *floats(int64_t offset, int64_t n) {
    if (offset < 0 || n < 0 || offset % 4 != 0 || static_cast<size_t>(offset) + static_cast<size_t>(n) * 4 > heapBytes) {
      throw Failure("a tensor lies outside the heap (offset " + std::to_string(offset) + ", " + std::to_string(n) + " floats, heap " +
                    std::to_string(heapBytes) + " bytes)");
    }
    return reinterpret_cast<float *>(heap + offset);
  }
  // An int32 array (a tensor of labels) of exactly `expected` elements, given as offset and count.
  int32_t *ints(int64_t expected) {
    int64_t offset = integer();
    int64_t n = integer();
    if (n != expected) throw Failure("an int32 tensor has " + std::to_string(n) + " elements where " + std::to_string(expected) + " were expected");
    return reinterpret_cast<int32_t *>(floats(offset, n));
  }
  // The next two arguments, an offset and an element count, as a float array.
  float *tensor() {
    int64_t offset = integer();
    int64_t n = integer();
    return floats(offset, n);
  }
  // The same, checked to hold exactly the `expected` elements the kernel's shapes imply.
  float *tensor(int64_t expected) {
    int64_t offset = integer();
    int64_t n = integer();
    if (n != expected) throw Failure("a tensor has " + std::to_string(n) + " elements where its shape implies " + std::to_string(expected));
    return floats(offset, n);
  }
};

// Reads (heap, args) from a callback's arguments; a detached heap (wasm memory grew since the
// caller took its buffer) has no data and is refused instead of dereferenced.
Call readCall(napi_env env, napi_callback_info info);

// Flush-to-zero and denormals-are-zero for the duration of a kernel: subnormal arithmetic is slow in
// hardware (here a [64,14,14,16] convolution of subnormal inputs took 1.29 ms without, 0.98 ms with; some
// CPUs penalise it far more). The mode is per thread, so it is set and restored around each call.
struct FlushDenormals {
  unsigned saved;
  FlushDenormals() : saved(_mm_getcsr()) { _mm_setcsr(saved | 0x8040); }
  ~FlushDenormals() { _mm_setcsr(saved); }
};

// Registers `fn` as exports[name], wrapped so that a thrown Failure (or any exception) becomes a JavaScript Error.
using Kernel = void (*)(Call &call);
void exportKernel(napi_env env, napi_value exports, const char *name, Kernel fn);

// Each file of kernels exports its own; addon.cc calls these at load.
void registerConv(napi_env env, napi_value exports);
void registerGemm(napi_env env, napi_value exports);
void registerAdam(napi_env env, napi_value exports);
void registerMlp(napi_env env, napi_value exports);
void registerPool(napi_env env, napi_value exports);
void registerLoss(napi_env env, napi_value exports);

}  // namespace hw1
