// Softmax cross-entropy with integer labels and its gradient, each one pass
// over the logits: tfjs composes the loss from about fifteen kernels (one-hot,
// log-sum-exp, weights, means), each a dispatch for a [batch, 10] tensor.
#include <cmath>

#include "common.h"

namespace hw1 {
namespace {

// args: rows, classes, logits [rows, classes], labels (int32) [rows], loss [1] (the mean), probabilities [rows, classes].
void softmaxCrossEntropy(Call &c) {
  const int64_t rows = c.integer(), classes = c.integer();
  const float *z = c.tensor(rows * classes);
  const int32_t *labels = c.ints(rows);
  float *loss = c.tensor(1);
  float *p = c.tensor(rows * classes);
  double total = 0;
  for (int64_t i = 0; i < rows; i++) {
    const float *zi = z + i * classes;
    float *pi = p + i * classes;
    const int32_t label = labels[i];
    if (label < 0 || label >= classes) throw Failure("a label is outside 0.." + std::to_string(classes - 1) + ": " + std::to_string(label));
    float top = zi[0];
    for (int64_t j = 1; j < classes; j++) top = zi[j] > top ? zi[j] : top;
    float sum = 0.f;
    for (int64_t j = 0; j < classes; j++) {
      pi[j] = std::exp(zi[j] - top);
      sum += pi[j];
    }
    for (int64_t j = 0; j < classes; j++) pi[j] /= sum;
    total += static_cast<double>(top + std::log(sum) - zi[label]);
  }
  loss[0] = static_cast<float>(total / static_cast<double>(rows));
}

// args: rows, classes, probabilities [rows, classes], labels [rows], dy [1], dlogits [rows, classes]:
// d(mean loss)/dz = (p − onehot(label)) · dy / rows.
void softmaxCrossEntropyGrad(Call &c) {
  const int64_t rows = c.integer(), classes = c.integer();
  const float *p = c.tensor(rows * classes);
  const int32_t *labels = c.ints(rows);
  const float *dy = c.tensor(1);
  float *dz = c.tensor(rows * classes);
  const float scale = dy[0] / static_cast<float>(rows);
  for (int64_t i = 0; i < rows; i++) {
    for (int64_t j = 0; j < classes; j++) dz[i * classes + j] = (p[i * classes + j] - (j == labels[i] ? 1.f : 0.f)) * scale;
  }
}

}  // namespace

void registerLoss(napi_env env, napi_value exports) {
  exportKernel(env, exports, "softmaxCrossEntropy", softmaxCrossEntropy);
  exportKernel(env, exports, "softmaxCrossEntropyGrad", softmaxCrossEntropyGrad);
}

}  // namespace hw1
