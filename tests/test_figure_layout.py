"""Labels never collide: the checker every figure job runs finds planted collisions (overlapping
texts, text cut off by the figure's edge) and passes slanted neighbours that do not touch; the
figure kinds drawn from demo-shaped rows (controls, runs with no value, long family names,
panels with nothing to plot) come out without a collision."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from valueprefs.figures import plots
from valueprefs.figures.overlaps import text_collisions
from valueprefs.figures.style import FigureStyle

FAMILIES = ("control-aligned", "control-consistent", "control-inconsistent", "gemma3-270m", "smollm2-135m")


def test_the_checker_finds_overlapping_and_cut_off_texts():
    figure, ax = plt.subplots(figsize=(4, 3))
    ax.set_axis_off()
    ax.text(0.5, 0.5, "hello world", transform=ax.transAxes)
    assert text_collisions(figure) == []
    ax.text(0.52, 0.51, "planted clash", transform=ax.transAxes)
    figure.text(0.93, 0.5, "off the edge")
    found = text_collisions(figure)
    assert "'hello world' overlaps 'planted clash'" in found
    assert "'off the edge' is cut off by the figure's edge" in found
    plt.close(figure)


@pytest.mark.parametrize(("rotation", "collide"), [(45, False), (5, True)])
def test_slanted_tick_labels_collide_only_where_their_letters_meet(rotation, collide):
    """Their upright boxes overlap in both cases; their own rotated boxes only when nearly flat."""
    figure, ax = plt.subplots(figsize=(4, 3))
    ax.set_xticks(range(8), [f"long label number {i}" for i in range(8)], rotation=rotation, ha="right")
    figure.tight_layout()
    overlaps = [line for line in text_collisions(figure) if "overlaps" in line]
    assert bool(overlaps) == collide, overlaps
    plt.close(figure)


def bar_rows(pairs: bool = False) -> pd.DataFrame:
    """Rows as the demo has them: planted controls with values, the small models with none."""
    rows = []
    for family in FAMILIES:
        control = family.startswith("control")
        for alignment in ("base", "instruct"):
            r = 0.995 if control else np.nan
            rows.append({"model": family, "alignment": alignment, "r": r, "p": 0.001 if control else np.nan,
                         "n": 59 if control else 0, "ci_low": r - 0.05, "ci_high": min(r + 0.05, 1.0),
                         "control": control, "paper_r": r - 0.1} | ({"pair": "3-5"} if pairs else {}))  # fmt: skip
    return pd.DataFrame(rows)


def test_demo_shaped_figures_have_no_colliding_labels():
    style = FigureStyle()
    note = "dailydilemmas; k = 5; whiskers: delete-half jackknife 95% interval; * p < 0.05; " * 3
    figures = {
        "by family": plots.by_family(bar_rows(), "Figure 4: Consistency across samples", "consistency", note, style),
        "k pairs": plots.k_pairs(bar_rows(pairs=True), "Figure 18: Between numbers of arguments", note, style),
        "nothing to plot": plots.message(
            "Figure 14: Consistency across temperature samples (mean Spearman)",
            "This config has no k for the paper's k = 20: generation.k (3, 5) is matched to the paper's 5, 10, 20.",
            style,
        ),
    }
    for name, figure in figures.items():
        assert text_collisions(figure) == [], name
        plt.close(figure)
