// One Adam update over every parameter tensor of a model in one call, instead
// of about a dozen tfjs kernels per tensor. The arithmetic is tfjs's own,
// operation for operation in float32 (adam_optimizer.js; compiled without
// contraction into fused multiply-adds), so both paths give the same numbers.
#include <cmath>

#include "common.h"

namespace hw1 {
namespace {

// args: tensors, learningRate, beta1, beta2, epsilon, 1 - beta1^t, 1 - beta2^t (as float32 products, as tfjs keeps them),
// then per tensor: size, value, gradient, first moment (updated in place), second moment (in place), new value.
void adam(Call &c) {
  int64_t tensors = c.integer();
  const float lr = static_cast<float>(c.number()), b1 = static_cast<float>(c.number()), b2 = static_cast<float>(c.number());
  const float eps = static_cast<float>(c.number());
  const float om1 = static_cast<float>(c.number()), om2 = static_cast<float>(c.number());
  // tfjs computes 1 - beta in double and multiplies in float32.
  const float c1 = static_cast<float>(1.0 - static_cast<double>(c.args[2])), c2 = static_cast<float>(1.0 - static_cast<double>(c.args[3]));
  const float step = -lr;
  for (int64_t t = 0; t < tensors; t++) {
    int64_t n = c.integer();
    const float *p = c.tensor(n);
    const float *g = c.tensor(n);
    float *m = c.tensor(n);
    float *v = c.tensor(n);
    float *out = c.tensor(n);
    for (int64_t i = 0; i < n; i++) {
      const float gi = g[i];
      const float mi = m[i] * b1 + gi * c1;
      const float vi = v[i] * b2 + (gi * gi) * c2;
      m[i] = mi;
      v[i] = vi;
      out[i] = ((mi / om1) / (std::sqrt(vi / om2) + eps)) * step + p[i];
    }
  }
}

}  // namespace

void registerAdam(napi_env env, napi_value exports) { exportKernel(env, exports, "adam", adam); }

}  // namespace hw1
