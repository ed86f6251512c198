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

    def __len__(self) -> int:
        return len(self.winners)


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

    ``orders`` is (replicates x steps); -1 entries are skipped (shorter replicates).
    """
    env = env or default_environment()
    orders = np.atleast_2d(orders)
    replicates = orders.shape[0]
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
        won, lost = table.winners[game], table.losers[game]
        won_mask = (won < table.n_values) & active[:, None]
        lost_mask = (lost < table.n_values) & active[:, None]
        var_won = np.where(won_mask, var[rows, won] + tau2, 0.0)
        var_lost = np.where(lost_mask, var[rows, lost] + tau2, 0.0)
        size = won_mask.sum(1) + lost_mask.sum(1)
        c2 = np.where(active, var_won.sum(1) + var_lost.sum(1) + size * beta2, 1.0)
        c = np.sqrt(c2)
        diff = (np.where(won_mask, mu[rows, won], 0.0).sum(1) - np.where(lost_mask, mu[rows, lost], 0.0).sum(1)) / c
        x = diff - env["draw_quantile"] * np.sqrt(size) * env["beta"] / c
        v = np.exp(-0.5 * x**2 - LOG_SQRT_2PI - log_ndtr(x))
        w = v * (v + x)
        for team, team_var, mask, sign in ((won, var_won, won_mask, 1.0), (lost, var_lost, lost_mask, -1.0)):
            new_mu = mu[rows, team] + sign * team_var / c[:, None] * v[:, None]
            new_var = team_var * (1.0 - team_var / c2[:, None] * w[:, None])
            mu[rows, team] = np.where(mask, new_mu, mu[rows, team])
            var[rows, team] = np.where(mask, new_var, var[rows, team])
            played[rows, team] += mask
    return mu[:, :-1], np.sqrt(var[:, :-1]), played[:, :-1]
