// One Adam update over every parameter tensor of a model in one call, instead
// of about a dozen tfjs kernels per tensor. The arithmetic is tfjs's own
// (adam.h), so both paths give the same numbers.
#include "adam.h"
#include "common.h"

namespace hw1 {
namespace {

// args: tensors, learningRate, beta1, beta2, epsilon, 1 - beta1^t, 1 - beta2^t (as float32 products, as tfjs keeps them),
// then per tensor: size, value, gradient, first moment (updated in place), second moment (in place), new value.
void adam(Call &c) {
  const int64_t tensors = c.integer();
  const double lr = c.number(), beta1 = c.number(), beta2 = c.number(), eps = c.number();
  const Adam update = Adam::of(lr, beta1, beta2, eps);
  const float om1 = static_cast<float>(c.number()), om2 = static_cast<float>(c.number());
  for (int64_t t = 0; t < tensors; t++) {
    const int64_t n = c.integer();
    const float *p = c.tensor(n);
    const float *g = c.tensor(n);
    float *m = c.tensor(n);
    float *v = c.tensor(n);
    float *out = c.tensor(n);
    update.update(p, g, m, v, out, n, om1, om2);
  }
}

}  // namespace

void registerAdam(napi_env env, napi_value exports) { exportKernel(env, exports, "adam", adam); }

}  // namespace hw1
