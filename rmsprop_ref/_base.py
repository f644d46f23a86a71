"""What every optimizer here shares: parameter and gradient checks, state, save/resume.

The algorithm of each optimizer lives in one function of its own module
(``rmsprop_update``, ``adagrad_update``) that updates arrays in place. This
module only drives it: it checks everything *before* the first write, so a step
that raises leaves parameters and state exactly as they were, and it feeds the
update cache-sized blocks, which is where the speed comes from.
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

# A block is 1 MiB of each array. The update makes about ten passes over a block, so
# the block's arrays must stay in cache between them: then each array streams through
# memory about once per step instead of once per operation. Blocks this large keep
# the Python overhead per element small and the threads' hand-offs of the GIL rare
# (of 128 KiB to 2 MiB, 1 MiB measured best on the 2-core machine at n = 1e6;
# benchmarks/bench_step.py). Blocks small enough for the 1 MiB L2 cache (128 KiB)
# gained nothing on one thread, and on two threads each ufunc call waits for the GIL
# more often: at n = 1e6 the update alone took 3.4-4.4 ms on two threads at 128 KiB,
# 1.6-2.2 ms at 1 MiB (three runs, 2026-12-03).
BLOCK_BYTES = 1024 * 1024
# numpy releases the GIL inside ufunc loops, so a parameter of at least this many
# blocks is split into one contiguous range per core. Below it the arrays fit in the
# shared L3 cache, the step is not bound by memory, and a second thread did not pay for
# its hand-offs: at n = 1e6 float32 (4 blocks), in bench_step's protocol (each
# contender timed in its own blocks of steps), one thread took 1.40-1.80 of torch's
# time against 1.60-1.94 with two (three runs on the shared, loaded 2-core machine,
# 2026-12-03; see docs/performance.md).
PARALLEL_MIN_BLOCKS = 8
# A compiled update (RMSprop's, rmsprop_ref/_compiled.py) makes one pass, not about nine, and
# releases the GIL for its whole range: a parameter of at least this many elements is
# split into one range per core. Below, the hand-off to the pool's thread costs more than
# the second core gives: at n = 1e6 float32 one thread took 0.40-0.48 ms, two 0.52-0.73
# (the hand-off alone about 0.08 ms at n = 64); at 4e6 and 1.7e7 two won (1.8-2.2 against
# 2.4-2.6 ms, 10.6 against 15.6), at 1e7 they tied (memory-bound). Loaded 2-core machine,
# alternating blocks of steps as in benchmarks/bench_step.py, 2026-12-03; on the quieter
# machine at 20:29 UTC two won at 1e7 too (6.1-6.3 against 7.2-8.1 ms, three runs).
COMPILED_PARALLEL_MIN_SIZE = 2**22
_pool: ThreadPoolExecutor | None = None


def _thread_pool() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="rmsprop_ref")
    return _pool


class Optimizer:
    """Base class: holds params (updated in place), per-param state and hyperparameters."""

    #: names of the per-parameter state arrays, in the order the update takes them
    state_names: tuple[str, ...] = ()

    def __init__(self, params: np.ndarray | Sequence[np.ndarray], hyperparams: dict[str, Any]) -> None:
        self.params: list[np.ndarray] = _param_list(params)
        self.hyperparams: dict[str, Any] = hyperparams
        self.step_count: int = 0
        self._scratch: dict[int, np.ndarray] = {}  # worker -> bytes reused as `work` by every step
        self.state: list[dict[str, np.ndarray]] = [
            {name: self._initial_state(name, p) for name in self.active_state_names()} for p in self.params
        ]

    # -- to be provided by each optimizer -------------------------------------------------
    def active_state_names(self) -> tuple[str, ...]:
        """The state arrays these hyperparameters need (RMSprop without momentum has no buffer)."""
        return self.state_names

    def _initial_state(self, name: str, param: np.ndarray) -> np.ndarray:
        return np.zeros_like(param, order="C")

    def _update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, np.ndarray], work: np.ndarray, step: int
    ) -> None:
        """Update one block in place; ``state`` maps each active state name to its block view."""
        raise NotImplementedError

    def _compiled_update(self, arrays: list[np.ndarray], names: tuple[str, ...]) -> Callable[..., None] | None:
        """A compiled copy of the update for [param, grad, *state] (C-contiguous, the state
        named by `names`), or None for `_update`'s numpy path. Called with 1-D views of one
        range of each array; it must release the GIL and give `_update`'s results bit for bit.
        """
        return None

    # -- driving the update ----------------------------------------------------------------
    def step(self, grads: np.ndarray | Sequence[np.ndarray]) -> None:
        """Apply one update to every parameter, in place, given the gradients (same shapes)."""
        checked = self._check_grads(grads)
        # Everything below only writes; nothing below can raise on user input, except a
        # floating-point error (an overflow, say) that the caller asked numpy to raise with
        # np.errstate(...="raise"). Then the update runs on numpy's path, in this thread
        # (errstate is not passed to the pool's threads, nor to a compiled loop), from a
        # copy it is restored from if numpy raises: the step changes nothing or completes.
        raising = "raise" in np.geterr().values()
        saved = (self.step_count, [p.copy() for p in self.params], self.state_dict()["state"]) if raising else None
        self.step_count += 1
        try:
            self._apply(checked, threads=not raising)
        except FloatingPointError as exc:
            if saved is None:
                raise
            self.step_count, params, states = saved
            for param, old in zip(self.params, params):
                np.copyto(param, old)
            for state, old in zip(self.state, states):
                for name, array in state.items():
                    np.copyto(array, old[name])
            raise FloatingPointError(
                f"{exc} (numpy's errstate asks to raise); no parameter or state was changed"
            ) from exc

    def _apply(self, checked: list[np.ndarray], threads: bool) -> None:
        """The update of every parameter, given checked gradients; `threads=False`: numpy's
        path in the calling thread only."""
        names = self.active_state_names()
        for param, grad, state in zip(self.params, checked, self.state):
            arrays = [param, grad, *(state[name] for name in names)]
            kernel = self._compiled_update(arrays, names) if threads else None
            if kernel is not None:
                _run_compiled(kernel, [a.reshape(-1) for a in arrays])
                continue
            n_blocks = _n_blocks(param)
            workers = (os.cpu_count() or 1) if threads and n_blocks >= PARALLEL_MIN_BLOCKS else 1
            if workers <= 1:
                self._update_blocks(arrays, names, 0, n_blocks, 0)
            else:
                # Each element is updated by the same code whichever thread runs it,
                # so results are bit-identical to the single-threaded order. The calling
                # thread takes the first range itself: one hand-off fewer per step.
                cuts = [n_blocks * k // workers for k in range(workers + 1)]
                ranges = list(itertools.pairwise(cuts))
                jobs = [
                    _thread_pool().submit(self._update_blocks, arrays, names, lo, hi, k)
                    for k, (lo, hi) in enumerate(ranges[1:], start=1)
                ]
                self._update_blocks(arrays, names, *ranges[0], 0)
                for job in jobs:
                    job.result()

    def _update_blocks(
        self, arrays: list[np.ndarray], names: tuple[str, ...], first: int, stop: int, worker: int
    ) -> None:
        """Update blocks first, first + 1, ..., stop - 1 of one parameter, with worker's scratch space."""
        param = arrays[0]
        shape = param.shape if _n_blocks(param) == 1 else (min(_block_size(param), param.size),)
        work = self._work(worker, param.dtype, shape)
        for p, g, *s, w in _blocks(arrays, first, stop, work):
            self._update(p, g, dict(zip(names, s)), w, self.step_count)

    def _work(self, worker: int, dtype: np.dtype, shape: tuple[int, ...]) -> np.ndarray:
        """Scratch space of shape (2, *shape) for one worker, kept from step to step.

        A fresh allocation per step is partly returned to the operating system when
        freed and page-faulted in again by the next step (13 minor faults per step at
        n = 1e6 float32, none with this; a small part of the step's time). Only a
        strided parameter larger than a block gets one of its own, not kept.
        """
        nbytes = 2 * math.prod(shape) * dtype.itemsize
        if nbytes > 2 * BLOCK_BYTES:
            return np.empty((2, *shape), dtype=dtype)
        buf = self._scratch.get(worker)
        if buf is None or buf.nbytes < nbytes:
            buf = self._scratch[worker] = np.empty(2 * BLOCK_BYTES, dtype=np.uint8)
        return buf[:nbytes].view(dtype).reshape((2, *shape))

    def _check_grads(self, grads: np.ndarray | Sequence[np.ndarray]) -> list[np.ndarray]:
        if isinstance(grads, np.ndarray):
            grads = [grads]
        elif not isinstance(grads, (list, tuple)):
            raise TypeError(f"grads must be a numpy array or a list of them, got {type(grads).__name__}")
        if len(grads) != len(self.params):
            raise ValueError(f"Expected {len(self.params)} gradient(s), one per parameter, got {len(grads)}")
        checked = []
        for i, (p, g) in enumerate(zip(self.params, grads)):
            g = np.asarray(g)
            if g.shape != p.shape:
                raise ValueError(f"Gradient {i} has shape {g.shape}, expected {p.shape} (the shape of parameter {i})")
            if g.dtype.kind not in "fiu":
                raise TypeError(f"Gradient {i} has dtype {g.dtype}, expected a real number dtype")
            # Same dtype and C order so the block views line up; a copy only where needed,
            # never a write into the caller's array.
            g = np.ascontiguousarray(g, dtype=p.dtype)
            # One pass finds NaN or inf: g·g is not finite if any element is. Only then (or
            # when finite values are large enough for it to overflow) is the exact check run.
            if not np.isfinite(_sum_of_squares(g)):
                bad = ~np.isfinite(g)
                if bad.any():
                    idx = np.unravel_index(int(np.argmax(bad)), g.shape) if g.ndim else ()
                    raise ValueError(
                        f"Gradient {i} contains {int(bad.sum())} non-finite value(s), first {g[idx].item()!r} "
                        f"at index {tuple(int(j) for j in idx)}; no parameter or state was changed"
                    )
            checked.append(g)
        return checked

    # -- saving and resuming ---------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """A copy of the optimizer's state: ``{"step", "hyperparams", "state": [{name: array}]}``.

        Arrays are copies, so later steps do not change a saved state.
        """
        return {
            "step": self.step_count,
            "hyperparams": dict(self.hyperparams),
            "state": [{k: v.copy() for k, v in s.items()} for s in self.state],
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state saved by `state_dict()` (copied in; checked before anything changes)."""
        if not isinstance(state_dict, dict):
            raise TypeError(f"state_dict must be a dict, got {type(state_dict).__name__}")
        missing = {"step", "hyperparams", "state"} - state_dict.keys()
        if missing:
            raise ValueError(f"state_dict is missing key(s) {sorted(missing)}")
        step = state_dict["step"]
        if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or step < 0:
            raise ValueError(f"Invalid step in state_dict: {step!r} (expected an int >= 0)")
        hyper = state_dict["hyperparams"]
        if not isinstance(hyper, dict) or hyper.keys() != self.hyperparams.keys():
            raise ValueError(
                f"state_dict hyperparams {sorted(hyper) if isinstance(hyper, dict) else hyper!r} "
                f"do not match this optimizer's {sorted(self.hyperparams)}"
            )
        # Re-run the constructor's checks on the saved values without touching self; the
        # probe also says which state arrays those hyperparameters need.
        names = type(self)([np.zeros(1)], **hyper).active_state_names()
        states = state_dict["state"]
        if not isinstance(states, (list, tuple)) or len(states) != len(self.params):
            n = len(states) if isinstance(states, (list, tuple)) else states
            raise ValueError(f"state_dict has state for {n} parameter(s), this optimizer has {len(self.params)}")
        new_states = []
        for i, (p, s) in enumerate(zip(self.params, states)):
            if not isinstance(s, dict) or set(s) != set(names):
                got = sorted(s) if isinstance(s, dict) else s
                raise ValueError(f"state for parameter {i} has keys {got!r}, expected {sorted(names)}")
            new = {}
            for name in names:
                a = np.asarray(s[name])
                if a.shape != p.shape:
                    raise ValueError(f"state {name!r} for parameter {i} has shape {a.shape}, expected {p.shape}")
                if a.dtype.kind != "f":
                    raise ValueError(f"state {name!r} for parameter {i} has dtype {a.dtype}, expected floating point")
                new[name] = np.array(a, dtype=p.dtype, order="C", copy=True)
            new_states.append(new)
        self.hyperparams = dict(hyper)
        self.step_count = int(step)
        self.state = new_states

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.hyperparams.items())
        return f"{type(self).__name__}({len(self.params)} param(s), {args})"


def _run_compiled(kernel: Callable[..., None], flat: list[np.ndarray]) -> None:
    """Run a compiled update over 1-D arrays, split into one range per core when large.

    The kernel releases the GIL, so the ranges run at once; each element is updated by
    the same code whichever thread runs it. Ranges are cut at multiples of 16 elements
    (whole 64-byte cache lines when the array starts on one), so that two threads rarely
    write to one line; results do not depend on where the cuts fall.
    """
    n = flat[0].size
    workers = (os.cpu_count() or 1) if n >= COMPILED_PARALLEL_MIN_SIZE else 1
    if workers <= 1:
        kernel(*flat)
        return
    cuts = [min(n, -(-n * k // workers // 16) * 16) for k in range(workers + 1)]
    jobs = [_thread_pool().submit(kernel, *(a[lo:hi] for a in flat)) for lo, hi in itertools.pairwise(cuts[1:])]
    kernel(*(a[: cuts[1]] for a in flat))  # the calling thread takes the first range
    for job in jobs:
        job.result()


def denominator(v: np.ndarray, eps: float, eps_in_sqrt: bool) -> np.ndarray:
    """sqrt(v) + eps (PyTorch) or sqrt(v + eps) (Keras, optax), as a new array, for reporting rates."""
    return np.sqrt(v + eps) if eps_in_sqrt else np.sqrt(v) + eps


def _param_list(params: np.ndarray | Sequence[np.ndarray]) -> list[np.ndarray]:
    if isinstance(params, np.ndarray):
        params = [params]
    elif not isinstance(params, (list, tuple)):
        raise TypeError(f"params must be a numpy array or a list of them, got {type(params).__name__}")
    if len(params) == 0:
        raise ValueError("params is an empty list: give at least one array to optimize")
    for i, p in enumerate(params):
        if not isinstance(p, np.ndarray):
            raise TypeError(
                f"Parameter {i} is a {type(p).__name__}, expected a numpy float array "
                "(updated in place, so a list or scalar cannot work)"
            )
        if p.dtype.kind != "f":
            raise TypeError(
                f"Parameter {i} has dtype {p.dtype}, expected a floating dtype "
                f"(an in-place update cannot store fractions in {p.dtype}; use p.astype(np.float64))"
            )
        if not p.flags.writeable:
            raise ValueError(f"Parameter {i} is read-only; the optimizer updates parameters in place")
    for i in range(len(params)):
        for j in range(i):
            if np.shares_memory(params[i], params[j]):
                raise ValueError(f"Parameters {j} and {i} share memory; each would be updated twice per step")
    return list(params)


def _sum_of_squares(a: np.ndarray) -> float:
    """g·g, one BLAS dot product: a third of np.sum(g)'s time at n = 1e6 float32 (medians
    0.07 and 0.21 ms, timed alternately in one process on the 2-core machine, 2026-12-03)."""
    flat = a.reshape(-1)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.dot(flat, flat)


def _block_size(a: np.ndarray) -> int:
    return max(1, BLOCK_BYTES // a.itemsize)


def _n_blocks(a: np.ndarray) -> int:
    if not a.flags.c_contiguous:
        return 1
    return -(-a.size // _block_size(a))


def _blocks(arrays: list[np.ndarray], first: int, stop: int, work: np.ndarray) -> Iterator[list[np.ndarray]]:
    """Yield [param, grad, *state, work] views of blocks first, ..., stop - 1, one at a time.

    `work` is scratch space: shape (2, *param.shape) for a parameter of one block, else (2, block size).
    """
    param = arrays[0]
    if _n_blocks(param) == 1:
        # Small, or strided (a strided param cannot be flattened into a view): update it whole.
        yield [*arrays, work]
        return
    size = _block_size(param)
    flat = [a.reshape(-1) for a in arrays]
    for start in range(first * size, min(stop * size, param.size), size):
        end = min(start + size, param.size)
        yield [*(a[start:end] for a in flat), work[:, : end - start]]
