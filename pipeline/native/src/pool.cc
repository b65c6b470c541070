// Max-pool gradient and bias-gradient sums as direct loops: both are memory
// bound, and tfjs builds the first from a dozen elementwise kernels and the
// second from a transpose and a sum over the last axis.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "common.h"

namespace hw1 {
namespace {

// args: n, h, w, c, oh, ow, kh, kw, sh, sw, padTop, padLeft, dy [n,oh,ow,c], x [n,h,w,c], dx [n,h,w,c].
// As tfjs's cpu backend: each window's dy goes to its first maximum in row-major order (strictly greater
// replaces), positions outside the input never win, and a window with no finite-or-larger value sends nothing.
// 2×2 windows with stride 2 and no padding (every pooling layer of the report), one channel
// vector at a time: the same first-maximum rule, without a branch per element.
void tiled2x2(int64_t n, int64_t h, int64_t w, int64_t ch, int64_t oh, int64_t ow, const float *dy, const float *x, float *dx) {
  for (int64_t b = 0; b < n; b++) {
    for (int64_t i = 0; i < oh; i++) {
      for (int64_t j = 0; j < ow; j++) {
        const int64_t p = ((b * h + 2 * i) * w + 2 * j) * ch;
        const float *x00 = x + p, *x01 = x00 + ch, *x10 = x00 + w * ch, *x11 = x10 + ch;
        float *d00 = dx + p, *d01 = d00 + ch, *d10 = d00 + w * ch, *d11 = d10 + ch;
        const float *g = dy + ((b * oh + i) * ow + j) * ch;
#ifdef __AVX512F__
        // Sixteen channels at a time, the last group masked: a window's channels are few (6 or 8 in
        // the report's CNNs), and a scalar loop per window ran at a third of the memory's speed.
        for (int64_t d = 0; d < ch; d += 16) {
          const __mmask16 lanes = ch - d >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << (ch - d)) - 1);
          const __m512 a = _mm512_maskz_loadu_ps(lanes, x00 + d), b = _mm512_maskz_loadu_ps(lanes, x01 + d);
          const __m512 e = _mm512_maskz_loadu_ps(lanes, x10 + d), f = _mm512_maskz_loadu_ps(lanes, x11 + d);
          const __m512 none = _mm512_set1_ps(-INFINITY);
          __m512 best = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, none, _CMP_GT_OQ), none, a);
          best = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(b, best, _CMP_GT_OQ), best, b);
          best = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(e, best, _CMP_GT_OQ), best, e);
          best = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(f, best, _CMP_GT_OQ), best, f);
          const __mmask16 some = _mm512_cmp_ps_mask(best, none, _CMP_GT_OQ);
          const __mmask16 w0 = some & _mm512_cmp_ps_mask(a, best, _CMP_EQ_OQ);
          const __mmask16 w1 = some & ~w0 & _mm512_cmp_ps_mask(b, best, _CMP_EQ_OQ);
          const __mmask16 w2 = some & ~(w0 | w1) & _mm512_cmp_ps_mask(e, best, _CMP_EQ_OQ);
          const __mmask16 w3 = some & ~(w0 | w1 | w2) & _mm512_cmp_ps_mask(f, best, _CMP_EQ_OQ);
          const __m512 grad = _mm512_maskz_loadu_ps(lanes, g + d);
          _mm512_mask_storeu_ps(d00 + d, lanes, _mm512_maskz_mov_ps(w0, grad));
          _mm512_mask_storeu_ps(d01 + d, lanes, _mm512_maskz_mov_ps(w1, grad));
          _mm512_mask_storeu_ps(d10 + d, lanes, _mm512_maskz_mov_ps(w2, grad));
          _mm512_mask_storeu_ps(d11 + d, lanes, _mm512_maskz_mov_ps(w3, grad));
        }
#else
        for (int64_t d = 0; d < ch; d++) {
          float best = -INFINITY;
          int k = -1;
          if (x00[d] > best) best = x00[d], k = 0;
          if (x01[d] > best) best = x01[d], k = 1;
          if (x10[d] > best) best = x10[d], k = 2;
          if (x11[d] > best) best = x11[d], k = 3;
          d00[d] = k == 0 ? g[d] : 0.f;
          d01[d] = k == 1 ? g[d] : 0.f;
          d10[d] = k == 2 ? g[d] : 0.f;
          d11[d] = k == 3 ? g[d] : 0.f;
        }
#endif
      }
    }
  }
}

void maxPoolBackward(Call &c) {
  const int64_t n = c.integer(), h = c.integer(), w = c.integer(), ch = c.integer();
  const int64_t oh = c.integer(), ow = c.integer(), kh = c.integer(), kw = c.integer();
  const int64_t sh = c.integer(), sw = c.integer(), pt = c.integer(), pl = c.integer();
  const float *dy = c.tensor(n * oh * ow * ch);
  const float *x = c.tensor(n * h * w * ch);
  float *dx = c.tensor(n * h * w * ch);
  if (kh == 2 && kw == 2 && sh == 2 && sw == 2 && pt == 0 && pl == 0 && oh == h / 2 && ow == w / 2) {
    // Rows and columns no window reads (odd sizes) get zero; the windows write all the others.
    if (h % 2 || w % 2) std::memset(dx, 0, sizeof(float) * n * h * w * ch);
    tiled2x2(n, h, w, ch, oh, ow, dy, x, dx);
    return;
  }
  std::memset(dx, 0, sizeof(float) * n * h * w * ch);
  std::vector<float> best(ch);
  std::vector<int64_t> where(ch);
  for (int64_t b = 0; b < n; b++) {
    const float *xb = x + b * h * w * ch;
    float *dxb = dx + b * h * w * ch;
    for (int64_t i = 0; i < oh; i++) {
      for (int64_t j = 0; j < ow; j++) {
        std::fill(best.begin(), best.end(), -INFINITY);
        std::fill(where.begin(), where.end(), -1);
        for (int64_t u = 0; u < kh; u++) {
          const int64_t r = i * sh - pt + u;
          if (r < 0 || r >= h) continue;
          for (int64_t v = 0; v < kw; v++) {
            const int64_t q = j * sw - pl + v;
            if (q < 0 || q >= w) continue;
            const float *px = xb + (r * w + q) * ch;
            for (int64_t d = 0; d < ch; d++) {
              if (px[d] > best[d]) {
                best[d] = px[d];
                where[d] = (r * w + q) * ch + d;
              }
            }
          }
        }
        const float *g = dy + ((b * oh + i) * ow + j) * ch;
        for (int64_t d = 0; d < ch; d++) {
          if (where[d] >= 0) dxb[where[d]] += g[d];
        }
      }
    }
  }
}

// args: rows, columns, x [rows, columns], out [columns]: the sum over the leading axes (a bias gradient).
// Rows are added in order, so the result does not depend on how the loop is vectorized.
void sumRows(Call &c) {
  const int64_t rows = c.integer(), cols = c.integer();
  const float *x = c.tensor(rows * cols);
  float *out = c.tensor(cols);
  std::memset(out, 0, sizeof(float) * cols);
  for (int64_t r = 0; r < rows; r++) {
    const float *row = x + r * cols;
    for (int64_t j = 0; j < cols; j++) out[j] += row[j];
  }
}

}  // namespace

// args: size, dy, y, dz: dz = dy where y > 0, else 0 (the gradient of a ReLU from its output).
void reluGrad(Call &c) {
  const int64_t n = c.integer();
  const float *dy = c.tensor(n);
  const float *y = c.tensor(n);
  float *dz = c.tensor(n);
  for (int64_t i = 0; i < n; i++) dz[i] = y[i] > 0.f ? dy[i] : 0.f;
}

void registerPool(napi_env env, napi_value exports) {
  exportKernel(env, exports, "reluGrad", reluGrad);
  exportKernel(env, exports, "maxPoolBackward", maxPoolBackward);
  exportKernel(env, exports, "sumRows", sumRows);
}

}  // namespace hw1
