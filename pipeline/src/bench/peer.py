"""PyTorch peer of `npm run bench`: trains the same cases (layers, batch,
optimizer, learning rate, loss, initial scheme) and reports throughput.

Reads {"cases": [...], "seconds": s, "threads": [1, 2]} on stdin, writes
{"results": [{"parameters": n, "threads": {"1": rate, "2": rate}}, ...],
"peer": {...}} on stdout, one result per case; n is the model's parameter
count (of one run for an ensemble), so the caller can check both sides train
the same model. An ensemble case (R runs of one MLP, each on its own data) is
trained two ways: batched, weights stacked [R, in, out] and torch.baddbmm
(the fair peer of ours), in "threads"; and one run after another, in
"oneAtATime".

"peer" says what the numbers were measured on: torch's version and thread
counts, the BLAS library actually mapped into the process (its path and kind:
Debian's torch calls whatever libblas.so.3 the alternatives select, and the
reference one is many times slower than OpenBLAS), oneDNN's availability and
version, and the environment variables that change which kernels run.
"""
import ctypes
import json
import math
import os
import platform
import re
import sys
import time

if __name__ == "__main__":  # torch only for a run: the BLAS classification below must be importable without it
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

# Debian's netlib (reference) BLAS: /usr/lib/<triplet>/blas/libblas.so.3, selected by update-alternatives.
REFERENCE_BLAS = re.compile(r"^/usr/lib/[^/]+/blas/libblas\.so")
# Libraries that may hold the BLAS torch calls.
BLAS_LIBRARY = re.compile(r"lib(blas|openblas|mkl|blis)", re.IGNORECASE)
# Torch's build-time BLAS_INFO, for when the process's mapped libraries cannot be read (not Linux, or linked statically).
BLAS_INFO_NAMES = {"open": "OpenBLAS", "openblas": "OpenBLAS", "mkl": "MKL", "blis": "BLIS", "flame": "BLIS", "accelerate": "Accelerate"}
# Variables that change which BLAS / oneDNN kernels run or how many threads they use; recorded, never changed.
ENVIRONMENT = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS",
               "MKL_NUM_THREADS", "MKL_DEBUG_CPU_TYPE", "MKL_ENABLE_INSTRUCTIONS", "BLIS_NUM_THREADS",
               "DNNL_MAX_CPU_ISA", "ONEDNN_MAX_CPU_ISA")


def blas_kind(path):
    """The kind of BLAS a resolved library path is: "OpenBLAS", "MKL", "BLIS", "reference BLAS" or "unknown"."""
    lower = path.lower()
    if "openblas" in lower:
        return "OpenBLAS"
    if "mkl" in os.path.basename(lower):
        return "MKL"
    if "blis" in lower:
        return "BLIS"
    if REFERENCE_BLAS.match(path):
        return "reference BLAS"
    return "unknown"


def blas_in_use(paths, blas_info=None):
    """{"name", "path"} of the BLAS torch calls, from the resolved paths of the BLAS-like libraries in the process.

    A libblas.so.* decides: a torch built for the generic interface (Debian's) calls it, whatever else is loaded
    (numpy's own OpenBLAS, say). Pip's torch links MKL in statically, so no library shows: its BLAS_INFO names it.
    """
    interface = [p for p in paths if os.path.basename(p).lower().startswith("libblas.so")]
    if interface:
        return {"name": blas_kind(interface[0]), "path": interface[0]}
    if blas_info == "mkl":
        mkl = [p for p in paths if blas_kind(p) == "MKL"]
        return {"name": "MKL", "path": mkl[0] if mkl else None}
    known = [p for p in paths if blas_kind(p) != "unknown"]
    if known:
        return {"name": blas_kind(known[0]), "path": known[0]}
    if blas_info in BLAS_INFO_NAMES:
        return {"name": BLAS_INFO_NAMES[blas_info], "path": None}
    return {"name": "unknown", "path": paths[0] if paths else None}


def mapped_libraries():
    """Resolved paths of the shared libraries mapped into this process, in order, once each (Linux); None elsewhere."""
    try:
        with open("/proc/self/maps") as maps:
            fields = [line.split(maxsplit=5) for line in maps]
    except OSError:
        return None
    paths = []
    for f in fields:
        if len(f) == 6 and f[5].startswith("/"):
            path = os.path.realpath(f[5].strip())
            if path not in paths:
                paths.append(path)
    return paths


def config_value(config, key):
    """KEY=value from the build settings of torch.__config__.show()."""
    match = re.search(rf"\b{key}=([^,\s]*)", config)
    return match.group(1) if match else None


def blas_threads(blas):
    """The BLAS's own thread count: OpenBLAS and BLIS keep a pool apart from torch's (torch.set_num_threads does not reach it)."""
    if not blas["path"]:
        return None
    symbols = {"OpenBLAS": "openblas_get_num_threads", "MKL": "mkl_get_max_threads", "BLIS": "bli_thread_get_num_threads"}
    try:
        library = ctypes.CDLL(blas["path"])
        return int(getattr(library, symbols[blas["name"]])())
    except (OSError, AttributeError, KeyError):
        return None


def set_blas_threads(blas, threads):
    """Gives the BLAS's own pool the thread count torch runs with, so "1 thread" means one (OpenBLAS keeps its pool apart)."""
    if not blas["path"]:
        return
    symbols = {"OpenBLAS": "openblas_set_num_threads", "MKL": "mkl_set_num_threads", "BLIS": "bli_thread_set_num_threads"}
    try:
        function = getattr(ctypes.CDLL(blas["path"]), symbols[blas["name"]])
        function.argtypes = [ctypes.c_int]
        function(threads)
    except (OSError, AttributeError, KeyError):
        pass


def openblas_details(blas):
    """OpenBLAS's build string and the core its kernels were chosen for (OPENBLAS_CORETYPE overrides the detected one)."""
    if blas["name"] != "OpenBLAS" or not blas["path"]:
        return {}
    try:
        library = ctypes.CDLL(blas["path"])
        library.openblas_get_config.restype = ctypes.c_char_p
        library.openblas_get_corename.restype = ctypes.c_char_p
        return {"config": library.openblas_get_config().decode(), "core": library.openblas_get_corename().decode()}
    except (OSError, AttributeError):
        return {}


def environment():
    """What the peer runs on; call after a matmul, so a BLAS loaded lazily is mapped."""
    config = torch.__config__.show()
    paths = mapped_libraries()
    loaded = [p for p in paths if BLAS_LIBRARY.search(os.path.basename(p))] if paths is not None else []
    blas = blas_in_use(loaded, config_value(config, "BLAS_INFO"))
    blas["loaded"] = loaded
    blas["source"] = "/proc/self/maps" if paths is not None else "torch.__config__.show() BLAS_INFO"
    blas.update(openblas_details(blas))
    onednn_line = next((line.strip(" -") for line in config.splitlines() if "MKL-DNN" in line or "oneDNN" in line), None)
    onednn_version = re.search(r"v(\d+(?:\.\d+)+)", onednn_line) if onednn_line else None
    onednn_path = next((p for p in paths or [] if re.search(r"lib(dnnl|mkldnn)", os.path.basename(p))), None)
    return {
        "torch": torch.__version__,
        "pythonVersion": platform.python_version(),
        "threads": {"default": torch.get_num_threads(), "interop": torch.get_num_interop_threads()},
        "blas": blas,
        "onednn": {
            "available": bool(torch.backends.mkldnn.is_available()),
            "version": onednn_version.group(1) if onednn_version else None,
            "line": onednn_line,
            "path": onednn_path,
        },
        "environment": {name: os.environ[name] for name in ENVIRONMENT if name in os.environ},
    }


def model_of(case):
    if case["kind"] == "mlp":
        widths = [case["inputs"], *case["hidden"]]
        layers = []
        for a, b in zip(widths, widths[1:]):
            layers += [nn.Linear(a, b), nn.ReLU()]
        return nn.Sequential(*layers, nn.Linear(widths[-1], case["classes"]))
    if case["kind"] == "cnn":
        h, w, c = case["input"]
        layers = []
        for block in case["blocks"]:
            for filters in block:
                layers += [nn.Conv2d(c, filters, 3, padding=1), nn.ReLU()]
                c = filters
            layers.append(nn.MaxPool2d(2))
            h, w = h // 2, w // 2
        layers.append(nn.Flatten())
        features = h * w * c
        for width in case["dense"]:
            layers += [nn.Linear(features, width), nn.ReLU()]
            features = width
        return nn.Sequential(*layers, nn.Linear(features, case["classes"]))
    widths = [1, *case["hidden"]]
    layers = []
    for a, b in zip(widths, widths[1:]):
        layers += [nn.Linear(a, b), activation_of(case)()]
    return nn.Sequential(*layers, nn.Linear(widths[-1], 1))


def activation_of(case):
    return nn.Tanh if case.get("activation") == "tanh" else nn.ReLU


def ensemble_trainer(case):
    """R runs at once: W [R, in, out], b [R, 1, out] (nn.Linear's init), x [R, N, 1]; the loss is the sum of the runs' MSEs."""
    torch.manual_seed(1)
    runs = case["runs"]
    widths = [1, *case["hidden"], 1]
    params = []
    for a, b in zip(widths, widths[1:]):
        bound = 1 / math.sqrt(a)
        params += [torch.empty(runs, a, b).uniform_(-bound, bound).requires_grad_(), torch.empty(runs, 1, b).uniform_(-bound, bound).requires_grad_()]
    act = torch.tanh if case.get("activation") == "tanh" else torch.relu
    x = torch.rand(runs, case["points"], 1)
    y = torch.sin(15 * x)
    optimizer = torch.optim.Adam(params, lr=case["learningRate"])

    def forward():
        h = x
        layers = len(params) // 2
        for l in range(layers):
            h = torch.baddbmm(params[2 * l + 1], h, params[2 * l])
            if l < layers - 1:
                h = act(h)
        return h

    def step():
        optimizer.zero_grad()
        loss = ((forward() - y) ** 2).mean(dim=(1, 2)).sum()
        loss.backward()
        optimizer.step()
        loss.item()

    return step, runs, sum(p.numel() for p in params) // runs


def trainer(case):
    if case["kind"] == "ensemble":
        return ensemble_trainer(case)
    torch.manual_seed(1)
    model = model_of(case)
    optimizer = torch.optim.Adam(model.parameters(), lr=case["learningRate"])
    if case["kind"] in ("fit", "one-at-a-time"):
        x = torch.rand(case["points"], 1)
        y = torch.sin(15 * x)
        loss_of = lambda: F.mse_loss(model(x), y)
        per_step = 1
    else:
        shape = [case["batch"], case["inputs"]] if case["kind"] == "mlp" else [case["batch"], case["input"][2], case["input"][0], case["input"][1]]
        x = torch.rand(*shape)
        y = torch.randint(0, case["classes"], (case["batch"],))
        loss_of = lambda: F.cross_entropy(model(x), y)
        per_step = case["batch"]

    def step():
        optimizer.zero_grad()
        loss = loss_of()
        loss.backward()
        optimizer.step()
        loss.item()  # read the loss back every step, as the project's stages do

    return step, per_step, sum(p.numel() for p in model.parameters())


def measure(case, seconds):
    step, per_step, _ = trainer(case)
    return rate_of(step, per_step, seconds)


def rate_of(step, per_step, seconds):
    start = time.perf_counter()
    while time.perf_counter() - start < 0.3:
        step()
    steps = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        step()
        steps += 1
    return steps * per_step / (time.perf_counter() - start)


def main():
    request = json.load(sys.stdin)
    torch.rand(64, 64) @ torch.rand(64, 64)  # a BLAS call first, so a lazily loaded BLAS is mapped when the peer looks
    peer = environment()
    peer["threads"]["blas"] = {}
    results = [{"parameters": trainer(case)[2], "threads": {}} for case in request["cases"]]
    for threads in request["threads"]:
        torch.set_num_threads(threads)
        set_blas_threads(peer["blas"], threads)
        peer["threads"]["blas"][str(threads)] = blas_threads(peer["blas"])
        for i, case in enumerate(request["cases"]):
            rate = measure(case, request["seconds"])
            results[i]["threads"][str(threads)] = rate
            print(f"  torch  {threads}T {case['name']}: {rate:.0f}", file=sys.stderr)
            if case["kind"] == "ensemble":
                # One run's steps per second is the rate of the runs one after another, in run-steps per second.
                alone = measure({**case, "kind": "one-at-a-time"}, request["seconds"])
                results[i].setdefault("oneAtATime", {})[str(threads)] = alone
                print(f"  torch  {threads}T {case['name']}, one at a time: {alone:.0f}", file=sys.stderr)
    json.dump({"results": results, "peer": peer}, sys.stdout)


if __name__ == "__main__":
    main()
