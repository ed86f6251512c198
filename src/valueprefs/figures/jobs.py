"""The figure rules' jobs: one paper figure from the analysis tables (its data as CSV, PNG and
PDF), and the study-sizing figure.

Each job imports what only it uses inside its body: a job starts without loading the others'
libraries (a figure job in half the time). The code digest follows what a job uses of this
module wherever it is imported (see ``valueprefs.runtime.code_digest``).
"""

import logging
from dataclasses import dataclass
from pathlib import Path

from valueprefs.io import atomic_target, iter_jsonl, read_optional_csv, read_values, write_csv

log = logging.getLogger("valueprefs.figures")


def save_figure(figure, path: str, **options) -> None:
    """Save a matplotlib figure whole or not at all; a full disk names ``path``. Labels that
    collide in a PNG are logged as warnings (one line each)."""
    if path.endswith(".png"):
        from valueprefs.figures.overlaps import text_collisions

        for collision in text_collisions(figure):
            log.warning("%s: %s", Path(path).name, collision)
    with atomic_target(path, suffix=Path(path).suffix) as temporary:
        figure.savefig(temporary, format=Path(path).suffix.lstrip("."), **options)


@dataclass(frozen=True)
class FigureStudy:
    """What a paper figure needs of the config: each data set's kind, the k values, the
    reference data set, the interval settings, the control families (drawn hatched, labelled)
    and why the config gives the figure nothing to show, if it does not (``registry.unrated``)."""

    kinds: dict[str, str]  # data set name -> kind
    ks: list[int]
    reference: str | None
    intervals: dict
    controls: tuple[str, ...] = ()
    unrated: str | None = None


def render_figure(
    number: str, inputs: dict[str, str], study: FigureStudy, outputs: dict[str, str], style: dict | None = None
) -> str:
    """Write one figure (``outputs``: png, pdf, and the data behind it as csv in ``data``) from
    the analysis tables (``inputs``: correlations, replicates, frameworks); return its caption."""
    import pandas as pd

    from valueprefs.figures import plots
    from valueprefs.figures.captions import caption
    from valueprefs.figures.figure_data import COLUMNS, missing, note
    from valueprefs.figures.registry import BY_NUMBER, resolve
    from valueprefs.figures.style import FigureStyle

    look = FigureStyle(**(style or {}))
    spec = BY_NUMBER[number]
    setting = resolve(spec, study.kinds, study.ks, study.reference)
    title = f"Figure {number.lstrip('0')}: {spec.title}"
    if study.unrated:
        log.info("%s", study.unrated)
        frame, drawn = pd.DataFrame(columns=COLUMNS), plots.message(title, study.unrated, look)
    else:
        footer = note(spec, setting, study.intervals["resampling"])
        frame, drawn = _figure(spec, setting, inputs, tuple(study.controls), (title, footer, look))
    if drawn is None:
        drawn = plots.message(title, missing(spec, setting), look)
    _save(drawn, frame, outputs, look)
    return caption(spec, setting, study.intervals)


def _figure(spec, setting: dict, inputs: dict[str, str], controls: tuple[str, ...], labels: tuple):
    """The data behind a figure and its drawing (None: nothing to draw); ``labels`` are the
    title, the footer and the style."""
    import pandas as pd

    from valueprefs.figures import plots
    from valueprefs.figures.figure_data import COLUMNS, evidence_note, figure_data, ylabel
    from valueprefs.figures.registry import lacks_k

    title, footer, look = labels
    if spec.kind == "frameworks":
        frame = read_optional_csv(inputs["frameworks"])
        if not frame.empty:
            frame = frame[(frame["metric"] == spec.analysis) & (frame["k"] == setting["k"])]
        if frame.empty:
            return frame, None
        return frame, plots.frameworks(frame, title, spec.analysis.replace("_", " "), footer, look, controls)
    if (setting["dataset"] is None and spec.dataset is not None) or lacks_k(spec, setting):
        return pd.DataFrame(columns=COLUMNS), None
    correlations = read_optional_csv(inputs["correlations"])
    if correlations.empty:
        return pd.DataFrame(), None
    frame = figure_data(spec, setting, correlations, _replicates(inputs["replicates"]), controls)
    footer += evidence_note(frame)
    if controls and spec.kind == "k_pairs_mean":
        footer += "; calibration controls shown apart (hatched), not in the families' mean"
    if frame.empty:
        return frame, None
    if spec.kind == "by_family":
        return frame, plots.by_family(frame, title, ylabel(spec.analysis), footer, look)
    return frame, plots.k_pairs(frame, title, footer, look)


def _replicates(path: str) -> dict[tuple, list]:
    """(model, alignment, key) -> the bootstrap replicates of that row, and of its headline
    consistency under ``<key>/consistency``."""
    replicates = {}
    for _, row in iter_jsonl(path, allow_empty=True):
        replicates[row["model"], row["alignment"], row["key"]] = row["replicates"]
        if "consistency" in row:
            replicates[row["model"], row["alignment"], f"{row['key']}/consistency"] = row["consistency"]
    return replicates


def _save(drawn, frame, outputs: dict[str, str], look) -> None:
    """The figure as PNG and PDF (no timestamp: a rerun writes the same bytes) and its data."""
    write_csv(outputs["data"], frame)
    save_figure(drawn, outputs["png"], dpi=look.dpi)
    save_figure(drawn, outputs["pdf"], metadata={"CreationDate": None})


def render_alignment_figure(comparisons_csv: str, style: dict, outputs: dict[str, str]):
    """The companion of the consistency figures: instruct minus base of the headline consistency
    and the paper's statistic per family and pooled, from the comparisons table (a message where
    no family has both)."""
    from valueprefs.figures import plots
    from valueprefs.figures.style import FigureStyle

    look = FigureStyle(**(style or {}))
    frame = read_optional_csv(comparisons_csv)
    if not frame.empty:
        frame = frame[
            (frame["comparison"] == "alignment")
            & frame["analysis"].isin(["short_vs_long", "between_k", "temperature"])
            & frame["estimate"].notna()
        ].fillna({"setting": ""})
    title = "Does alignment change consistency? Instruct minus base"
    if frame.empty:
        text = "No model family has both base and instruct in this config (models.<family>.base and .instruct)."
        drawn = plots.message(title, text, look)
    else:
        drawn = plots.alignment_differences(frame, look)
    _save(drawn, frame, outputs, look)
    return frame


def write_recovery(vocabulary_csv: str, settings: dict, out_csv: str, out_png: str, style: dict) -> object:
    """Simulate studies of the configured sizes, write the table and draw the figure."""
    from valueprefs.figures import plots
    from valueprefs.figures.recovery import recovery_frame
    from valueprefs.figures.style import FigureStyle

    values = read_values(vocabulary_csv)
    frame = recovery_frame(values, settings)
    write_csv(out_csv, frame)
    look = FigureStyle(**style)
    save_figure(plots.recovery(frame, len(values), look), out_png, dpi=look.dpi)
    return frame


def write_power(
    vocabulary_csv: str,
    items_jsonl: str | None,
    power: dict,
    calibration: dict,
    analysis: dict,
    ks: list[int],
    outputs: dict[str, str],
    style: dict,
) -> object:
    """Simulate control studies of this study's size (``power["items"]``, or else as many
    dilemmas as ``items_jsonl`` holds), write the power table and draw the figure (``outputs``:
    ``table``, ``figure``)."""
    from valueprefs.analysis.power import power_table
    from valueprefs.analysis.settings import Settings
    from valueprefs.figures import plots
    from valueprefs.figures.style import FigureStyle

    values = read_values(vocabulary_csv)
    sizes = power["items"] or [max(sum(1 for _ in iter_jsonl(items_jsonl)), 10)]
    settings = Settings.from_analysis(analysis)
    frame = power_table(values, {**power, "items": sizes}, calibration["control"], ks, settings)
    write_csv(outputs["table"], frame)
    look = FigureStyle(**style)
    save_figure(plots.power(frame, look), outputs["figure"], dpi=look.dpi)
    return frame
