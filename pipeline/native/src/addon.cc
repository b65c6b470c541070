// The addon's entry: the calling convention, the error boundary, and info()
// (oneDNN's version and the instruction set it dispatches to, which the
// backend records: a result computed with other kernels is another result).
#include <oneapi/dnnl/dnnl.h>

#include <cstring>
#include <string>

#include "common.h"

extern "C" void omp_set_num_threads(int);

namespace hw1 {

Call readCall(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < 2) throw Failure("expected (heap, args)");
  Call call;
  void *data = nullptr;
  size_t bytes = 0;
  bool isArrayBuffer = false;
  napi_is_arraybuffer(env, argv[0], &isArrayBuffer);
  if (!isArrayBuffer) throw Failure("the heap must be an ArrayBuffer");
  if (napi_get_arraybuffer_info(env, argv[0], &data, &bytes) != napi_ok) throw Failure("cannot read the heap");
  // A detached buffer (the wasm memory grew after the caller read it) reads as no data.
  if (data == nullptr || bytes == 0) throw Failure("the heap is detached (wasm memory grew); read the buffer again after allocating");
  call.heap = static_cast<uint8_t *>(data);
  call.heapBytes = bytes;
  napi_typedarray_type type;
  size_t length = 0;
  void *args = nullptr;
  bool isTypedArray = false;
  napi_is_typedarray(env, argv[1], &isTypedArray);
  if (!isTypedArray || napi_get_typedarray_info(env, argv[1], &type, &length, &args, nullptr, nullptr) != napi_ok || type != napi_float64_array) {
    throw Failure("the arguments must be a Float64Array");
  }
  call.args = static_cast<const double *>(args);
  call.count = length;
  return call;
}

namespace {

napi_value callKernel(napi_env env, napi_callback_info info) {
  void *data = nullptr;
  size_t argc = 0;
  napi_get_cb_info(env, info, &argc, nullptr, nullptr, &data);
  auto fn = reinterpret_cast<Kernel>(data);
  try {
    Call call = readCall(env, info);
    FlushDenormals ftz;
    fn(call);
  } catch (const std::exception &e) {
    napi_throw_error(env, nullptr, (std::string("native kernel: ") + e.what()).c_str());
  }
  return nullptr;
}

const char *isaName(dnnl_cpu_isa_t isa) {
  switch (isa) {
    case dnnl_cpu_isa_sse41: return "sse41";
    case dnnl_cpu_isa_avx: return "avx";
    case dnnl_cpu_isa_avx2: return "avx2";
    case dnnl_cpu_isa_avx512_core: return "avx512_core";
    case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
    case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
    case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx";
    default: return "other";
  }
}

napi_value info(napi_env env, napi_callback_info) {
  const dnnl_version_t *v = dnnl_version();
  std::string text = "{\"onednn\":\"" + std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch) +
                     "\",\"isa\":\"" + isaName(dnnl_get_effective_cpu_isa()) + "\"}";
  napi_value result;
  napi_create_string_utf8(env, text.c_str(), text.size(), &result);
  return result;
}

}  // namespace

void exportKernel(napi_env env, napi_value exports, const char *name, Kernel fn) {
  napi_value f;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, callKernel, reinterpret_cast<void *>(fn), &f);
  napi_set_named_property(env, exports, name, f);
}

}  // namespace hw1

// Loaded once per thread that uses it (each worker thread is its own environment). One thread
// per training run, the project's rule: runs go in parallel over the cores instead, and a
// primitive is tuned to the thread count it was made with.
NAPI_MODULE_INIT() {
  omp_set_num_threads(1);
  napi_value f;
  napi_create_function(env, "info", NAPI_AUTO_LENGTH, hw1::info, nullptr, &f);
  napi_set_named_property(env, exports, "info", f);
  hw1::registerConv(env, exports);
  hw1::registerGemm(env, exports);
  hw1::registerAdam(env, exports);
  hw1::registerMlp(env, exports);
  hw1::registerPool(env, exports);
  hw1::registerLoss(env, exports);
  return exports;
}
