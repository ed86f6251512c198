"""Short-form preferences: every parsed decision is a TrueSkill game between two value sets."""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from valueprefs.errors import DataError
from valueprefs.io import atomic_target
from valueprefs.preferences.trueskill_games import GameTable, padded_orders, play

DECIDED = ("to_do", "not_to_do")
Game = tuple[list[int], list[int]]


@dataclass(frozen=True)
class ShortEvidence:
    """One sample of a short task: its games in data-set order, the item position of each, and
    every item's decision (as parsed; anything but to_do / not_to_do is undecided)."""

    games: list[Game]
    positions: list[int]
    decisions: dict[str, object]


def dilemma_sides(items: list[dict], index: dict[str, int]) -> list[tuple[str, list[int], list[int], int]]:
    """Per dilemma, in data-set order: id, the value indices of each action without the values
    on both sides (a value cannot win against itself), and how many were shared."""
    sides = []
    for item in items:
        to_do, not_to_do = set(item["values_to_do"]), set(item["values_not_to_do"])
        shared = to_do & not_to_do
        to_do_indices = sorted(index[v] for v in to_do - shared)
        sides.append((item["dilemma_id"], to_do_indices, sorted(index[v] for v in not_to_do - shared), len(shared)))
    return sides


def decision_games(
    sides: list[tuple[str, list[int], list[int], int]], decisions: dict[str, str]
) -> tuple[list[tuple[list[int], list[int]]], list[int], dict]:
    """Games in data-set order, the item position of each game, and what was left out.

    ``sides`` comes from ``dilemma_sides``; ``decisions`` maps item id -> to_do | not_to_do |
    anything else (unparsed, failed, missing: counted as undecided). A dilemma with an empty
    side once shared values are removed makes no game (``no_contest``).
    """
    games, positions = [], []
    counts = {"games": 0, "undecided": 0, "no_contest": 0, "shared_values": 0}
    for position, (item_id, to_do, not_to_do, shared) in enumerate(sides):
        decision = decisions.get(item_id)
        if decision not in DECIDED:
            counts["undecided"] += 1
            continue
        counts["shared_values"] += shared
        if not to_do or not not_to_do:
            counts["no_contest"] += 1
            continue
        games.append((to_do, not_to_do) if decision == "to_do" else (not_to_do, to_do))
        positions.append(position)
        counts["games"] += 1
    return games, positions, counts


def short_form_tables(
    games_by_sample: dict[int, list[tuple[list[int], list[int]]]],
    values: list[str],
    shuffles: int,
    seed: int,
    shuffled_sample: int | None = None,
) -> dict[int, pd.DataFrame]:
    """Per sample and value: mu (the preference), sigma and games played; for
    ``shuffled_sample`` (default: the first), also mu's spread over ``shuffles`` seeded
    shuffles of the game order. All samples run as rows of one TrueSkill pass."""
    rng = np.random.default_rng(seed)
    shuffled_sample = next(iter(games_by_sample), None) if shuffled_sample is None else shuffled_sample
    games, rows, first_rows, offset = [], [], {}, 0
    for sample, sample_games in games_by_sample.items():
        count = len(sample_games)
        games += sample_games
        first_rows[sample] = len(rows)
        rows.append(offset + np.arange(count))
        if sample == shuffled_sample:
            rows += [offset + rng.permutation(count) for _ in range(shuffles)]
        offset += count
    mu, sigma, played = play(GameTable.from_games(games, len(values)), padded_orders(rows))
    tables = {}
    for sample, first in first_rows.items():
        frame = pd.DataFrame({"value": values, "mu": mu[first], "sigma": sigma[first], "games": played[first]})
        if sample == shuffled_sample and shuffles:
            shuffled = mu[first + 1 : first + 1 + shuffles]
            frame["shuffle_sd"] = shuffled.std(axis=0, ddof=1) if shuffles > 1 else 0.0
            frame["shuffle_min"] = shuffled.min(axis=0)
            frame["shuffle_max"] = shuffled.max(axis=0)
        tables[sample] = frame
    return tables


def short_form_table(
    games: list[tuple[list[int], list[int]]], values: list[str], shuffles: int, seed: int
) -> pd.DataFrame:
    """The table of one set of games, with the spread over shuffled orders."""
    return short_form_tables({0: games}, values, shuffles, seed)[0]


def save_games(path: str, evidence: dict[int, ShortEvidence], values: list[str]) -> None:
    """Every sample's games and decisions, for the analysis (written atomically)."""
    arrays = {"values": np.array(values, dtype=str), "samples": np.array(sorted(evidence), dtype=np.int64)}
    for sample, found in evidence.items():
        table = GameTable.from_games(found.games, len(values))
        arrays[f"winners_{sample}"], arrays[f"losers_{sample}"] = table.winners, table.losers
        arrays[f"positions_{sample}"] = np.array(found.positions, dtype=np.int64)
        arrays[f"items_{sample}"] = np.array(list(found.decisions), dtype=str)
        arrays[f"decisions_{sample}"] = np.array([d if isinstance(d, str) else "" for d in found.decisions.values()])
    with atomic_target(path, suffix=".npz") as temporary:
        np.savez(temporary, **arrays)


def load_games(path: str, sample: int, values: list[str]) -> ShortEvidence:
    """One sample's evidence saved by ``save_games`` (no decision is stored as None)."""
    with np.load(path) as saved:
        if list(saved["values"]) != list(values):
            raise DataError(path, "was computed with another value vocabulary; rerun the preferences rule")
        if sample not in saved["samples"]:
            raise DataError(path, f"has no sample {sample}; rerun the preferences rule")
        n_values = len(values)
        games = [
            ([int(v) for v in won if v < n_values], [int(v) for v in lost if v < n_values])
            for won, lost in zip(saved[f"winners_{sample}"], saved[f"losers_{sample}"], strict=True)
        ]
        items, decided = saved[f"items_{sample}"].tolist(), saved[f"decisions_{sample}"].tolist()
        decisions = {item: decision or None for item, decision in zip(items, decided, strict=True)}
        return ShortEvidence(games, saved[f"positions_{sample}"].tolist(), decisions)
