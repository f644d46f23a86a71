r"""Predictions for the optimizers on a quadratic, each a formula you can check against a run.

The frame is that of Goh's *Why Momentum Really Works* (Distill, 2017): near a minimum
$\theta^\ast$, $f(\theta) \approx f(\theta^\ast) + \tfrac12 (\theta - \theta^\ast)^\top H\,
(\theta - \theta^\ast)$, and in the eigen-coordinates of the Hessian $H$ this is
$f = \tfrac12 \sum_i h_i \theta_i^2$ (minimum at 0), one independent coordinate per
curvature $h_i$. A method whose step is linear in the gradient then acts on each coordinate
as a small linear map, and its rate is the largest modulus of that map's eigenvalues.
The *contraction* $q$ is that rate: the distance $\lVert\theta_t - \theta^\ast\rVert$
shrinks by about $q$ per step in the long run ($q > 1$: it grows).
$\kappa = h_{\max}/h_{\min}$ is the condition number.

Every function takes the curvatures ``h`` (a number or an array, all > 0) or a Hessian
matrix ``H``, and returns numpy floats or arrays. `fitted_contraction` is the other side:
it measures $q$ from a run.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = [
    "FIT_FLOOR",
    "adagrad_frozen_rates",
    "adam_max_stable_rate",
    "condition_number",
    "diagonal_rescaling",
    "fitted_contraction",
    "gd_best_contraction",
    "gd_best_lr",
    "gd_contraction",
    "gd_factor",
    "gd_max_stable_lr",
    "heavy_ball_best",
    "heavy_ball_contraction",
    "heavy_ball_eigenvalues",
    "heavy_ball_matrix",
    "heavy_ball_max_stable_lr",
    "hessian",
    "preconditioned_contraction",
    "rmsprop_cycle_amplitude",
    "rmsprop_cycle_distance",
    "sgd_stationary_variance",
]


def _curvatures(h) -> np.ndarray:
    h = np.asarray(h, dtype=float)
    if h.size == 0 or not np.all(np.isfinite(h)) or np.any(h <= 0):
        raise ValueError(f"Invalid h: {h.tolist()!r} (expected curvatures 0 < h < inf)")
    return h


def _matrix(H) -> np.ndarray:
    H = np.asarray(H, dtype=float)
    if H.ndim != 2 or H.shape[0] != H.shape[1] or not np.all(np.isfinite(H)):
        raise ValueError(f"Invalid H: expected a finite square matrix, got shape {H.shape}")
    if not np.allclose(H, H.T, rtol=1e-10, atol=1e-12 * np.abs(H).max()):
        raise ValueError("Invalid H: not symmetric (a Hessian is)")
    return H


# ------------------------------------------------------------------ gradient descent
def condition_number(h) -> float:
    r"""$\kappa = h_{\max} / h_{\min}$ of curvatures `h`, or of the eigenvalues of a Hessian.

    A 2-D array is taken as a Hessian $H$ (symmetric, positive definite) and its
    eigenvalues are the curvatures.
    """
    h = np.asarray(h, dtype=float)
    if h.ndim == 2:
        h = np.linalg.eigvalsh(_matrix(h))
    h = _curvatures(h)
    return float(h.max() / h.min())


def gd_factor(lr, h):
    r"""What one gradient-descent step multiplies a coordinate by: $1 - \eta h$.

    On $f = \tfrac12 h\theta^2$ the gradient is $h\theta$, so
    $\theta_t = \theta_{t-1} - \eta h \theta_{t-1} = (1 - \eta h)\,\theta_{t-1}$
    and $\theta_t = (1 - \eta h)^t \theta_0$ exactly. The coordinate shrinks when
    $|1 - \eta h| < 1$, that is $0 < \eta < 2/h$; with $1/h < \eta < 2/h$ it changes sign
    at every step.
    """
    return 1 - lr * _curvatures(h)


def gd_max_stable_lr(h) -> float:
    r"""The largest stable constant rate, $2/h_{\max}$: above it the stiffest coordinate grows.

    From $|1 - \eta h_i| < 1$ for every $i$ (`gd_factor`).
    """
    return float(2 / _curvatures(h).max())


def gd_contraction(lr, h) -> float:
    r"""$q(\eta) = \max_i |1 - \eta h_i|$: the long-run factor per step of the distance.

    Each coordinate is multiplied by its `gd_factor`, so after $t$ steps the distance is
    dominated by the coordinate with the largest $|1 - \eta h_i|$. For $\eta$ below
    $2/(h_{\min} + h_{\max})$ that is the flattest, $1 - \eta h_{\min}$; above it, the
    stiffest, $\eta h_{\max} - 1$.
    """
    return float(np.abs(gd_factor(lr, h)).max())


def gd_best_lr(h) -> float:
    r"""The constant rate with the smallest `gd_contraction`: $\eta^\ast = 2/(h_{\min} + h_{\max})$.

    $q(\eta)$ is the larger of $1 - \eta h_{\min}$ (falling in $\eta$) and
    $\eta h_{\max} - 1$ (rising), so it is smallest where they are equal:
    $1 - \eta h_{\min} = \eta h_{\max} - 1$.
    """
    h = _curvatures(h)
    return float(2 / (h.min() + h.max()))


def gd_best_contraction(h) -> float:
    r"""$q(\eta^\ast) = (\kappa - 1)/(\kappa + 1)$, the best gradient descent can do with one rate.

    $1 - \eta^\ast h_{\min} = 1 - 2h_{\min}/(h_{\min} + h_{\max})
    = (h_{\max} - h_{\min})/(h_{\max} + h_{\min})$; divide by $h_{\min}$.
    """
    k = condition_number(h)
    return (k - 1) / (k + 1)


# ------------------------------------------------------------------ heavy ball
def heavy_ball_matrix(lr, momentum, h) -> np.ndarray:
    r"""The 2×2 map of one heavy-ball step (`SGD` with momentum, PyTorch's form) on one coordinate.

    With $g_t = h\theta_{t-1}$, $b_t = \mu b_{t-1} + g_t$ and $\theta_t = \theta_{t-1} - \eta b_t$,
    the pair $(\theta, b)$ evolves linearly:

    $$
    \begin{pmatrix} \theta_t \\ b_t \end{pmatrix}
    = \begin{pmatrix} 1 - \eta h & -\eta\mu \\ h & \mu \end{pmatrix}
      \begin{pmatrix} \theta_{t-1} \\ b_{t-1} \end{pmatrix}.
    $$

    Starting from $b_0 = 0$ gives PyTorch's first buffer $b_1 = g_1$. `h` must be a number.
    """
    (h,) = np.atleast_1d(_curvatures(h))
    return np.array([[1 - lr * h, -lr * momentum], [h, momentum]])


def heavy_ball_eigenvalues(lr, momentum, h) -> np.ndarray:
    r"""The two eigenvalues $\zeta$ of `heavy_ball_matrix` for each curvature, shape ``(*h.shape, 2)`` (complex).

    The matrix has trace $1 + \mu - \eta h$ and determinant
    $(1 - \eta h)\mu + \eta\mu h = \mu$, so

    $$
    \zeta^2 - (1 + \mu - \eta h)\,\zeta + \mu = 0, \qquad
    \zeta = \tfrac12\Bigl(1 + \mu - \eta h \pm \sqrt{(1 + \mu - \eta h)^2 - 4\mu}\Bigr).
    $$

    When the root is imaginary the pair is complex with $|\zeta| = \sqrt{\mu}$ (their product
    is $\mu$): the coordinate spirals in at $\sqrt\mu$ per step, whatever $\eta h$ is.
    """
    h = _curvatures(h)
    a = (1 + momentum - lr * h).astype(complex)
    root = np.sqrt(a * a - 4 * momentum)
    return np.stack([(a + root) / 2, (a - root) / 2], axis=-1)


def heavy_ball_contraction(lr, momentum, h) -> float:
    r"""$q = \max_i \max |\zeta|$ over the curvatures: the heavy ball's long-run factor per step.

    Its stability limit is `heavy_ball_max_stable_lr`.
    """
    return float(np.abs(heavy_ball_eigenvalues(lr, momentum, h)).max())


def heavy_ball_max_stable_lr(momentum, h) -> float:
    r"""The largest stable rate with momentum $\mu$ ($0 \le \mu < 1$): $2(1 + \mu)/h_{\max}$.

    A real root of $\zeta^2 - (1 + \mu - \eta h)\,\zeta + \mu$ (`heavy_ball_eigenvalues`)
    reaches $-1$ when $1 + (1 + \mu - \eta h) + \mu = 0$, that is $\eta h = 2(1 + \mu)$;
    complex roots have modulus $\sqrt\mu < 1$. So the step is stable for $0 < \eta h < 2(1 + \mu)$: momentum
    raises gradient descent's limit $2/h$ by the factor $1 + \mu$.
    """
    return float(2 * (1 + momentum) / _curvatures(h).max())


def heavy_ball_best(h) -> tuple[float, float, float]:
    r"""The best $(\eta, \mu)$ for curvatures between $h_{\min}$ and $h_{\max}$, and its contraction.

    $$
    \eta^\ast = \frac{4}{(\sqrt{h_{\max}} + \sqrt{h_{\min}})^2}, \quad
    \mu^\ast = \Bigl(\frac{\sqrt\kappa - 1}{\sqrt\kappa + 1}\Bigr)^2, \quad
    q^\ast = \sqrt{\mu^\ast} = \frac{\sqrt\kappa - 1}{\sqrt\kappa + 1}.
    $$

    (Polyak 1964.) Every coordinate's eigenvalues have modulus at least $\sqrt\mu$ (their
    product is $\mu$), with equality exactly when they are complex or double:
    $(1 + \mu - \eta h)^2 \le 4\mu$, that is $(1 - \sqrt\mu)^2 \le \eta h \le (1 + \sqrt\mu)^2$.
    The smallest $\mu$ for which one $\eta$ fits every $h$ in
    $[h_{\min}, h_{\max}]$ puts both ends on the boundary:
    $\eta h_{\min} = (1 - \sqrt\mu)^2$ and $\eta h_{\max} = (1 + \sqrt\mu)^2$; dividing
    gives $\sqrt\kappa = (1 + \sqrt\mu)/(1 - \sqrt\mu)$, and adding their square roots
    gives $\eta$. Letting some roots be real does not do better: for a modulus
    $q \ge \sqrt\mu$, both roots have $|\zeta| \le q$ exactly when
    $(1 - q)(1 - \mu/q) \le \eta h \le (1 + q)(1 + \mu/q)$ (put $\zeta = q$ and
    $\zeta = -q$ in the quadratic), and the ratio of those ends grows with $\mu$, to
    $\bigl((1 + q)/(1 - q)\bigr)^2$ at $\mu = q^2$. Spanning $h_{\max}/h_{\min} = \kappa$
    so needs $(1 + q)/(1 - q) \ge \sqrt\kappa$, which is $q \ge q^\ast$. Gradient descent's
    best is $(\kappa - 1)/(\kappa + 1)$ (`gd_best_contraction`): momentum replaces $\kappa$
    by $\sqrt\kappa$.

    Returns
    -------
    tuple
        ``(lr, momentum, contraction)``.
    """
    h = _curvatures(h)
    lo, hi = np.sqrt(h.min()), np.sqrt(h.max())
    q = (hi - lo) / (hi + lo)  # (√κ − 1)/(√κ + 1), with √κ = hi/lo
    return float(4 / (hi + lo) ** 2), float(q * q), float(q)


# ------------------------------------------------------------------ diagonal preconditioning
def hessian(grad: Callable[[np.ndarray], np.ndarray], theta, step: float = 1e-5) -> np.ndarray:
    r"""The Hessian of $f$ at `theta`, by central differences of the exact gradient `grad`, symmetrised.

    Column $j$ is the gradient's change between $\theta$ moved by `step` along $e_j$ and
    moved by `step` against it, divided by twice `step`; exact up to rounding for a quadratic.
    """
    theta = np.asarray(theta, dtype=float)
    cols = []
    for j in range(theta.size):
        e = np.zeros_like(theta)
        e[j] = step
        cols.append((np.asarray(grad(theta + e)) - np.asarray(grad(theta - e))) / (2 * step))
    H = np.stack(cols, axis=1)
    return (H + H.T) / 2


def preconditioned_contraction(rates, H) -> float:
    r"""$q = \max |\text{eigenvalues of } I - PH|$ for per-coordinate rates $P = \mathrm{diag}(r_i)$.

    A method whose step is $r_i g_i$ with fixed rates $r_i$ (Adagrad once $s$ has frozen,
    RMSprop or Adam once $v$ has) is gradient descent $\theta_t = (I - PH)\,\theta_{t-1}$
    on a quadratic with Hessian $H$. $PH$ is similar to the symmetric
    $P^{1/2} H P^{1/2}$, so its eigenvalues are real and positive: this is gradient
    descent with rate 1 on the rescaled quadratic, and `gd_contraction` of its curvatures.
    For a diagonal $H$ it is $\max_i |1 - r_i h_i|$.
    """
    H = _matrix(H)
    r = np.broadcast_to(np.asarray(rates, dtype=float), (H.shape[0],))
    return float(np.abs(np.linalg.eigvals(np.eye(H.shape[0]) - r[:, None] * H)).max())


def diagonal_rescaling(H) -> tuple[np.ndarray, float]:
    r"""The best per-coordinate rescaling of a 2×2 Hessian, and the condition number it leaves.

    A diagonal preconditioner $P$ makes gradient descent see $P^{1/2} H P^{1/2}$, whose
    trace is $P_{11}H_{11} + P_{22}H_{22}$ and determinant $P_{11}P_{22}\,\text{det}\,H$. Its two
    eigenvalues' ratio grows with $\text{trace}^2/\text{det}$, which by the AM-GM inequality
    is smallest when $P_{11}H_{11} = P_{22}H_{22}$: $P = \mathrm{diag}(1/H_{11}, 1/H_{22})$,
    the inverse of the diagonal (any multiple of it is as good). The rescaled matrix has
    ones on the diagonal and $\pm H_{12}/\sqrt{H_{11}H_{22}}$ off it, so

    $$
    \kappa_{\text{after}} = \frac{1 + |H_{12}|/\sqrt{H_{11}H_{22}}}{1 - |H_{12}|/\sqrt{H_{11}H_{22}}}.
    $$

    An axis-aligned $H$ ($H_{12} = 0$) becomes $\kappa = 1$; d2l's quadratic turned by
    45°, whose diagonal is already equal, keeps its $\kappa$: no diagonal helps.
    (In more dimensions the inverse diagonal is not always the best; this function
    takes 2×2 only.)

    Returns
    -------
    tuple
        ``(P, kappa_after)``: the diagonal of $P$ and the condition number of
        $P^{1/2} H P^{1/2}$.
    """
    H = _matrix(H)
    if H.shape != (2, 2):
        raise ValueError(f"Invalid H: diagonal_rescaling takes a 2×2 Hessian, got shape {H.shape}")
    a, c, e = H[0, 0], H[0, 1], H[1, 1]
    if a <= 0 or a * e - c * c <= 0:
        raise ValueError("Invalid H: not positive definite")
    rho = abs(c) / np.sqrt(a * e)
    return np.array([1 / a, 1 / e]), float((1 + rho) / (1 - rho))


def adagrad_frozen_rates(lr, s, eps: float = 1e-10) -> np.ndarray:
    r"""Adagrad's per-coordinate rates once its sum has frozen: $\eta/(\sqrt{s_i} + \epsilon)$.

    When the gradients shrink geometrically, $s_t = s_{t-1} + g_t^2$ converges, and
    Adagrad becomes gradient descent with these fixed rates: its late factor per step
    is `preconditioned_contraction` of them (for a diagonal $H$,
    $\max_i |1 - \eta h_i/(\sqrt{s_i} + \epsilon)|$).
    """
    return lr / (np.sqrt(np.asarray(s, dtype=float)) + eps)


# ------------------------------------------------------------------ RMSprop and Adam
def rmsprop_cycle_amplitude(lr, h, eps: float = 1e-8):
    r"""The half-width $a$ of constant-rate RMSprop's 2-cycle on a coordinate of curvature $h$: $\eta/2 - \epsilon/h$.

    Near the minimum RMSprop's $v$ cannot settle while $\theta$ shrinks: $v$ follows
    $g^2$ down, so the effective rate $\eta/(\sqrt{v} + \epsilon)$ grows until the step
    overshoots. Suppose the iterate jumps between $+a$ and $-a$. Then $g^2 = h^2a^2$ at
    every step, $v$ settles on exactly $h^2a^2$, and each step moves by
    $\eta\, ha/(ha + \epsilon)$, the sign of the gradient times $\eta$ when
    $\epsilon \ll ha$ (the sign-like regime). Jumping from $a$ to $-a$ needs a step of
    $2a$:

    $$
    2a = \frac{\eta\, h a}{h a + \epsilon}, \quad\text{so}\quad a = \frac{\eta}{2} - \frac{\epsilon}{h}.
    $$

    The cycle's size does not depend on $h$ or $\alpha$ (up to $\epsilon/h$); only a
    smaller $\eta$ shrinks it. Three limits: with $\alpha = 0$ every step is $\eta$ times
    the sign of $g$, so any two points $\eta$ apart make a cycle, not only $\pm a$; with
    $\alpha$ near 1 the cycle is approached slowly (at $\alpha = 0.99$, $\eta = 0.01$ and
    $h = 4$, from $\theta_0 = 3$, $|\theta|$ still swings between 0.0049 and 0.0051 over
    steps 2901 to 3000); and since $v$ then falls slowly, the iterate can reach exactly 0
    in float64 before the rate has grown enough to throw it out, and stays there (a run
    on the article's quadratic with $\alpha = 0.999$ and $\eta = 0.1$ does, at step 508).
    """
    return lr / 2 - eps / _curvatures(h)


def rmsprop_cycle_distance(lr, h, eps: float = 1e-8) -> float:
    r"""The distance to the minimum in that cycle, $\sqrt{\sum_i a_i^2} \approx \eta\sqrt{d}/2$.

    Every coordinate cycles with its `rmsprop_cycle_amplitude` $a_i$; with
    $\epsilon/h_i$ negligible all are $\eta/2$, so the distance is $\eta\sqrt d/2$, and
    a tolerance `tol` can only be met by rates with $\eta\sqrt d/2 \le$ `tol`.
    """
    return float(np.sqrt(np.sum(rmsprop_cycle_amplitude(lr, h, eps) ** 2)))


def adam_max_stable_rate(h, beta1: float = 0.9) -> float:
    r"""The largest effective rate $r$ at which Adam's step is stable on curvature $h$.

    $$
    r < \frac{2(1 + \beta_1)}{(1 - \beta_1)\,h}.
    $$

    Late in a run the correction of $m$ is 1 ($\beta_1^t$ is negligible), that of $v$ is
    inside $\hat v$, and while $\hat v$ barely changes the effective rate
    $r = \eta/(\sqrt{\hat v} + \epsilon)$ is fixed. Then
    $m_t = \beta_1 m_{t-1} + (1 - \beta_1)\,h\theta_{t-1}$ and $\theta_t = \theta_{t-1} - r m_t$.
    Write $b = m/(1 - \beta_1)$: $b_t = \beta_1 b_{t-1} + h\theta_{t-1}$ and
    $\theta_t = \theta_{t-1} - r(1 - \beta_1)\, b_t$, the heavy ball with $\mu = \beta_1$
    and rate $r(1 - \beta_1)$. Its limit (`heavy_ball_max_stable_lr`),
    $r(1 - \beta_1)h < 2(1 + \beta_1)$, gives the bound. With $\beta_1 = 0.9$ and
    $h = 2$ it is 19.
    """
    return float(2 * (1 + beta1) / ((1 - beta1) * _curvatures(h).max()))


# ------------------------------------------------------------------ noise
def sgd_stationary_variance(lr, h, noise_var):
    r"""SGD's spread around the minimum under gradient noise: $\mathrm{E}\,\theta^2 = \eta\,\omega^2/(2h - \eta h^2)$.

    On $f = \tfrac12 h\theta^2$ with gradients $g_t = h\theta_{t-1} + \xi_t$, the noise
    $\xi_t$ independent with mean 0 and variance $\omega^2$,
    $\theta_t = (1 - \eta h)\theta_{t-1} - \eta\xi_t$, and since $\xi_t$ is independent of
    $\theta_{t-1}$, $\mathrm{E}\,\theta_t^2 = (1 - \eta h)^2\,\mathrm{E}\,\theta_{t-1}^2 + \eta^2\omega^2$.
    Its fixed point, approached when $|1 - \eta h| < 1$, is

    $$
    \mathrm{E}\,\theta^2 = \frac{\eta^2\omega^2}{1 - (1 - \eta h)^2} = \frac{\eta\,\omega^2}{2h - \eta h^2}
    \approx \frac{\eta\,\omega^2}{2h} \quad (\eta h \ll 1).
    $$

    It grows with $\eta$, in proportion to it when $\eta h \ll 1$: a constant rate leaves a
    spread that no number of steps removes, and a rate that decays to 0 takes it to 0. Per coordinate for arrays.
    """
    h = _curvatures(h)
    if np.any(lr * h >= 2) or lr <= 0:
        raise ValueError(f"Invalid lr: {lr!r} (no stationary spread unless 0 < lr < 2/h)")
    return lr * noise_var / (2 * h - lr * h * h)


# ------------------------------------------------------------------ measuring
#: Distances below this are not fitted: ``np.linalg.norm`` of a 2-vector underflows to 0 near 1e-154.
FIT_FLOOR = 1e-100


def fitted_contraction(distance, first: int, last: int | None = None) -> float:
    r"""The measured contraction: $e$ to the slope of a least-squares line through the log distance.

    `distance[t]` is $\lVert\theta_t - \theta^\ast\rVert$; the line is fitted to its logarithm
    over steps `first` to `last` (both included). Without `last`, the fit runs to the
    end, or to the last step before the distance first falls below `FIT_FLOOR`, whichever
    comes first. A straight-line fit over many steps, rather than the ratio of two points,
    averages out the wobble of an oscillating run (complex eigenvalues, sign flips), which
    would otherwise be read at a lucky or unlucky phase.
    """
    d = np.asarray(distance, dtype=float)
    if last is None:
        low = np.flatnonzero(d[first:] < FIT_FLOOR)
        last = first + int(low[0]) - 1 if low.size else d.size - 1
    if not 0 <= first < last < d.size:
        raise ValueError(f"Invalid first, last: {first}, {last} (need 0 <= first < last < {d.size})")
    window = d[first : last + 1]
    if not np.all(np.isfinite(window) & (window > 0)):
        raise ValueError(f"Invalid distance: steps {first} to {last} must all be finite and > 0")
    t = np.arange(first, last + 1)
    return float(np.exp(np.polyfit(t, np.log(window), 1)[0]))
