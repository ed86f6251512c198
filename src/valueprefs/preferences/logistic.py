"""A batch estimator of short-form preferences: a Bradley-Terry (logistic) model of every
decision at once, as an alternative to TrueSkill's one pass over the games.

Each decision is a comparison of two value sets; the chosen set wins with probability
sigmoid(sum of its values' preferences - sum of the other set's). The preferences are the
L2-regularized maximum-likelihood coefficients, found by Newton's method (the penalized
log-likelihood is strictly concave), with standard errors from the inverse of its Hessian.
"""

import numpy as np
from scipy import sparse


def design(games: list[tuple[list[int], list[int]]], n_values: int) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Rows +1 for the chosen set's values, -1 for the other's; every second row mirrored
    (label 0) so both outcomes appear, which leaves the likelihood unchanged."""
    rows, columns, signs = [], [], []
    for game, (winner, loser) in enumerate(games):
        flip = -1.0 if game % 2 else 1.0
        for values, sign in ((winner, 1.0), (loser, -1.0)):
            rows += [game] * len(values)
            columns += list(values)
            signs += [sign * flip] * len(values)
    matrix = sparse.csr_matrix((signs, (rows, columns)), shape=(len(games), n_values))
    labels = (np.arange(len(games)) % 2 == 0).astype(int)
    return matrix, labels


def _probabilities(matrix: sparse.csr_matrix, coefficients: np.ndarray) -> np.ndarray:
    """sigmoid(matrix @ coefficients), without overflow for large margins."""
    return np.exp(-np.logaddexp(0.0, -(matrix @ coefficients)))


def _penalized_loss(matrix: sparse.csr_matrix, labels: np.ndarray, coefficients: np.ndarray, l2: float) -> float:
    margins = (2 * labels - 1) * (matrix @ coefficients)
    return float(np.logaddexp(0.0, -margins).sum() + 0.5 * l2 * coefficients @ coefficients)


def _hessian(matrix: sparse.csr_matrix, probability: np.ndarray, l2: float) -> np.ndarray:
    weight = probability * (1 - probability)
    return (matrix.T @ sparse.diags(weight) @ matrix).toarray() + l2 * np.eye(matrix.shape[1])


def fit_penalized(
    matrix: sparse.csr_matrix, labels: np.ndarray, l2: float, tolerance: float = 1e-9, max_steps: int = 100
) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients minimizing the logistic loss plus ``l2`` / 2 times their squared norm, and
    the Hessian there: Newton steps, each halved until the loss does not rise, until no
    gradient component exceeds ``tolerance`` or no step keeps the loss from rising."""
    coefficients = np.zeros(matrix.shape[1])
    loss = _penalized_loss(matrix, labels, coefficients, l2)
    for _ in range(max_steps):
        probability = _probabilities(matrix, coefficients)
        gradient = matrix.T @ (probability - labels) + l2 * coefficients
        hessian = _hessian(matrix, probability, l2)
        if np.abs(gradient).max() <= tolerance:
            return coefficients, hessian
        step, scale = np.linalg.solve(hessian, gradient), 1.0
        # near the optimum a step's gain is below the loss's rounding: take the full step there
        while (trial := _penalized_loss(matrix, labels, coefficients - scale * step, l2)) > loss + 1e-12 * loss:
            scale /= 2
            if scale < 1e-10:
                return coefficients, hessian
        coefficients, loss = coefficients - scale * step, trial
    raise ArithmeticError(f"the logistic fit did not converge in {max_steps} Newton steps")


def logistic_preferences(
    games: list[tuple[list[int], list[int]]], n_values: int, l2: float = 1.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Preference (NaN: never played), its standard error, and games played, per value."""
    played = np.zeros(n_values, dtype=int)
    for winner, loser in games:
        played[winner] += 1
        played[loser] += 1
    nan = np.full(n_values, np.nan)
    if len(games) < 2:
        return nan, nan, played
    matrix, labels = design(games, n_values)
    coefficients, hessian = fit_penalized(matrix, labels, l2)
    errors = np.sqrt(np.diag(np.linalg.inv(hessian)))
    seen = played > 0
    return np.where(seen, coefficients, np.nan), np.where(seen, errors, np.nan), played
