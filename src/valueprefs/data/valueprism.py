"""ValuePrism (Sorensen et al., 2024) for value recognition, from a local CSV file.

The upstream file has one row per (situation, value/right/duty); rows whose ``vrd`` is
``Value`` give a situation's gold values. Situations are numbered in file order.
"""

from pathlib import Path

import pandas as pd

from valueprefs.data.schema import require_columns, validate_recognition
from valueprefs.io import read_csv

COLUMNS = ("situation", "vrd", "text")


def load_valueprism(path: str | Path) -> tuple[pd.DataFrame, dict]:
    """Situations with their gold value names (not yet mapped to the vocabulary)."""
    source = str(path)
    frame = read_csv(path)
    require_columns(frame, COLUMNS, source)
    values = frame[frame["vrd"].str.strip().str.lower() == "value"]
    grouped = values.groupby("situation", sort=False)["text"].agg(
        lambda names: [n for n in names if isinstance(n, str)]
    )
    table = pd.DataFrame(
        {"situation_id": [f"vp-{i}" for i in range(len(grouped))], "situation": grouped.index, "values": grouped.values}
    )
    report = {"rows": len(frame), "value_rows": len(values), "situations": len(table)}
    return validate_recognition(table, source), report
