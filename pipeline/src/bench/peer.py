"""PyTorch peer of `npm run bench`: trains the same cases (layers, batch,
optimizer, learning rate, loss, initial scheme) and reports throughput.

Reads {"cases": [...], "seconds": s, "threads": [1, 2]} on stdin, writes
{"results": [{"parameters": n, "threads": {"1": rate, "2": rate}}, ...]} on
stdout, one entry per case; n is the model's parameter count (of one run for
an ensemble), so the caller can check both sides train the same model.
An ensemble case (R runs of one MLP, each on its own data) is trained two
ways: batched, weights stacked [R, in, out] and torch.baddbmm (the fair peer
of ours), in "threads"; and one run after another, in "oneAtATime".
"""
import math
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


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
    results = [{"parameters": trainer(case)[2], "threads": {}} for case in request["cases"]]
    for threads in request["threads"]:
        torch.set_num_threads(threads)
        for i, case in enumerate(request["cases"]):
            rate = measure(case, request["seconds"])
            results[i]["threads"][str(threads)] = rate
            print(f"  torch  {threads}T {case['name']}: {rate:.0f}", file=sys.stderr)
            if case["kind"] == "ensemble":
                # One run's steps per second is the rate of the runs one after another, in run-steps per second.
                alone = measure({**case, "kind": "one-at-a-time"}, request["seconds"])
                results[i].setdefault("oneAtATime", {})[str(threads)] = alone
                print(f"  torch  {threads}T {case['name']}, one at a time: {alone:.0f}", file=sys.stderr)
    json.dump({"results": results}, sys.stdout)


if __name__ == "__main__":
    main()
