"""The figures of the guide, each drawn by one function from the package's own code.

``python -m rmsprop_ref.figures OUTDIR`` writes them all as SVG. Output is
deterministic (fixed seeds, fixed SVG ids, no date), and a file is rewritten only
when its bytes change, so a rebuild with nothing changed touches nothing.
matplotlib is imported here only, when a figure is drawn.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .adagrad import Adagrad
from .compare import ARTICLE
from .ewma import ewma
from .problems import Problem, d2l_quadratic, quadratic, rosenbrock, sparse_least_squares
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


def _figure(ncols: int = 1, width: float = 6.4, height: float = 3.6):
    from matplotlib.figure import Figure  # no pyplot: no global state, no backend to pick

    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    return fig, axes


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
            xlabel="iteration", ylabel=f"$x_{i + 1}$", title=f"$x_{i + 1}$ (start {quadratic.start[i]:g}, optimum 0)"
        )
    axes[0].legend()
    fig.suptitle(r"$f = x_1^2 + 0.5\,x_2^2$, η = 1, β = 0.9")
    return fig


def _contour(ax, problem: Problem, lim: tuple[float, float, float, float]):
    x0, x1, y0, y1 = lim
    X, Y = np.meshgrid(np.linspace(x0, x1, 200), np.linspace(y0, y1, 200))
    Z = problem.f(np.stack([X, Y]))
    levels = np.geomspace(max(Z.min(), 1e-3), Z.max(), 15) if problem is rosenbrock else 15
    ax.contour(X, Y, Z, levels=levels, colors="0.75", linewidths=0.7)
    ax.plot(*problem.x_min, "k*", ms=10)
    ax.set(xlabel="$x_1$", ylabel="$x_2$", xlim=(x0, x1), ylim=(y0, y1))


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
        ax.set_title(f"{name}, {steps} steps, η = {lr:g}" + (f", β = {alpha:g}" if name == "RMSprop" else ""))
    return fig


def effective_lr(steps: int = ARTICLE["steps"]):
    """Effective step size η/d of coordinate x_1 over the iterations, Adagrad vs RMSprop."""
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
    ax.set(xlabel="iteration t", ylabel="η / d for $x_1$ (log scale)",
           title="Adagrad's rate only shrinks; RMSprop's follows recent gradients")  # fmt: skip
    ax.legend()
    return fig


def wrong_gradient():
    """The article's plot redone with its gradient bug, grad_y = 0.2·y, beside the true gradient y."""
    true_paths = article_paths()
    wrong_paths = article_paths(grad=lambda x: np.array([2 * x[0], 0.2 * x[1]]))
    fig, axes = _figure(ncols=2, width=8, height=3.4)
    for ax, (name, path) in zip(axes, true_paths.items()):
        ax.plot(path[:, 1], "-o", ms=3, color=COLORS[name], label="true gradient $\\partial f/\\partial x_2 = x_2$")
        ax.plot(wrong_paths[name][:, 1], "--s", ms=3, color="0.4", label="article's $0.2\\,x_2$")
        ax.axhline(0, color="k", lw=0.8)
        ax.set(xlabel="iteration", ylabel="$x_2$", title=f"{name}: $x_2$ against iteration")
    axes[0].legend(fontsize=8)
    return fig


def harder_problems(steps: int = 200):
    """Distance to the minimum against iteration for SGD, Adagrad and RMSprop on three harder problems."""
    from .compare import distances  # one table of settings, shared with the docs' table

    problems = (d2l_quadratic, rosenbrock, sparse_least_squares)
    fig, axes = _figure(ncols=3, width=10, height=3.4)
    for ax, problem in zip(axes, problems):
        for name in ("SGD", "Adagrad", "RMSprop"):
            ax.semilogy(distances(name, problem, steps), color=COLORS[name], label=name)
        ax.set(title=problem.name, xlabel="iteration", ylabel="‖x − x*‖")
        ax.set_ylim(bottom=1e-6)
    axes[0].legend()
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
    "harder_problems.svg": harder_problems,
}


def render(fig) -> bytes:
    import matplotlib

    with matplotlib.rc_context(_RC):
        buf = io.BytesIO()
        fig.savefig(buf, format="svg", metadata={"Date": None})  # no date: same bytes each build
    return buf.getvalue()


def source_hash() -> str:
    """A hash of everything the figures depend on: this package's source, numpy, matplotlib, Python.

    Used to skip redrawing when nothing changed (and by the docs' notebook cache).
    """
    import hashlib

    import matplotlib

    h = hashlib.sha256(f"{sys.version}|numpy {np.__version__}|matplotlib {matplotlib.__version__}".encode())
    package = Path(__file__).parent
    for path in sorted(package.rglob("*.py")):
        h.update(path.relative_to(package).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


STAMP = ".source-hash"


def write_all(outdir: str | Path, names=None, log=print) -> list[Path]:
    """Write every figure (or those in `names`) to `outdir`; return the paths actually rewritten.

    When every figure is already there and ``OUTDIR/.source-hash`` matches
    `source_hash()`, nothing is drawn at all.
    """
    import matplotlib

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
        and all((outdir / n).is_file() for n in FIGURES)
    ):
        log(f"{len(FIGURES)} figures up to date in {outdir} (source unchanged)")
        return []
    written = []
    for i, name in enumerate(names or FIGURES, 1):
        with matplotlib.rc_context(_RC):  # rc must be active while drawing, not only saving
            data = render(FIGURES[name]())
        path = outdir / name
        changed = not path.exists() or path.read_bytes() != data
        if changed:
            path.write_bytes(data)  # only on change: mkdocs serve would loop on its own output
            written.append(path)
        log(f"[{i}/{len(names or FIGURES)}] {path} {'written' if changed else 'unchanged'}")
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
    raise SystemExit(main())
