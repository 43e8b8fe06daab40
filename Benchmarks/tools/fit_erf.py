#!/usr/bin/env python3
"""Fits the rational erf approximation used by Sources/CEmbeddingKernels/elementwise.c (erf8).

erf(x) ≈ x · P(x²) / Q(x²) on |x| ≤ 4 with Q(0) = 1, by iteratively re-weighted linear least squares
(Loeb's method) in float64, then reports the max abs error of the float32 evaluation. Prints the
coefficients as Swift arrays.
"""
import math
import numpy as np

NP, NQ = 7, 6          # coefficients of P and Q (Q's constant term is fixed to 1)
x = np.concatenate([np.linspace(0, 4, 40001), np.linspace(0, 0.05, 2001)])
t = x * x
f = np.array([math.erf(v) for v in x])

w = np.ones_like(x)
for _ in range(30):
    # x·P(t) − f·(Q(t) − 1) = f, weighted by 1/Q_prev so the error of P/Q (not of the product) is fitted.
    A = np.concatenate([x[:, None] * t[:, None] ** np.arange(NP),
                        -f[:, None] * t[:, None] ** np.arange(1, NQ)], axis=1)
    sol, *_ = np.linalg.lstsq(A * w[:, None], f * w, rcond=None)
    p, q = sol[:NP], np.concatenate([[1.0], sol[NP:]])
    qv = np.polyval(q[::-1], t)
    w = 1 / np.abs(qv)

def eval32(xs):
    xs = np.clip(xs.astype(np.float32), -4, 4)
    x2 = xs * xs
    pp = np.float32(p[-1]) * np.ones_like(xs)
    for c in p[-2::-1]:
        pp = pp * x2 + np.float32(c)
    qq = np.float32(q[-1]) * np.ones_like(xs)
    for c in q[-2::-1]:
        qq = qq * x2 + np.float32(c)
    return xs * pp / qq

grid = np.linspace(-6, 6, 1_200_001, dtype=np.float32)
err = np.abs(eval32(grid).astype(np.float64) - np.array([math.erf(v) for v in grid.astype(np.float64)]))
print("max abs error (float32 evaluation):", err.max())
fmt = lambda a: "[" + ", ".join(f"{c:.10e}" for c in a) + "]"
print("static let p: [Float] =", fmt(p))
print("static let q: [Float] =", fmt(q))
