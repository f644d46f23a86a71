"""Claims on docs/airfoil.md: each test reads its tagged text (the `claim` fixture, tests/claims.py),
measures with the package (rmsprop_ref.airfoil's memoised runs, shared with the page's blocks and
the figure), and checks the measurement against the numbers the page prints."""

import numpy as np

from rmsprop_ref import airfoil as A
from rmsprop_ref.adam_study import tune_adam
from rmsprop_ref.compare import PROTOCOL as TOY
from rmsprop_ref.compare import tune

ADAPTIVE = ("Adagrad", "RMSprop", "Adam")
SGDS = ("SGD", "SGD, momentum 0.9")


def _results(problem):
    return {r.method: r for r in A.study() if r.problem == problem}


def _floor():
    d = A.protocol_data()
    return A.least_squares_loss(d["X"], d["y"])


def test_claim_airfoil_d2l_near_floor(claim):
    runs = A.d2l_runs()
    assert all(len(v) - 1 == claim.num("within 2 epochs").value for v in runs.values())
    floor = A.d2l_optimum()
    claim.num("0.2417").check(floor)
    claim.num("less than 0.005").below(max((v[-1] - floor).max() for v in runs.values()))
    start = claim.num("near 0.5")
    for v in runs.values():
        for loss0 in v[0]:
            start.check(loss0)


def test_claim_airfoil_d2l_scratch_eps(claim):
    """d2l's optimizers from scratch (§12.5, 12.7, 12.8, 12.10), written out here with their
    eps = 1e-6, on the package's seeds (initial point and row order): the final losses
    differ from the page's runs (PyTorch's defaults) by less than the bound printed."""
    X, y = A.d2l_data()
    seeds, epochs, batch = A.D2L["seeds"], A.D2L["epochs"], A.D2L["batch"]
    eps = claim.num(r"\$\\epsilon\$, \$(10\^\{-6\})").value
    runs = A.d2l_runs()
    worst = 0.0
    for method, lr in A.D2L["lr"].items():
        starts, orders = zip(*(A.batch_order(s, "linear", len(y), epochs) for s in seeds), strict=True)
        theta = np.stack(starts)  # (seeds, 6): w then b
        s, v, t = np.zeros_like(theta), np.zeros_like(theta), 0
        for e in range(epochs):
            for k in range(len(y) // batch):
                idx = np.stack([o[e, k * batch : (k + 1) * batch] for o in orders])  # (seeds, batch)
                Xb = np.concatenate([X[idx], np.ones((*idx.shape, 1))], axis=2)
                r = np.einsum("sbp,sp->sb", Xb, theta) - y[idx]
                g = np.einsum("sbp,sb->sp", Xb, r) / batch  # gradient of mean ½(ŷ − y)²
                t += 1
                if method == "SGD":
                    theta -= lr * g
                elif method == "Adagrad":
                    s += g * g
                    theta -= lr * g / np.sqrt(s + eps)
                elif method == "RMSprop":
                    s = 0.9 * s + 0.1 * g * g  # d2l's gamma = 0.9
                    theta -= lr * g / np.sqrt(s + eps)
                else:
                    v = 0.9 * v + 0.1 * g
                    s = 0.999 * s + 0.001 * g * g
                    theta -= lr * (v / (1 - 0.9**t)) / (np.sqrt(s / (1 - 0.999**t)) + eps)
        Xa = np.column_stack([X, np.ones(len(y))])
        final = 0.5 * np.mean((Xa @ theta.T - y[:, None]) ** 2, axis=0)
        worst = max(worst, np.abs(final - runs[method][-1]).max())
    claim.num(r"as much as \$(10\^\{-6\})").below(worst)


def test_claim_airfoil_d2l_cannot_rank(claim):
    final = {m: v[-1] for m, v in A.d2l_runs().items()}
    spread = max(f.max() - f.min() for f in final.values())
    means = [f.mean() for f in final.values()]
    gap = max(means) - min(means)
    claim.num("up to 0.0038").check(spread)
    claim.num("the 0.0018").check(gap)
    assert round(spread / gap) == 2  # "twice"
    below = int((final["Adam"] < final["SGD"]).sum())
    assert claim.num("on 3 of").value == below
    n = claim.num("the 5 seeds").value
    assert n == len(final["SGD"])
    assert claim.num("other 2").value == n - below == int((final["Adam"] > final["SGD"]).sum())
    # paired by seed: exactly the pairs whose order is the same on every seed
    every_seed = {(a, b) for a in final for b in final if a != b and np.all(final[a] < final[b])}
    assert every_seed == {("Adagrad", "SGD"), ("Adagrad", "Adam"), ("RMSprop", "SGD")}
    assert claim.text.count("three orders") == 1 and len(every_seed) == 3


def test_claim_airfoil_epochs_figure(claim):
    lin, mlp = _results("linear"), _results("mlp")
    epochs = A.PROTOCOL["epochs"]
    assert claim.num("epoch (0 to").value == 0
    assert claim.num("to 10)").value == epochs
    assert claim.num("momentum 0.9").value == A.PROTOCOL["fixed"]["SGD, momentum 0.9"]["momentum"]
    assert set(lin) == set(mlp) == set(A.PROTOCOL["methods"])
    assert claim.num("over 5 seeds").value == len(A.PROTOCOL["seeds"]) == lin["SGD"].train.shape[1]
    floor = _floor()
    claim.num("about 0.50").check(lin["SGD"].train[0].mean())
    assert len({r.train[0].mean() for r in lin.values()}) == 1  # one start per seed for every method
    claim.num("within 0.0005").below(max(abs(r.train[-1].mean() - floor) for r in lin.values()))
    claim.num("floor, 0.2417").check(floor)
    claim.num("start at 0.70").check(mlp["SGD"].train[0].mean())
    first = claim.num("from epoch 1 on").value
    for e in range(int(first), epochs + 1):
        assert max(mlp[m].train[e].mean() for m in ADAPTIVE) < min(mlp[m].train[e].mean() for m in SGDS), e
    assert claim.num("at epoch 10").value == epochs
    adagrad = mlp["Adagrad"].train[-1].mean()
    claim.num("lowest, 0.105").check(adagrad)
    assert adagrad == min(r.train[-1].mean() for r in mlp.values())


def test_claim_airfoil_linear_tie(claim):
    lin = _results("linear")
    assert len(lin) == 5  # "the five methods"
    claim.num("within 0.0006").below(max(r.final_train.max() for r in lin.values()) - _floor())
    held = [r.final_held.mean() for r in lin.values()]
    gap = max(held) - min(held)
    claim.num("within 0.0004").below(gap)
    least_std = min(r.final_held.std() for r in lin.values())
    claim.num("at least 0.0005").above(least_std)
    assert gap < least_std
    for a in lin:  # paired by seed: no held-out order holds on every seed
        for b in lin:
            assert a == b or not np.all(lin[a].final_held < lin[b].final_held), (a, b)
    ada = lin["Adagrad"].final_train
    others = [r.final_train for m, r in lin.items() if m != "Adagrad"]
    assert all(np.all(ada < o) for o in others)
    edge = max((o - ada).mean() for o in others)
    claim.num("less than 0.0004").below(edge)
    assert "a tenth of a percent" in claim.text and 0.0005 < edge / _floor() < 0.0015


def test_claim_airfoil_mlp_adaptive_lower(claim):
    mlp = _results("mlp")
    for kind in ("final_train", "final_held"):
        worst_adaptive = max(getattr(mlp[m], kind).mean() for m in ADAPTIVE)
        assert worst_adaptive < min(getattr(mlp[m], kind).mean() for m in SGDS), kind
    claim.num("0.1229").check(mlp["Adagrad"].final_train.max())
    claim.num("0.1366").check(mlp["SGD, momentum 0.9"].final_train.min())
    assert mlp["Adagrad"].final_train.max() < mlp["SGD, momentum 0.9"].final_train.min()
    # paired by seed: the (adaptive, SGD variant, loss, seed) cases where the adaptive one is not lower
    above = [
        (a, b, kind, i)
        for a in ADAPTIVE
        for b in SGDS
        for kind in ("final_train", "final_held")
        for i in np.flatnonzero(getattr(mlp[a], kind) >= getattr(mlp[b], kind))
    ]
    assert claim.text.count("on one seed") == 1 and len(above) == 1
    assert above[0][:3] == ("RMSprop", "SGD, momentum 0.9", "final_train")


def test_claim_airfoil_mlp_horizon(claim):
    mlp = _results("mlp")
    epochs = A.PROTOCOL["epochs"]
    assert claim.num("at 10 epochs").value == epochs
    sgd = mlp["SGD"].train.mean(axis=1)
    e5a, e5b = (int(n.value) for n in claim.nums("at epoch 5"))
    e6 = claim.num("at epoch 6").value
    assert e5a == e5b and e6 == e5a + 1  # "from one epoch to the next"
    claim.num("0.164").check(sgd[e5b])
    claim.num("0.182").check(sgd[int(e6)])
    avg = np.mean([r.train.mean(axis=1) for r in mlp.values()], axis=0)  # over methods, per epoch
    assert len(mlp) == 5  # "the five methods"
    claim.num("0.145 at").check(avg[e5a])
    claim.num("0.125 at").check(avg[epochs])
    assert claim.num("epoch 10,").value == epochs
    assert claim.num("a 10-epoch").value == epochs
    lo, hi = claim.num("from 1 to").value, claim.num("to 10.").value
    assert hi == epochs
    for e in range(int(lo), int(hi) + 1):
        assert max(mlp[m].train[e].mean() for m in ADAPTIVE) < min(mlp[m].train[e].mean() for m in SGDS), e


def test_claim_airfoil_linear_rates_below_d2l(claim):
    lin = _results("linear")
    ratio = {m: A.D2L["lr"][m] / lin[m].lr for m in A.D2L["lr"]}
    assert claim.num("2 times").value == round(ratio["Adagrad"], 9)
    five = claim.num("5 times").value
    assert all(round(ratio[m], 9) == five for m in ("SGD", "RMSprop", "Adam"))
    top = claim.num("= 1").value
    grid = A.PROTOCOL["lr_grid"]
    for r in lin.values():
        above = r.grid_train[grid.index(r.lr) : grid.index(top) + 1]
        assert np.all(np.diff(above) > 0), r.method  # the final loss grows with the rate
    # the cause: the same number of steps with the full-batch gradient (no minibatch noise)
    d = A.protocol_data()
    steps = A.PROTOCOL["epochs"] * len(d["y"]) // A.PROTOCOL["batch"]
    assert claim.num("same 1200 steps").value == steps
    hi = claim.num("up to 0.5").value
    floor = _floor()
    excess = {}
    for m, r in lin.items():
        rates = [g for g in grid if r.lr < g <= hi]
        thetas = A.grid_runs("linear", m, rates, (0,), d["X"], d["y"], steps, len(d["y"]))
        excess[m] = dict(zip(rates, A.losses("linear", thetas[-1], d["X"], d["y"])[0] - floor, strict=True))
    quiet = [v for m, e in excess.items() if m != "RMSprop" for v in e.values()]
    claim.num("10^{-4}").below(max(quiet))
    rms = excess["RMSprop"]
    assert np.all(np.diff(list(rms.values())) > 0)  # grows with the rate
    claim.num("0.013 at").check(rms[claim.num("η = 0.1").value])
    claim.num("0.31 at").check(rms[claim.num("at 0.5").value])


def test_claim_airfoil_agrees_adagrad(claim):
    settle = {}
    for p in TOY["problems"]:
        for m in TOY["methods"]:
            settle[p, m] = tune(m, p).settle
        settle[p, "Adam"] = tune_adam(p).settle
    methods = (*TOY["methods"], "Adam")
    first = [
        p
        for p in TOY["problems"]
        if settle[p, "Adagrad"] is not None
        and settle[p, "Adagrad"] == min(s for m in methods if (s := settle[p, m]) is not None)
    ]
    assert claim.num("on 5 of").value == len(first)
    assert claim.num("the 6 toy").value == len(TOY["problems"])
    for problem in A.PROTOCOL["problems"]:
        res = _results(problem)
        assert min(res, key=lambda m: res[m].final_train.mean()) == "Adagrad", problem


def test_claim_airfoil_disagrees_rmsprop(claim):
    rms, sgd, ada = (tune(m, "noisy_least_squares") for m in ("RMSprop", "SGD", "Adagrad"))
    claim.num("= 0.002").check(rms.lr)
    assert rms.settle is None
    assert claim.num("10^{-2}").value == TOY["tol"]
    assert claim.num("step 1990").value == sgd.settle
    assert claim.num("913").value == ada.settle
    lin = _results("linear")
    best = min(r.final_train.mean() for r in lin.values())
    claim.num("within 0.0003").below(lin["RMSprop"].final_train.mean() - best)
    mlp = _results("mlp")
    assert mlp["RMSprop"].final_train.mean() < min(mlp[m].final_train.mean() for m in SGDS)
