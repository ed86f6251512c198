"""Does a model choose between two value sets by their sums or by their strongest values?

TrueSkill (and the logistic estimator) take a set to be as strong as the sum of its values. A
model may instead follow the strongest value of each action; its short answers then say little
about values that are rarely the strongest of their set, and no short-form estimator can rank
those (bench/RESULTS.md). This module fits a Bradley-Terry model in which a set's strength is
the soft maximum ``tau * log(sum(exp(theta / tau)))`` of its values' preferences ``theta`` (the
chosen set wins with probability sigmoid(strength(chosen) - strength(other)); a small ``tau``
makes a set as strong as its strongest value, exactly so when each value's draw is Gumbel noise
of scale ``tau``), and asks which rule predicts held-out decisions better (``set_rule``).
Preferences are L2-penalized maximum-likelihood estimates, fitted for several item weightings
at once by one L-BFGS run (the rows' losses are independent).
"""

import numpy as np
from scipy import optimize

from valueprefs.preferences.trueskill_games import GameTable

# The temperatures tried besides the sum, in units of the preferences' scale (the penalty keeps
# that scale near the decisions' log-odds).
TEMPERATURES = (1.0, 0.5, 0.25)
PENALTY = 1.0
# Fewer decisions leave the rule undecided: with 12 drawn by the sum, 6 of 40 studies read
# "strongest" (one of 40 with 30 or 100 decisions, none of 40 with 300; tests/test_set_strength.py).
MIN_DECISIONS = 50


def _strengths(preferences: np.ndarray, members: np.ndarray, n_values: int, tau: float | None):
    """Each set's strength (rows x games) and each member's share of its gradient (rows x games
    x slots) under ``preferences`` (rows x values); ``members`` pads with ``n_values``."""
    present = members < n_values
    taken = preferences[:, np.where(present, members, 0)]
    if tau is None:
        return np.where(present, taken, 0.0).sum(axis=2), np.broadcast_to(present, taken.shape).astype(float)
    taken = np.where(present, taken, -np.inf)
    top = taken.max(axis=2, keepdims=True)
    scaled = np.where(present, np.exp((taken - top) / tau), 0.0)
    total = scaled.sum(axis=2, keepdims=True)
    return top[..., 0] + tau * np.log(total[..., 0]), scaled / total


def _loss_and_gradient(flat: np.ndarray, table: GameTable, weights: np.ndarray, tau: float | None, penalty: float):
    """The summed penalized negative log-likelihood of every row and its gradient."""
    rows, n_values = weights.shape[0], table.n_values
    preferences = flat.reshape(rows, n_values)
    won, won_share = _strengths(preferences, table.winners, n_values, tau)
    lost, lost_share = _strengths(preferences, table.losers, n_values, tau)
    margin = won - lost
    loss = float((weights * np.logaddexp(0.0, -margin)).sum() + 0.5 * penalty * (flat @ flat))
    slope = -weights * np.exp(-np.logaddexp(0.0, margin))  # d loss / d margin
    gradient = penalty * preferences.copy()
    for members, share, sign in ((table.winners, won_share, 1.0), (table.losers, lost_share, -1.0)):
        credit = sign * slope[..., None] * share  # rows x games x slots
        present = members < n_values
        for row in range(rows):
            gradient[row] += np.bincount(members[present], credit[row][present], minlength=n_values)
    return loss, gradient.ravel()


def fit_set_strength(table: GameTable, weights: np.ndarray, tau: float | None, penalty: float = PENALTY) -> np.ndarray:
    """Preferences (rows x values) with game g counted ``weights[row, g]`` times, under the soft
    maximum of temperature ``tau`` (None: the sum)."""
    weights = np.atleast_2d(np.asarray(weights, dtype=float))
    start = np.zeros(weights.shape[0] * table.n_values)
    if not len(table.winners):
        return start.reshape(weights.shape[0], table.n_values)
    found = optimize.minimize(
        _loss_and_gradient, start, args=(table, weights, tau, penalty), jac=True, method="L-BFGS-B",
        options={"maxiter": 5000, "gtol": 1e-6},
    )  # fmt: skip
    return found.x.reshape(weights.shape[0], table.n_values)


def held_out_log_likelihoods(table: GameTable, tau: float | None, folds: int = 2, seed: int = 0) -> np.ndarray:
    """Per game, the log-likelihood of its decision under the fit to the other folds (seeded
    folds of games)."""
    fold = np.random.default_rng(seed).integers(0, folds, len(table.winners))
    preferences = fit_set_strength(table, np.array([fold != k for k in range(folds)], dtype=float), tau)
    found = np.empty(len(table.winners))
    for k in range(folds):
        held = fold == k
        won = _strengths(preferences[k : k + 1], table.winners[held], table.n_values, tau)[0]
        lost = _strengths(preferences[k : k + 1], table.losers[held], table.n_values, tau)[0]
        found[held] = -np.logaddexp(0.0, -(won - lost))[0]
    return found


def set_rule(table: GameTable, temperatures: tuple[float, ...] = TEMPERATURES, margin: float = 2.0) -> dict:
    """Which rule the decisions follow, by the best soft maximum's gain in held-out log-likelihood
    per decision over the sum: ``strongest`` when it exceeds ``margin`` standard errors, ``sum``
    when it falls below minus as many, else ``undecided`` (as with fewer than ``MIN_DECISIONS``); with
    that temperature, the gain, its standard error and the decisions counted."""
    games = len(table.winners)
    found = {"set_rule": "undecided", "set_rule_temperature": float("nan"), "set_rule_gain": float("nan"),
             "set_rule_se": float("nan"), "set_rule_games": games}  # fmt: skip
    if games < MIN_DECISIONS:
        return found
    summed = held_out_log_likelihoods(table, None)
    gains = {tau: held_out_log_likelihoods(table, tau) - summed for tau in temperatures}
    best = max(gains, key=lambda tau: gains[tau].mean())
    gain, error = float(gains[best].mean()), float(gains[best].std(ddof=1) / np.sqrt(games))
    rule = "strongest" if gain > margin * error else "sum" if gain < -margin * error else "undecided"
    return found | {"set_rule": rule, "set_rule_temperature": best, "set_rule_gain": gain, "set_rule_se": error}
