"""TrueSkill over value-set "games", vectorized over replicate orderings of the games.

A dilemma answered by the model is a two-team game: the chosen action's values beat the other
action's values. The update is TrueSkill's two-team win update with the ``trueskill`` package's
environment (defaults: mu 25, sigma 25/3, beta sigma/2, tau sigma/100, draw probability 0.1),
which for two teams is exact in one pass; ``tests/test_preferences.py`` checks it against the
package's own ``rate``. Many replicates (shuffled orders, bootstrap resamples of dilemmas) run
at once as rows of one array.
"""

from dataclasses import dataclass

import numpy as np
from scipy.special import log_ndtr

LOG_SQRT_2PI = 0.5 * np.log(2 * np.pi)


@dataclass(frozen=True)
class GameTable:
    """Games as padded value-index arrays; ``n_values`` marks padding."""

    winners: np.ndarray  # games x max team size, int
    losers: np.ndarray
    n_values: int

    @classmethod
    def from_games(cls, games: list[tuple[list[int], list[int]]], n_values: int) -> "GameTable":
        width = max([1] + [max(len(w), len(lo)) for w, lo in games])
        winners = np.full((len(games), width), n_values, dtype=np.int64)
        losers = np.full((len(games), width), n_values, dtype=np.int64)
        for g, (won, lost) in enumerate(games):
            winners[g, : len(won)] = won
            losers[g, : len(lost)] = lost
        return cls(winners, losers, n_values)


def padded_orders(rows: list[np.ndarray]) -> np.ndarray:
    """Game orders of different lengths as one array, padded with -1 (skipped by ``play``)."""
    width = max([0] + [len(row) for row in rows])
    orders = np.full((len(rows), width), -1, dtype=np.int64)
    for r, row in enumerate(rows):
        orders[r, : len(row)] = row
    return orders


def replicate_orders(weights: np.ndarray, game_positions: list[int]) -> np.ndarray:
    """TrueSkill orders per replicate: each game repeated as often as its item is drawn.

    Games keep data-set order; rows are padded with -1 to the longest replicate.
    """
    rows = [np.repeat(np.arange(len(game_positions)), row[game_positions].astype(int)) for row in weights]
    return padded_orders(rows)


def default_environment() -> dict:
    """The trueskill package's default parameters."""
    import trueskill

    env = trueskill.global_env()
    return {
        "mu": env.mu,
        "sigma": env.sigma,
        "beta": env.beta,
        "tau": env.tau,
        "draw_probability": env.draw_probability,
        "draw_quantile": env.ppf((env.draw_probability + 1) / 2.0),
    }


def play(table: GameTable, orders: np.ndarray, env: dict | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """mu, sigma and games played per value, one row per replicate order of game indices.

    ``orders`` is (replicates x steps); -1 entries are skipped (shorter replicates). Both teams
    of a game are one row of players with a sign (+1 winner, -1 loser); padding slots point at
    a spare column whose updates are discarded.
    """
    env = env or default_environment()
    orders = np.atleast_2d(orders)
    replicates = orders.shape[0]
    players = np.concatenate([table.winners, table.losers], axis=1)
    real = players < table.n_values
    sign = np.concatenate([np.ones(table.winners.shape[1]), -np.ones(table.losers.shape[1])])
    size = real.sum(axis=1)
    margin = env["draw_quantile"] * np.sqrt(size) * env["beta"]
    mu = np.full((replicates, table.n_values + 1), env["mu"])
    var = np.full((replicates, table.n_values + 1), env["sigma"] ** 2)
    played = np.zeros((replicates, table.n_values + 1), dtype=np.int64)
    rows = np.arange(replicates)[:, None]
    beta2, tau2 = env["beta"] ** 2, env["tau"] ** 2
    for step in range(orders.shape[1]):
        game = orders[:, step]
        active = game >= 0
        if not active.any():
            continue
        game = np.where(active, game, 0)
        team = players[game]
        mask = real[game] & active[:, None]
        team_mu = mu[rows, team]
        team_var = (var[rows, team] + tau2) * mask
        c2 = np.where(active, team_var.sum(1) + size[game] * beta2, 1.0)
        c = np.sqrt(c2)
        x = ((sign * team_mu * mask).sum(1) - margin[game]) / c
        v = np.exp(-0.5 * x**2 - LOG_SQRT_2PI - log_ndtr(x))
        w = v * (v + x)
        new_mu = team_mu + sign * team_var * (v / c)[:, None]
        new_var = team_var * (1.0 - team_var * (w / c2)[:, None])
        mu[rows, team] = np.where(mask, new_mu, team_mu)
        var[rows, team] = np.where(mask, new_var, var[rows, team])
        played[rows, team] += mask
    return mu[:, :-1], np.sqrt(var[:, :-1]), played[:, :-1]
