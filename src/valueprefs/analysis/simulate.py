"""Simulated answers from known latent value preferences, for parameter-recovery checks.

Short form: each dilemma pits two random value sets against each other (values drawn with
Zipf-like frequencies when ``zipf`` > 0); the model picks the set whose summed noisy
preferences is larger (Thurstonian choice, TrueSkill's own generative story). Long form:
each response has ``k`` arguments, each carrying a few values; arguments come in the order of
their best value's noisy preference (the paper's instruction to the model).
"""

import numpy as np
from scipy import stats

from valueprefs.analysis.reliability import spearman_brown
from valueprefs.preferences.logistic import logistic_preferences
from valueprefs.preferences.long_form import long_form_table
from valueprefs.preferences.short_form import short_form_table


def value_frequencies(n_values: int, zipf: float, rng: np.random.Generator) -> np.ndarray:
    """How often each value appears: proportional to 1 / rank**zipf over a random ranking."""
    weights = 1.0 / np.arange(1, n_values + 1) ** zipf
    return rng.permutation(weights / weights.sum())


def simulate_games(
    latent: np.ndarray,
    set_sizes: list[int],
    n_dilemmas: int,
    noise: float,
    rng: np.random.Generator,
    frequencies: np.ndarray | None = None,
) -> list[tuple[list[int], list[int]]]:
    """Winner and loser value sets of ``n_dilemmas`` decisions."""
    games = []
    for _ in range(n_dilemmas):
        a_size, b_size = rng.choice(set_sizes, size=2)
        chosen = rng.choice(len(latent), size=a_size + b_size, replace=False, p=frequencies)
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


def split_half(estimate, games: list, rng: np.random.Generator, splits: int = 5) -> float:
    """Spearman-Brown reliability of an estimator: half-vs-half correlations of ``splits``
    random splits of the games, averaged, then stepped up to full length."""
    correlations = []
    for _ in range(splits):
        halves = [estimate([games[i] for i in part]) for part in np.array_split(rng.permutation(len(games)), 2)]
        both = np.isfinite(halves[0]) & np.isfinite(halves[1])
        if both.sum() >= 3:
            correlations.append(np.corrcoef(halves[0][both], halves[1][both])[0, 1])
    return float(spearman_brown(np.mean(correlations))) if correlations else float("nan")


def recovery(
    values: list[str],
    set_sizes: list[int],
    sizes: list[int],
    k: int = 10,
    noise: float = 1.0,
    seed: int = 0,
    zipf: float = 0.0,
) -> list[dict]:
    """Spearman between latent and recovered preferences, per estimator and amount of data,
    with each short-form estimator's split-half reliability (its noise ceiling)."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(0, 1, len(values))
    frequencies = value_frequencies(len(values), zipf, rng) if zipf > 0 else None
    estimators = {
        "short": lambda games: _played(short_form_table(games, values, shuffles=0, seed=seed), "mu"),
        "logistic": lambda games: logistic_preferences(games, len(values))[0],
    }
    results = []
    for n in sizes:
        games = simulate_games(latent, set_sizes, n, noise, rng, frequencies)
        row = {"items": n}
        for name, estimate in estimators.items():
            found = estimate(games)
            seen = np.isfinite(found)
            row[f"{name}_spearman"] = float(stats.spearmanr(latent[seen], found[seen]).statistic)
            row[f"{name}_values"] = int(seen.sum())
            row[f"{name}_reliability"] = split_half(estimate, games, rng)
        long = long_form_table(simulate_arguments(latent, values, n, k, noise, rng), values)
        carried = long["responses"].to_numpy() > 0
        row["long_spearman"] = float(stats.spearmanr(latent[carried], long["preference"][carried]).statistic)
        row["long_values"] = int(carried.sum())
        results.append(row)
    return results


def _played(table, column: str) -> np.ndarray:
    """A column of a preference table, NaN for values never played."""
    return np.where(table["games"].to_numpy() > 0, table[column].to_numpy(dtype=float), np.nan)
