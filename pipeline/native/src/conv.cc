// 2-D convolutions in oneDNN: forward (with optional bias and ReLU as a
// post-op), gradient of the input, gradient of the filter (and optionally of
// the bias). Tensors arrive in tfjs's layouts (NHWC activations, HWIO
// filters); each primitive runs in the layout oneDNN chooses (memory format
// `any`, a blocked layout here), with reorders at the edges: oneDNN on NHWC
// directly falls back to im2col + GEMM, 2-5x slower even counting the reorders.
// Primitives and their scratch buffers are made once per shape and reused.
#include <oneapi/dnnl/dnnl.hpp>

#include <memory>
#include <string>
#include <unordered_map>

#include "common.h"

namespace hw1 {
namespace {

using dnnl::algorithm;
using dnnl::convolution_backward_data;
using dnnl::convolution_backward_weights;
using dnnl::convolution_forward;
using dnnl::engine;
using dnnl::memory;
using dnnl::prop_kind;
using dnnl::stream;
using tag = memory::format_tag;
using dt = memory::data_type;

struct Context {
  engine eng{engine::kind::cpu, 0};
  stream strm{eng};
};

// One per thread: each worker thread trains its own runs with its own primitives.
Context &context() {
  thread_local Context ctx;
  return ctx;
}

struct Geometry {
  int64_t n, h, w, ci, oh, ow, co, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;

  static Geometry read(Call &c) {
    Geometry g;
    int64_t *fields[] = {&g.n, &g.h, &g.w, &g.ci, &g.oh, &g.ow, &g.co, &g.kh, &g.kw, &g.sh, &g.sw, &g.dh, &g.dw, &g.pt, &g.pl, &g.pb, &g.pr};
    for (int64_t *f : fields) *f = c.integer();
    return g;
  }
  std::string key(const char *kind, int flags) const {
    std::string k = kind;
    for (int64_t v : {n, h, w, ci, oh, ow, co, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, static_cast<int64_t>(flags)}) k += "," + std::to_string(v);
    return k;
  }
  memory::dims src() const { return {n, ci, h, w}; }
  memory::dims dst() const { return {n, co, oh, ow}; }
  memory::dims wei() const { return {co, ci, kh, kw}; }
  memory::dims strides() const { return {sh, sw}; }
  memory::dims dilates() const { return {dh - 1, dw - 1}; }
  memory::dims padL() const { return {pt, pl}; }
  memory::dims padR() const { return {pb, pr}; }
  int64_t srcSize() const { return n * h * w * ci; }
  int64_t dstSize() const { return n * oh * ow * co; }
  int64_t weiSize() const { return kh * kw * ci * co; }
};

memory::desc any(const memory::dims &d) { return memory::desc(d, dt::f32, tag::any); }

// A tensor at the edge of a primitive: the caller's memory in tfjs's layout and, when the
// primitive chose another layout, an inner buffer and the reorder between them.
struct Port {
  memory user;
  memory inner;
  dnnl::reorder move;
  bool reordered = false;

  Port() = default;
  Port(const memory::desc &userDesc, const memory::desc &chosen, bool input) {
    auto &ctx = context();
    user = memory(userDesc, ctx.eng, DNNL_MEMORY_NONE);
    reordered = userDesc != chosen;
    if (reordered) {
      inner = memory(chosen, ctx.eng);
      move = input ? dnnl::reorder(user, inner) : dnnl::reorder(inner, user);
    } else {
      inner = user;
    }
  }
  // Points the port at the caller's data; an input is reordered in now.
  memory &in(float *data) {
    user.set_data_handle(data);
    if (reordered) move.execute(context().strm, user, inner);
    return inner;
  }
  memory &out(float *data) {
    user.set_data_handle(data);
    return inner;
  }
  void flush() {
    if (reordered) move.execute(context().strm, inner, user);
  }
};

memory::desc nhwc(const memory::dims &d) { return memory::desc(d, dt::f32, tag::nhwc); }
memory::desc hwio(const memory::dims &d) { return memory::desc(d, dt::f32, tag::hwio); }
memory::desc vec(int64_t n) { return memory::desc({n}, dt::f32, tag::a); }

// Whether a convolution's channel counts fill oneDNN's 16-wide blocks; where they do not, a blocked layout pads them.
bool narrow(const Geometry &g) { return g.ci % 16 != 0 || g.co % 16 != 0; }

convolution_forward::desc forwardDesc(const Geometry &g, bool bias, bool chosen = true) {
  // Narrow layers run on tfjs's NHWC directly: no reorder in or out, and no channels padded to 16.
  auto act = [&](const memory::dims &d) { return chosen && narrow(g) ? nhwc(d) : any(d); };
  if (bias) {
    return convolution_forward::desc(prop_kind::forward_training, algorithm::convolution_direct, act(g.src()), any(g.wei()), vec(g.co), act(g.dst()),
                                     g.strides(), g.dilates(), g.padL(), g.padR());
  }
  return convolution_forward::desc(prop_kind::forward_training, algorithm::convolution_direct, act(g.src()), any(g.wei()), act(g.dst()), g.strides(),
                                   g.dilates(), g.padL(), g.padR());
}

struct Forward {
  convolution_forward prim;
  Port x, w, y;
  memory bias;
  bool hasBias;

  Forward(const Geometry &g, bool withBias, bool relu) : hasBias(withBias) {
    dnnl::primitive_attr attr;
    if (relu) {
      dnnl::post_ops ops;
      ops.append_eltwise(1.f, algorithm::eltwise_relu, 0.f, 0.f);
      attr.set_post_ops(ops);
    }
    auto pd = convolution_forward::primitive_desc(forwardDesc(g, withBias), attr, context().eng);
    prim = convolution_forward(pd);
    x = Port(nhwc(g.src()), pd.src_desc(), true);
    w = Port(hwio(g.wei()), pd.weights_desc(), true);
    y = Port(nhwc(g.dst()), pd.dst_desc(), false);
    if (withBias) bias = memory(vec(g.co), context().eng, DNNL_MEMORY_NONE);
  }
};

struct BackwardData {
  convolution_backward_data prim;
  Port dy, w, dx;

  explicit BackwardData(const Geometry &g) {
    auto &ctx = context();
    auto hint = convolution_forward::primitive_desc(forwardDesc(g, false), ctx.eng);
    // Channels in blocks of 8 where a count is not a multiple of 16: oneDNN's own choice pads 8 channels
    // to 16 and took 1.95 ms for [64,28,28,8] → 8 against 0.63 ms in blocks of 8 (forward and filter
    // gradient gain nothing from it). A rule on the shapes alone, so a result never depends on a timing.
    const bool eights = narrow(g) && g.ci % 8 == 0 && g.co % 8 == 0;
    auto data = [&](const memory::dims &d) { return eights ? memory::desc(d, dt::f32, tag::nChw8c) : any(d); };
    auto desc = convolution_backward_data::desc(algorithm::convolution_direct, data(g.src()), any(g.wei()), data(g.dst()), g.strides(), g.dilates(),
                                                g.padL(), g.padR());
    auto pd = convolution_backward_data::primitive_desc(desc, ctx.eng, hint);
    prim = convolution_backward_data(pd);
    dy = Port(nhwc(g.dst()), pd.diff_dst_desc(), true);
    w = Port(hwio(g.wei()), pd.weights_desc(), true);
    dx = Port(nhwc(g.src()), pd.diff_src_desc(), false);
  }
};

struct BackwardWeights {
  convolution_backward_weights prim;
  Port x, dy, dw;
  memory dbias;
  bool hasBias;

  BackwardWeights(const Geometry &g, bool withBias) : hasBias(withBias) {
    auto &ctx = context();
    auto hint = convolution_forward::primitive_desc(forwardDesc(g, withBias), ctx.eng);
    auto desc = withBias ? convolution_backward_weights::desc(algorithm::convolution_direct, any(g.src()), any(g.wei()), vec(g.co), any(g.dst()),
                                                              g.strides(), g.dilates(), g.padL(), g.padR())
                         : convolution_backward_weights::desc(algorithm::convolution_direct, any(g.src()), any(g.wei()), any(g.dst()), g.strides(),
                                                              g.dilates(), g.padL(), g.padR());
    auto pd = convolution_backward_weights::primitive_desc(desc, ctx.eng, hint);
    prim = convolution_backward_weights(pd);
    x = Port(nhwc(g.src()), pd.src_desc(), true);
    dy = Port(nhwc(g.dst()), pd.diff_dst_desc(), true);
    dw = Port(hwio(g.wei()), pd.diff_weights_desc(), false);
    if (withBias) dbias = memory(vec(g.co), ctx.eng, DNNL_MEMORY_NONE);
  }
};

template <typename Plan, typename... Args>
Plan &plan(const std::string &key, Args... args) {
  thread_local std::unordered_map<std::string, std::unique_ptr<Plan>> plans;
  auto it = plans.find(key);
  if (it == plans.end()) it = plans.emplace(key, std::make_unique<Plan>(args...)).first;
  return *it->second;
}

// args: geometry, x, filter, bias (count 0: none), y, relu (0/1)
void convForward(Call &c) {
  Geometry g = Geometry::read(c);
  float *x = c.tensor(g.srcSize());
  float *w = c.tensor(g.weiSize());
  int64_t biasOffset = c.integer(), biasCount = c.integer();
  float *y = c.tensor(g.dstSize());
  bool relu = c.integer() != 0;
  if (biasCount != 0 && biasCount != g.co) throw Failure("the bias must have one value per output channel");
  bool withBias = biasCount > 0;
  Forward &p = plan<Forward>(g.key("fwd", withBias * 2 + relu), g, withBias, relu);
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, p.x.in(x)}, {DNNL_ARG_WEIGHTS, p.w.in(w)}, {DNNL_ARG_DST, p.y.out(y)}};
  if (withBias) {
    p.bias.set_data_handle(c.floats(biasOffset, g.co));
    args.emplace(DNNL_ARG_BIAS, p.bias);
  }
  p.prim.execute(context().strm, args);
  p.y.flush();
  context().strm.wait();
}

// args: geometry, dy, filter, dx
void convBackwardData(Call &c) {
  Geometry g = Geometry::read(c);
  float *dy = c.tensor(g.dstSize());
  float *w = c.tensor(g.weiSize());
  float *dx = c.tensor(g.srcSize());
  BackwardData &p = plan<BackwardData>(g.key("bwd-data", 0), g);
  p.prim.execute(context().strm, {{DNNL_ARG_DIFF_DST, p.dy.in(dy)}, {DNNL_ARG_WEIGHTS, p.w.in(w)}, {DNNL_ARG_DIFF_SRC, p.dx.out(dx)}});
  p.dx.flush();
  context().strm.wait();
}

// args: geometry, x, dy, dfilter, dbias (count 0: none)
void convBackwardWeights(Call &c) {
  Geometry g = Geometry::read(c);
  float *x = c.tensor(g.srcSize());
  float *dy = c.tensor(g.dstSize());
  float *dw = c.tensor(g.weiSize());
  int64_t biasOffset = c.integer(), biasCount = c.integer();
  if (biasCount != 0 && biasCount != g.co) throw Failure("the bias gradient must have one value per output channel");
  bool withBias = biasCount > 0;
  BackwardWeights &p = plan<BackwardWeights>(g.key("bwd-weights", withBias), g, withBias);
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, p.x.in(x)}, {DNNL_ARG_DIFF_DST, p.dy.in(dy)}, {DNNL_ARG_DIFF_WEIGHTS, p.dw.out(dw)}};
  if (withBias) {
    p.dbias.set_data_handle(c.floats(biasOffset, g.co));
    args.emplace(DNNL_ARG_DIFF_BIAS, p.dbias);
  }
  p.prim.execute(context().strm, args);
  p.dw.flush();
  context().strm.wait();
}

}  // namespace

void registerConv(napi_env env, napi_value exports) {
  exportKernel(env, exports, "convForward", convForward);
  exportKernel(env, exports, "convBackwardData", convBackwardData);
  exportKernel(env, exports, "convBackwardWeights", convBackwardWeights);
}

}  // namespace hw1
