"""Claims of docs/choosing.md, each measured against the numbers its sentence prints (the `claim`
fixture reads the sentence from the page). Toy results come from the comparison study and the
Adam study, real-data results from `rmsprop_ref.airfoil.summary()`, the papers' from
`rmsprop_ref.papers`; the Adagrad page's minibatch experiment is measured with that page's own
claim helpers (tests/test_claims_adagrad.py), so both pages' numbers come from one measurement."""

from __future__ import annotations

import functools

import numpy as np

from rmsprop_ref import PROBLEMS, Adagrad, Adam, quadratic, run
from rmsprop_ref.adam_study import adam_grid_distances, adam_grid_distances_per_seed, tune_adam
from rmsprop_ref.airfoil import D2L
from rmsprop_ref.airfoil import PROTOCOL as AIRFOIL
from rmsprop_ref.airfoil import summary as airfoil_summary
from rmsprop_ref.compare import PROTOCOL, grid_distances, grid_distances_per_seed, settle_step, study

METHODS = ("SGD", "Adagrad", "RMSprop", "Adam")
SGD_VARIANTS = ("SGD", "SGD, momentum 0.9")
ADAPTIVE = ("Adagrad", "RMSprop", "Adam")


@functools.cache
def _chosen():
    rows = {(r.problem, r.method): r for r in study()}
    for problem in PROTOCOL["problems"]:
        rows[problem, "Adam"] = tune_adam(problem)
    return rows


def _mean(problem: str, method: str, which: str = "train") -> float:
    return airfoil_summary()[problem, method][which][0]


def test_claim_choosing_no_winner_toy(claim):
    """Adagrad's settle step is the smallest of the four on five of the six problems; Adam is the
    only method that settles (within the study's horizon) on all six."""
    rows = _chosen()
    problems = PROTOCOL["problems"]
    assert len(problems) == 6
    first = [
        p
        for p in problems
        if rows[p, "Adagrad"].settle is not None
        and rows[p, "Adagrad"].settle == min(rows[p, m].settle for m in METHODS if rows[p, m].settle is not None)
    ]
    assert len(first) == 5
    everywhere = [m for m in METHODS if all(rows[p, m].settle is not None for p in problems)]
    assert everywhere == ["Adam"]


def test_claim_choosing_no_winner_airfoil(claim):
    """Airfoil: the spread of the five methods' mean final training losses on the linear model
    (tight bound); on the network Adagrad's mean training and held-out losses are the lowest and the
    two SGD variants' the two highest; Adagrad's lead over Adam is smaller than either's range over
    the seeds."""
    s = airfoil_summary()
    methods = AIRFOIL["methods"]
    linear = [_mean("linear", m) for m in methods]
    claim.num("within 0.0004").below(max(linear) - min(linear))
    for which in ("train", "held"):
        means = {m: _mean("mlp", m, which) for m in methods}
        ranked = sorted(means, key=means.get)
        assert ranked[0] == "Adagrad", which
        assert set(ranked[-2:]) == set(SGD_VARIANTS), which
    lead = _mean("mlp", "Adam") - _mean("mlp", "Adagrad")
    claim.num("0.003").check(lead)
    for m in ("Adagrad", "Adam"):
        _, low, high = s["mlp", m]["train"]
        assert lead < high - low, m


def test_claim_choosing_horizon(claim):
    """Each method at its study rate, run past the study's horizon of 2000 steps with the study's
    runners. Adam: the first step after 2000 outside 1e-2, on every problem (every seed on the noisy
    one), earliest Rosenbrock's, latest the quadratic's. SGD on the noisy problem: settles within the
    horizon (the table's step) and leaves within 4000 steps on every seed, the earliest and latest
    first steps printed. Adagrad there: inside from its settle step up to 4000 on every seed. SGD,
    Adagrad and RMSprop on the four deterministic problems where they settle: inside up to 9400.
    Then the counts over the longer runs."""
    tol, horizon = PROTOCOL["tol"], 2000
    longer = int(claim.num("up to step 9400").value)
    noisy_end = int(claim.num("step 4000").value)
    rows = _chosen()
    stays = {m: 0 for m in METHODS}

    def first_outside(d):
        outside = np.flatnonzero(d[horizon + 1 :] > tol)
        return horizon + 1 + int(outside[0]) if outside.size else None

    leaves = {}
    for name in PROTOCOL["problems"]:
        p = PROBLEMS[name]
        seeds = PROTOCOL["seeds"] if p.noisy else (0,)
        firsts = []
        # every seed's run side by side, each bit for bit its own (tests/test_study.py)
        for d in adam_grid_distances_per_seed(p, [rows[name, "Adam"].lr], noisy_end if p.noisy else longer, seeds):
            d = d[:, 0]
            assert settle_step(d[: horizon + 1], tol) is not None
            firsts.append(first_outside(d))
        assert None not in firsts, name
        leaves[name] = min(firsts)
    assert min(leaves, key=leaves.get) == "rosenbrock" and max(leaves, key=leaves.get) == "quadratic"
    claim.num("2139").check(leaves["rosenbrock"])
    claim.num("9373").check(leaves["quadratic"])

    noisy = PROBLEMS["noisy_least_squares"]
    sgd = rows["noisy_least_squares", "SGD"]
    claim.num("0.05").check(sgd.lr)
    claim.num('"1990"').check(sgd.settle)
    sgd_runs = grid_distances_per_seed("SGD", noisy, [sgd.lr], noisy_end, PROTOCOL["seeds"])
    sgd_firsts = [first_outside(d[:, 0]) for d in sgd_runs]
    assert None not in sgd_firsts
    claim.num("steps 2005").check(min(sgd_firsts))
    claim.num("to 2100").check(max(sgd_firsts))
    ada = rows["noisy_least_squares", "Adagrad"]
    ada_runs = grid_distances_per_seed("Adagrad", noisy, [ada.lr], noisy_end, PROTOCOL["seeds"])
    for s, d in zip(PROTOCOL["seeds"], ada_runs, strict=True):
        assert np.all(d[ada.settle :, 0] <= tol), s
    stays["Adagrad"] += 1

    deterministic = 0
    for name in PROTOCOL["problems"]:
        if PROBLEMS[name].noisy:
            continue
        for m in ("SGD", "Adagrad", "RMSprop"):
            if rows[name, m].settle is None:
                continue
            d = grid_distances(m, PROBLEMS[name], [rows[name, m].lr], longer)[:, 0]
            assert np.all(d[rows[name, m].settle :] <= tol), (name, m)
            stays[m] += 1
            deterministic += 1
    assert deterministic == 3 * 4  # each of the three on four deterministic problems
    claim.num("5 of").check(stays["Adagrad"])
    claim.num("of the 6").check(len(PROTOCOL["problems"]))
    claim.num("on 4").check(stays["SGD"])
    assert stays["RMSprop"] == stays["SGD"] and stays["Adam"] == 0


def test_claim_choosing_rates_span(claim):
    """The widest span of chosen rates within a method is SGD's (from its smallest to its largest
    chosen rate, between 2.5 and 3 decades: "almost three"); the largest ratio between methods on
    one problem is Rosenbrock's, Adagrad's rate over SGD's."""
    rows = _chosen()
    spans = {m: [rows[p, m].lr for p in PROTOCOL["problems"]] for m in METHODS}
    widest = max(METHODS, key=lambda m: max(spans[m]) / min(spans[m]))
    assert widest == "SGD"
    low, ross = claim.nums("0.002")
    low.check(min(spans["SGD"]))
    claim.num("to 1)").check(max(spans["SGD"]))
    assert 2.5 < np.log10(max(spans["SGD"]) / min(spans["SGD"])) < 3
    ratios = {
        p: max(rows[p, m].lr for m in METHODS) / min(rows[p, m].lr for m in METHODS) for p in PROTOCOL["problems"]
    }
    assert max(ratios, key=ratios.get) == "rosenbrock"
    claim.num("1000").check(ratios["rosenbrock"])
    claim.num("Adagrad 2").check(rows["rosenbrock", "Adagrad"].lr)
    ross.check(rows["rosenbrock", "SGD"].lr)


def test_claim_choosing_rates_airfoil(claim):
    """Airfoil network: the smallest and largest chosen rates and whose they are, and their ratio;
    linear model: each of d2l's four methods chosen below the book's rate (rmsprop_ref.airfoil.D2L)."""
    s = airfoil_summary()
    rates = {m: s["mlp", m]["lr"] for m in AIRFOIL["methods"]}
    low, high = min(rates, key=rates.get), max(rates, key=rates.get)
    assert (low, high) == ("SGD, momentum 0.9", "Adagrad")
    claim.num("0.01").check(rates[low])
    claim.num("0.5").check(rates[high])
    claim.num("50").check(rates[high] / rates[low])
    assert len(D2L["lr"]) == 4
    for m, book in D2L["lr"].items():
        assert s["linear", m]["lr"] < book, m


def test_claim_choosing_rmsprop_last(claim):
    """On each problem where RMSprop's chosen rate settles, every other method that settles does so
    earlier, and RMSprop's chosen rate there is at most the printed bound."""
    rows = _chosen()
    settled = [p for p in PROTOCOL["problems"] if rows[p, "RMSprop"].settle is not None]
    assert settled
    for p in settled:
        mine = rows[p, "RMSprop"]
        others = [rows[p, m].settle for m in ("SGD", "Adagrad", "Adam") if rows[p, m].settle is not None]
        assert all(s < mine.settle for s in others), p
    claim.num("0.01").above(max(rows[p, "RMSprop"].lr for p in settled))


def test_claim_choosing_rmsprop_fixes(claim):
    """RMSprop (alpha = 0.9) from the article's start at eta_1, 2000 steps, with the schedules
    page's step_decay(eta_1, 100, 0.5), exponential(eta_1, 0.99) and cosine(eta_1, 2000): each
    settles within 1e-2; with inverse_sqrt(eta_1) (eta_1/sqrt(t)) it does not. Adam with betas (0, 0.9)
    and amsgrad (bias-corrected RMSprop with the maximum) at eta_1 settles within the steps and stays
    over 20000."""
    from rmsprop_ref import RMSprop, cosine, exponential, inverse_sqrt, step_decay

    claim.unused("10^{-3}", why="the comparison page's tolerance table, printed by its executed block")
    eta, one = claim.num("η_1 = 1"), claim.num("1/")
    steps = int(claim.num("2000").value)

    def settles(schedule):
        path = run(RMSprop, quadratic.grad, quadratic.start, steps, lr=eta.value, alpha=0.9, lr_schedule=schedule)
        return settle_step(np.linalg.norm(path, axis=1), 1e-2)

    for schedule in (step_decay(eta.value, 100, 0.5), exponential(eta.value, 0.99), cosine(eta.value, steps)):
        assert settles(schedule) is not None
    assert settles(inverse_sqrt(one.value)) is None
    d = np.linalg.norm(
        run(Adam, quadratic.grad, quadratic.start, 20000, lr=eta.value, betas=(0.0, 0.9), amsgrad=True), axis=1
    )
    assert settle_step(d, 1e-2) is not None and settle_step(d, 1e-2) <= steps


def test_claim_choosing_rmsprop_airfoil(claim):
    """Airfoil: RMSprop's mean final training loss minus the best method's on the linear model
    (tight bound), and below both SGD variants' on the network."""
    methods = AIRFOIL["methods"]
    best = min(_mean("linear", m) for m in methods)
    claim.num("within 0.0003").below(_mean("linear", "RMSprop") - best)
    assert all(_mean("mlp", "RMSprop") < _mean("mlp", m) for m in SGD_VARIANTS)


def test_claim_choosing_adam_postpones(claim):
    """Adam at PyTorch's betas (beta2 printed) on the article's quadratic at eta, 20000 steps: within
    1e-2 from the printed step to the printed 5000 and beyond it up to 5086, outside later, so it
    never settles over the run; AMSGrad settles at the printed step and stays."""
    assert Adam(np.zeros(1)).hyperparams["betas"][1] == claim.num("0.999").value
    lr = claim.num("η = 1").value
    # the study's vectorised runner: bit for bit run(Adam, ...) at Adam's defaults (tests/test_study.py)
    adam = adam_grid_distances(quadratic, [lr], 20000)[:, 0]
    ams = adam_grid_distances(quadratic, [lr], 20000, amsgrad=True)[:, 0]
    by = int(claim.num("step 115").value)
    after = int(claim.num("5000").value)
    inside = adam <= 1e-2
    assert inside[by : after + 1].all() and not inside[after + 1 :].all()
    assert settle_step(adam, 1e-2) is None
    assert settle_step(ams, 1e-2) == by


def test_claim_choosing_adam_reddi(claim):
    """Reddi et al.'s online problem (rmsprop_ref.papers) at the printed beta2 and eta: where Adam and
    AMSGrad end after the page's 100 000 steps (Adam at the wrong end although eta_t decays, which
    is why a decaying rate alone is no fix); the same at PyTorch's default beta2 (the package's
    Adam's); the stochastic version's five seeds: AMSGrad below Adam on each, its range of final
    iterates; the interval is the paper's feasible set."""
    from rmsprop_ref.papers import REDDI, reddi_runs

    assert REDDI["betas"][1] == claim.num("0.99").value
    runs = reddi_runs()
    schedule, decaying = claim.nums("1/")  # eta_t = 1/sqrt(t): the same eta = 1 in both places
    j = runs.etas.index(schedule.value)
    assert decaying.value == schedule.value
    claim.num("0.986").check(runs.x[-1, 0, j, 0])
    claim.num("−0.997").check(runs.x[-1, 1, j, 0])
    default = claim.num("0.999")
    assert Adam(np.zeros(1)).hyperparams["betas"] == (REDDI["betas"][0], default.value)
    other = reddi_runs(etas=(schedule.value,), seeds=(), betas=(REDDI["betas"][0], default.value))
    claim.num("0.172").check(other.x[-1, 0, 0, 0])
    claim.num("−0.996").check(other.x[-1, 1, 0, 0])
    claim.num("10^5").check(runs.t[-1])
    adam, ams = runs.x[-1, 0, j, 1:], runs.x[-1, 1, j, 1:]
    assert ams.size == 5 and np.all(ams < adam)  # nearer the optimum -1 on every seed
    claim.num("−0.36").above(ams.min())
    claim.num("0.08").below(ams.max())
    low, high = claim.num("[-1"), claim.num(", 1]")
    assert (low.value, high.value) == REDDI["box"]


def test_claim_choosing_rare_passes(claim):
    """The Adagrad page's minibatch experiment, measured by its claim helpers: the share of steps
    on which the rare feature's gradient is zero (Adagrad, one pass, data set 0), and on how many of
    the page's data sets Adagrad ends closer than SGD on the rare coordinate after one and three
    passes."""
    from test_claims_adagrad import _counts, _page

    page = _page()
    X, y, _ = page["sparse_data"](0)
    _, rare_zero = page["train"](Adagrad, 1.0, X, y, epochs=1)
    claim.num("82%").check(rare_zero)
    n_sets = page["n_sets"]
    for printed in claim.nums("20"):
        printed.check(n_sets)
    claim.num("17").check(_counts(1)[0])
    claim.num("only 10").check(_counts(3)[0])


def test_claim_choosing_adagrad_embedding(claim):
    """On the sparse page's study (rmsprop_ref.sparse.sparse_study): Adagrad's mean final row error
    is the smallest of the four over all rows, over the ten most frequently looked-up rows (taken
    from the lookup counts: rows 0-8 and 11, not 0-9) and over rows with 1 to 9 lookups; on rows
    with exactly one lookup the four means are within 10% of each other."""
    from rmsprop_ref.sparse import SPARSE_PROTOCOL, embedding_bag, sparse_study

    result = sparse_study()
    counts = embedding_bag.lookups(SPARSE_PROTOCOL["steps"])
    low = claim.num(r"looked up (\d+) to").value
    high = claim.num(r"to (\d+) times").value
    frequent = np.zeros(counts.size, dtype=bool)
    frequent[np.argsort(-counts, kind="stable")[:10]] = True
    groups = {"all": counts >= 0, "ten most frequent": frequent, "1-9": (counts >= low) & (counts <= high)}
    for name, rows in groups.items():
        means = {m: err[rows].mean() for m, (_, err) in result.items()}
        assert min(means, key=means.get) == "Adagrad", (name, means)
    once = [err[counts == 1].mean() for _, err in result.values()]
    assert max(once) < 1.1 * min(once)


def test_sparse_study_runs_are_train_runs():
    """sparse_study runs each method on the whole grid at once (rmsprop_ref.sparse._grid_train);
    every run is bit for bit `train` at that rate, here over 60 steps, and NaN where `train`
    gives up: at a rate of 1e6 SGD's gradient overflows within them."""
    from rmsprop_ref import SGD
    from rmsprop_ref.sparse import SPARSE_PROTOCOL, _grid_train, embedding_bag, train

    steps, lrs = 60, (*SPARSE_PROTOCOL["lr_grid"], 1e6)
    ids = [embedding_bag.ids(t) for t in range(1, steps + 1)]
    for name, (cls, fixed) in SPARSE_PROTOCOL["methods"].items():
        for lr, theta in zip(lrs, _grid_train(name, embedding_bag, lrs, ids), strict=True):
            alone = train(cls, embedding_bag, steps, lr=lr, **fixed)
            np.testing.assert_array_equal(theta, alone, err_msg=f"{name} at {lr}")
    assert np.isnan(train(SGD, embedding_bag, steps, lr=1e6)).all()


def test_claim_choosing_rare_full_batch_curvature(claim):
    """The study's sparse_least_squares: Adagrad's settle step (the smallest of the four); in its
    run at that rate the rare coordinate's gradient is nonzero at every step; the curvature (the
    Hessian's diagonal, from the exact gradient) along the rare coordinate and the range over the
    other four."""
    rows = _chosen()
    p = PROBLEMS["sparse_least_squares"]
    ada = rows[p.name, "Adagrad"]
    claim.num("step 9").check(ada.settle)
    assert ada.settle == min(rows[p.name, m].settle for m in METHODS)
    path = run(Adagrad, p.grad, p.start, PROTOCOL["horizon"], lr=ada.lr)
    assert all(p.grad(theta)[4] != 0 for theta in path[:-1])
    h = np.array([p.grad(e)[i] - p.grad(np.zeros(5))[i] for i, e in enumerate(np.eye(5))])  # f is quadratic
    claim.num("0.06").check(h[4])
    claim.num("0.82").check(h[:4].min())
    claim.num("1.17").check(h[:4].max())


def test_claim_choosing_adagrad_inverse_sqrt(claim):
    """Adagrad's settle step on the noisy problem is the smallest of the four; and Adagrad (eta = 1)
    on the article's quadratic with N(0, 1) noise added to each gradient coordinate: theta_1's
    effective rate times sqrt(t) rounds to the printed 1 at t = 10000 and 40000 (it is between 0.9
    and 1.1), so the rate falls by a factor 2 (to 10%) while t grows by 4."""
    rows = _chosen()
    settles = {m: rows["noisy_least_squares", m].settle for m in METHODS}
    assert min(s for s in settles.values() if s is not None) == settles["Adagrad"]
    rng = np.random.default_rng(0)
    theta = quadratic.start.copy()
    opt = Adagrad(theta, lr=1.0)
    rate = {}
    for t in range(1, 40001):
        opt.step(quadratic.grad(theta) + rng.normal(size=2))
        if t in (10000, 40000):
            rate[t] = float(opt.effective_lr()[0][0])
    one = claim.num("1/")
    for t, r in rate.items():
        one.check(r * t**0.5)
        assert 0.9 < r * t**0.5 < 1.1
    assert 1.8 < rate[10000] / rate[40000] < 2.2


def test_claim_choosing_adagrad_airfoil(claim):
    """Airfoil network after the protocol's epochs: Adagrad's mean final training loss is the
    lowest of the five methods."""
    claim.num("10").check(AIRFOIL["epochs"])
    means = {m: _mean("mlp", m) for m in AIRFOIL["methods"]}
    assert min(means, key=means.get) == "Adagrad"


def test_claim_choosing_wilson(claim):
    """Wilson et al.'s construction (rmsprop_ref.papers): every method fits the training points
    (accuracy 1 at every rate that fits); gradient descent's test accuracy and the adaptive methods'
    (equal to the share of positive test labels); with the printed weight decay each method at the
    rate of its lowest objective scores the printed accuracy."""
    from rmsprop_ref.papers import WILSON_PROTOCOL as P
    from rmsprop_ref.papers import wilson_data, wilson_study

    X, _, y_test = wilson_data(P["n"], P["p"], P["n_test"], P["seed"])
    claim.num("100").check(X.shape[0])
    result = wilson_study()
    for r in result.values():
        assert r.fits().any() and np.all(r.train[r.fits()] == 1.0)
    plain, decayed = claim.nums("1.000")
    plain.check(result["SGD"].test[result["SGD"].fits()].min())
    share = claim.num("0.596")
    share.check((y_test > 0).mean())
    for m in ADAPTIVE:
        assert np.all(result[m].test[result[m].fits()] == (y_test > 0).mean()), m
    for r in wilson_study(weight_decay=claim.num("0.1").value).values():
        decayed.check(r.test[r.best()])


def test_claim_choosing_wilson_airfoil(claim):
    """The airfoil network's parameter count (rmsprop_ref.airfoil.PROBLEMS) and training rows, fewer
    parameters than rows; each adaptive method's mean held-out loss below both SGD variants'."""
    from rmsprop_ref.airfoil import PROBLEMS as AIRFOIL_PROBLEMS
    from rmsprop_ref.airfoil import protocol_data

    params = claim.num("225")
    rows = claim.num("1200")
    params.check(AIRFOIL_PROBLEMS["mlp"])
    rows.check(protocol_data()["train"].size)
    assert params.value < rows.value
    for m in ADAPTIVE:
        assert all(_mean("mlp", m, "held") < _mean("mlp", s, "held") for s in SGD_VARIANTS), m


def test_claim_choosing_rare_glove(claim):
    """The sparse page's GloVe study (rmsprop_ref.glove.study): Adagrad's mean final J is the
    lowest overall and in both bands; against every other method its relative edge is smaller on
    the rare band than on the frequent one; against SGD, the printed edges."""
    from rmsprop_ref.glove import study as glove_study

    result = glove_study()
    mean = {m: {band: r.final[band].mean() for band in ("all", "frequent", "rare")} for m, r in result.items()}
    for band in ("all", "frequent", "rare"):
        assert min(mean, key=lambda m: mean[m][band]) == "Adagrad", band

    def edge(m, band):
        return 1 - mean["Adagrad"][band] / mean[m][band]

    for m in mean:
        if m != "Adagrad":
            assert edge(m, "rare") < edge(m, "frequent"), m
    claim.num("25%").check(edge("SGD", "rare"))
    claim.num("28%").check(edge("SGD", "frequent"))
