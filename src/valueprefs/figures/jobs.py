"""The figure rules' jobs: one paper figure from the analysis tables (its data as CSV, PNG and
PDF), and the study-sizing figure.

Each job imports what it uses inside its body (see ``valueprefs.runtime.code_digest``).
"""

import logging
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


def render_figure(
    number: str,
    correlations_csv: str,
    replicates_jsonl: str,
    frameworks_csv: str,
    datasets: dict[str, str],
    ks: list[int],
    reference: str | None,
    intervals: dict,
    out_png: str,
    out_pdf: str,
    out_csv: str,
    style: dict | None = None,
    controls: tuple[str, ...] = (),
    unrated: str | None = None,
) -> str:
    """Write one figure (PNG, PDF) and the data behind it (CSV); return its caption.
    ``controls``: the model families that are calibration controls (drawn hatched, labelled);
    ``unrated``: why the config gives this figure nothing to show (``registry.unrated``)."""
    import pandas as pd

    from valueprefs.figures import plots
    from valueprefs.figures.captions import caption
    from valueprefs.figures.figure_data import COLUMNS, evidence_note, figure_data, missing, note, ylabel
    from valueprefs.figures.registry import BY_NUMBER, lacks_k, resolve
    from valueprefs.figures.style import FigureStyle

    look = FigureStyle(**(style or {}))
    spec = BY_NUMBER[number]
    setting = resolve(spec, datasets, ks, reference)
    text = caption(spec, setting, intervals)
    title = f"Figure {number.lstrip('0')}: {spec.title}"
    footer = note(spec, setting, intervals["resampling"])
    if unrated:
        log.info("%s", unrated)
        frame, drawn = pd.DataFrame(columns=COLUMNS), plots.message(title, unrated, look)
    elif spec.kind == "frameworks":
        frame = read_optional_csv(frameworks_csv)
        if not frame.empty:
            frame = frame[(frame["metric"] == spec.analysis) & (frame["k"] == setting["k"])]
        label = spec.analysis.replace("_", " ")
        drawn = plots.frameworks(frame, title, label, footer, look, tuple(controls)) if not frame.empty else None
    elif (setting["dataset"] is None and spec.dataset is not None) or lacks_k(spec, setting):
        frame, drawn = pd.DataFrame(columns=COLUMNS), None
    else:
        correlations = read_optional_csv(correlations_csv)
        replicates = {}
        for _, row in iter_jsonl(replicates_jsonl, allow_empty=True):
            replicates[row["model"], row["alignment"], row["key"]] = row["replicates"]
            if "consistency" in row:  # the headline consistency's own replicates
                replicates[row["model"], row["alignment"], f"{row['key']}/consistency"] = row["consistency"]
        frame = (
            figure_data(spec, setting, correlations, replicates, tuple(controls))
            if not correlations.empty
            else pd.DataFrame()
        )
        footer += evidence_note(frame)
        if controls and spec.kind == "k_pairs_mean":
            footer += "; calibration controls shown apart (hatched), not in the families' mean"
        if frame.empty:
            drawn = None
        elif spec.kind == "by_family":
            drawn = plots.by_family(frame, title, ylabel(spec.analysis), footer, look)
        else:
            drawn = plots.k_pairs(frame, title, footer, look)
    if drawn is None:
        drawn = plots.message(title, missing(spec, setting), look)
    write_csv(out_csv, frame)
    save_figure(drawn, out_png, dpi=look.dpi)
    save_figure(drawn, out_pdf, metadata={"CreationDate": None})  # no timestamp: a rerun writes the same bytes
    return text


def render_alignment_figure(comparisons_csv: str, style: dict, out_png: str, out_pdf: str, out_csv: str):
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
    write_csv(out_csv, frame)
    save_figure(drawn, out_png, dpi=look.dpi)
    save_figure(drawn, out_pdf, metadata={"CreationDate": None})
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
    out_csv: str,
    out_png: str,
    style: dict,
) -> object:
    """Simulate control studies of this study's size (``power["items"]``, or else as many
    dilemmas as ``items_jsonl`` holds), write the power table and draw the figure."""
    from valueprefs.analysis.power import power_table
    from valueprefs.analysis.settings import Settings
    from valueprefs.figures import plots
    from valueprefs.figures.style import FigureStyle

    values = read_values(vocabulary_csv)
    sizes = power["items"] or [max(sum(1 for _ in iter_jsonl(items_jsonl)), 10)]
    settings = Settings.from_analysis(analysis)
    frame = power_table(values, {**power, "items": sizes}, calibration["control"], ks, settings)
    write_csv(out_csv, frame)
    look = FigureStyle(**style)
    save_figure(plots.power(frame, look), out_png, dpi=look.dpi)
    return frame
