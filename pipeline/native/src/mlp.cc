// Full-batch training of R small MLPs of one shape, K Adam steps in one call
// (tiny-cuda-nn's fully fused MLP, on a CPU): forward pass, mean squared
// error, backward pass and Adam for one run after another, with no tensor or
// kernel per operation. Activations are laid out [features, samples], so every
// inner loop runs over the samples contiguously and vectorizes. Sums over the
// samples use a fixed number of partial sums, so a run's numbers depend on
// nothing but its own inputs. Adam is tfjs's arithmetic, as in adam.cc.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "adam.h"
#include "common.h"

namespace hw1 {
namespace {

enum class Act { Relu, Tanh };

// Partial sums of a reduction over samples: a fixed count, so its rounding depends on nothing but the samples.
constexpr int kLanes = 32;

// Eight floats, one AVX register (GCC splits it where the machine has narrower ones). Every operation on it is
// elementwise, so its width never changes a result.
typedef float V __attribute__((vector_size(32)));
constexpr int kWidth = 8;
inline V load(const float *p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store(float *p, V v) { std::memcpy(p, &v, sizeof v); }
inline V splat(float x) { return V{x, x, x, x, x, x, x, x}; }

// e^x for x in [0, 18] (Cephes' expf: x = n·ln 2 + r, a polynomial in r, 2^n from the exponent bits), branch-free so it vectorizes.
inline float expSmall(float x) {
  // Adding and subtracting 1.5·2^23 rounds to the nearest integer without a call.
  const float n = (x * 1.44269504088896341f + 12582912.f) - 12582912.f;
  float r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float e = (p * (r * r) + r) + 1.f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return e * scale;
}

// tanh within 1.3 ulp of the exact value over every float (checked exhaustively), and vectorizable where std::tanh is a
// scalar call: its Taylor series below 0.65, 1 − 2/(e^{2|x|} + 1) above (no cancellation there, and exact near saturation,
// where 1 − tanh² is the gradient).
inline float fastTanh(float x) {
  const float a = std::fabs(x);
  const float z = x * x;
  float p = static_cast<float>(-443861162.0 / 1856156927625.0);
  p = p * z + static_cast<float>(6404582.0 / 10854718875.0);
  p = p * z + static_cast<float>(-929569.0 / 638512875.0);
  p = p * z + static_cast<float>(21844.0 / 6081075.0);
  p = p * z + static_cast<float>(-1382.0 / 155925.0);
  p = p * z + static_cast<float>(62.0 / 2835.0);
  p = p * z + static_cast<float>(-17.0 / 315.0);
  p = p * z + static_cast<float>(2.0 / 15.0);
  p = p * z + static_cast<float>(-1.0 / 3.0);
  const float small = x + x * (z * p);
  // tanh rounds to ±1 beyond 9; a NaN takes the last branch.
  const float e = expSmall(2.f * (a < 9.f ? a : 9.f));
  const float large = std::copysign(1.f - 2.f / (e + 1.f), x);
  return a < 0.65f ? small : (a == a ? large : x);
}

template <Act A>
inline float activate(float z) {
  if constexpr (A == Act::Relu) return z > 0.f ? z : 0.f;
  else return fastTanh(z);
}

// The gradient through the activation from its output h, as tfjs forms it: dh times ReLU's step (0 · NaN stays NaN), or 1 − tanh².
template <Act A>
inline float backActivate(float dh, float h) {
  if constexpr (A == Act::Relu) return dh * (h > 0.f ? 1.f : 0.f);
  else return dh * (1.f - h * h);
}

// Σ_n a[n]·b[n] (Dot) or Σ_n a[n]: sample n goes to partial sum n mod 32 (four vectors in flight), and the partial sums
// are added pairwise in a fixed tree (j with j + 16, then + 8, + 4, + 2, + 1).
template <bool Dot>
inline float reduce(const float *a, const float *b, int64_t n) {
  V s0{}, s1{}, s2{}, s3{};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    s0 += Dot ? load(a + i) * load(b + i) : load(a + i);
    s1 += Dot ? load(a + i + 8) * load(b + i + 8) : load(a + i + 8);
    s2 += Dot ? load(a + i + 16) * load(b + i + 16) : load(a + i + 16);
    s3 += Dot ? load(a + i + 24) * load(b + i + 24) : load(a + i + 24);
  }
  if (i < n) {
    float acc[kLanes];
    store(acc, s0);
    store(acc + 8, s1);
    store(acc + 16, s2);
    store(acc + 24, s3);
    for (int j = 0; i + j < n; j++) acc[j] += Dot ? a[i + j] * b[i + j] : a[i + j];
    s0 = load(acc);
    s1 = load(acc + 8);
    s2 = load(acc + 16);
    s3 = load(acc + 24);
  }
  const V t = (s0 + s2) + (s1 + s3);
  const float q0 = t[0] + t[4], q1 = t[1] + t[5], q2 = t[2] + t[6], q3 = t[3] + t[7];
  return (q0 + q2) + (q1 + q3);
}
inline float dot(const float *a, const float *b, int64_t n) { return reduce<true>(a, b, n); }
inline float sum(const float *a, int64_t n) { return reduce<false>(a, nullptr, n); }

// NV·8 samples of output row `w` (NV = 0: one sample): Σ_i w_i·in[i] in order, then the bias, then the activation
// (hidden layers). Every sample is summed in the same order whatever block it falls in.
template <Act A, bool Hidden, int NV>
inline void forwardBlock(const float *w, float bias, const float *in, float *out, int64_t inputs, int64_t n) {
  if constexpr (NV == 0) {
    float acc = w[0] * in[0];
    for (int64_t i = 1; i < inputs; i++) acc += w[i] * in[i * n];
    const float z = acc + bias;
    out[0] = Hidden ? activate<A>(z) : z;
  } else {
    V acc[NV];
    const V w0 = splat(w[0]);
#pragma GCC unroll 16
    for (int k = 0; k < NV; k++) acc[k] = w0 * load(in + k * kWidth);
    for (int64_t i = 1; i < inputs; i++) {
      const V wi = splat(w[i]);
      const float *h = in + i * n;
#pragma GCC unroll 16
      for (int k = 0; k < NV; k++) acc[k] += wi * load(h + k * kWidth);
    }
    const V b = splat(bias);
#pragma GCC unroll 16
    for (int k = 0; k < NV; k++) {
      V z = acc[k] + b;
      if constexpr (Hidden && A == Act::Relu) z = z > V{} ? z : V{};
      store(out + k * kWidth, z);
    }
    if constexpr (Hidden && A == Act::Tanh)
      for (int j = 0; j < NV * kWidth; j++) out[j] = fastTanh(out[j]);
  }
}

// out [O, N] = act(W [O, I] · in [I, N] + b).
template <Act A, bool Hidden>
void forward(const float *W, const float *b, const float *in, float *out, int64_t inputs, int64_t outputs, int64_t n) {
  for (int64_t o = 0; o < outputs; o++) {
    const float *w = W + o * inputs;
    float *row = out + o * n;
    int64_t s = 0;
    for (; s + 64 <= n; s += 64) forwardBlock<A, Hidden, 8>(w, b[o], in + s, row + s, inputs, n);
    for (; s + 8 <= n; s += 8) forwardBlock<A, Hidden, 1>(w, b[o], in + s, row + s, inputs, n);
    for (; s < n; s++) forwardBlock<A, Hidden, 0>(w, b[o], in + s, row + s, inputs, n);
  }
}

// NV·8 samples (NV = 0: one) of row i of the layer below's gradient: Σ_o W[o, i]·dz[o] in order, through the activation.
template <Act A, int NV>
inline void backBlock(const float *W, int64_t i, const float *dz, const float *h, float *dzPrev, int64_t inputs, int64_t outputs, int64_t n) {
  if constexpr (NV == 0) {
    float acc = W[i] * dz[0];
    for (int64_t o = 1; o < outputs; o++) acc += W[o * inputs + i] * dz[o * n];
    dzPrev[0] = backActivate<A>(acc, h[0]);
  } else {
    V acc[NV];
    const V w0 = splat(W[i]);
#pragma GCC unroll 16
    for (int k = 0; k < NV; k++) acc[k] = w0 * load(dz + k * kWidth);
    for (int64_t o = 1; o < outputs; o++) {
      const V wo = splat(W[o * inputs + i]);
      const float *d = dz + o * n;
#pragma GCC unroll 16
      for (int k = 0; k < NV; k++) acc[k] += wo * load(d + k * kWidth);
    }
    const V one = splat(1.f);
#pragma GCC unroll 16
    for (int k = 0; k < NV; k++) {
      const V hk = load(h + k * kWidth);
      // As backActivate: dh times the step (so 0 · NaN stays NaN), or 1 − h².
      const V g = A == Act::Relu ? acc[k] * (hk > V{} ? one : V{}) : acc[k] * (one - hk * hk);
      store(dzPrev + k * kWidth, g);
    }
  }
}

// Row i of dzPrev = (Wᵀ · dz)[i] ⊙ act'(h[i]), h being the layer below's output.
template <Act A>
void backRow(const float *W, int64_t i, const float *dz, const float *h, float *dzPrev, int64_t inputs, int64_t outputs, int64_t n) {
  int64_t s = 0;
  for (; s + 64 <= n; s += 64) backBlock<A, 8>(W, i, dz + s, h + s, dzPrev + s, inputs, outputs, n);
  for (; s + 8 <= n; s += 8) backBlock<A, 1>(W, i, dz + s, h + s, dzPrev + s, inputs, outputs, n);
  for (; s < n; s++) backBlock<A, 0>(W, i, dz + s, h + s, dzPrev + s, inputs, outputs, n);
}

// The mean squared error over m values, and its gradient as tfjs forms it: (1/m)·(2·(p − y)); `squares` is scratch.
float meanSquaredError(const float *p, const float *y, float *dz, float *squares, int64_t m) {
  const float inv = 1.f / static_cast<float>(m);
  for (int64_t i = 0; i < m; i++) {
    const float d = p[i] - y[i];
    squares[i] = d * d;
    dz[i] = inv * (2.f * d);
  }
  return sum(squares, m) / static_cast<float>(m);
}


struct Shape {
  int64_t layers, samples, perRun;
  std::vector<int64_t> sizes, weights, biases;  // sizes[0..layers]; offsets of W_l and b_l in a run's parameters
};

// One run's K steps. A run whose loss stops being finite keeps that step's update and is frozen from then on.
template <Act A>
void trainRun(const Shape &s, float *params, float *m, float *v, const float *x, const float *y, float *losses, int64_t lossStride, float *stopped,
              int64_t steps, const Adam &adam, const float *om1, const float *om2, std::vector<float> &scratch) {
  const int64_t n = s.samples, layers = s.layers;
  std::vector<float *> h(layers + 1);
  float *next = scratch.data();
  h[0] = const_cast<float *>(x);
  int64_t widest = 0;
  for (int64_t l = 1; l <= layers; l++) {
    h[l] = next;
    next += s.sizes[l] * n;
    widest = std::max(widest, s.sizes[l]);
  }
  float *dzA = next, *dzB = dzA + widest * n, *row = dzB + widest * n, *grad = row + n;
  for (int64_t k = 0; k < steps; k++) {
    if (*stopped != 0.f) {
      losses[k * lossStride] = std::numeric_limits<float>::quiet_NaN();
      continue;
    }
    for (int64_t l = 0; l < layers; l++) {
      const float *W = params + s.weights[l], *b = params + s.biases[l];
      if (l + 1 < layers) forward<A, true>(W, b, h[l], h[l + 1], s.sizes[l], s.sizes[l + 1], n);
      else forward<A, false>(W, b, h[l], h[l + 1], s.sizes[l], s.sizes[l + 1], n);
    }
    const float loss = meanSquaredError(h[layers], y, dzA, dzB, s.sizes[layers] * n);
    // Backward, one row of a layer's input at a time, so each row is read once while it is in cache: the top layer's
    // weight gradients are taken along its input rows, every lower layer's as the rows of its dz are made.
    float *dz = dzA, *below = dzB;
    for (int64_t l = layers - 1; l >= 0; l--) {
      const int64_t inputs = s.sizes[l], outputs = s.sizes[l + 1];
      const bool top = l == layers - 1;
      if (!top && l == 0) break;
      float *gW = grad + s.weights[l], *gb = grad + s.biases[l];
      if (top)
        for (int64_t o = 0; o < outputs; o++) gb[o] = sum(dz + o * n, n);
      for (int64_t i = 0; i < inputs; i++) {
        const float *hi = h[l] + i * n;
        if (top)
          for (int64_t o = 0; o < outputs; o++) gW[o * inputs + i] = dot(dz + o * n, hi, n);
        if (l == 0) continue;
        // The bottom layer's dz rows are needed only here: one row of scratch, never written back.
        float *di = l == 1 ? row : below + i * n;
        backRow<A>(params + s.weights[l], i, dz, hi, di, inputs, outputs, n);
        const int64_t fanIn = s.sizes[l - 1];
        float *gWi = grad + s.weights[l - 1] + i * fanIn;
        for (int64_t j = 0; j < fanIn; j++) gWi[j] = dot(di, h[l - 1] + j * n, n);
        grad[s.biases[l - 1] + i] = sum(di, n);
      }
      std::swap(dz, below);
    }
    adam.update(params, grad, m, v, params, s.perRun, om1[k], om2[k]);
    losses[k * lossStride] = loss;
    if (!std::isfinite(loss)) *stopped = 1.f;
  }
}

// args: runs R, samples N, layers L, sizes[0..L], activation (0 relu, 1 tanh; the last layer is linear), steps K,
// learningRate, beta1, beta2, epsilon, then (offset, count) of: parameters [R, P] (per run W_1 [out, in], b_1 [out], W_2, …;
// updated), first and second moments [R, P] (updated), x [R, inputs, N], y [R, outputs, N], losses [K, R] (written; NaN
// for a frozen run), stopped [R] (nonzero: frozen; set when a loss is not finite), powers [2] (beta1^t, beta2^t as float32; advanced by K).
void mlpEnsembleTrain(Call &c) {
  Shape s;
  const int64_t runs = c.integer();
  s.samples = c.integer();
  s.layers = c.integer();
  if (runs < 1 || s.samples < 1 || s.layers < 1 || s.layers > 1024) throw Failure("bad ensemble shape");
  s.sizes.resize(s.layers + 1);
  for (auto &size : s.sizes) {
    size = c.integer();
    if (size < 1 || size > (1 << 20)) throw Failure("bad layer size " + std::to_string(size));
  }
  const int64_t activation = c.integer(), steps = c.integer();
  if ((activation != 0 && activation != 1) || steps < 0) throw Failure("bad activation or step count");
  const double lr = c.number(), beta1 = c.number(), beta2 = c.number(), eps = c.number();
  const Adam adam = Adam::of(lr, beta1, beta2, eps);
  const float b1 = adam.b1, b2 = adam.b2;
  s.perRun = 0;
  for (int64_t l = 0; l < s.layers; l++) {
    s.weights.push_back(s.perRun);
    s.perRun += s.sizes[l] * s.sizes[l + 1];
    s.biases.push_back(s.perRun);
    s.perRun += s.sizes[l + 1];
  }
  const int64_t n = s.samples, inputs = s.sizes[0], outputs = s.sizes[s.layers];
  float *params = c.tensor(runs * s.perRun), *m = c.tensor(runs * s.perRun), *v = c.tensor(runs * s.perRun);
  const float *x = c.tensor(runs * inputs * n), *y = c.tensor(runs * outputs * n);
  float *losses = c.tensor(steps * runs), *stopped = c.tensor(runs), *powers = c.tensor(2);

  // 1 − beta^t for every step, the powers advanced as tfjs's accBeta variables are (float32 products).
  std::vector<float> om1(steps), om2(steps);
  float acc1 = powers[0], acc2 = powers[1];
  for (int64_t k = 0; k < steps; k++) {
    om1[k] = 1.f - acc1;
    om2[k] = 1.f - acc2;
    acc1 = acc1 * b1;
    acc2 = acc2 * b2;
  }
  int64_t activations = 0, widest = 0;
  for (int64_t l = 1; l <= s.layers; l++) {
    activations += s.sizes[l] * n;
    widest = std::max(widest, s.sizes[l]);
  }
  static thread_local std::vector<float> scratch;
  scratch.resize(activations + 2 * widest * n + n + s.perRun);
  for (int64_t r = 0; r < runs; r++) {
    const int64_t p = r * s.perRun;
    auto train = activation == 0 ? trainRun<Act::Relu> : trainRun<Act::Tanh>;
    train(s, params + p, m + p, v + p, x + r * inputs * n, y + r * outputs * n, losses + r, runs, stopped + r, steps, adam, om1.data(), om2.data(),
          scratch);
  }
  powers[0] = acc1;
  powers[1] = acc2;
}

}  // namespace

void registerMlp(napi_env env, napi_value exports) { exportKernel(env, exports, "mlpEnsembleTrain", mlpEnsembleTrain); }

}  // namespace hw1
