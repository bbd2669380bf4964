#!/usr/bin/env python3
"""Golden values for Tests/NNTests/OptimizerTests.swift (PyTorch's optimizers).

Three steps on p0 = [1, -2, 3, 0.5] with the gradients below; prints the
parameters after each step for each optimizer. Run: python3 scripts/optimizer_goldens.py
"""
import torch

P0 = [1.0, -2.0, 3.0, 0.5]
GRADS = [[0.1, -0.2, 0.3, 0.0], [-0.5, 0.4, 0.05, 1.0], [2.0, 0.0, -1.0, 0.25]]
CASES = {
    "sgd(lr=0.1)": lambda p: torch.optim.SGD(p, lr=0.1),
    "sgd(lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01)":
        lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01),
    "sgd(lr=0.1, momentum=0.9, nesterov=True)": lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
    "adam(lr=0.01)": lambda p: torch.optim.Adam(p, lr=0.01),
    "adam(lr=0.01, weight_decay=0.1)": lambda p: torch.optim.Adam(p, lr=0.01, weight_decay=0.1),
    "adamw(lr=0.01, weight_decay=0.1)": lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.1),
}
for name, make in CASES.items():
    p = torch.nn.Parameter(torch.tensor(P0))
    opt = make([p])
    print(name)
    for g in GRADS:
        p.grad = torch.tensor(g)
        opt.step()
        print("  [" + ", ".join("%.9g" % v for v in p.detach().tolist()) + "],")
