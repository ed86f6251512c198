"""The study-sizing figure: how well each estimator recovers known preferences, by study size."""

import pandas as pd

from valueprefs.analysis.simulate import recovery

ESTIMATORS = {"short": "TrueSkill (short form)", "logistic": "logistic batch (short form)"}


def recovery_frame(values: list[str], settings: dict) -> pd.DataFrame:
    """One row per size and estimator: Spearman with the truth, split-half reliability and the
    ceiling it implies for correlating with the truth (sqrt of the reliability)."""
    rows = recovery(
        values, settings["set_sizes"], settings["sizes"], k=settings["k"], noise=settings["noise"],
        seed=settings["seed"], zipf=settings["zipf"],
    )  # fmt: skip
    frame = []
    for row in rows:
        for name, label in ESTIMATORS.items():
            reliability = row[f"{name}_reliability"]
            frame.append(
                {
                    "items": row["items"],
                    "estimator": label,
                    "spearman_with_truth": row[f"{name}_spearman"],
                    "reliability": reliability,
                    "ceiling": max(reliability, 0.0) ** 0.5,
                    "values": row[f"{name}_values"],
                }
            )
        frame.append(
            {
                "items": row["items"],
                "estimator": f"long form (k = {settings['k']})",
                "spearman_with_truth": row["long_spearman"],
                "values": row["long_values"],
            }
        )
    return pd.DataFrame(frame)
