// tfjs's Adam update, operation for operation in float32 (adam_optimizer.js; compiled without contraction into
// fused multiply-adds), shared by the fused optimizer (adam.cc) and the fused MLP step (mlp.cc).
#pragma once

#include <cmath>
#include <cstdint>

namespace hw1 {

struct Adam {
  // The betas as float32, 1 − beta computed in double then rounded (as tfjs does), epsilon, and −learning rate.
  float b1, b2, c1, c2, eps, step;

  static Adam of(double learningRate, double beta1, double beta2, double epsilon) {
    return {static_cast<float>(beta1), static_cast<float>(beta2), static_cast<float>(1.0 - beta1), static_cast<float>(1.0 - beta2),
            static_cast<float>(epsilon), -static_cast<float>(learningRate)};
  }

  // One step over `count` parameters: om1 and om2 are 1 − beta^t as float32. `out` may be `p` (updated in place).
  void update(const float *p, const float *g, float *m, float *v, float *out, int64_t count, float om1, float om2) const {
    for (int64_t i = 0; i < count; i++) {
      const float gi = g[i];
      const float mi = m[i] * b1 + gi * c1;
      const float vi = v[i] * b2 + (gi * gi) * c2;
      m[i] = mi;
      v[i] = vi;
      out[i] = ((mi / om1) / (std::sqrt(vi / om2) + eps)) * step + p[i];
    }
  }
};

}  // namespace hw1
