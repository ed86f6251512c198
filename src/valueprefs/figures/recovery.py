"""The study-sizing figure: how well each estimator recovers known preferences, by study size."""

import pandas as pd

from valueprefs.figures import plots
from valueprefs.figures.style import FigureStyle
from valueprefs.io import write_csv
from valueprefs.preferences.simulate import recovery

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


def write_recovery(values: list[str], settings: dict, out_csv: str, out_png: str, style: dict) -> pd.DataFrame:
    """Simulate, write the table and draw the figure."""
    frame = recovery_frame(values, settings)
    write_csv(out_csv, frame)
    look = FigureStyle(**style)
    plots.recovery(frame, len(values), look).savefig(out_png, dpi=look.dpi)
    return frame
