"""A batch estimator of short-form preferences: a Bradley-Terry (logistic) model of every
decision at once, as an alternative to TrueSkill's one pass over the games.

Each decision is a comparison of two value sets; the chosen set wins with probability
sigmoid(sum of its values' preferences - sum of the other set's). The preferences are the
L2-regularized maximum-likelihood coefficients (scikit-learn), with standard errors from the
inverse Hessian of the penalized log-likelihood.
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


def logistic_preferences(
    games: list[tuple[list[int], list[int]]], n_values: int, l2: float = 1.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Preference (NaN: never played), its standard error, and games played, per value."""
    from sklearn.linear_model import LogisticRegression

    played = np.zeros(n_values, dtype=int)
    for winner, loser in games:
        played[winner] += 1
        played[loser] += 1
    nan = np.full(n_values, np.nan)
    if len(games) < 2:
        return nan, nan, played
    matrix, labels = design(games, n_values)
    model = LogisticRegression(C=1.0 / l2, fit_intercept=False, max_iter=2000, tol=1e-8)
    model.fit(matrix, labels)
    coefficients = model.coef_[0]
    probability = model.predict_proba(matrix)[:, 1]
    weight = probability * (1 - probability)
    hessian = (matrix.T @ sparse.diags(weight) @ matrix).toarray() + l2 * np.eye(n_values)
    errors = np.sqrt(np.diag(np.linalg.inv(hessian)))
    seen = played > 0
    return np.where(seen, coefficients, np.nan), np.where(seen, errors, np.nan), played
