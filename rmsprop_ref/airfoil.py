"""The optimizers on real data: the NASA airfoil measurements (`rmsprop_ref.data.airfoil`).

Two studies, both on the page "Real data: airfoil":

- `d2l_runs` reproduces d2l's setup (Dive into Deep Learning §12.5-12.10): a linear
  regression on the first 1500 rows, every column standardised over all 1503 rows, loss
  ½(ŷ − y)², minibatch 10, 2 epochs, the book's hand-picked rates (`D2L`); `d2l_optimum`
  is the exact least-squares floor of that problem.
- `study` runs the comparison page's protocol (`PROTOCOL`): a stated grid, 5 seeds of the
  data order and initial point, a criterion fixed before any result, and held-out rows
  chosen before any run, on the linear regression and a one-hidden-layer MLP.

Every method runs on every learning rate of the grid and every seed at once: θ has shape
``(P, n)``, one column per (seed, rate), and the package's own update functions take
``lr`` as a length-n array, so each column is bit for bit the run of the optimizer class
with that rate (tests/test_airfoil.py checks it against `SGD`, `Adagrad`, `RMSprop`, `Adam`).
Results are memoised: the page, its tests and the figure share one run per process.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from .adagrad import Adagrad, adagrad_update
from .adam import Adam, adam_update
from .compare import PROTOCOL as TOY_PROTOCOL
from .data import airfoil
from .rmsprop import RMSprop, rmsprop_update
from .sgd import SGD, sgd_update

__all__ = [
    "D2L",
    "METHODS",
    "PROBLEMS",
    "PROTOCOL",
    "Result",
    "d2l_data",
    "d2l_optimum",
    "d2l_runs",
    "flat",
    "gradient",
    "grid_runs",
    "least_squares_loss",
    "loss",
    "losses",
    "protocol_data",
    "study",
    "summary",
    "update",
]

#: method name -> (optimizer class, its update function's state names)
METHODS = {
    "SGD": SGD,
    "SGD, momentum 0.9": SGD,
    "Adagrad": Adagrad,
    "RMSprop": RMSprop,
    "Adam": Adam,
}

#: d2l's setup (§12.5 minibatch SGD, §12.7 Adagrad, §12.8 RMSprop, §12.10 Adam), as the book runs it.
D2L = {
    "rows": 1500,  # the first 1500 of the 1503 rows, after standardising all 1503
    "batch": 10,
    "epochs": 2,
    "init_std": 0.01,  # w ~ N(0, 0.01²), b = 0
    "lr": {"SGD": 0.05, "Adagrad": 0.1, "RMSprop": 0.01, "Adam": 0.01},
    "fixed": {"SGD": {}, "Adagrad": {}, "RMSprop": {"alpha": 0.9}, "Adam": {}},
    "seeds": (0, 1, 2, 3, 4),  # d2l runs one; the spread over five shows what one hides
}

#: The site's protocol on the airfoil data, fixed before any result.
PROTOCOL = {
    "problems": ("linear", "mlp"),
    "methods": tuple(METHODS),
    # the comparison page's grid, unchanged: 1, 2, 5 per decade from 1e-4 to 10
    "lr_grid": TOY_PROTOCOL["lr_grid"],
    # every other hyperparameter at torch's default, RMSprop's α at the comparison page's 0.9
    "fixed": {"SGD": {}, "SGD, momentum 0.9": {"momentum": 0.9}, "Adagrad": {}, "RMSprop": {"alpha": 0.9}, "Adam": {}},
    # 303 held-out rows drawn once by this seed before any run; the other 1200 train, and both
    # are standardised with the training rows' mean and standard deviation
    "held_out": 303,
    "split_seed": 0,
    "batch": 10,
    "epochs": 10,  # 1200 steps of 10 rows
    "seeds": (0, 1, 2, 3, 4),  # each seed sets the initial point and the order of the rows
    # the criterion: the rate with the lowest mean final training loss over the seeds; a rate
    # whose loss is not finite on some seed is out; ties go to the smaller rate
}

HIDDEN = 32
#: problem -> number of parameters P (5 inputs)
PROBLEMS = {"linear": 6, "mlp": 5 * HIDDEN + HIDDEN + HIDDEN + 1}


def _split(problem: str, theta: np.ndarray):
    """The parameters of θ, shape (P, S, L) (S groups that share their rows, L columns each),
    as arrays with the group first: linear (w (S, 5, L), b (S, L)); MLP (W₁ (S, 5, 32·L) with
    column l's weights at [:, :, h·L + l], b₁, w₂ (S, 32, L), b₂ (S, L))."""
    _, S, L = theta.shape
    if problem == "linear":
        return theta[:5].transpose(1, 0, 2), theta[5]
    W1 = theta[: 5 * HIDDEN].reshape(5, HIDDEN, S, L).transpose(2, 0, 1, 3).reshape(S, 5, HIDDEN * L)
    b1 = theta[5 * HIDDEN : 6 * HIDDEN].transpose(1, 0, 2)
    w2 = theta[6 * HIDDEN : 7 * HIDDEN].transpose(1, 0, 2)
    return W1, b1, w2, theta[7 * HIDDEN]


def _forward(problem: str, theta: np.ndarray, X: np.ndarray):
    """Predictions ŷ, shape (S, B, L), for rows X of shape (S, B, 5) (group s's rows for its
    L columns); for the MLP also the hidden activations H = tanh(W₁ᵀx + b₁), (S, B, 32, L)."""
    _, S, L = theta.shape
    if problem == "linear":
        w, b = _split(problem, theta)
        return np.matmul(X, w) + b[:, None, :], None
    W1, b1, w2, b2 = _split(problem, theta)
    H = np.matmul(X, W1).reshape(S, -1, HIDDEN, L)
    H += b1[:, None]
    np.tanh(H, out=H)
    return np.einsum("sbhl,shl->sbl", H, w2) + b2[:, None, :], H


def loss(problem: str, theta: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Mean of ½(ŷ − y)² over the rows, per column: θ (P, S, L), X (S, B, 5), y (S, B) -> (S, L)."""
    pred, _ = _forward(problem, theta, X)
    return 0.5 * np.mean((pred - y[:, :, None]) ** 2, axis=1)


def gradient(problem: str, theta: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The exact gradient of `loss` with respect to θ, shape (P, S, L), by backpropagation."""
    _, S, L = theta.shape
    B = X.shape[1]
    pred, H = _forward(problem, theta, X)
    r = (pred - y[:, :, None]) / B  # ∂loss/∂ŷ, (S, B, L)
    Xt = X.transpose(0, 2, 1)
    if problem == "linear":
        return np.concatenate([np.matmul(Xt, r).transpose(1, 0, 2), r.sum(axis=1)[None]])
    _, _, w2, _ = _split(problem, theta)
    g = np.empty_like(theta)
    np.einsum("sbhl,sbl->hsl", H, r, out=g[6 * HIDDEN : 7 * HIDDEN])  # ∂/∂w₂
    H *= H  # H is not needed any more: it becomes ∂loss/∂Z, back through tanh' = 1 − tanh²
    np.subtract(1, H, out=H)
    H *= w2[:, None]
    H *= r[:, :, None, :]
    g[: 5 * HIDDEN] = np.matmul(Xt, H.reshape(S, B, HIDDEN * L)).reshape(S, 5 * HIDDEN, L).transpose(1, 0, 2)
    g[5 * HIDDEN : 6 * HIDDEN] = H.sum(axis=1).transpose(1, 0, 2)
    g[7 * HIDDEN] = r.sum(axis=1)
    return g


def flat(problem: str, X: np.ndarray, y: np.ndarray):
    """``(f, grad)`` of one θ of shape (P,) on rows X (N, 5), y (N,): for `check_gradient`."""

    def f(theta):
        return float(loss(problem, theta.reshape(-1, 1, 1), X[None], y[None])[0, 0])

    def grad(theta):
        return gradient(problem, theta.reshape(-1, 1, 1), X[None], y[None])[:, 0, 0]

    return f, grad


def init(problem: str, rng: np.random.Generator) -> np.ndarray:
    """The initial point, shape (P,): linear w ~ N(0, 0.01²), b = 0 (d2l's); MLP W₁ ~ N(0, 1/5),
    w₂ ~ N(0, 1/32) (variance 1/fan-in), biases 0."""
    if problem == "linear":
        return np.concatenate([rng.normal(0, D2L["init_std"], 5), [0.0]])
    W1 = rng.normal(0, np.sqrt(1 / 5), 5 * HIDDEN)
    w2 = rng.normal(0, np.sqrt(1 / HIDDEN), HIDDEN)
    return np.concatenate([W1, np.zeros(HIDDEN), w2, [0.0]])


def update(method: str, fixed: dict):
    """``(step(θ, g, state, lrs, t), state_names)``: one step of `method` on all columns at once,
    through the package's update function with the class's defaults updated by `fixed`."""
    cls = METHODS[method]
    h = cls(np.zeros(1), **fixed).hyperparams  # the class's defaults, checked by the class
    del h["lr"]
    if cls is SGD:
        names = ("momentum_buffer",) if h["momentum"] else ()

        def step(theta, g, state, lrs, t):
            sgd_update(theta, g, state.get("momentum_buffer"), state["work"], lr=lrs, step=t, **h)

    elif cls is Adagrad:
        names = ("sum_sq",)
        s0 = h.pop("initial_accumulator_value")
        h.pop("lazy")

        def step(theta, g, state, lrs, t):
            if t == 1:
                state["sum_sq"] += s0
            adagrad_update(theta, g, state["sum_sq"], state["work"], lr=lrs, step=t, **h)

    elif cls is RMSprop:
        names = ("square_avg",)
        if h["momentum"] or h["centered"]:
            raise ValueError("the vectorised RMSprop has no momentum or centering")

        def step(theta, g, state, lrs, t):
            rmsprop_update(theta, g, state["square_avg"], None, None, state["work"], lr=lrs, **h)

    else:
        names = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")

        def step(theta, g, state, lrs, t):
            adam_update(theta, g, state["exp_avg"], state["exp_avg_sq"], state["max_exp_avg_sq"], state["work"],
                        lr=lrs, step=t, **h)  # fmt: skip

    return step, names


def batch_order(seed: int, problem: str, rows: int, epochs: int) -> tuple[np.ndarray, np.ndarray]:
    """``(θ₀, order)`` for one seed: the initial point, then one permutation of the rows per
    epoch, shape (epochs, rows), drawn from one generator in that order."""
    rng = np.random.default_rng(seed)
    theta0 = init(problem, rng)
    return theta0, np.stack([rng.permutation(rows) for _ in range(epochs)])


def grid_runs(problem, method, lrs, seeds, X, y, epochs, batch, fixed=None) -> np.ndarray:
    """Run `method` on every (seed, rate) pair at once, from each seed's initial point and
    order of the rows (`batch_order`), and return θ after each epoch, shape
    ``(epochs + 1, P, len(seeds), len(lrs))``; ``[..., i, j]`` is seed i at rate j."""
    lrs = np.asarray(lrs, dtype=np.float64)
    fixed = PROTOCOL["fixed"][method] if fixed is None else fixed
    step, names = update(method, fixed)
    starts, orders = zip(*(batch_order(s, problem, len(y), epochs) for s in seeds), strict=True)
    theta = np.repeat(np.stack(starts, axis=1)[:, :, None], lrs.size, axis=2)  # (P, S, L)
    state = {name: np.zeros_like(theta) for name in names} | {"work": np.empty((2, *theta.shape))}
    order = np.stack(orders, axis=1)  # (epochs, S, rows)
    out = np.empty((epochs + 1, *theta.shape))
    out[0] = theta
    t = 0
    with np.errstate(all="ignore"):  # a too-large rate overflows; its columns become inf/NaN
        for e in range(epochs):
            for k in range(len(y) // batch):
                idx = order[e, :, k * batch : (k + 1) * batch]  # (S, batch): each seed its own rows
                t += 1
                step(theta, gradient(problem, theta, X[idx], y[idx]), state, lrs, t)
            out[e + 1] = theta
    return out


def losses(problem: str, thetas: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """`loss` on all rows X (N, 5), y (N,) of every θ in `thetas` (shape (..., P, S, L)) -> (..., S, L)."""
    P, S, L = thetas.shape[-3:]
    flat_t = thetas.reshape(-1, P, S, L)
    with np.errstate(all="ignore"):
        out = [loss(problem, th.reshape(P, 1, S * L), X[None], y[None]).reshape(S, L) for th in flat_t]
    return np.array(out).reshape(*thetas.shape[:-3], S, L)


@functools.cache
def d2l_data() -> tuple[np.ndarray, np.ndarray]:
    """d2l's training data: all 1503 rows standardised, the first 1500 kept; ``(X (1500, 5), y (1500,))``."""
    z = airfoil(standardize=True)[: D2L["rows"]]
    return _frozen(z[:, :5]), _frozen(z[:, 5])


def least_squares_loss(X: np.ndarray, y: np.ndarray, Xeval=None, yeval=None) -> float:
    """The exact minimum over (w, b) of mean ½(Xw + b − y)² (closed form, `numpy.linalg.lstsq`),
    or, with `Xeval`, `yeval`, that minimiser's loss on those rows."""
    A = np.column_stack([X, np.ones(len(X))])
    coef = np.linalg.lstsq(A, y, rcond=None)[0]
    if Xeval is None:
        Xeval, yeval = X, y
    return float(0.5 * np.mean((np.column_stack([Xeval, np.ones(len(Xeval))]) @ coef - yeval) ** 2))


def d2l_optimum() -> float:
    """The least-squares floor of d2l's airfoil problem: no method can end below it."""
    return least_squares_loss(*d2l_data())


@functools.cache
def d2l_runs() -> dict[str, np.ndarray]:
    """Each of d2l's four methods at the book's rate: the training loss on the 1500 rows after
    each epoch, shape ``(epochs + 1, len(D2L["seeds"]))``, one column per seed."""
    X, y = d2l_data()
    out = {}
    for method, lr in D2L["lr"].items():
        thetas = grid_runs("linear", method, [lr], D2L["seeds"], X, y, D2L["epochs"], D2L["batch"],
                           fixed=D2L["fixed"][method])  # fmt: skip
        out[method] = _frozen(losses("linear", thetas, X, y)[..., 0])
    return out


@functools.cache
def protocol_data() -> dict[str, np.ndarray]:
    """The protocol's split: ``train``/``held`` rows (indices into the 1503) and the standardised
    ``X``, ``y``, ``Xh``, ``yh`` (statistics of the training rows only)."""
    raw = airfoil()
    perm = np.random.default_rng(PROTOCOL["split_seed"]).permutation(len(raw))
    held, train = np.sort(perm[: PROTOCOL["held_out"]]), np.sort(perm[PROTOCOL["held_out"] :])
    mean, std = raw[train].mean(axis=0), raw[train].std(axis=0)
    z = (raw - mean) / std
    split = {"train": train, "held": held, "X": z[train, :5], "y": z[train, 5], "Xh": z[held, :5], "yh": z[held, 5]}
    return {k: _frozen(v) for k, v in split.items()}


@dataclass(frozen=True)
class Result:
    """One method on one problem under `PROTOCOL`.

    ``lr`` is the chosen rate; ``train`` and ``held`` the losses at that rate after each
    epoch, shape ``(epochs + 1, seeds)``; ``grid_train`` the mean final training loss per
    rate of the grid (inf where some seed is not finite).
    """

    problem: str
    method: str
    lr: float
    train: np.ndarray
    held: np.ndarray
    grid_train: np.ndarray

    @property
    def final_train(self) -> np.ndarray:
        return self.train[-1]

    @property
    def final_held(self) -> np.ndarray:
        return self.held[-1]


@functools.cache
def study_one(problem: str, method: str) -> Result:
    """`method` tuned on `problem` by the protocol's criterion."""
    d = protocol_data()
    lrs = PROTOCOL["lr_grid"]
    thetas = grid_runs(problem, method, lrs, PROTOCOL["seeds"], d["X"], d["y"], PROTOCOL["epochs"], PROTOCOL["batch"])
    final = losses(problem, thetas[-1], d["X"], d["y"])  # (seeds, rates)
    score = np.where(np.isfinite(final).all(axis=0), final.mean(axis=0), np.inf)
    best = min(range(len(lrs)), key=lambda j: (score[j], lrs[j]))
    chosen = thetas[..., best : best + 1]
    train = losses(problem, chosen, d["X"], d["y"])[..., 0]
    held = losses(problem, chosen, d["Xh"], d["yh"])[..., 0]
    return Result(problem, method, lrs[best], _frozen(train), _frozen(held), _frozen(score))


def study() -> list[Result]:
    """Every problem and method of `PROTOCOL`, problem by problem."""
    return [study_one(p, m) for p in PROTOCOL["problems"] for m in PROTOCOL["methods"]]


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a)
    a.setflags(write=False)  # memoised results are shared: nobody may change them
    return a


def summary() -> dict[tuple[str, str], dict]:
    """The headline numbers of `study`, per ``(problem, method)``: the chosen rate ``lr`` and,
    for the final ``train`` and ``held`` (held-out) losses, ``(mean, min, max)`` over the seeds.
    The page "Real data: airfoil" prints them; "Which should I use" can cite them."""
    out = {}
    for r in study():
        out[r.problem, r.method] = {"lr": r.lr} | {
            k: (float(v.mean()), float(v.min()), float(v.max()))
            for k, v in (("train", r.final_train), ("held", r.final_held))
        }
    return out
