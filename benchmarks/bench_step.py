"""Time one optimizer step of rmsprop_ref against torch.optim, in the same process.

Run:  python benchmarks/bench_step.py            (n = 1e4 to 1e7, float32 and float64)
      python benchmarks/bench_step.py --quick    (n = 1e4 and 1e5 only)
      python benchmarks/bench_step.py --target   (RMSprop, float32, n = 1e5, 1e6, 1e7: the targets)

For each n and dtype it prints the median time of one ``step()`` of the reference
RMSprop and Adagrad, of torch.optim's (same hyperparameters, ``foreach=True``: torch's
multi-tensor CPU path, all its threads), their ratio, and the ratio to the
memory-traffic bound: an RMSprop or Adagrad step reads params, grads and the state
and writes params and the state (5 arrays of n), timed at this machine's copy
bandwidth (one thread's np.copyto on arrays of 256 MiB, counted as read + write).
The bound is a yardstick, not a floor: arrays that fit in the cache (n = 1e5, 1e6),
two threads, or a copy that pays for reading its destination can put a step under it
(docs/performance.md). Ours runs on one thread for a parameter under
``PARALLEL_MIN_BLOCKS`` blocks (numpy path) or ``COMPILED_PARALLEL_MIN_SIZE`` elements
(compiled path), on one per core above; torch uses all its threads at every n. The
column ``path`` says which update ran:
``compiled`` (RMSprop's compiled kernel, rmsprop_ref/_compiled.py, used for a large
parameter when numba is installed) or ``numpy`` (the reference update, which the pages
show). Where RMSprop's step takes the compiled path, a second optimizer forced onto the
numpy path is timed too, so both rows stay visible. The steps are timed in alternating
blocks of five calls, each block after a 50 ms pause and one untimed call (see
`median_times`), so a change in the machine's load affects all of them and none is
timed while another's threads are still busy.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

from rmsprop_ref import Adagrad, RMSprop


def median_time(fn, repeat: int, min_time: float = 0.2) -> float:
    return median_times([fn], repeat, min_time)[0]


def median_times(fns, repeat: int, min_time: float = 0.2, block: int = 5, pause: float = 0.05) -> list[float]:
    """The median time of each of `fns`, timed in alternating blocks of calls (a a a, b b b, a a a, ...).

    Each block starts after a pause and with one untimed call, so each contender is timed in
    its own steady state, as in a loop that steps only it. Timed one call each in turn, each
    step ran after the other's: at n = 1e6 the two contenders' arrays (about 30 MB) nearly
    fill the 32 MiB L3 cache, which other processes share, and each step was slower right
    after the other's (eviction is the likely cause, not measured directly); torch's OpenMP
    worker spins for about 20 ms after each torch step, taking a core from whatever runs
    next (docs/performance.md). The pause lets the previous contender's threads go idle.
    """
    times = [[] for _ in fns]
    t_end = time.perf_counter() + min_time
    while len(times[0]) < repeat or time.perf_counter() < t_end:
        for fn, seen in zip(fns, times):
            time.sleep(pause)
            fn()  # untimed: wakes this contender's threads, brings its arrays back into cache
            for _ in range(block):
                t0 = time.perf_counter()
                fn()
                seen.append(time.perf_counter() - t0)
        if len(times[0]) >= 200:
            break
    return [statistics.median(seen) for seen in times]


def copy_bandwidth() -> float:
    """Bytes moved per second (read + write) by np.copyto on 256 MB arrays."""
    n = 32 * 1024 * 1024
    src = np.ones(n)
    dst = np.empty_like(src)
    t = median_time(lambda: np.copyto(dst, src), repeat=10)
    return 2 * src.nbytes / t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only n = 1e4 and 1e5")
    parser.add_argument("--target", action="store_true", help="only RMSprop, float32, n = 1e5, 1e6 and 1e7")
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        sys.exit("torch is not installed: pip install torch==2.13.0 (see README)")

    bw = copy_bandwidth()
    print(
        f"copy bandwidth: {bw / 1e9:.1f} GB/s (read + write); torch threads: {torch.get_num_threads()}; "
        f"load average: {os.getloadavg()[0]:.2f}"
    )
    print(f"compiled kernel: {compiled_status()}")  # a float32 or float64 C-contiguous one
    sizes = [10**4, 10**5] if args.quick else [10**5, 10**6, 10**7] if args.target else [10**4, 10**5, 10**6, 10**7]
    dtypes = (np.float32,) if args.target else (np.float32, np.float64)
    header = (
        f"{'optimizer':<8} {'dtype':<8} {'n':>9} {'path':>9} {'ref ms':>9} {'torch ms':>9} {'ref/torch':>9} "
        f"{'ref/bound':>9}"
    )
    print(header)
    print("-" * len(header))
    rng = np.random.default_rng(0)
    optimizers = [
        ("RMSprop", RMSprop, torch.optim.RMSprop, {"lr": 1e-3, "alpha": 0.99}),
        ("Adagrad", Adagrad, torch.optim.Adagrad, {"lr": 1e-3}),
    ]
    for name, ours, theirs, kw in optimizers[:1] if args.target else optimizers:
        for dtype in dtypes:
            for n in sizes:
                p = rng.normal(size=n).astype(dtype)
                g = rng.normal(size=n).astype(dtype)
                opt = ours(p, **kw)
                contenders = {path(opt, g): opt}
                if "compiled" in contenders:
                    numpy_opt = ours(p.copy(), **kw)
                    numpy_opt._compiled_update = lambda arrays, names: None  # what RMSPROP_REF_COMPILED=0 does
                    contenders["numpy"] = numpy_opt
                tp = torch.from_numpy(p.copy())
                tp.grad = torch.from_numpy(g.copy())
                topt = theirs([tp], **kw, foreach=True)
                repeat = 50 if n <= 10**6 else 15
                steps = [lambda opt=opt, g=g: opt.step(g) for opt in contenders.values()]
                *t_refs, t_torch = median_times([*steps, topt.step], repeat)
                bound = 5 * n * np.dtype(dtype).itemsize / bw
                for kind, t_ref in zip(contenders, t_refs):
                    print(
                        f"{name:<8} {np.dtype(dtype).name:<8} {n:>9.0e} {kind:>9} {t_ref * 1e3:>9.3f} "
                        f"{t_torch * 1e3:>9.3f} {t_ref / t_torch:>9.2f} {t_ref / bound:>9.2f}",
                        flush=True,
                    )
    if not args.target:
        report_naive(sizes[-1], bw)


def path(opt, grad) -> str:
    """Which update `opt.step(grad)` runs on its one parameter: asks the step's own dispatch."""
    arrays = [opt.params[0], grad, *(opt.state[0][k] for k in opt.active_state_names())]
    return "numpy" if opt._compiled_update(arrays, opt.active_state_names()) is None else "compiled"


def compiled_status() -> str:
    from rmsprop_ref import rmsprop

    if not rmsprop.compiled_enabled():
        return "off (RMSPROP_REF_COMPILED=0): every step takes the numpy path"
    module = rmsprop._compiled_module()
    if module is None:
        return "numba is not installed: every step takes the numpy path"
    return f"numba {module.numba.__version__}, RMSprop parameters of >= {rmsprop.COMPILED_MIN_SIZE} elements"


def naive_rmsprop_step(p, g, v, lr=1e-3, alpha=0.99, eps=1e-8):
    """The textbook numpy expression: every operator makes a full-size temporary."""
    v[:] = alpha * v + (1 - alpha) * g**2
    p[:] = p - lr * g / (np.sqrt(v) + eps)


def report_naive(n: int, bw: float) -> None:
    rng = np.random.default_rng(0)
    p, g = rng.normal(size=n).astype(np.float32), rng.normal(size=n).astype(np.float32)
    v = np.zeros_like(p)
    t = median_time(lambda: naive_rmsprop_step(p, g, v), 15)
    bound = 5 * n * 4 / bw
    print(f"\nnaive numpy RMSprop expression, float32, n={n:.0e}: {t * 1e3:.3f} ms = {t / bound:.2f} x the bound")


if __name__ == "__main__":
    main()
