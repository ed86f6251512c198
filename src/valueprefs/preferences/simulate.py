"""Simulated answers from known latent value preferences, for parameter-recovery checks.

Short form: each dilemma pits two random value sets against each other; the model picks the
set whose summed noisy preferences is larger (TrueSkill's own generative story). Long form:
each response has ``k`` arguments, each carrying a few values; arguments come in the order of
their best value's noisy preference (the paper's instruction to the model).
"""

import numpy as np
from scipy import stats

from valueprefs.preferences.long_form import long_form_table
from valueprefs.preferences.short_form import short_form_table


def simulate_games(
    latent: np.ndarray, set_sizes: list[int], n_dilemmas: int, noise: float, rng: np.random.Generator
) -> list[tuple[list[int], list[int]]]:
    """Winner and loser value sets of ``n_dilemmas`` decisions."""
    games = []
    for _ in range(n_dilemmas):
        a_size, b_size = rng.choice(set_sizes, size=2)
        chosen = rng.choice(len(latent), size=a_size + b_size, replace=False)
        a, b = list(chosen[:a_size]), list(chosen[a_size:])
        strength_a = (latent[a] + rng.normal(0, noise, a_size)).sum()
        strength_b = (latent[b] + rng.normal(0, noise, b_size)).sum()
        games.append((a, b) if strength_a > strength_b else (b, a))
    return games


def simulate_arguments(
    latent: np.ndarray, values: list[str], n_responses: int, k: int, noise: float, rng: np.random.Generator
) -> list[dict]:
    """Annotated arguments of ``n_responses`` responses with ``k`` arguments each."""
    rows = []
    for response in range(n_responses):
        carried = [rng.choice(len(latent), size=rng.integers(1, 4), replace=False) for _ in range(k)]
        scores = [latent[c].max() + rng.normal(0, noise) for c in carried]
        for position, argument in enumerate(np.argsort(scores)[::-1], start=1):
            rows.append(
                {
                    "item_id": f"r{response}",
                    "sample": 0,
                    "position": position,
                    "n_arguments": k,
                    "values": [values[i] for i in carried[argument]],
                }
            )
    return rows


def recovery(
    values: list[str], set_sizes: list[int], sizes: list[int], k: int = 10, noise: float = 1.0, seed: int = 0
) -> list[dict]:
    """Spearman between latent and recovered preferences, per estimator and amount of data."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(0, 1, len(values))
    results = []
    for n in sizes:
        short = short_form_table(simulate_games(latent, set_sizes, n, noise, rng), values, shuffles=0, seed=seed)
        played = short["games"].to_numpy() > 0
        long = long_form_table(simulate_arguments(latent, values, n, k, noise, rng), values)
        carried = long["responses"].to_numpy() > 0
        results.append(
            {
                "items": n,
                "short_spearman": float(stats.spearmanr(latent[played], short["mu"][played]).statistic),
                "short_values": int(played.sum()),
                "long_spearman": float(stats.spearmanr(latent[carried], long["preference"][carried]).statistic),
                "long_values": int(carried.sum()),
            }
        )
    return results
