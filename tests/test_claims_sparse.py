"""Claims of docs/sparse.md, each measured against the numbers its sentence prints (the `claim`
fixture reads them from the page; tests/claims.py)."""

import os

import numpy as np
import pytest

from conftest import require
from rmsprop_ref import SGD
from rmsprop_ref.sparse import SPARSE_PROTOCOL, embedding_bag, sparse_study, train


def test_claim_sparse_row_error_caption(claim):
    """Read from the figure the page shows (rmsprop_ref.figures.sparse_row_error, its drawn
    lines, one per method, x = the group's lowest lookup count, 0 drawn at 0.5): four methods,
    the named ones; the lookups counted over the protocol's steps (the figure's and the
    study's); every method's first point rounds to the printed value, the four methods' mean at
    one lookup rounds to the printed value and each is within 5 % of it ("about"); the lowest
    lookup count from which Adagrad is lowest in every group is the printed one."""
    require("matplotlib")
    from rmsprop_ref import figures

    claim.num("1000 steps").check(SPARSE_PROTOCOL["steps"])
    lines = figures.sparse_row_error().axes[0].get_lines()
    names = [line.get_label().split(",")[0] for line in lines]
    assert sorted(names) == sorted(["SGD", "Adagrad", "RMSprop", "Adam"]) and all(n in claim.text for n in names)
    x = np.asarray(lines[0].get_xdata())
    y = {name: np.asarray(line.get_ydata()) for name, line in zip(names, lines)}
    assert all(np.array_equal(line.get_xdata(), x) for line in lines)
    assert x[0] == 0.5 and x[1] == 1  # never looked up (drawn at 0.5), then once
    for curve in y.values():
        claim.num("1.9").check(curve[0])
    once = claim.num("1.3")
    once.check(np.mean([curve[1] for curve in y.values()]))
    assert all(abs(curve[1] / once.value - 1) < 0.05 for curve in y.values())
    lowest = np.array([min(y, key=lambda n: y[n][i]) == "Adagrad" for i in range(len(x))])
    first = len(x) - np.argmin(lowest[::-1]) if not lowest.all() else 0  # Adagrad lowest from here on
    claim.num("from 2 lookups").check(x[first])


def test_claim_sparse_unmoved_never_looked_up(claim):
    """Measured: the rows without a gradient at step 201 that dense Adam did not move are exactly
    the rows looked up in none of steps 1..201, 272 of them, and their exp_avg is 0.
    """
    from rmsprop_ref import Adam

    theta = embedding_bag.start
    opt = Adam(theta, lr=0.05)
    for t in range(1, 201):
        opt.step(embedding_bag.grad(theta, t))
    before = theta.copy()
    opt.step(embedding_bag.grad(theta, 201))
    unmoved = np.all(theta == before, axis=1)
    never = embedding_bag.lookups(201) == 0
    claim.num("272").check(unmoved.sum())
    assert np.array_equal(unmoved, never)
    claim.num("still 0").check(np.max(np.abs(opt.state[0]["exp_avg"][never])))


def test_claim_sparse_one_lookup(claim):
    """Measured on the study: Adagrad's mean final error is the lowest of the four over all
    rows, over the frequent rows 0-9 and over the rare rows (1-9 lookups), the groups of the
    page's table; on rows looked up exactly once, each method's mean final error is above 1
    ("badly") and within 10% of the others' ("about equally")."""
    assert "all four" in claim.text and not claim.numbers
    counts = embedding_bag.lookups(SPARSE_PROTOCOL["steps"])
    study = sparse_study()
    rare = (counts >= 1) & (counts <= 9)
    for rows in (slice(None), slice(0, 10), rare):
        means = {name: err[rows].mean() for name, (_, err) in study.items()}
        assert min(means, key=means.get) == "Adagrad", means
    means = [err[counts == 1].mean() for _, err in study.values()]
    assert min(means) > 1 and max(means) < 1.1 * min(means)


def test_claim_sparse_sgd_rate_capped_by_row_0(claim):
    """Measured: the printed row is in at least 95% of the 1000 minibatches ("nearly every");
    SGD at the grid's next rate above its best (5) diverges, and the first row whose error
    passes 10 is that row."""
    row = int(claim.num("row 0").value)
    steps = SPARSE_PROTOCOL["steps"]
    with_row = np.mean([np.any(embedding_bag.ids(t) == row) for t in range(1, steps + 1)])
    assert with_row >= 0.95
    assert sparse_study()["SGD"][0] == 2.0
    theta = embedding_bag.start
    opt = SGD(theta, lr=5.0)
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, steps + 1):
            opt.step(embedding_bag.grad(theta, t))
            err = embedding_bag.row_error(theta)
            if np.any(err > 10):
                assert int(np.argmax(err)) == row
                break
        else:
            pytest.fail("SGD at lr 5 did not diverge")
    with np.errstate(over="ignore", invalid="ignore"):
        final = embedding_bag.row_error(train(SGD, embedding_bag, steps, lr=5.0))
    assert not np.all(final < 1e6)  # blown up (huge or NaN) after the 1000 steps


@pytest.mark.filterwarnings("ignore:Sparse invariant checks are implicitly disabled")  # torch's own internal tensor
def test_claim_sparse_framework_table(claim):
    """The whole table, measured: nn.Embedding(sparse=True) gives a sparse gradient; torch Adagrad
    with a sparse gradient leaves absent rows' θ and sum untouched and refuses weight_decay;
    SparseAdam leaves absent rows' θ, exp_avg and exp_avg_sq untouched and refuses a dense
    gradient; SGD accepts a sparse gradient, leaves absent rows untouched without momentum,
    moves them with momentum 0.9 and fails with weight_decay; Adam, AdamW and RMSprop refuse
    a sparse gradient; Keras Adam (of the printed major version) moves a row whose gradient is
    zero after one step with a gradient.
    """
    torch = require("torch")

    def sparse_grad(shape, rows):
        values = torch.ones(len(rows), shape[1], dtype=torch.float64)
        return torch.sparse_coo_tensor(torch.tensor([rows]), values, shape, check_invariants=True)

    emb = torch.nn.Embedding(5, 2, sparse=True)  # the table's first way to get a sparse gradient
    emb(torch.tensor([1, 3])).sum().backward()
    assert emb.weight.grad.is_sparse
    shape = (5, 2)
    for cls in (torch.optim.Adagrad, torch.optim.SparseAdam):
        p = torch.zeros(shape, dtype=torch.float64)
        opt = cls([p], lr=0.1)
        p.grad = sparse_grad(shape, [1, 3])
        opt.step()
        p.grad = sparse_grad(shape, [1])  # row 3 absent now: untouched, state included
        before = p.detach().clone()
        state = {k: v.clone() for k, v in opt.state[p].items() if torch.is_tensor(v) and v.shape == p.shape}
        opt.step()
        assert torch.equal(p[3], before[3]) and not torch.equal(p[1], before[1])
        assert state and all(torch.equal(opt.state[p][k][3], v[3]) for k, v in state.items())
    p = torch.zeros(shape, dtype=torch.float64)
    opt = torch.optim.Adagrad([p], weight_decay=0.1)
    p.grad = sparse_grad(shape, [1])
    with pytest.raises(RuntimeError, match="weight_decay"):
        opt.step()
    p = torch.zeros(shape, dtype=torch.float64)
    opt = torch.optim.SparseAdam([p])
    p.grad = torch.ones(shape, dtype=torch.float64)
    with pytest.raises(RuntimeError, match="does not support dense gradients"):
        opt.step()
    _check_torch_sgd_on_sparse_gradients(torch)
    for cls in (torch.optim.Adam, torch.optim.AdamW, torch.optim.RMSprop):
        p = torch.zeros(shape, dtype=torch.float64)
        opt = cls([p])
        p.grad = sparse_grad(shape, [1])
        with pytest.raises(RuntimeError, match=r"(?i)sparse"):
            opt.step()

    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = require("keras")
    claim.num("Keras 3").check(int(keras.__version__.split(".")[0]))
    var = keras.Variable(np.zeros(shape), dtype="float64")
    opt = keras.optimizers.Adam(learning_rate=0.1)
    g = np.zeros(shape)
    g[3] = 1.0
    opt.apply([keras.ops.convert_to_tensor(g)], [var])
    after_one = var.numpy().copy()
    opt.apply([keras.ops.convert_to_tensor(np.zeros(shape))], [var])  # row 3 has no gradient now
    assert np.all(var.numpy()[3] != after_one[3])  # ... and still moves: dense


def _check_torch_sgd_on_sparse_gradients(torch):
    shape = (5, 2)

    def sparse_grad(rows):
        values = torch.ones(len(rows), shape[1], dtype=torch.float64)
        return torch.sparse_coo_tensor(torch.tensor([rows]), values, shape, check_invariants=True)

    for momentum, row_3_moves in ((0.0, False), (0.9, True)):
        p = torch.zeros(shape, dtype=torch.float64)
        opt = torch.optim.SGD([p], lr=0.1, momentum=momentum)
        p.grad = sparse_grad([1, 3])
        opt.step()
        p.grad = sparse_grad([1])  # row 3 absent now
        before = p.detach().clone()
        opt.step()
        assert not torch.equal(p[1], before[1])
        assert torch.equal(p[3], before[3]) != row_3_moves, momentum
        if momentum:  # by hand: the buffer's row 3 is 1 (first step), 0.9 after; step 0.1 * 0.9
            assert torch.allclose(before[3] - p[3], torch.full((2,), 0.09, dtype=torch.float64), rtol=1e-12, atol=0)
    p = torch.zeros(shape, dtype=torch.float64)
    opt = torch.optim.SGD([p], lr=0.1, weight_decay=0.1)
    p.grad = sparse_grad([1])
    with pytest.raises(RuntimeError, match="sparse"):
        opt.step()


@pytest.mark.filterwarnings("ignore:Sparse invariant checks are implicitly disabled")
def test_claim_sparse_sgd_sparse_not_lazy(claim):
    """Measured: torch.optim.SGD with momentum 0.9 steps on a sparse gradient (rows 1 and 3) and
    then on one without row 3: row 3 moves by 0.1 · 0.9 (its buffer, decayed); without momentum
    it stays put.
    """
    assert "`SGD`" in claim.text and not claim.numbers
    _check_torch_sgd_on_sparse_gradients(require("torch"))


@pytest.mark.filterwarnings("ignore:Sparse invariant checks are implicitly disabled")
def test_claim_sparse_work_per_row_looked_up(claim):
    """Measured without a clock, by counting operations: a torch dispatch mode sees every aten
    operation of `opt.step()` and adds up the elements of the tensors it produces (for a sparse
    tensor, its stored values). The in-place updates of θ and the state are not counted, and each
    must take a sparse argument with exactly the rows looked up (so its work is one per element
    looked up too). On embedding_bag's gradients (steps 2 to 30) and on the same problem with a
    table of 10000 rows, the count is exactly a·(rows looked up) + b, with the same a and b for
    both tables (b < 10: scalars such as the step count); only rows looked up change.
    """
    assert "proportional to the rows looked" in claim.text and not claim.numbers
    torch = require("torch")
    from torch.utils._python_dispatch import TorchDispatchMode
    from torch.utils._pytree import tree_flatten

    from rmsprop_ref.sparse import EmbeddingBag

    class Count(TorchDispatchMode):
        def __init__(self, owned, rows):
            super().__init__()
            self.owned, self.rows, self.elements = owned, rows, 0

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            out = func(*args, **(kwargs or {}))
            for o in tree_flatten(out)[0]:
                if not isinstance(o, torch.Tensor):
                    continue
                if any(o is t for t in self.owned):  # θ or state updated in place: by a sparse argument
                    sparse = [a for a in tree_flatten(args)[0] if isinstance(a, torch.Tensor) and a.is_sparse]
                    assert len(sparse) == 1 and sparse[0]._nnz() == self.rows, func
                else:
                    self.elements += o._values().numel() if o.is_sparse else o.numel()
            return out

    counts = {}
    for n_rows in (1000, 10000):
        problem = EmbeddingBag(n_rows=n_rows)
        for cls in (torch.optim.Adagrad, torch.optim.SparseAdam):
            p = torch.zeros((n_rows, problem.dim), dtype=torch.float64)
            opt = cls([p], lr=0.1)
            for t in range(1, 31):
                ids = np.unique(problem.ids(t))
                g = problem.grad(p.detach().numpy(), t)
                p.grad = torch.sparse_coo_tensor(torch.tensor(ids[None]), torch.tensor(g[ids]), p.shape)
                owned = [p, *(v for v in opt.state[p].values() if torch.is_tensor(v) and v.shape == p.shape)]
                count = Count(owned, len(ids))
                before = p.detach().clone()
                with count:
                    opt.step()
                changed = torch.nonzero((p != before).any(dim=1)).flatten().numpy()
                assert set(changed) <= set(ids)
                if t > 1:
                    counts.setdefault((cls.__name__, n_rows), []).append((len(ids), count.elements))
    lines = {}
    for key, pairs in counts.items():
        rows, elements = np.array(pairs).T
        assert len(set(rows)) > 3, key  # enough different row counts to see a line
        slope, intercept = np.polyfit(rows, elements, 1)
        assert np.allclose(slope * rows + intercept, elements, rtol=0, atol=1e-6), key  # exactly on it
        lines[key] = round(slope, 6), round(intercept, 6)
    for name in ("Adagrad", "SparseAdam"):
        slope, intercept = lines[(name, 1000)]
        assert lines[(name, 10000)] == (slope, intercept), lines  # the table's size does not enter
        assert slope > 0 and 0 <= intercept < 10, lines  # the constant is a few scalars (the step count)
