"""rmsprop_ref: a small, verified numpy reference for EWMA, Adagrad and RMSprop.

Optimizers match ``torch.optim`` (names, defaults, update); ``eps_in_sqrt=True``
reproduces Keras and optax. Everything the guide shows is drawn from here.
"""

from .adagrad import Adagrad, adagrad_update
from .adam import Adam, adam_update
from .ewma import (
    beta_from_com,
    beta_from_halflife,
    beta_from_span,
    com_from_beta,
    ewma,
    halflife_from_beta,
    span_from_beta,
)
from .gradcheck import GradientCheck, check_gradient
from .problems import (
    PROBLEMS,
    Problem,
    d2l_quadratic,
    noisy_least_squares,
    quadratic,
    rosenbrock,
    rotated_quadratic,
    sparse_least_squares,
)
from .rmsprop import RMSprop, rmsprop_update
from .run import run
from .schedules import cosine, exponential, inverse_sqrt, set_lr, step_decay
from .sgd import SGD, sgd_update

__version__ = "0.1.0"

__all__ = [
    "PROBLEMS",
    "SGD",
    "Adagrad",
    "Adam",
    "GradientCheck",
    "Problem",
    "RMSprop",
    "adagrad_update",
    "adam_update",
    "beta_from_com",
    "beta_from_halflife",
    "beta_from_span",
    "check_gradient",
    "com_from_beta",
    "cosine",
    "d2l_quadratic",
    "ewma",
    "exponential",
    "halflife_from_beta",
    "inverse_sqrt",
    "noisy_least_squares",
    "quadratic",
    "rmsprop_update",
    "rosenbrock",
    "rotated_quadratic",
    "run",
    "set_lr",
    "sgd_update",
    "span_from_beta",
    "sparse_least_squares",
    "step_decay",
]
