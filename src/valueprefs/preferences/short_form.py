"""Short-form preferences: every parsed decision is a TrueSkill game between two value sets."""

import numpy as np
import pandas as pd

from valueprefs.preferences.trueskill_games import GameTable, play

DECIDED = ("to_do", "not_to_do")


def decision_games(
    items: list[dict], decisions: dict[str, str], index: dict[str, int]
) -> tuple[list[tuple[list[int], list[int]]], list[int], dict]:
    """Games in data-set order, the item position of each game, and what was left out.

    ``decisions`` maps item id -> to_do | not_to_do | anything else (unparsed, failed,
    missing: counted as undecided). A value on both sides of a dilemma cannot win against
    itself: it is left out of that game (a side left empty makes no game: ``no_contest``).
    """
    games, positions = [], []
    counts = {"games": 0, "undecided": 0, "no_contest": 0, "shared_values": 0}
    for position, item in enumerate(items):
        decision = decisions.get(item["dilemma_id"])
        if decision not in DECIDED:
            counts["undecided"] += 1
            continue
        to_do, not_to_do = set(item["values_to_do"]), set(item["values_not_to_do"])
        shared = to_do & not_to_do
        counts["shared_values"] += len(shared)
        sides = [sorted(index[v] for v in to_do - shared), sorted(index[v] for v in not_to_do - shared)]
        if decision == "not_to_do":
            sides.reverse()
        if not sides[0] or not sides[1]:
            counts["no_contest"] += 1
            continue
        games.append((sides[0], sides[1]))
        positions.append(position)
        counts["games"] += 1
    return games, positions, counts


def short_form_table(
    games: list[tuple[list[int], list[int]]], values: list[str], shuffles: int, seed: int
) -> pd.DataFrame:
    """Per value: mu (the preference), sigma, games played, and mu's spread over shuffled orders."""
    table = GameTable.from_games(games, len(values))
    mu, sigma, played = play(table, np.arange(len(games))[None, :])
    frame = pd.DataFrame({"value": values, "mu": mu[0], "sigma": sigma[0], "games": played[0]})
    if shuffles:
        rng = np.random.default_rng(seed)
        orders = np.stack([rng.permutation(len(games)) for _ in range(shuffles)])
        shuffled = play(table, orders)[0]
        frame["shuffle_sd"] = shuffled.std(axis=0, ddof=1) if shuffles > 1 else 0.0
        frame["shuffle_min"] = shuffled.min(axis=0)
        frame["shuffle_max"] = shuffled.max(axis=0)
    return frame
