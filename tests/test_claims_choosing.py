"""Claims of docs/choosing.md, each measured (tests/test_claim_tags.py ties them to the page)."""

import numpy as np

from rmsprop_ref import Adam, quadratic, run
from rmsprop_ref.adam_study import tune_adam
from rmsprop_ref.compare import PROTOCOL, settle_step, study


def _chosen():
    rows = {(r.problem, r.method): r for r in study()}
    for problem in PROTOCOL["problems"]:
        rows[problem, "Adam"] = tune_adam(problem)
    return rows


def test_claim_choosing_rates_span():
    """ "The chosen rates span almost three decades within one method (SGD from 0.002 to 1) and
    differ between methods on the same problem by up to a factor of 1000 (Rosenbrock: Adagrad 2,
    SGD 0.002)."

    Measured on the study's chosen rates plus Adam's: the widest span within a method is SGD's,
    0.002 to 1 (between 2.5 and 3 decades); the largest ratio on one problem is Rosenbrock's,
    Adagrad 2 over SGD 0.002.
    """
    rows = _chosen()
    methods = ("SGD", "Adagrad", "RMSprop", "Adam")
    spans = {m: [rows[p, m].lr for p in PROTOCOL["problems"]] for m in methods}
    widest = max(methods, key=lambda m: max(spans[m]) / min(spans[m]))
    assert widest == "SGD" and (min(spans["SGD"]), max(spans["SGD"])) == (0.002, 1.0)
    assert 2.5 < np.log10(1.0 / 0.002) < 3
    ratios = {
        p: max(rows[p, m].lr for m in methods) / min(rows[p, m].lr for m in methods) for p in PROTOCOL["problems"]
    }
    assert max(ratios, key=ratios.get) == "rosenbrock" and np.isclose(ratios["rosenbrock"], 1000)
    assert rows["rosenbrock", "Adagrad"].lr == 2.0 and rows["rosenbrock", "SGD"].lr == 0.002


def test_claim_choosing_rmsprop_last():
    """ "It settled last on every problem where it settled at all, each time at a rate of 0.01 or
    less."

    Measured: on each problem where RMSprop's chosen rate settles, every other method that settles
    does so earlier, and RMSprop's chosen rate is at most 0.01.
    """
    rows = _chosen()
    settled = [p for p in PROTOCOL["problems"] if rows[p, "RMSprop"].settle is not None]
    assert settled
    for p in settled:
        mine = rows[p, "RMSprop"]
        assert mine.lr <= 0.01
        others = [rows[p, m].settle for m in ("SGD", "Adagrad", "Adam") if rows[p, m].settle is not None]
        assert all(s < mine.settle for s in others), p


def test_claim_choosing_adam_postpones():
    """ "on the article's quadratic at $\\eta = 1$ it settles by step 115 and leaves again after
    step 5000, while AMSGrad stays."

    Measured over 20000 steps: Adam is within 1e-2 for steps 115 to 5086 and outside later, so it
    never settles over the run; AMSGrad settles at step 115 and stays.
    """
    adam = np.linalg.norm(run(Adam, quadratic.grad, quadratic.start, 20000, lr=1.0), axis=1)
    ams = np.linalg.norm(run(Adam, quadratic.grad, quadratic.start, 20000, lr=1.0, amsgrad=True), axis=1)
    assert np.all(adam[115:5087] <= 1e-2) and adam[5087] > 1e-2
    assert settle_step(adam, 1e-2) is None
    assert settle_step(ams, 1e-2) == 115
