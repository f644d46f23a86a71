"""Claims of docs/sparse.md, each measured (tests/test_claim_tags.py ties them to the page)."""

import itertools
import os

import numpy as np
import pytest

from conftest import require
from rmsprop_ref import SGD
from rmsprop_ref.sparse import SPARSE_PROTOCOL, embedding_bag, sparse_study, train


def _groups():
    counts = embedding_bag.lookups(SPARSE_PROTOCOL["steps"])
    edges = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, np.inf]  # the figure's groups
    return [(lo, (counts >= lo) & (counts < hi)) for lo, hi in itertools.pairwise(edges)]


def test_claim_sparse_row_error_caption():
    """ "Mean final row error against the number of times a row was looked up in 1000 steps (log
    scale), for SGD, Adagrad, RMSprop and Adam each at its tuned learning rate on the embedding
    problem: all start at about 1.9 for rows never looked up and about 1.3 for rows looked up once;
    from 2 lookups on Adagrad has the lowest error of the four in every group."

    Measured on the study the figure draws (rmsprop_ref.figures.sparse_row_error), in its groups.
    """
    study = sparse_study()
    for lo, rows in _groups():
        if not rows.any():
            continue
        means = {name: err[rows].mean() for name, (_, err) in study.items()}
        if lo == 0:
            assert all(1.8 < m < 2.0 for m in means.values()), means
        elif lo == 1:
            assert all(1.2 < m < 1.4 for m in means.values()), means
        else:
            assert min(means, key=means.get) == "Adagrad", (lo, means)


def test_claim_sparse_unmoved_never_looked_up():
    """ "(The 272 that did not move had never been looked up: their $m$ is still 0.)"

    Measured: the rows without a gradient at step 201 that dense Adam did not move are exactly
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
    assert unmoved.sum() == 272 and np.array_equal(unmoved, never)
    assert np.all(opt.state[0]["exp_avg"][never] == 0)


def test_claim_sparse_one_lookup():
    """ "A row looked up once is learned about equally badly by all four."

    Measured: on rows looked up exactly once, each method's mean final error is above 1 and
    within 10% of the others'.
    """
    counts = embedding_bag.lookups(SPARSE_PROTOCOL["steps"])
    means = [err[counts == 1].mean() for _, err in sparse_study().values()]
    assert min(means) > 1 and max(means) < 1.1 * min(means)


def test_claim_sparse_sgd_rate_capped_by_row_0():
    """ "Plain gradient descent has one rate for all rows, and it cannot be large: row 0 is in
    nearly every minibatch and would diverge."

    Measured: row 0 is in at least 95% of the 1000 minibatches; SGD at the grid's next rate
    above its best (5) diverges, and the first row whose error passes 10 is row 0.
    """
    steps = SPARSE_PROTOCOL["steps"]
    with_row_0 = np.mean([np.any(embedding_bag.ids(t) == 0) for t in range(1, steps + 1)])
    assert with_row_0 >= 0.95
    assert sparse_study()["SGD"][0] == 2.0
    theta = embedding_bag.start
    opt = SGD(theta, lr=5.0)
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, steps + 1):
            opt.step(embedding_bag.grad(theta, t))
            err = embedding_bag.row_error(theta)
            if np.any(err > 10):
                assert int(np.argmax(err)) == 0
                break
        else:
            pytest.fail("SGD at lr 5 did not diverge")
    with np.errstate(over="ignore", invalid="ignore"):
        final = embedding_bag.row_error(train(SGD, embedding_bag, steps, lr=5.0))
    assert not np.all(final < 1e6)  # blown up (huge or NaN) after the 1000 steps


@pytest.mark.filterwarnings("ignore:Sparse invariant checks are implicitly disabled")  # torch's own internal tensor
def test_claim_sparse_framework_table():
    """ "| Keras 3 `Adam` | dense here (torch backend) | updated (dense) |"

    The whole table, measured: nn.Embedding(sparse=True) gives a sparse gradient; torch Adagrad
    with a sparse gradient leaves absent rows' θ and sum untouched and refuses weight_decay;
    SparseAdam leaves absent rows' θ, exp_avg and exp_avg_sq untouched and refuses a dense
    gradient; SGD accepts a sparse gradient, leaves absent rows untouched without momentum,
    moves them with momentum 0.9 and fails with weight_decay; Adam, AdamW and RMSprop refuse
    a sparse gradient; Keras 3 Adam moves a row whose
    gradient is zero after one step with a gradient.
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
def test_claim_sparse_sgd_sparse_not_lazy():
    """ "Receiving a sparse gradient does not by itself make an update lazy: PyTorch's `SGD` accepts
    one too, and with momentum its buffer keeps moving rows that have no gradient."

    Measured: torch.optim.SGD with momentum 0.9 steps on a sparse gradient (rows 1 and 3) and
    then on one without row 3: row 3 moves by 0.1 · 0.9 (its buffer, decayed); without momentum
    it stays put.
    """
    _check_torch_sgd_on_sparse_gradients(require("torch"))


@pytest.mark.filterwarnings("ignore:Sparse invariant checks are implicitly disabled")
def test_claim_sparse_work_per_row_looked_up():
    """ "PyTorch's `Adagrad` and `SparseAdam`, given the gradient as a sparse tensor (the rows and
    their values), do the lazy one and never touch the other rows, which is where the saving is:
    after the first step (where `SparseAdam` creates its state), the work of a step is
    proportional to the rows looked up, not to the table."

    Measured without a clock, by counting operations: a torch dispatch mode sees every aten
    operation of `opt.step()` and adds up the elements of the tensors it produces (for a sparse
    tensor, its stored values). The in-place updates of θ and the state are not counted, and each
    must take a sparse argument with exactly the rows looked up (so its work is one per element
    looked up too). On embedding_bag's gradients (steps 2 to 30) and on the same problem with a
    table of 10000 rows, the count is exactly a·(rows looked up) + b, with the same a and b for
    both tables (b < 10: scalars such as the step count); only rows looked up change.
    """
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
