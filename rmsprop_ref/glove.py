r"""GloVe word vectors on *The Time Machine*: real text, real sparse gradients.

The objective of Pennington, Socher & Manning (2014), weighted least squares on the
logarithms of the nonzero co-occurrence counts $C_{ij}$ (the paper's ``X_ij``):

$$
J = \frac{1}{n}\sum_{C_{ij} > 0} \varphi(C_{ij})\,
\bigl(\psi_i^\top \tilde\psi_j + \chi_i + \tilde\chi_j - \log C_{ij}\bigr)^2,
\qquad \varphi(C) = \min\bigl(1, (C/C_{\max})^{3/4}\bigr),\ C_{\max} = 100,
$$

divided here by the number $n$ of nonzero counts so that a minibatch's mean is an unbiased
estimate of it. The text is tokenised as d2l does (`rmsprop_ref.data.time_machine`); the
vocabulary is every word seen at least ``min_count`` times; $C_{ij}$ adds 1/distance each
time word j is at most ``window`` tokens after or before word i (distances counted in the
whole text, out-of-vocabulary words included).

The parameters are one array $\theta$ of shape ``(2 * V, dim + 1)`` for ``V`` words: row i
holds $\psi_i$ and $\chi_i$, row ``V + j`` holds $\tilde\psi_j$ and $\tilde\chi_j$.
A minibatch of pairs gives a gradient that is zero in every row not in it.

`study` runs `GLOVE_PROTOCOL`: every method on every rate of the grid and every seed of
the minibatch order at once (θ of shape ``(2 * V, seeds, dim + 1, rates)``), through the
package's own update functions (`rmsprop_ref.airfoil.update`), and `lazy_adam_update`
for the lazy Adam of PyTorch's ``SparseAdam``.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass

import numpy as np

from .airfoil import update
from .data import time_machine

__all__ = [
    "GLOVE_PROTOCOL",
    "Corpus",
    "band_losses",
    "cooccurrence",
    "corpus",
    "gradient",
    "grid_runs",
    "lazy_adam_update",
    "loss",
    "minibatches",
    "start",
    "study",
    "weight",
]

#: The study's protocol, fixed before any result.
GLOVE_PROTOCOL = {
    "min_count": 25,  # vocabulary: words seen at least this often
    "window": 5,  # tokens either side; a pair k tokens apart adds 1/k (GloVe §4.2)
    "dim": 6,
    "x_max": 100.0,  # GloVe §3: φ(C) = min(1, (C / x_max)^alpha)
    "alpha": 0.75,
    "batch": 64,  # nonzero pairs per step: about a third of the rows get a gradient
    "epochs": 2,  # passes over the nonzero pairs, each seed its own order per epoch
    "seeds": (0, 1, 2, 3, 4),
    # 1 and 3 per decade, one grid for every method; no method's choice is at either end
    "lr_grid": (3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0),
    "methods": ("SGD", "Adagrad", "RMSprop", "Adam", "Adam, lazy"),
    "fixed": {"RMSprop": {"alpha": 0.9}},  # all else at PyTorch's defaults
    # frequency bands, by rank in the vocabulary (0 = most frequent), of a pair's word i
    "frequent": 0.1,  # the most frequent tenth of the vocabulary
    "rare": 0.5,  # the less frequent half
    "init_scale": 0.5,  # θ₀ uniform in ±init_scale / dim, as GloVe's code; the same for every seed
}


@dataclass(frozen=True)
class Corpus:
    """The vocabulary, its counts in the text, and the nonzero co-occurrence counts."""

    words: tuple[str, ...]  # by count, most frequent first (ties alphabetical)
    counts: np.ndarray  # occurrences of each word in the text
    i: np.ndarray  # the nonzero pairs (i, j), and their counts C_ij
    j: np.ndarray
    x: np.ndarray
    n_tokens: int

    @property
    def V(self) -> int:
        return len(self.words)

    def bands(self) -> dict[str, np.ndarray]:
        """Boolean masks over the pairs: word i in the frequent band, in the rare band."""
        rank = self.i  # words are indexed by rank
        return {
            "frequent": rank < GLOVE_PROTOCOL["frequent"] * self.V,
            "rare": rank >= GLOVE_PROTOCOL["rare"] * self.V,
        }


def cooccurrence(tokens: list[str], min_count: int, window: int) -> Corpus:
    """Build the `Corpus` of `tokens`: vocabulary of words seen >= `min_count` times, C_ij with 1/distance weights."""
    counts = Counter(tokens)
    words = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
    index = {w: k for k, w in enumerate(words)}
    ids = np.array([index.get(w, -1) for w in tokens])
    V = len(words)
    X = np.zeros((V, V))
    for d in range(1, window + 1):
        a, b = ids[:-d], ids[d:]
        keep = (a >= 0) & (b >= 0)
        np.add.at(X, (a[keep], b[keep]), 1.0 / d)
    X = X + X.T  # j before i counts as i before j
    i, j = np.nonzero(X)
    return Corpus(tuple(words), np.array([counts[w] for w in words]), i, j, X[i, j], len(tokens))


@functools.cache
def corpus() -> Corpus:
    """The study's corpus: The Time Machine with `GLOVE_PROTOCOL`'s vocabulary and window."""
    return cooccurrence(time_machine(), GLOVE_PROTOCOL["min_count"], GLOVE_PROTOCOL["window"])


def weight(x: np.ndarray) -> np.ndarray:
    """φ(C) = min(1, (C / C_max)^(3/4)), GloVe's weighting (``x_max`` and ``alpha`` of the protocol)."""
    return np.minimum(1.0, (np.asarray(x) / GLOVE_PROTOCOL["x_max"]) ** GLOVE_PROTOCOL["alpha"])


def start(V: int, dim: int) -> np.ndarray:
    """θ₀, shape (2V, dim + 1): uniform in ±init_scale/dim from a fixed generator."""
    s = GLOVE_PROTOCOL["init_scale"] / dim
    return np.random.default_rng(0).uniform(-s, s, size=(2 * V, dim + 1))


def _residual(theta, i, j, x, V):
    """Per pair: (row i, row V + j, ψ_iᵀψ̃_j + χ_i + χ̃_j − log C_ij); trailing axes of θ broadcast."""
    wi, wj = theta[i], theta[V + np.asarray(j)]
    log_x = np.log(x).reshape(-1, *[1] * (theta.ndim - 2))
    return wi, wj, (wi[:, :-1] * wj[:, :-1]).sum(axis=1) + wi[:, -1] + wj[:, -1] - log_x


def loss(theta: np.ndarray, i, j, x, V: int) -> np.ndarray:
    """Mean over the pairs (i, j, x) of φ(x)(ψ_iᵀψ̃_j + χ_i + χ̃_j − log x)², x the counts C_ij; θ (2V, dim+1, ...)."""
    _, _, r = _residual(theta, i, j, x, V)
    f = weight(x).reshape(-1, *[1] * (theta.ndim - 2))
    return (f * r**2).mean(axis=0)


def gradient(theta: np.ndarray, i, j, x, V: int) -> np.ndarray:
    """The exact gradient of `loss` with respect to θ: zero in every row not among i and V + j."""
    wi, wj, r = _residual(theta, i, j, x, V)
    c = 2 * weight(x).reshape(-1, *[1] * (theta.ndim - 2)) * r / len(x)  # d loss / d residual
    gi = np.empty_like(wi)
    gj = np.empty_like(wj)
    gi[:, :-1] = c[:, None] * wj[:, :-1]
    gj[:, :-1] = c[:, None] * wi[:, :-1]
    gi[:, -1] = c
    gj[:, -1] = c
    g = np.zeros_like(theta)
    np.add.at(g, i, gi)  # a word twice in the batch gets both shares
    np.add.at(g, V + np.asarray(j), gj)
    return g


def lazy_adam_update(param, grad, exp_avg, exp_avg_sq, present, *, lr, betas=(0.9, 0.999), eps=1e-8, step):
    r"""One step of lazy Adam (PyTorch's ``SparseAdam``), in place: only where `present`.

    Where `present` (a boolean array broadcast against `param`, True on the rows that have
    a gradient this step), $m \leftarrow \beta_1 m + (1-\beta_1) g$,
    $v \leftarrow \beta_2 v + (1-\beta_2) g^2$ and
    $\theta \leftarrow \theta - \eta\,\frac{\sqrt{1-\beta_2^t}}{1-\beta_1^t}\, m/(\sqrt{v} + \epsilon)$,
    with $t$ the number of steps taken (every step counts, as in ``SparseAdam``); elsewhere
    $\theta$, $m$ and $v$ are left exactly as they were. $\epsilon$ is added to $\sqrt v$
    before the bias correction, as ``SparseAdam`` does (``Adam`` adds it after).
    """
    beta1, beta2 = betas
    m = np.where(present, beta1 * exp_avg + (1 - beta1) * grad, exp_avg)
    v = np.where(present, beta2 * exp_avg_sq + (1 - beta2) * grad * grad, exp_avg_sq)
    size = lr * np.sqrt(1 - beta2**step) / (1 - beta1**step)
    param -= np.where(present, size * m / (np.sqrt(v) + eps), 0.0)
    exp_avg[...] = m
    exp_avg_sq[...] = v


def _lazy_adam():
    def step(theta, g, state, lrs, t):
        present = state["present"][:, :, None, None]  # rows in each seed's minibatch
        lazy_adam_update(theta, g, state["exp_avg"], state["exp_avg_sq"], present, lr=lrs, step=t)

    return step, ("exp_avg", "exp_avg_sq")


def orders(seed: int, n: int, epochs: int) -> np.ndarray:
    """The order of the `n` nonzero pairs for one seed: one permutation per epoch, (epochs, n)."""
    rng = np.random.default_rng(seed)
    return np.stack([rng.permutation(n) for _ in range(epochs)])


def minibatches(seed: int, data: Corpus, epochs: int, batch: int | None = None) -> list[np.ndarray]:
    """The pair indices of each step for one seed (the last incomplete batch of an epoch dropped)."""
    b = GLOVE_PROTOCOL["batch"] if batch is None else batch
    return [o[k * b : (k + 1) * b] for o in orders(seed, len(data.x), epochs) for k in range(len(data.x) // b)]


def grid_runs(method: str, lrs, seeds, data: Corpus | None = None, epochs: int | None = None, batch=None) -> np.ndarray:
    """Final θ of `method` for every (seed, rate) at once: shape ``(2V, len(seeds), dim + 1, len(lrs))``.

    Column ``[:, s, :, l]`` is θ after training from `start` with rate ``lrs[l]`` on seed
    ``seeds[s]``'s `minibatches`, one step per minibatch; it equals the run of the optimizer
    class with `gradient` (tests/test_glove.py checks it).
    """
    if method not in GLOVE_PROTOCOL["methods"]:
        raise ValueError(f"unknown method {method!r}; expected one of {GLOVE_PROTOCOL['methods']}")
    data = corpus() if data is None else data
    p = GLOVE_PROTOCOL
    epochs = p["epochs"] if epochs is None else epochs
    lrs = np.asarray(lrs, dtype=np.float64)
    step, names = _lazy_adam() if method == "Adam, lazy" else update(method, p["fixed"].get(method, {}))
    V, S = data.V, len(seeds)
    theta = np.repeat(np.repeat(start(V, p["dim"])[:, None, :, None], S, 1), lrs.size, 3)
    state = {k: np.zeros_like(theta) for k in names} | {"work": np.empty((2, *theta.shape))}
    batches = np.stack([np.stack(minibatches(s, data, epochs, batch)) for s in seeds], axis=1)  # (T, S, B)
    with np.errstate(all="ignore"):  # a too-large rate overflows; its columns become inf/NaN
        for t, idx in enumerate(batches, start=1):
            rows = _rows(data, idx)  # (2, S, B): row of word i and of context word j, per seed
            g = _batch_gradient(theta, data, idx, rows)
            if method == "Adam, lazy":
                present = np.zeros((2 * V, S), bool)
                present[rows, np.arange(S)[:, None]] = True
                state["present"] = present
            step(theta, g, state, lrs, t)
    return theta


def _rows(data: Corpus, idx: np.ndarray) -> np.ndarray:
    return np.stack([data.i[idx], data.V + data.j[idx]])


def _batch_gradient(theta, data, idx, rows):
    """`gradient` for each seed's own minibatch (its column of θ), all seeds and rates at once."""
    R, S, D, L = theta.shape
    flat = theta.reshape(R * S, D * L)
    at = rows * S + np.arange(S)[:, None]  # (2, S, B): row of θ viewed as (R·S, D·L)
    wi = flat[at[0]].reshape(*idx.shape, D, L)  # (S, B, D, L)
    wj = flat[at[1]].reshape(*idx.shape, D, L)
    x = data.x[idx]
    r = (wi[:, :, :-1] * wj[:, :, :-1]).sum(axis=2) + wi[:, :, -1] + wj[:, :, -1] - np.log(x)[..., None]
    c = 2 * weight(x)[..., None] * r / x.shape[1]  # (S, B, L): d loss / d residual
    gi = np.concatenate([c[:, :, None] * wj[:, :, :-1], c[:, :, None]], axis=2)
    gj = np.concatenate([c[:, :, None] * wi[:, :, :-1], c[:, :, None]], axis=2)
    cols = np.arange(D * L)
    where = (at.reshape(-1, 1) * (D * L) + cols).ravel()  # every entry's place in the flat gradient
    values = np.concatenate([gi.reshape(-1, D * L), gj.reshape(-1, D * L)]).ravel()
    return np.bincount(where, weights=values, minlength=R * S * D * L).reshape(R, S, D, L)  # sums repeats


def band_losses(thetas: np.ndarray, data: Corpus | None = None) -> dict[str, np.ndarray]:
    """`loss` over all pairs and over each band's pairs, for θ of shape (2V, S, dim+1, L) -> (S, L) each."""
    data = corpus() if data is None else data
    V = data.V
    W, Wt = thetas[:V], thetas[V:]
    with np.errstate(all="ignore"):
        pred = np.einsum("isdl,jsdl->slij", W[:, :, :-1], Wt[:, :, :-1])
        pred += W[:, :, -1].transpose(1, 2, 0)[:, :, :, None] + Wt[:, :, -1].transpose(1, 2, 0)[:, :, None, :]
        per = weight(data.x) * (pred[:, :, data.i, data.j] - np.log(data.x)) ** 2  # (S, L, N)
    masks = {"all": np.ones(len(data.x), bool)} | data.bands()
    return {name: per[:, :, m].mean(axis=2) for name, m in masks.items()}


@dataclass(frozen=True)
class Result:
    """One method's outcome in `study`: its chosen rate, the criterion on the grid, its final losses."""

    method: str
    lr: float  # the chosen rate
    scores: np.ndarray  # criterion per rate: mean over seeds of the final J (inf if any seed diverged)
    final: dict  # band -> final loss per seed at the chosen rate


@functools.cache
def study() -> dict[str, Result]:
    """Every method of `GLOVE_PROTOCOL`, tuned by its criterion (smallest mean final J over the seeds)."""
    p = GLOVE_PROTOCOL
    out = {}
    for method in p["methods"]:
        bands = band_losses(grid_runs(method, p["lr_grid"], p["seeds"]))
        allj = bands["all"]
        scores = np.where(np.all(np.isfinite(allj), axis=0), allj.mean(axis=0), np.inf)
        best = int(np.argmin(scores))  # the first (smallest rate) on a tie
        final = {k: v[:, best].copy() for k, v in bands.items()}
        out[method] = Result(method, p["lr_grid"][best], scores, final)
    return out
