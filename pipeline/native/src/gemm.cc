// Matrix products through oneDNN's sgemm (row-major, either operand
// transposed in place of a copy): every dense layer's forward product and both
// of its gradients (dW = xᵀ·dy, dx = dy·Wᵀ), and the batched products of the
// ensembles, one sgemm per matrix of the batch.
#include <oneapi/dnnl/dnnl.h>

#include "common.h"

namespace hw1 {
namespace {

// args: batch, batchA (1 or batch), batchB (1 or batch), M, N, K, transposeA, transposeB, a, b, c, bias (count 0: none), relu.
// a is [batchA, M, K] ([batchA, K, M] transposed), b [batchB, K, N] ([batchB, N, K]), c [batch, M, N], bias [N]:
// c = act(a·b + bias), the bias written first and the product accumulated onto it.
void matMul(Call &c) {
  int64_t batch = c.integer(), batchA = c.integer(), batchB = c.integer();
  int64_t m = c.integer(), n = c.integer(), k = c.integer();
  bool ta = c.integer() != 0, tb = c.integer() != 0;
  if ((batchA != 1 && batchA != batch) || (batchB != 1 && batchB != batch)) throw Failure("batch sizes do not broadcast");
  const float *a = c.tensor(batchA * m * k);
  const float *b = c.tensor(batchB * k * n);
  float *out = c.tensor(batch * m * n);
  int64_t biasOffset = c.integer(), biasCount = c.integer();
  if (biasCount != 0 && biasCount != n) throw Failure("the bias must have one value per column");
  const float *bias = biasCount ? c.floats(biasOffset, n) : nullptr;
  const bool relu = c.integer() != 0;
  for (int64_t i = 0; i < batch; i++) {
    const float *ai = a + (batchA == 1 ? 0 : i * m * k);
    const float *bi = b + (batchB == 1 ? 0 : i * k * n);
    float *ci = out + i * m * n;
    for (int64_t r = 0; r < m; r++) {
      float *row = ci + r * n;
      for (int64_t j = 0; j < n; j++) row[j] = bias ? bias[j] : 0.f;
    }
    if (k > 0) {
      dnnl_status_t s = dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, 1.f, ai, ta ? m : k, bi, tb ? k : n, bias ? 1.f : 0.f, ci, n);
      if (s != dnnl_success) throw Failure("dnnl_sgemm failed with status " + std::to_string(static_cast<int>(s)));
    }
    if (relu) {
      for (int64_t j = 0; j < m * n; j++) ci[j] = ci[j] > 0.f ? ci[j] : 0.f;
    }
  }
}

}  // namespace

void registerGemm(napi_env env, napi_value exports) { exportKernel(env, exports, "matMul", matMul); }

}  // namespace hw1
