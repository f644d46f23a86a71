"""Claims on the Framework conventions page (docs/frameworks.md)."""

from __future__ import annotations

import numpy as np

from rmsprop_ref import RMSprop


def _paths(lrs, grads, alpha=0.9, eps=1e-8, mu=0.9):
    """Hand-written RMSprop momentum in both conventions, for a per-step learning rate."""
    theta_out, theta_in = np.zeros(grads.shape[1]), np.zeros(grads.shape[1])
    v, b_out, b_in = np.zeros_like(theta_out), np.zeros_like(theta_out), np.zeros_like(theta_out)
    outside, inside = [], []
    for lr, g in zip(lrs, grads):
        v = alpha * v + (1 - alpha) * g * g
        u = g / (np.sqrt(v) + eps)
        b_out = mu * b_out + u  # PyTorch: b ← μb + u; θ ← θ − ηb
        theta_out = theta_out - lr * b_out
        b_in = mu * b_in + lr * u  # Keras/TF: b ← μb + ηu; θ ← θ − b
        theta_in = theta_in - b_in
        outside.append(theta_out)
        inside.append(theta_in)
    return np.array(outside), np.array(inside)


def test_claim_frameworks_momentum_lr_inside_outside():
    """ "With a constant
    learning rate Keras' buffer is $\\eta$ times PyTorch's at every step, so, with $\\epsilon$
    placed alike, the paths are identical (the tests check this against Keras with momentum 0.9); with a
    schedule that changes $\\eta$, they differ (pytorch/pytorch#32545)."

    Both conventions written out by hand on the same gradients (40 steps, 3 coordinates,
    μ 0.9, eps outside the root): with a constant lr the paths agree to 1e-12; with lr
    halved after 20 steps they differ by more than 1e-3 from step 21 on. The PyTorch-style
    path also equals the package's RMSprop(momentum=0.9) (the Keras side against Keras
    itself is tests/test_parity_keras.py::test_rmsprop_matches_keras, momentum 0.9).
    """
    grads = np.random.default_rng(0).normal(size=(40, 3))
    outside, inside = _paths(np.full(40, 0.01), grads)
    np.testing.assert_allclose(outside, inside, rtol=0, atol=1e-12)
    theta = np.zeros(3)
    opt = RMSprop(theta, lr=0.01, alpha=0.9, momentum=0.9)
    for g in grads:
        opt.step(g)
    np.testing.assert_allclose(theta, outside[-1], rtol=1e-12)
    schedule = np.where(np.arange(40) < 20, 0.01, 0.005)
    outside, inside = _paths(schedule, grads)
    np.testing.assert_allclose(outside[:20], inside[:20], rtol=0, atol=1e-12)
    assert np.all(np.max(np.abs(outside[20:] - inside[20:]), axis=1) > 1e-3)
