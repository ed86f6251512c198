"""The paper's Table 1: two dilemmas processed in order, TrueSkill beliefs after each."""

import numpy as np
import pandas as pd

from valueprefs.preferences.trueskill_games import GameTable, play

VALUES = [
    "Empathy", "Consideration", "Vulnerability", "Sacrifice", "Courage",
    "Privacy", "Independence", "Integrity", "Compassion", "Honesty",
]  # fmt: skip
# (chosen action's values, other action's values), as in the paper's two rows.
GAMES = [
    (["Honesty", "Vulnerability", "Courage", "Empathy", "Compassion"], ["Privacy", "Independence"]),
    (["Honesty", "Courage", "Integrity"], ["Compassion", "Empathy", "Sacrifice", "Consideration"]),
]


def table1() -> pd.DataFrame:
    """mu and sigma of every value after each decision, rounded to 3 decimals as in the paper."""
    index = {value: i for i, value in enumerate(VALUES)}
    games = [([index[v] for v in won], [index[v] for v in lost]) for won, lost in GAMES]
    table = GameTable.from_games(games, len(VALUES))
    rows = []
    for step in (1, 2):
        mu, sigma, _ = play(table, np.arange(step)[None, :])
        for value, m, s in zip(VALUES, mu[0], sigma[0], strict=True):
            rows.append({"after_decision": step, "value": value, "mu": round(float(m), 3), "sigma": round(float(s), 3)})
    return pd.DataFrame(rows)


def table1_markdown(frame: pd.DataFrame) -> str:
    """The table in the paper's layout: one row per decision, beliefs of every value."""
    lines = ["| decision | chosen values | other values | beliefs after it (mu, sigma) |", "| --- | --- | --- | --- |"]
    for step, (won, lost) in enumerate(GAMES, start=1):
        after = frame[frame["after_decision"] == step]
        beliefs = "; ".join(f"{r.value}: N({r.mu:.3f}, {r.sigma:.3f})" for r in after.itertuples())
        lines.append(f"| {step} | {', '.join(won)} | {', '.join(lost)} | {beliefs} |")
    return "\n".join(lines) + "\n"
