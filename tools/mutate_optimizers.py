"""Mutation check of the optimizer tests: do the fast tests catch plausible wrong updates?

Each mutant below is one wrong line a careful person could write (eps on the wrong side of
the root, alpha where 1 - alpha belongs, an off-by-one step count, abs instead of the
clamp, ...). The harness copies the package and the tests into a temporary folder (the
working tree is never touched), applies one mutant to the copy, runs the chosen test files
there and counts the mutant as killed if they fail. The unmutated copy must pass first.

    .venv/bin/python tools/mutate_optimizers.py                       # the fast tests
    .venv/bin/python tools/mutate_optimizers.py tests/test_convergence.py

Not collected by pytest (tools/ is not a test path); it runs about 20 short pytest runs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: The tests that need no framework, browser, site or claims.
FAST_TESTS = [
    "tests/test_update_rules.py",
    "tests/test_hand_computed.py",
    "tests/test_properties.py",
    "tests/test_errors.py",
    "tests/test_convergence.py",
]


@dataclass(frozen=True)
class Mutant:
    name: str
    file: str  # under rmsprop_ref/
    old: str  # must occur exactly once in the file
    new: str


MUTANTS = [
    Mutant("rmsprop: eps inside the root on the torch branch", "rmsprop.py",
           "np.sqrt(v, out=d)  # d = sqrt(v) + ε: PyTorch\n        d += eps",
           "np.add(v, eps, out=d)\n        np.sqrt(d, out=d)"),
    Mutant("rmsprop: eps outside the root on the Keras branch", "rmsprop.py",
           "np.add(v, eps, out=d)  # d = sqrt(v + ε): Keras, optax\n        np.sqrt(d, out=d)",
           "np.sqrt(v, out=d)\n        d += eps"),
    Mutant("rmsprop: v decays by 1 - alpha, g² weighted by alpha", "rmsprop.py",
           "square_avg *= alpha  # v ← αv + (1−α)g²\n    np.multiply(g, g, out=d)\n    d *= 1 - alpha",
           "square_avg *= 1 - alpha\n    np.multiply(g, g, out=d)\n    d *= alpha"),
    Mutant("rmsprop: g² not weighted by 1 - alpha", "rmsprop.py",
           "np.multiply(g, g, out=d)\n    d *= 1 - alpha\n", "np.multiply(g, g, out=d)\n"),
    Mutant("rmsprop: v built from the raw gradient, not the weight-decayed one", "rmsprop.py",
           "np.multiply(g, g, out=d)\n    d *= 1 - alpha", "np.multiply(grad, grad, out=d)\n    d *= 1 - alpha"),
    Mutant("rmsprop: weight decay with the wrong sign", "rmsprop.py",
           "np.multiply(param, weight_decay, out=g)\n        g += grad  # g + λθ: L2",
           "np.multiply(param, -weight_decay, out=g)\n        g += grad  # g + λθ: L2"),
    Mutant("rmsprop: centered ḡ weighted by alpha instead of 1 - alpha", "rmsprop.py",
           "np.multiply(g, 1 - alpha, out=d)", "np.multiply(g, alpha, out=d)"),
    Mutant("rmsprop: centered clamp replaced by abs", "rmsprop.py",
           "np.maximum(d, 0, out=d)", "np.abs(d, out=d)"),
    Mutant("rmsprop: centered subtracts ḡ, not ḡ²", "rmsprop.py",
           "np.multiply(grad_avg, grad_avg, out=d)", "np.abs(grad_avg, out=d)"),
    Mutant("rmsprop: momentum buffer decayed after adding the new step", "rmsprop.py",
           "momentum_buffer *= momentum  # b ← μb + g/d\n        momentum_buffer += d",
           "momentum_buffer += d\n        momentum_buffer *= momentum"),
    Mutant("rmsprop: momentum buffer never decayed", "rmsprop.py",
           "momentum_buffer *= momentum  # b ← μb + g/d\n", ""),
    Mutant("rmsprop: lr inside the momentum buffer (before it is kept)", "rmsprop.py",
           "momentum_buffer += d\n        np.multiply(momentum_buffer, lr, out=d)",
           "d *= lr\n        momentum_buffer += d\n        d[...] = momentum_buffer"),
    Mutant("rmsprop: effective_lr takes abs instead of the clamp", "rmsprop.py",
           "denominator(np.maximum(v, 0),", "denominator(np.abs(v),"),
    Mutant("adagrad: eps inside the root on the torch branch", "adagrad.py",
           "np.sqrt(sum_sq, out=d)  # d = sqrt(s) + ε: PyTorch\n        d += eps",
           "np.add(sum_sq, eps, out=d)\n        np.sqrt(d, out=d)"),
    Mutant("adagrad: lr_decay ignored in the update", "adagrad.py",
           "d *= lr / (1 + (step - 1) * lr_decay)", "d *= lr"),
    Mutant("adagrad: lr_decay off by one step", "adagrad.py",
           "d *= lr / (1 + (step - 1) * lr_decay)", "d *= lr / (1 + step * lr_decay)"),
    Mutant("adagrad: effective_lr ignores lr_decay", "adagrad.py",
           'clr = h["lr"] / (1 + self.step_count * h["lr_decay"])', 'clr = h["lr"]'),
    Mutant("adagrad: initial_accumulator_value ignored", "adagrad.py",
           'np.full_like(param, self.hyperparams["initial_accumulator_value"], order="C")',
           'np.zeros_like(param, order="C")'),
    Mutant("adagrad: weight decay with the wrong sign", "adagrad.py",
           "np.multiply(param, weight_decay, out=g)\n        g += grad  # g + λθ\n",
           "np.multiply(param, -weight_decay, out=g)\n        g += grad  # g + λθ\n"),
    Mutant("base: the update is told the step count minus one", "_base.py",
           "self._update(p, g, dict(zip(names, s)), work, self.step_count)",
           "self._update(p, g, dict(zip(names, s)), work, self.step_count - 1)"),
    Mutant("ewma: always float64", "ewma.py",
           'dtype = np.result_type(x.dtype, np.float16) if x.dtype.kind == "f" else np.float64',
           "dtype = np.float64"),
]  # fmt: skip


def _copy_tree(dest: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("rmsprop_ref", "tests"):
        shutil.copytree(ROOT / name, dest / name, ignore=ignore)
    for name in ("conftest.py", "pyproject.toml"):
        shutil.copy2(ROOT / name, dest / name)


def _passes(copy: Path, tests: list[str]) -> bool:
    # The copy's folder comes first on sys.path (python -m puts the working directory
    # there), ahead of the editable install's finder; no .pyc, so no stale bytecode.
    env = {**os.environ, "CI": "true", "PYTHONDONTWRITEBYTECODE": "1"}
    cmd = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-o", "addopts=", *tests]
    return subprocess.run(cmd, cwd=copy, env=env, capture_output=True).returncode == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tests", nargs="*", default=FAST_TESTS, help="test files, relative to the repository")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mutants-") as tmp:
        copy = Path(tmp)
        _copy_tree(copy)
        out = subprocess.run(
            [sys.executable, "-c", "import rmsprop_ref; print(rmsprop_ref.__file__)"],
            cwd=copy, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        if not out.startswith(str(copy)):
            sys.exit(f"the copy's package is not the one imported: {out}")
        if not _passes(copy, args.tests):
            sys.exit("the unmutated copy fails these tests; fix that first")
        killed = 0
        for m in MUTANTS:
            path = copy / "rmsprop_ref" / m.file
            original = path.read_text()
            if original.count(m.old) != 1:
                sys.exit(f"mutant {m.name!r}: its line occurs {original.count(m.old)} times in {m.file}")
            path.write_text(original.replace(m.old, m.new))
            start = time.perf_counter()
            dead = not _passes(copy, args.tests)
            path.write_text(original)
            killed += dead
            print(f"{'killed ' if dead else 'SURVIVED'}  {time.perf_counter() - start:5.1f} s  {m.name}", flush=True)
    print(f"{killed} of {len(MUTANTS)} mutants killed by {' '.join(args.tests)}")
    return 0 if killed == len(MUTANTS) else 1


if __name__ == "__main__":
    sys.exit(main())
