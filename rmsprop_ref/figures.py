"""The figures of the guide, each drawn by one function from the package's own code.

``python -m rmsprop_ref.figures OUTDIR`` writes them all as SVG. Output is
deterministic (fixed seeds, fixed SVG ids, no date), and a file is rewritten only
when its bytes change, so a rebuild with nothing changed touches nothing.
matplotlib is imported here only, when a figure is drawn.
"""

from __future__ import annotations

import colorsys
import contextvars
import functools
import io
import itertools
import re
import sys
import textwrap
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .adagrad import Adagrad
from .compare import ARTICLE
from .ewma import ewma
from .problems import Problem, d2l_quadratic, quadratic, rosenbrock
from .rmsprop import RMSprop
from .run import run

_RC = {
    "svg.hashsalt": "rmsprop_ref",  # fixed ids in the SVG, so the bytes repeat
    "svg.fonttype": "none",  # text stays text: smaller files, selectable labels
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
COLORS = {"Adagrad": "#1f77b4", "RMSprop": "#d62728", "SGD": "#7f7f7f"}

#: Material's slate (dark) scheme as the browser paints it: the page background
#: hsl(225, 15%, 14%) and body text hsl(225, 15%, 90%) at 82% opacity over it, a
#: little brighter here because figure text is small.
DARK_BG, DARK_FG = "#1e2129", "#c8cbd2"
#: Width of a narrow figure in inches (1 in = 96 CSS px): 345.6 px fits the 358-px
#: content column of a 390-px phone, so it is shown at its natural size, unscaled.
NARROW_WIDTH = 3.6
#: Smallest font size in a narrow figure, in points; mathtext sub- and superscripts are
#: 70% of their text, so they stay at 7 pt = 9.3 CSS px.
NARROW_MIN_FONT = 10.0
#: Smallest font size in a wide figure, in points. At a 1280-px window the content
#: column is 748 px, so a 9-in figure is shown at 0.87 of its size: 8 pt = 9.2 CSS px.
WIDE_MIN_FONT = 8.0
#: The content column at a 1280-px window, in CSS px: a wide figure wider than this is
#: shown scaled down to it (a 9-in figure at 0.87 of its size).
WIDE_COLUMN_PX = 748
#: The smallest text a reader is shown at 1280 px, in CSS px (the bar is 9), mathtext's sub- and
#: superscripts (70% of their text) included.
WIDE_MIN_TEXT_PX = 9.2  # 9, the bar, and a little for rounding
#: file-name suffix -> (layout, scheme) of each variant written for a figure
VARIANTS = {
    "": ("wide", "light"),
    "-dark": ("wide", "dark"),
    "-narrow": ("narrow", "light"),
    "-narrow-dark": ("narrow", "dark"),
}
_LAYOUT = contextvars.ContextVar("rmsprop_ref_figure_layout", default="wide")
#: The data computed for the figure `draw_variants` is drawing (see `_per_figure`), or None
_FIGURE_DATA: contextvars.ContextVar[dict | None] = contextvars.ContextVar("rmsprop_ref_figure_data", default=None)


def _per_figure(compute: Callable) -> Callable:
    """`compute`, run once for all the variants of the figure being drawn.

    A figure function is called once per layout; while `draw_variants` draws one figure,
    a decorated function's result is kept for its repeated arguments, so the narrow layout
    draws the data the wide one computed. Outside `draw_variants` (a caption's test) every
    call computes afresh. The figure functions only read what it returns.
    """

    @functools.wraps(compute)
    def wrapper(*args, **kwargs):
        memo = _FIGURE_DATA.get()
        if memo is None:
            return compute(*args, **kwargs)
        key = (compute, args, tuple(sorted(kwargs.items())))
        if key not in memo:
            memo[key] = compute(*args, **kwargs)
        return memo[key]

    return wrapper


@contextmanager
def layout(name: str):
    """Draw figures in this layout: ``"wide"`` (panels side by side) or ``"narrow"``.

    A narrow figure is `NARROW_WIDTH` inches wide with its panels stacked top to
    bottom; every figure function gets it through `_figure`, unchanged.
    """
    if name not in ("wide", "narrow"):
        raise ValueError(f"Unknown layout {name!r}; known: 'wide', 'narrow'")
    token = _LAYOUT.set(name)
    try:
        yield
    finally:
        _LAYOUT.reset(token)


def _figure(ncols: int = 1, width: float = 6.4, height: float = 3.6):
    from matplotlib.figure import Figure  # no pyplot: no global state, no backend to pick

    if _LAYOUT.get() == "narrow":
        # Text keeps its size in points, so a panel cannot shrink with the width as far
        # as its aspect ratio would say: keep at least 3.2 in of height for labels and legend.
        panel = max(3.2, min(height, height * NARROW_WIDTH * ncols / width))
        fig = Figure(figsize=(NARROW_WIDTH, panel * ncols), layout="constrained")
        return fig, fig.subplots(ncols, 1, squeeze=False)[:, 0]
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    return fig, axes


#: Problem names as the figures write them (titles and legends are in words)
_PROBLEM_WORDS = {"rosenbrock": "Rosenbrock", "d2l_quadratic": "d2l quadratic"}


def _in_words(name: str) -> str:
    return _PROBLEM_WORDS.get(name, name.replace("_", " "))


def ewma_weights(betas=(0.5, 0.9, 0.95)):
    """Weight (1-β)β^k of the value k steps back, for several β, with 1/(1-β) marked."""
    fig, (ax,) = _figure()
    k = np.arange(60)
    for beta in betas:
        line = ax.plot(k, (1 - beta) * beta**k, marker="o", ms=2.5, label=f"β = {beta}")[0]
        ax.axvline(1 / (1 - beta), color=line.get_color(), ls=":", lw=1)
    ax.set(xlabel="k (steps into the past)", ylabel="weight of $x_{t-k}$ in $v_t$",
           title="EWMA weights decay geometrically; dotted: 1/(1-β)")  # fmt: skip
    ax.legend()
    return fig


def noisy_series(n: int = 100, seed: int = 0) -> np.ndarray:
    """A slow sine plus noise, offset from zero so the zero start's bias shows."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 5 + np.sin(t / 12) + rng.normal(scale=0.6, size=n)


def ewma_smoothing(beta: float = 0.9):
    """A noisy series, its EWMA from zero, and the bias-corrected EWMA."""
    x = noisy_series()
    fig, (ax,) = _figure()
    t = np.arange(1, x.size + 1)
    ax.plot(t, x, ".", color="0.6", ms=4, label="$x_t$ (noisy)")
    ax.plot(t, ewma(x, beta), label=f"EWMA $v_t$, β = {beta} (starts at 0)")
    ax.plot(t, ewma(x, beta, bias_correction=True), label=r"bias-corrected $v_t / (1-β^t)$")
    ax.set(xlabel="t", ylabel="value", title="Smoothing: the zero start drags early values down")
    ax.legend(loc="lower right")
    return fig


def article_paths(grad=quadratic.grad) -> dict[str, np.ndarray]:
    """Adagrad and RMSprop on the article's problem with its settings (eta = 1, beta = 0.9, 30 steps)."""
    lr, alpha, steps = ARTICLE["lr"], ARTICLE["alpha"], ARTICLE["steps"]
    return {
        "Adagrad": run(Adagrad, grad, quadratic.start, steps, lr=lr),
        "RMSprop": run(RMSprop, grad, quadratic.start, steps, lr=lr, alpha=alpha),
    }


def adagrad_vs_rmsprop():
    """The article's figure: each parameter's value against the iteration, for both methods."""
    paths = article_paths()
    fig, axes = _figure(ncols=2, width=8, height=3.4)
    for i, ax in enumerate(axes):
        for name, path in paths.items():
            ax.plot(path[:, i], marker="o", ms=3, color=COLORS[name], label=name)
        ax.axhline(0, color="k", lw=0.8)
        ax.set(
            xlabel="step t",
            ylabel=rf"$\theta_{i + 1}$",
            title=rf"$\theta_{i + 1}$ (start {quadratic.start[i]:g}, optimum 0)",
        )
    axes[0].legend()
    fig.suptitle(r"$f(\theta) = \theta_1^2 + 0.5\,\theta_2^2$, η = 1, α = 0.9")
    return fig


def _contour(ax, problem: Problem, lim: tuple[float, float, float, float]):
    x0, x1, y0, y1 = lim
    X, Y = np.meshgrid(np.linspace(x0, x1, 200), np.linspace(y0, y1, 200))
    Z = problem.f(np.stack([X, Y]))
    levels = np.geomspace(max(Z.min(), 1e-3), Z.max(), 15) if problem is rosenbrock else 15
    ax.contour(X, Y, Z, levels=levels, colors="0.75", linewidths=0.7)
    ax.plot(*problem.x_min, "k*", ms=10)
    ax.set(xlabel=r"$\theta_1$", ylabel=r"$\theta_2$", xlim=(x0, x1), ylim=(y0, y1))


def trajectories(problem: Problem = quadratic, steps: int = ARTICLE["steps"], lim=(-5.5, 5.5, -5.5, 5.5), **settings):
    """Adagrad and RMSprop paths over the contours of `problem` (article settings by default)."""
    lr, alpha = settings.get("lr", ARTICLE["lr"]), settings.get("alpha", ARTICLE["alpha"])
    fig, axes = _figure(ncols=2, width=8, height=3.8)
    for ax, (name, path) in zip(axes, (
        ("Adagrad", run(Adagrad, problem.grad, problem.start, steps, lr=lr)),
        ("RMSprop", run(RMSprop, problem.grad, problem.start, steps, lr=lr, alpha=alpha)),
    )):  # fmt: skip
        _contour(ax, problem, lim)
        ax.plot(path[:, 0], path[:, 1], "-o", ms=3, color=COLORS[name])
        ax.set_title(f"{name}, {steps} steps, η = {lr:g}" + (f", α = {alpha:g}" if name == "RMSprop" else ""))
    return fig


def effective_lr(steps: int = ARTICLE["steps"]):
    """Effective learning rate of coordinate θ₁ over the steps, Adagrad vs RMSprop."""
    lr, alpha = ARTICLE["lr"], ARTICLE["alpha"]
    fig, (ax,) = _figure()
    for name, opt_cls, kw in (("Adagrad", Adagrad, {}), ("RMSprop", RMSprop, {"alpha": alpha})):
        x = quadratic.start.copy()
        opt = opt_cls(x, lr=lr, **kw)
        rates = []
        for _ in range(steps):
            opt.step(quadratic.grad(x))
            rates.append(opt.effective_lr()[0][0])
        ax.semilogy(np.arange(1, steps + 1), rates, "-o", ms=3, color=COLORS[name], label=name)
    ax.set(xlabel="step t", ylabel=r"effective learning rate of $\theta_1$",
           title="Adagrad's rate only shrinks; RMSprop's follows recent gradients")  # fmt: skip
    ax.legend()
    return fig


def wrong_gradient():
    """The article's plot redone with its gradient bug, ∂f/∂θ₂ = 0.2·θ₂, beside the true gradient θ₂."""
    true_paths = article_paths()
    wrong_paths = article_paths(grad=lambda x: np.array([2 * x[0], 0.2 * x[1]]))
    fig, axes = _figure(ncols=2, width=8, height=3.4)
    for ax, (name, path) in zip(axes, true_paths.items()):
        label = r"true gradient $\partial f/\partial \theta_2 = \theta_2$"
        ax.plot(path[:, 1], "-o", ms=3, color=COLORS[name], label=label)
        ax.plot(wrong_paths[name][:, 1], "--s", ms=3, color="0.4", label=r"article's $0.2\,\theta_2$")
        ax.axhline(0, color="k", lw=0.8)
        ax.set(xlabel="iteration", ylabel=r"$\theta_2$", title=rf"{name}: $\theta_2$ against iteration")
    axes[0].legend(fontsize=8)
    return fig


def _tuned_distances(method: str, problem: str) -> tuple[float, np.ndarray]:
    """`method`'s tuned rate on `problem` (the study's protocol) and its distances over the
    horizon on seed 0: the column of the runs `tune` chose from (memoised), not a new run."""
    from .compare import PROTOCOL, protocol_runs, tune

    lr = tune(method, problem).lr
    return lr, protocol_runs(method, problem)[0][:, PROTOCOL["lr_grid"].index(lr)]


def harder_problems(names=("d2l_quadratic", "rotated_quadratic", "rosenbrock")):
    """The study: distance to the minimum against the step, each method at its tuned rate.

    One panel per problem of `names`, the whole horizon, the tolerance as a dotted line;
    the noisy problem is drawn for seed 0.
    """
    from .compare import PROTOCOL

    fig, axes = _figure(ncols=len(names), width=10, height=3.4)
    for ax, name in zip(axes, names):
        for method in PROTOCOL["methods"]:
            lr, d = _tuned_distances(method, name)
            ax.semilogy(np.maximum(d, 1e-16), color=COLORS[method], lw=1, label=f"{method}, η = {lr:g}")
        ax.axhline(PROTOCOL["tol"], color="k", ls=":", lw=1)
        ax.set(title=_in_words(name), xlabel="step t", ylim=(1e-16, 1e2),
               ylabel=r"$\|\theta_t - \theta^\ast\|$ (log scale)")  # fmt: skip
        ax.legend(fontsize=7, loc="center right")  # the data never reach the middle right
    return fig


def article_long_run(steps: int = 200):
    """The article's run past its 30-step window: distances, and RMSprop's effective rate against 2/h."""
    from .compare import article_runs

    runs = article_runs(steps)
    fig, axes = _figure(ncols=2, width=9, height=3.4)
    ax = axes[0]
    for name, color, style in (("Adagrad", COLORS["Adagrad"], "-"), ("RMSprop", COLORS["RMSprop"], "-"),
                               ("RMSprop, η/t", COLORS["RMSprop"], "--")):  # fmt: skip
        d = np.linalg.norm(runs[name], axis=1)
        label = {"RMSprop": "RMSprop, η = 1", "RMSprop, η/t": "RMSprop, $η_t$ = 1/t"}.get(name, "Adagrad, η = 1")
        ax.semilogy(np.maximum(d, 1e-16), style, color=color, lw=1.2, label=label)
    ax.axvspan(0, ARTICLE["steps"], color="0.9", lw=0)
    ax.set(xlabel="step t", ylabel=r"$\|\theta_t - \theta^\ast\|$ (log scale)", ylim=(1e-16, 1e2),
           title="the article's 30 steps (shaded) and after")  # fmt: skip
    ax.legend(fontsize=7, loc="lower right")
    ax = axes[1]
    t = np.arange(1, steps + 1)
    ax.semilogy(t, runs["rate"][:, 0], color=COLORS["RMSprop"], lw=1.2, label=r"η/(√$v$ + ε) for $θ_1$")
    ax.axhline(1.0, color="k", ls=":", lw=1, label=r"2/h = 1 ($h$ = 2 for $θ_1$)")
    ax.set(xlabel="step t", ylabel="effective learning rate (log scale)",
           title="RMSprop, η = 1: stable only below 2/h")  # fmt: skip
    ax.legend(fontsize=7, loc="lower right")
    return fig


#: Colours of the methods the "Beyond RMSprop" pages add (the others keep COLORS)
_BEYOND_COLORS = {**COLORS, "Adam": "#2ca02c", "AMSGrad": "#9467bd"}


@_per_figure
def adam_long_run_data() -> dict:
    """What `adam_long_run` draws: its settings ``steps``, ``lr``, ``betas`` and, under
    ``distances``, ‖θ_t − θ*‖ (t = 0..steps) of Adam and AMSGrad on the article's quadratic.
    The figure and its caption's test both call this, so they cannot drift apart."""
    from .adam import Adam
    from .adam_study import adam_grid_distances

    steps, lr = 20000, 1.0
    betas = Adam(np.zeros(1)).hyperparams["betas"]  # the class's defaults: torch's (0.9, 0.999)
    # The Adam study's runner at one rate: bit for bit run(Adam, ...) at the class's defaults
    # (tests/test_study.py), in about half the time of 20000 calls of Adam.step.
    distances = {
        name: adam_grid_distances(quadratic, [lr], steps, amsgrad=amsgrad)[:, 0]
        for name, amsgrad in (("Adam", False), ("AMSGrad", True))
    }
    return {"steps": steps, "lr": lr, "betas": betas, "distances": distances}


def adam_long_run():
    """Adam and AMSGrad (default betas, η = 1) on the article's quadratic, far past the point Adam reaches."""
    data = adam_long_run_data()
    fig, (ax,) = _figure(width=6.4, height=3.4)
    for name, d in data["distances"].items():
        ax.semilogy(np.maximum(d, 1e-50), color=_BEYOND_COLORS[name], lw=1.2, label=f"{name}, η = {data['lr']:g}")
    ax.axhline(1e-2, color="k", ls=":", lw=1, label="10⁻²")
    ax.set(xlabel="step t", ylabel=r"$\|\theta_t - \theta^\ast\|$ (log scale)", ylim=(1e-50, 1e2),
           title="Adam comes back out as v forgets; AMSGrad stays")  # fmt: skip
    ax.legend(fontsize=8, loc="lower right")  # Adam's bursts fill the top right; below 1e-36 there it is empty
    return fig


@_per_figure
def schedules_settle_data(steps: int = 2000) -> dict:
    """What `schedules_settle` draws: its settings ``steps``, ``lr``, ``alpha``, the steps ``t``
    (0..steps) and, under ``runs``, for each schedule its legend ``label``, ``lrs`` (η_t for
    t = 1..steps, as set before each step) and ``distances`` (‖θ_t − θ*‖, t = 0..steps) of
    RMSprop on the article's quadratic. The figure and its caption's test both call this."""
    from .schedules import cosine, exponential, inverse_sqrt, step_decay

    lr, alpha = 1.0, 0.9
    schedules = {
        "constant": ("constant η = 1", None),
        "inverse_sqrt": ("1/√t", inverse_sqrt(lr)),
        "step_decay": ("halved every 100 steps", step_decay(lr, 100, 0.5)),
        "exponential": ("× 0.99 per step", exponential(lr, 0.99)),
        "cosine": (f"cosine to 0 at t = {steps + 1}", cosine(lr, steps)),  # η_t reaches 0 at t_max + 1
    }
    runs = {}
    for key, (label, schedule) in schedules.items():
        path = run(RMSprop, quadratic.grad, quadratic.start, steps, lr=lr, alpha=alpha, lr_schedule=schedule)
        lrs = np.full(steps, lr) if schedule is None else np.array([schedule(t) for t in range(1, steps + 1)])
        runs[key] = {"label": label, "lrs": lrs, "distances": np.linalg.norm(path, axis=1)}
    return {"steps": steps, "lr": lr, "alpha": alpha, "t": np.arange(steps + 1), "runs": runs}


def schedules_settle(steps: int = 2000):
    """RMSprop (η = 1, α = 0.9) on the article's quadratic under each schedule: distance to the minimum."""
    data = schedules_settle_data(steps)
    fig, (ax,) = _figure(width=6.4, height=3.4)
    for (key, r), style in zip(data["runs"].items(), ("-", "--", "-.", ":", (0, (5, 1, 1, 1)))):
        ax.semilogy(data["t"], np.maximum(r["distances"], 1e-20), ls=style, lw=1.2,
                    color=COLORS["RMSprop"] if key == "constant" else None, label=r["label"])  # fmt: skip
    ax.axhline(1e-2, color="k", ls=":", lw=0.8)
    ax.set(xlabel="step t", ylabel=r"$\|\theta_t - \theta^\ast\|$ (log scale)", ylim=(1e-20, 1e2),
           title="RMSprop, α = 0.9: only a decaying η settles")  # fmt: skip
    # Five curves leave no empty corner (narrow or wide): the legend goes below the axes,
    # and the figure grows by its height so the panel keeps its own.
    narrow = _LAYOUT.get() == "narrow"
    fig.set_size_inches(fig.get_figwidth(), fig.get_figheight() + (1.3 if narrow else 0.45))
    fig.legend(fontsize=7, loc="outside lower center", ncols=1 if narrow else 3)
    return fig


def sparse_row_error():
    """Final error of each embedding row against how often it was looked up, each method at its tuned η."""
    from .sparse import SPARSE_PROTOCOL, embedding_bag, sparse_study

    counts = embedding_bag.lookups(SPARSE_PROTOCOL["steps"])
    edges = np.array([0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, np.inf])
    fig, (ax,) = _figure(width=6.4, height=3.4)
    for name, (lr, err) in sparse_study().items():
        x, y = [], []
        for lo, hi in itertools.pairwise(edges):
            rows = (counts >= lo) & (counts < hi)
            if rows.any():
                x.append(max(lo, 0.5))  # rows never looked up drawn at 0.5 on the log axis
                y.append(err[rows].mean())
        ax.semilogx(x, y, "-o", ms=3, lw=1.2, color=_BEYOND_COLORS[name], label=f"{name}, η = {lr:g}")
    ax.set(xlabel="times the row was looked up in 1000 steps (0 drawn at 0.5)",
           ylabel=r"mean final $\|\theta_j - \theta^\ast_j\|$",
           title="Embedding rows: final error against lookups")  # fmt: skip
    ax.legend(fontsize=8, loc="upper right")
    return fig


def reddi_online():
    """Reddi et al.'s experiment at η = 1: the iterate θ_t of Adam and AMSGrad against the step,
    on the online problem (left) and on the stochastic one, one line per seed (right)."""
    from .papers import reddi_runs

    runs = reddi_runs()
    j = runs.etas.index(1.0)
    drawn = runs.t % 500 == 0  # every 500th step: 201 points a line keeps the SVG small
    fig, axes = _figure(ncols=2, width=9.0, height=3.4)
    panels = (
        ("online: 1010 once every 101 steps", (0,)),
        ("stochastic: 1010 with probability 0.01", range(1, len(runs.problems))),
    )
    for ax, (title, problems) in zip(axes, panels):
        for i, method in enumerate(runs.methods):
            for k, q in enumerate(problems):
                label = f"{method}, η = 1" if k == 0 else None
                ax.plot(runs.t[drawn], runs.x[drawn, i, j, q], color=_BEYOND_COLORS[method], lw=1.0, label=label)
        ax.axhline(-1.0, color="k", ls=":", lw=0.8, label="optimum θ = −1")
        ax.set(xlabel="step t", ylabel=r"$\theta_t$", ylim=(-1.1, 1.1), title=title)
    axes[0].legend(fontsize=8, loc="center right")  # the online panel's middle is empty; same colours right
    return fig


def airfoil_epochs():
    """Training loss against epoch on the airfoil data, each method at its chosen rate: the mean
    over the protocol's seeds as a line, the lowest to the highest seed as a band."""
    from .airfoil import PROTOCOL, least_squares_loss, protocol_data, study

    d = protocol_data()
    floor = least_squares_loss(d["X"], d["y"])
    fig, axes = _figure(ncols=2, width=9.0, height=3.6)
    titles = {"linear": "Linear regression", "mlp": "MLP 5 → 32 → 1, tanh"}
    styles = {"SGD": ":", "SGD, momentum 0.9": "--"}
    epochs = np.arange(PROTOCOL["epochs"] + 1)
    for ax, problem in zip(axes, PROTOCOL["problems"]):
        for r in (r for r in study() if r.problem == problem):
            color = _BEYOND_COLORS.get(r.method, "#8c564b")
            ax.plot(epochs, r.train.mean(axis=1), ls=styles.get(r.method, "-"), lw=1.4, color=color,
                    label=f"{r.method}, η = {r.lr:g}")  # fmt: skip
            ax.fill_between(epochs, r.train.min(axis=1), r.train.max(axis=1), color=color, alpha=0.15, lw=0)
        if problem == "linear":
            ax.axhline(floor, color="k", lw=0.8, ls="-.", label=f"least-squares floor {floor:.4f}")
        ax.set(xlabel="epoch (120 steps of 10 rows)", ylabel="training loss, mean of ½(ŷ − y)²",
               yscale="linear" if problem == "linear" else "log", title=titles[problem])  # fmt: skip
        ax.legend(fontsize=7, loc="upper right")  # each panel its own: the chosen rates differ
    return fig


@_per_figure
def contraction_data(steps: int = 300) -> dict:
    """What `contraction` draws: for the article's and d2l's quadratics (under ``problems``,
    by name), the curvatures ``h``, the best momentum ``momentum`` (`heavy_ball_best`), a fine
    grid ``curve_lrs`` with the predicted contraction of gradient descent ``gd`` and of the
    heavy ball ``hb`` on it, and the rates ``lrs`` of the runs with their fitted contractions
    ``gd_fit`` and ``hb_fit`` (`fitted_contraction` from step 10, `steps` steps of `SGD`).
    The figure and its caption's test both call this, so they cannot drift apart."""
    from . import dynamics as dy
    from .sgd import SGD

    out = {}
    for problem in (quadratic, d2l_quadratic):
        h = np.diag(dy.hessian(problem.grad, problem.x_min))
        mu = dy.heavy_ball_best(h)[1]
        top = 1.1 * dy.heavy_ball_max_stable_lr(mu, h)
        curve = np.linspace(top / 400, top, 400)
        lrs = np.linspace(top / 10, top, 10)
        fits = {}
        for key, momentum in (("gd_fit", 0.0), ("hb_fit", mu)):
            fits[key] = np.array([
                dy.fitted_contraction(np.linalg.norm(run(SGD, problem.grad, problem.start, steps, lr=lr,
                                                         momentum=momentum), axis=1), 10)
                for lr in lrs
            ])  # fmt: skip
        out[problem.name] = {
            "h": h, "momentum": mu, "curve_lrs": curve, "lrs": lrs,
            "gd": np.array([dy.gd_contraction(lr, h) for lr in curve]),
            "hb": np.array([dy.heavy_ball_contraction(lr, mu, h) for lr in curve]),
            **fits,
        }  # fmt: skip
    return {"steps": steps, "problems": out}


def contraction():
    """Contraction per step against η, predicted (lines) and fitted from runs (points), GD and heavy ball."""
    data = contraction_data()
    fig, axes = _figure(ncols=2, width=9, height=3.4)
    for ax, (name, d) in zip(axes, data["problems"].items()):
        ax.plot(d["curve_lrs"], d["gd"], color=COLORS["SGD"], lw=1.2, label="gradient descent, predicted")
        ax.plot(d["lrs"], d["gd_fit"], "o", color=COLORS["SGD"], ms=4, label="gradient descent, fitted")
        hb = f"heavy ball, μ = {d['momentum']:.3f}"
        ax.plot(d["curve_lrs"], d["hb"], color=_BEYOND_COLORS["Adam"], lw=1.2, ls="--", label=f"{hb}, predicted")
        ax.plot(d["lrs"], d["hb_fit"], "s", mfc="none", color=_BEYOND_COLORS["Adam"], ms=5, label=f"{hb}, fitted")
        ax.axhline(1.0, color="k", ls=":", lw=0.8)
        top = 1.1 * max(d["gd_fit"].max(), d["hb_fit"].max())  # every point on the panel
        ax.set(xlabel="learning rate η", ylabel="contraction q per step", ylim=(0, top),
               title=f"{_in_words(name)}, curvatures {' and '.join(f'{x:g}' for x in d['h'])}")  # fmt: skip
        ax.legend(fontsize=7, loc="upper center" if name == "quadratic" else "upper left")  # the empty top
    return fig


#: The tutorial notebook. Its code cells compute what `tutorial_losses` draws: the figure is
#: drawn from the notebook's own runs, so the two cannot disagree (found from a source checkout).
TUTORIAL = Path(__file__).resolve().parents[1] / "docs" / "tutorial.ipynb"


@_per_figure
def tutorial_losses_data() -> dict:
    """What `tutorial_losses` draws: the tutorial notebook's namespace after its code cells up to
    the one that defines ``runs`` (each optimizer's training and held-out loss per epoch at its
    chosen rate ``best[opt_class]``), run as the notebook runs them, their printing discarded."""
    import contextlib
    import json

    namespace: dict = {}
    with contextlib.redirect_stdout(io.StringIO()):
        for cell in json.loads(TUTORIAL.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "code":
                exec(compile("".join(cell["source"]), f"{TUTORIAL.name}:{cell['id']}", "exec"), namespace)
                if "runs" in namespace:
                    return namespace
    raise ValueError(f"{TUTORIAL}: no code cell defines `runs`")


def tutorial_losses():
    """The tutorial's runs: held-out (solid) and training (dashed) loss after each epoch, each
    optimizer at its chosen rate."""
    import inspect

    from matplotlib.ticker import MaxNLocator, StrMethodFormatter

    data = tutorial_losses_data()
    fig, (ax,) = _figure()
    for opt_class, (train_loss, test_loss, _, _) in data["runs"].items():
        name, epochs = opt_class.__name__, np.arange(1, len(test_loss) + 1)
        label = f"{name}, η = {data['best'][opt_class]:g}"
        ax.plot(epochs, test_loss, marker="o", ms=3, color=COLORS[name], label=label)
        ax.plot(epochs, train_loss, ls="--", color=COLORS[name])
    batch = inspect.signature(data["train"]).parameters["batch"].default  # the runs' minibatch size
    ax.set(xlabel="epoch", ylabel="loss (solid: held out, dashed: training)", yscale="log",
           title=f"Logistic regression, minibatches of {batch}")  # fmt: skip
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole
    # Decimals, not 10^-1 and 2x10^-1: the page's notebook cell shows the narrow variant at
    # 0.86 of its size on a phone, where a superscript would fall under 9 CSS px.
    for axis_set in (ax.yaxis.set_major_formatter, ax.yaxis.set_minor_formatter):
        axis_set(StrMethodFormatter("{x:g}"))
    # Below the panel: at the top the curves of the first epochs run under it.
    fig.legend(loc="outside lower center", ncols=1 if _LAYOUT.get() == "narrow" else 3)
    return fig


#: file name -> function drawing it; what ``python -m rmsprop_ref.figures`` writes
FIGURES: dict[str, Callable] = {
    "ewma_weights.svg": ewma_weights,
    "ewma_smoothing.svg": ewma_smoothing,
    "adagrad_vs_rmsprop.svg": adagrad_vs_rmsprop,
    "trajectories.svg": trajectories,
    "trajectories_d2l.svg": lambda: trajectories(d2l_quadratic, 30, (-6, 6, -3, 3), lr=0.4, alpha=0.9),
    "effective_lr.svg": effective_lr,
    "wrong_gradient.svg": wrong_gradient,
    "study_quadratics.svg": lambda: harder_problems(("quadratic", "d2l_quadratic", "rotated_quadratic")),
    "study_others.svg": lambda: harder_problems(("rosenbrock", "sparse_least_squares", "noisy_least_squares")),
    "article_long_run.svg": article_long_run,
    "adam_long_run.svg": adam_long_run,
    "reddi_online.svg": reddi_online,
    "schedules_settle.svg": schedules_settle,
    "sparse_row_error.svg": sparse_row_error,
    "contraction.svg": contraction,
    "airfoil_epochs.svg": airfoil_epochs,
    "tutorial_losses.svg": tutorial_losses,
}


def render(fig) -> bytes:
    import matplotlib

    with matplotlib.rc_context(_RC):
        buf = io.BytesIO()
        fig.savefig(buf, format="svg", metadata={"Date": None})  # no date: same bytes each build
    return buf.getvalue()


def _hex_rgb(color: str) -> tuple[float, float, float]:
    return tuple(int(color[i : i + 2], 16) / 255 for i in (1, 3, 5))


def dark_color(color):
    """The colour that plays `color`'s part on the dark page (alpha kept).

    Greys, white and black swap ends: white (a background) becomes `DARK_BG` and
    black (text, axes) `DARK_FG`, greys fall in between in the same order, so a faint
    contour stays faint. A hue keeps its hue and saturation; its lightness l becomes
    max(l, 1 - l, 0.6) so that lines read on the dark background, except a pale one
    (l >= 0.75, a fill) which is darkened towards the background.
    """
    from matplotlib.colors import to_rgba

    r, g, b, a = to_rgba(color)
    h, light, sat = colorsys.rgb_to_hls(r, g, b)
    if sat < 0.05 or max(r, g, b) - min(r, g, b) < 0.02:  # a grey
        bg, fg = _hex_rgb(DARK_BG), _hex_rgb(DARK_FG)
        return (*(f + light * (k - f) for f, k in zip(fg, bg)), a)
    if light >= 0.75:
        bg_light = colorsys.rgb_to_hls(*_hex_rgb(DARK_BG))[1]
        light = bg_light + (1 - light) * (0.8 - bg_light)
    else:
        light = max(light, 1 - light, 0.6)
    return (*colorsys.hls_to_rgb(h, light, sat), a)


def _darken(fig) -> None:
    """Recolour a drawn figure in place for the dark scheme (`dark_color` on every colour).

    Works on whatever a figure function drew, named colours included, so a new figure
    gets its dark variant without code of its own. Colour-mapped artists keep their map.
    The figure must have been drawn once, so that its ticks exist.
    """
    from matplotlib.collections import Collection
    from matplotlib.image import AxesImage
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.text import Text

    def visible(c) -> bool:
        return not (isinstance(c, str) and c.lower() == "none")

    for artist in fig.findobj():
        if isinstance(artist, Line2D):
            # Read every colour before setting any: "auto" marker colours follow the line's.
            color, face, edge = artist.get_color(), artist.get_markerfacecolor(), artist.get_markeredgecolor()
            artist.set_color(dark_color(color))
            if visible(face):
                artist.set_markerfacecolor(dark_color(face))
            if visible(edge):
                artist.set_markeredgecolor(dark_color(edge))
        elif isinstance(artist, Text):
            artist.set_color(dark_color(artist.get_color()))
            if artist.get_bbox_patch() is not None:
                patch = artist.get_bbox_patch()
                patch.set_facecolor(dark_color(patch.get_facecolor()))
                patch.set_edgecolor(dark_color(patch.get_edgecolor()))
        elif isinstance(artist, Patch):
            face, edge = artist.get_facecolor(), artist.get_edgecolor()
            artist.set_facecolor(dark_color(face))
            artist.set_edgecolor(dark_color(edge))
        elif isinstance(artist, Collection) and artist.get_array() is None:
            face, edge = artist.get_facecolor(), artist.get_edgecolor()  # edges may follow the faces
            if len(face):
                artist.set_facecolor([dark_color(c) for c in face])
            if len(edge):
                artist.set_edgecolor([dark_color(c) for c in edge])
        elif isinstance(artist, AxesImage):
            pass  # an image keeps its colour map


def _wrap(text: str, chars: int) -> str:
    """`text` broken into lines of about `chars` characters, never inside $...$ math."""
    # Math and "name = value" are never split across lines.
    words = re.findall(r"(?:\$[^$]*\$|\S)+", text.replace(" = ", "\0=\0"))
    if not words:
        return text
    protected = [w.replace(" ", "\0") for w in words]
    lines = textwrap.wrap(" ".join(protected), max(chars, 8), break_long_words=False, break_on_hyphens=False)
    return "\n".join(lines).replace("\0", " ")


def _raise_small_text(fig, minimum: float) -> None:
    """Raise every text smaller than `minimum` points (a legend at ``fontsize=7``) to it."""
    from matplotlib.text import Text

    for text in fig.findobj(Text):
        if text.get_text() and text.get_fontsize() < minimum:
            text.set_fontsize(minimum)


def _raise_to_column(fig) -> None:
    """Raise the texts of a wide figure whose smallest glyphs, shown in the 1280-px column,
    would be under `WIDE_MIN_TEXT_PX` CSS px: a text with mathtext scripts (a log axis'
    ``10^{-5}``, a legend's ``β_2``) needs 1/0.7 of the size of plain text."""
    from matplotlib.text import Text

    scale = min(1.0, WIDE_COLUMN_PX / (fig.get_figwidth() * 96))
    points = WIDE_MIN_TEXT_PX / (4 / 3 * scale)  # the smallest plain text, in points

    def needed(text: str) -> float:
        return points / 0.7 if re.search(r"\$[^$]*[_^][^$]*\$", text) else points

    fig.draw_without_rendering()  # creates the tick labels
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            labels = [t for t in axis.get_ticklabels(which="both") if t.get_text()]
            if labels:
                size = max(needed(t.get_text()) for t in labels)
                if min(t.get_fontsize() for t in labels) < size:
                    axis.set_tick_params(which="both", labelsize=size)
    # A legend's entries keep one size: the one its entry with scripts needs.
    for legend in [ax.get_legend() for ax in fig.axes] + fig.legends:
        entries = [t for t in legend.get_texts() if t.get_text()] if legend is not None else []
        if entries:
            size = max(needed(t.get_text()) for t in entries)
            if min(t.get_fontsize() for t in entries) < size:
                for t in entries:
                    t.set_fontsize(size)
    ticks = {id(t) for ax in fig.axes for axis in (ax.xaxis, ax.yaxis) for t in axis.get_ticklabels(which="both")}
    for text in fig.findobj(Text):
        if id(text) not in ticks and text.get_text() and text.get_fontsize() < needed(text.get_text()):
            text.set_fontsize(needed(text.get_text()))


def _fit_narrow(fig) -> None:
    """Keep a narrow figure's titles and axis labels inside the figure, legends off the data.

    A title or x label wider than its panel (the figure, for the figure's title) or a y
    label taller than its panel is wrapped onto more lines.
    """
    texts = []  # (text, the box it must fit, 0 to compare widths or 1 heights)
    for ax in fig.axes:
        if ax.get_legend() is not None:
            ax.get_legend().set_loc("best")  # the spot chosen for a wide panel may cover data here
        texts += [(t, ax, 0) for t in (ax.title, ax._left_title, ax._right_title, ax.xaxis.label)]
        texts.append((ax.yaxis.label, ax, 1))
    if fig._suptitle is not None:
        texts.append((fig._suptitle, fig, 0))
    for _ in range(3):  # wrapping changes the layout; re-measure after each pass
        fig.draw_without_rendering()
        renderer = fig._get_renderer()
        changed = False
        for text, box, dim in texts:
            content = text.get_text().replace("\n", " ")
            if not content:
                continue
            room = box.get_window_extent(renderer).size[dim]
            size = text.get_window_extent(renderer).size[dim]
            if size > room:
                lines = text.get_text().count("\n") + 1
                chars = int(len(content) / lines * room / size) - 1
                text.set_text(_wrap(content, chars))
                changed = True
        if not changed:
            break


def draw_variants(func: Callable) -> dict[str, bytes]:
    """The SVG bytes of every variant of one figure, keyed by file-name suffix (`VARIANTS`)."""
    _share_mathtext_parses()
    out = {}
    token = _FIGURE_DATA.set({})  # the figure's data, computed for the first layout, drawn in both
    try:
        for lay in ("wide", "narrow"):
            out.update(_draw_layout(func, lay))
    finally:
        _FIGURE_DATA.reset(token)
    return {suffix: out[variant] for suffix, variant in VARIANTS.items()}


def _draw_layout(func: Callable, lay: str) -> dict[tuple[str, str], bytes]:
    """The SVG bytes of figure `func` in layout `lay`, light and dark, keyed like `VARIANTS`' values."""
    import matplotlib

    with matplotlib.rc_context(_RC), layout(lay):  # rc must be active while drawing, not only saving
        fig = func()
        _raise_small_text(fig, NARROW_MIN_FONT if lay == "narrow" else WIDE_MIN_FONT)
        if lay == "wide":
            _raise_to_column(fig)
        if lay == "narrow":
            _fit_narrow(fig)
        light = render(fig)  # drawing it also creates the ticks that _darken recolours
        _darken(fig)
        # Each draw lays the figure out again from where the last one left it, so the dark
        # variant is its own draw: drawn without the layout, its panels would sit elsewhere.
        return {(lay, "light"): light, (lay, "dark"): render(fig)}


def _share_mathtext_parses() -> None:
    """Let all of matplotlib's renderers share their mathtext parses, in this process.

    matplotlib keeps a parse per `MathTextParser`, 50 at most, and every renderer (one per
    draw, six or more for each figure) has its own parser, so each draw parsed every ``10^{-k}``
    tick label again: 40 % of the drawing time. A parse depends on the parser only through
    its output type, so one cache keyed by that type gives the same parses, and the same
    bytes, for a fraction of the time. Installed once; a matplotlib without this cache is
    left alone.
    """
    from matplotlib import mathtext

    parse = mathtext.MathTextParser._parse_cached
    if getattr(parse, "_rmsprop_ref_shared", False) or not hasattr(parse, "__wrapped__"):
        return
    parsers = {}  # output type -> the first parser of that type, which parses for all of them

    @functools.lru_cache(maxsize=4096)
    def shared(output_type, *args):
        return parse.__wrapped__(parsers[output_type], *args)

    def parse_shared(self, *args):
        output_type = getattr(self, "_output_type", None)
        if output_type is None:
            return parse(self, *args)
        parsers.setdefault(output_type, self)
        return shared(output_type, *args)

    parse_shared._rmsprop_ref_shared = True
    mathtext.MathTextParser._parse_cached = parse_shared


def variant_names(name: str) -> list[str]:
    """File names of every variant of figure `name` (``x.svg`` -> ``x.svg``, ``x-dark.svg``, ...)."""
    stem = name.removesuffix(".svg")
    return [f"{stem}{suffix}.svg" for suffix in VARIANTS]


def source_hash() -> str:
    """A hash of everything the figures depend on: this package's source, the tutorial notebook,
    numpy, matplotlib, Python.

    Used to skip redrawing when nothing changed (and by the docs' notebook cache).
    """
    import hashlib

    import matplotlib

    h = hashlib.sha256(f"{sys.version}|numpy {np.__version__}|matplotlib {matplotlib.__version__}".encode())
    package = Path(__file__).parent
    for path in sorted(package.rglob("*.py")):
        h.update(path.relative_to(package).as_posix().encode())
        h.update(path.read_bytes())
    if TUTORIAL.is_file():  # `tutorial_losses` runs its code cells
        h.update(TUTORIAL.read_bytes())
    return h.hexdigest()[:16]


STAMP = ".source-hash"

#: The figures that take longest to draw, slowest first: each computes a study (drawn alone in
#: a fresh process on 2026-12-03, from 7.7 CPU-s for study_others down to 2.1 s; the others
#: took 0.8 to 1.6 s).
_SLOWEST = (
    "study_others.svg", "airfoil_epochs.svg", "reddi_online.svg", "study_quadratics.svg",
    "article_long_run.svg", "adam_long_run.svg", "sparse_row_error.svg", "tutorial_losses.svg",
)  # fmt: skip


def _draw(name: str) -> dict[str, bytes]:
    """Every variant of figure `name`; what a worker process of `_drawn` runs."""
    return draw_variants(FIGURES[name])


def _drawn(names: list[str]):
    """Yield (name, variants) for each of `names`, in order.

    Three or more figures are drawn in worker processes, one per core: the figures are
    independent and matplotlib is single-threaded. The workers are spawned, not forked,
    so each draws from a fresh interpreter (no state inherited from the caller, such as a
    test run's rcParams or threads), as ``python -m rmsprop_ref.figures`` would: the bytes
    are the same either way. Figures are looked up by name in the worker, in `FIGURES`.
    """
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    workers = min(len(names), os.cpu_count() or 1)
    if len(names) < 3 or workers < 2:
        for name in names:
            yield name, draw_variants(FIGURES[name])
        return
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        # Longest first, so that the workers finish together: the figures of `_SLOWEST`, then
        # the others (about 1 s each).
        slowest = [name for name in _SLOWEST if name in names]
        futures = {name: pool.submit(_draw, name) for name in slowest + [n for n in names if n not in slowest]}
        for name in names:
            yield name, futures[name].result()


def write_all(outdir: str | Path, names=None, log=print) -> list[Path]:
    """Write every figure (or those in `names`) to `outdir`; return the paths actually rewritten.

    Each figure ``x.svg`` is written in four variants (`VARIANTS`): ``x.svg`` (light),
    ``x-dark.svg``, ``x-narrow.svg`` and ``x-narrow-dark.svg``. When every figure is
    already there and ``OUTDIR/.source-hash`` matches `source_hash()`, nothing is
    drawn at all.
    """
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    unknown = set(names or ()) - FIGURES.keys()
    if unknown:
        raise ValueError(f"Unknown figure(s) {sorted(unknown)}; known: {sorted(FIGURES)}")
    stamp, current = outdir / STAMP, source_hash()
    if (
        names is None
        and stamp.is_file()
        and stamp.read_text() == current
        and all((outdir / v).is_file() for n in FIGURES for v in variant_names(n))
    ):
        log(f"{len(FIGURES)} figures up to date in {outdir} (source unchanged)")
        return []
    written = []
    todo = list(names or FIGURES)
    for i, (name, variants) in enumerate(_drawn(todo), 1):
        states = []
        for suffix, data in variants.items():
            path = outdir / f"{name.removesuffix('.svg')}{suffix}.svg"
            changed = not path.exists() or path.read_bytes() != data
            if changed:
                path.write_bytes(data)  # only on change: mkdocs serve would loop on its own output
                written.append(path)
            states.append(f"{suffix or 'light'} {'written' if changed else 'unchanged'}")
        log(f"[{i}/{len(todo)}] {outdir / name} ({', '.join(states)})")
    if names is None:
        stamp.write_text(current)
    return written


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) < 1 or argv[0] in ("-h", "--help"):
        print("usage: python -m rmsprop_ref.figures OUTDIR [NAME.svg ...]\n\nfigures: " + ", ".join(FIGURES))
        return 0 if argv else 2
    write_all(argv[0], argv[1:] or None)
    return 0


if __name__ == "__main__":
    # Run the package's copy of this module, so the worker processes of `_drawn` find
    # `_draw` as rmsprop_ref.figures._draw rather than in this __main__.
    from rmsprop_ref.figures import main as _main

    raise SystemExit(_main())
