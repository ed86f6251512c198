"""The ground truth of a control: its planted latent preferences per vocabulary value and the
parameters that shaped its answers, as written to ``results/controls/`` and read back by the
analysis."""

from dataclasses import asdict

import numpy as np
import pandas as pd

from valueprefs.synthetic.behaviour import ControlParams, latents

LATENT_COLUMNS = ("short_latent", "long_latent")
PARAMETER_TYPES = {name: field.type for name, field in ControlParams.__dataclass_fields__.items()}


def truth_table(params: ControlParams, values: list[str]) -> pd.DataFrame:
    """One row per value: both latents, then the planted parameters (the same on every row)."""
    short, long = latents(params, len(values))
    table = pd.DataFrame({"value": values, "short_latent": short, "long_latent": long})
    return table.assign(**asdict(params))


def read_truth(table: pd.DataFrame, values: list[str]) -> tuple[ControlParams, dict[str, np.ndarray]]:
    """The parameters and the two latents in vocabulary order, from a truth table; a table over
    another vocabulary is an error."""
    if list(table["value"]) != list(values):
        raise ValueError("control truth: its values are not the vocabulary's (rerun the control_truth rule)")
    first = table.iloc[0]
    found = {name: _typed(kind, first[name]) for name, kind in PARAMETER_TYPES.items() if name in first}
    params = ControlParams(**found)
    return params, {column: table[column].to_numpy(dtype=float) for column in LATENT_COLUMNS}


def _typed(kind: type, value):
    """A parameter read back from the table as its type (a flag written as text included)."""
    if kind is bool and isinstance(value, str):
        return value.strip().lower() == "true"
    return kind(value)
