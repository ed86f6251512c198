"""Drawing the paper's figure kinds with a colour-blind-safe palette (matplotlib's
"tableau-colorblind10" by default).

seaborn draws the heatmaps and the palettes only it knows; it is imported only for those, since
importing it (and the scipy.stats it imports) takes seconds, in each of the many figure jobs.
"""

import textwrap

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from valueprefs.figures.style import FigureStyle

ALIGNMENTS = ("base", "instruct")
CONTROL_HATCH = "///"
LABELS = {"base": "base (before alignment)", "instruct": "instruct (after alignment)"}


def palette_colors(name: str, n: int) -> list:
    """``n`` colours of palette ``name``: a matplotlib style's colour cycle or qualitative colour
    map, else a seaborn palette."""
    if name in plt.style.library:
        colors = plt.style.library[name]["axes.prop_cycle"].by_key()["color"]
    elif name in matplotlib.colormaps and hasattr(matplotlib.colormaps[name], "colors"):
        colors = list(matplotlib.colormaps[name].colors)
    else:
        import seaborn as sns

        return list(sns.color_palette(name, n))
    return [colors[i % len(colors)] for i in range(n)]


def _apply(style: FigureStyle) -> dict:
    """A white, lightly gridded look at the style's font scale; the colours of base and instruct."""
    size = 11 * style.font_scale
    plt.rcdefaults()
    plt.rcParams.update(
        {
            "axes.grid": True,
            "axes.axisbelow": True,
            "axes.edgecolor": "0.75",
            "grid.color": "0.88",
            "xtick.major.size": 0,
            "ytick.major.size": 0,
            "font.size": size,
            "axes.labelsize": size,
            "axes.titlesize": size * 1.1,
            "xtick.labelsize": size * 0.92,
            "ytick.labelsize": size * 0.92,
            "legend.fontsize": size * 0.92,
        }
    )
    return dict(zip(ALIGNMENTS, palette_colors(style.palette, 2), strict=True))


def _bars(ax, frame: pd.DataFrame, group: str, colors: dict, ylabel: str) -> None:
    """Bars of ``r`` per ``group`` with base and instruct side by side; whiskers = interval."""
    groups = list(dict.fromkeys(frame[group]))
    width = 0.38
    any_value = np.isfinite(frame["r"].to_numpy(dtype=float)).any()
    for offset, alignment in zip((-width / 2, width / 2), ALIGNMENTS, strict=True):
        present = frame[frame["alignment"] == alignment].set_index(group)
        part = present.reindex(groups)
        configured = np.isin(groups, present.index)  # a run not in the config is drawn as absent
        x = np.arange(len(groups)) + offset
        r = part["r"].to_numpy(dtype=float)
        low = np.clip(r - part["ci_low"].to_numpy(dtype=float), 0, None)
        high = np.clip(part["ci_high"].to_numpy(dtype=float) - r, 0, None)
        errors = np.nan_to_num(np.vstack([low, high]))
        bars = ax.bar(x, np.nan_to_num(r), width, color=colors[alignment])
        ax.bar([0], [0], width=0, color=colors[alignment], label=LABELS[alignment])  # an unhatched legend entry
        control = part["control"].fillna(False).to_numpy(dtype=bool) if "control" in part else np.zeros(len(x), bool)
        for bar in np.array(bars.patches)[control]:
            bar.set(hatch=CONTROL_HATCH, edgecolor="0.15", linewidth=0.6)
        drawn = np.isfinite(r)  # no whisker where there is no bar
        ax.errorbar(x[drawn], r[drawn], yerr=errors[:, drawn], fmt="none", ecolor="0.2", capsize=3, linewidth=1)
        if "paper_r" in part.columns:
            label = "paper's r (same items)" if alignment == ALIGNMENTS[0] else None
            ax.scatter(x, part["paper_r"].to_numpy(dtype=float), marker="o", s=22, color="0.1", zorder=4, label=label)
        if "ceiling" in part.columns:
            label = "noise ceiling" if alignment == ALIGNMENTS[0] else None
            ax.scatter(x, part["ceiling"].to_numpy(dtype=float), marker="_", s=260, linewidths=2.5,
                       color="0.1", zorder=3, label=label)  # fmt: skip
        p_values = part.get("p", pd.Series(np.nan, index=part.index)).to_numpy(dtype=float)
        counts = part.get("n", pd.Series(np.nan, index=part.index)).to_numpy(dtype=float)
        unreliable = part.get("correction", pd.Series("", index=part.index)).eq("unreliable").to_numpy()
        for xi, ri, p, n, low in zip(
            x[configured], r[configured], p_values[configured], counts[configured], unreliable[configured], strict=True
        ):
            n_text = f"n={int(n)}" if np.isfinite(n) else "n=0"
            if not np.isfinite(ri):  # configured, but too few values in common, or too noisy to correct
                if not any_value:  # the panel's message says why for all of them
                    continue
                text = "unreliable" if low else f"n/a ({n_text})"
                ax.text(xi, 0, text, ha="center", va="bottom", fontsize=7, color="0.4", rotation=90)
                continue
            # n on the other side of the zero line from the bar
            ax.text(xi, 0, n_text, ha="center", va="top" if ri >= 0 else "bottom", fontsize=6, color="0.35")
            if np.isfinite(p) and p < 0.05:
                # the star sits beside the whisker, not on it
                ax.text(xi + width / 8, ri, "*", ha="left", va="bottom" if ri >= 0 else "top", fontsize=12)
    if not any_value:
        _no_data(ax, f"no data: no correlation has enough values in common (largest n = {_largest(frame)})")
    else:
        _headroom(ax, frame)
    marked = frame["control"].fillna(False).astype(bool) if "control" in frame else pd.Series(False, frame.index)
    controls = set(frame.loc[marked, group]) if group == "model" else set()
    names = [f"{name}\n(control)" if name in controls else name for name in groups]
    ax.set_xticks(np.arange(len(groups)), names, rotation=20, ha="right")
    ax.tick_params(axis="x", pad=10)  # room for the n under each bar
    if marked.any():
        ax.bar([0], [0], width=0, color="white", edgecolor="0.15", hatch=CONTROL_HATCH, label="control (planted)")
    ax.axhline(0, color="0.3", linewidth=0.8)
    ax.set_ylabel(ylabel)


def _largest(frame: pd.DataFrame) -> int:
    counts = frame["n"].to_numpy(dtype=float) if "n" in frame else np.array([])
    return int(np.nanmax(counts)) if np.isfinite(counts).any() else 0


def _headroom(ax, frame: pd.DataFrame) -> None:
    """Room above the highest whisker or mark for the significance star under a panel's title."""
    marks = [
        frame[column].to_numpy(dtype=float) for column in ("r", "ci_high", "paper_r", "ceiling") if column in frame
    ]
    finite = np.concatenate(marks)
    finite = finite[np.isfinite(finite)]
    low, high = ax.get_ylim()
    top = max(high, float(finite.max()) if finite.size else high)
    ax.set_ylim(low, top + 0.15 * (top - min(low, 0)))


def _no_data(ax, reason: str) -> None:
    """Say why a panel is empty, on a readable -1..1 axis (not a collapsed one), the reason
    wrapped to the panel's width."""
    ax.set_ylim(-1, 1)
    inches = ax.get_position().width * ax.figure.get_figwidth()
    text = "\n".join(textwrap.wrap(reason, max(12, int(inches * 11))))
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=9, transform=ax.transAxes,
            bbox={"facecolor": "white", "edgecolor": "0.6"})  # fmt: skip


def by_family(frame: pd.DataFrame, title: str, ylabel: str, note: str, style: FigureStyle) -> plt.Figure:
    """One group of bars per model family (base and instruct side by side)."""
    colors = _apply(style)
    figure, ax = plt.subplots(figsize=(max(5.5, 1.3 * frame["model"].nunique() + 2), style.height))
    _bars(ax, frame, "model", colors, ylabel)
    ax.set_xlabel("model family")
    _finish(figure, ax, title, note)
    return figure


PANELS_PER_ROW = 3  # a report pane shrinks a figure to its width: wider rows become unreadable


def k_pairs(frame: pd.DataFrame, title: str, note: str, style: FigureStyle) -> plt.Figure:
    """Bars per pair k1-k2; one panel per model family when the frame has several, at most
    three panels a row."""
    colors = _apply(style)
    families = list(dict.fromkeys(frame["model"]))
    columns = min(len(families), PANELS_PER_ROW)
    rows = -(-len(families) // columns)
    size = (max(6.5, 3.6 * columns + 1.5), style.height * rows)
    figure, axes = plt.subplots(rows, columns, figsize=size, squeeze=False)
    panels = list(axes.flat)
    for ax, family in zip(panels, families, strict=False):
        part = frame[frame["model"] == family]
        _bars(ax, part, "pair", colors, "consistency" if "paper_r" in part.columns else "Pearson r")
        is_control = "control" in part and part["control"].fillna(False).astype(bool).any()
        ax.set_title(f"{family}\n(control)" if is_control else family, fontsize=11)
        ax.set_xlabel("k1 - k2")
    for ax in panels[len(families) :]:
        ax.set_visible(False)
    _finish(figure, panels[len(families) - 1], title, note)
    return figure


def frameworks(
    frame: pd.DataFrame, title: str, metric_label: str, note: str, style: FigureStyle, controls: tuple[str, ...] = ()
) -> plt.Figure:
    """Heatmaps of model run x category: rows of panels = data sets, columns = frameworks
    (calibration controls labelled as such)."""
    import seaborn as sns

    _apply(style)
    datasets = list(dict.fromkeys(frame["dataset"]))
    names = list(dict.fromkeys(frame["framework"]))
    kind = np.where(frame["model"].isin(controls), ", control", "")
    runs = frame["model"].astype(str) + " (" + frame["alignment"].astype(str) + kind + ")"
    frame = frame.assign(run=runs)
    # each framework's panels as wide as its categories need (emotions have more than virtues)
    widths = [max(6.0, 0.75 * frame.loc[frame["framework"] == name, "category"].nunique() + 4.5) for name in names]
    figure, axes = plt.subplots(
        len(datasets),
        len(names),
        figsize=(sum(widths), 1.2 + 0.55 * runs.nunique() * len(datasets) + 1.6 * len(datasets)),
        squeeze=False,
        gridspec_kw={"width_ratios": widths},
    )
    for row, dataset in enumerate(datasets):
        for column, framework in enumerate(names):
            ax = axes[row][column]
            part = frame[(frame["dataset"] == dataset) & (frame["framework"] == framework)]
            ax.set_title(f"{dataset}: {framework}", fontsize=11)
            if part.empty:
                ax.text(0.5, 0.5, f"no data: no {framework} scores for {dataset}", ha="center", va="center",
                        transform=ax.transAxes)  # fmt: skip
                ax.set_axis_off()
                continue
            grid = part.pivot_table(index="run", columns="category", values="score")
            sns.heatmap(
                grid,
                ax=ax,
                annot=True,
                fmt=".2f",
                annot_kws={"size": 8},
                cmap="viridis",
                cbar_kws={"label": metric_label},
            )
            ax.grid(False)
            ax.set_xlabel("")
            ax.set_ylabel("")
            ax.tick_params(axis="x", rotation=40)
            ax.tick_params(axis="y", rotation=0)  # run names read across, never stacked on each other
    figure.suptitle(title, fontsize=12)
    figure.text(0.01, 0.005, note, fontsize=8, color="0.35")
    figure.tight_layout(rect=(0, 0.03, 1, 0.96))
    return figure


def recovery(frame: pd.DataFrame, n_values: int, style: FigureStyle) -> plt.Figure:
    """Recovery of known preferences against study size, one line per estimator; dotted:
    the ceiling each estimator's split-half reliability implies."""
    _apply(style)
    figure, ax = plt.subplots(figsize=(6.5, style.height))
    palette = palette_colors(style.palette, frame["estimator"].nunique())
    for color, (estimator, part) in zip(palette, frame.groupby("estimator", sort=False), strict=True):
        ax.plot(part["items"], part["spearman_with_truth"], marker="o", color=color, label=estimator)
        if part["ceiling"].notna().any():
            ax.plot(part["items"], part["ceiling"], linestyle=":", color=color, label=f"{estimator}: ceiling")
    ax.set_xlabel("dilemmas (short form) or responses (long form)")
    ax.set_ylabel("Spearman with the true preferences")
    ax.set_ylim(0, 1)
    _finish(figure, ax, f"How well {n_values} value preferences are recovered, by study size", "simulation")
    return figure


def power(frame: pd.DataFrame, style: FigureStyle) -> plt.Figure:
    """Per simulated study size (one panel each) and k: the headline consistency's mean and its
    mean 95% interval for every planted rho (dashed), and the smallest consistency a run of this
    size tells from 0."""
    _apply(style)
    sizes = sorted(frame["items"].unique())
    figure, axes = plt.subplots(1, len(sizes), figsize=(4.5 * len(sizes) + 1.5, style.height + 0.5), squeeze=False)
    rhos = sorted(frame["rho"].unique())
    palette = palette_colors(style.palette, len(rhos))
    ks = sorted(frame["k"].unique())
    for ax, items in zip(axes[0], sizes, strict=True):
        part = frame[frame["items"] == items]
        for offset, (color, rho) in enumerate(zip(palette, rhos, strict=True)):
            rows = part[part["rho"] == rho].set_index("k").reindex(ks)
            x = np.arange(len(ks)) + (offset - (len(rhos) - 1) / 2) * 0.25
            ax.errorbar(x, rows["consistency"], yerr=rows["width"] / 2, fmt="o", color=color, capsize=3,
                        label=f"planted {rho:g}")  # fmt: skip
            ax.axhline(rho, color=color, linestyle="--", linewidth=0.8)
        detectable = part.groupby("k")["detectable"].max().reindex(ks)
        labels = [f"k = {k}\nfrom 0: {_detectable(found)}" for k, found in zip(ks, detectable, strict=True)]
        ax.set_xticks(np.arange(len(ks)), labels)
        ax.set_xlim(-0.7, len(ks) - 0.3)
        ax.set_title(f"{items} dilemmas", fontsize=10)
        ax.set_ylim(-1.05, 1.05)
    axes[0][0].set_ylabel("headline consistency")
    first = frame.iloc[0]
    note = (
        f"dots: mean over {int(first['studies'])} simulated studies (scenario {first['scenario']}), bars: their "
        "mean 95% interval, dashed: planted; 'from 0': the smallest consistency a run of this size detects "
        "with 80% power at 5%, from the widest of those intervals (detectable_difference in power.csv: "
        "between two runs)"
    )
    _finish(figure, axes[0][-1], f"What the headline can resolve with {int(first['values'])} values", note)
    return figure


def alignment_differences(frame: pd.DataFrame, style: FigureStyle) -> plt.Figure:
    """Instruct minus base, one line per comparison (``comparisons.csv`` rows): per family a
    filled dot for the headline consistency and an open one for the paper's statistic, and the
    mean over families as a diamond: the companion of the consistency figures (3a, 3b, 12, 4,
    5a, 5b), a difference with its own interval instead of two overlapping whiskers."""
    _apply(style)
    labels = [
        f"{row.analysis.replace('_', ' ')}, {row.dataset}, {row.setting}".rstrip(", ") for row in frame.itertuples()
    ]
    order = list(dict.fromkeys(labels))
    figure, ax = plt.subplots(figsize=(8, max(style.height, 0.6 * len(order) + 2)))
    families = [name for name in dict.fromkeys(frame["family"]) if name != "pooled"]
    palette = dict(zip(families, palette_colors(style.palette, max(len(families), 1)), strict=False))
    slots = [*families, "pooled"]
    for label, row in zip(labels, frame.itertuples(), strict=True):
        headline = row.statistic == "headline consistency"
        offset = (slots.index(row.family) - (len(slots) - 1) / 2) * 0.14 + (0.0 if headline else 0.05)
        color = "0.1" if row.family == "pooled" else palette[row.family]
        error = [[row.estimate - row.ci_low], [row.ci_high - row.estimate]]
        ax.errorbar(row.estimate, order.index(label) + offset, xerr=error, fmt="D" if row.family == "pooled" else "o",
                    capsize=3, color=color, markerfacecolor=color if headline else "white", markersize=6)  # fmt: skip
    for name in families:
        ax.plot([], [], "o", color=palette[name], label=name)
    if "pooled" in set(frame["family"]):
        ax.plot([], [], "D", color="0.1", label="mean over families")
    ax.plot([], [], "o", color="0.5", markerfacecolor="white", label="paper's statistic")
    ax.axvline(0, color="0.4", linewidth=1)
    ax.set_yticks(range(len(order)), ["\n".join(textwrap.wrap(label, 34)) for label in order])
    ax.invert_yaxis()
    ax.set_xlabel("instruct minus base")
    note = (
        "filled: headline consistency, open: the paper's statistic, each with its 95% interval (paired over the "
        "same resampled items where both alignments answered the same items); diamonds: mean over families; "
        "right of 0: alignment raised consistency (results/analysis/comparisons.csv, claims.csv)"
    )
    _finish(figure, ax, "Does alignment change consistency? Instruct minus base", note)
    return figure


def _detectable(consistency: float) -> str:
    """A detectable consistency as a label: none beyond 1 (or where it could not be estimated)."""
    return f"{consistency:.2f}" if np.isfinite(consistency) and consistency <= 1 else "none"


def message(title: str, text: str, style: FigureStyle) -> plt.Figure:
    """A figure that says why there is nothing to plot (e.g. a data set not configured)."""
    _apply(style)
    figure, ax = plt.subplots(figsize=(6, 2.5), layout="constrained")
    ax.text(0.5, 0.5, "\n".join(textwrap.wrap(text, 60)), ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()
    figure.suptitle("\n".join(textwrap.wrap(title, 54)), fontsize=12)
    return figure


def _finish(figure: plt.Figure, ax, title: str, note: str) -> None:
    """The wrapped title at the top, the legend in rows under it, the note at the bottom, and
    the panels laid out in the room left between them, each part measured by the renderer:
    nothing covers a bar, a mark or a panel title (each figure job checks its labels with
    ``valueprefs.figures.overlaps``)."""
    width, renderer = figure.get_figwidth(), figure.canvas.get_renderer()

    def share(artist) -> float:  # its height as a share of the figure's
        return artist.get_window_extent(renderer).height / figure.bbox.height

    heading = figure.suptitle("\n".join(textwrap.wrap(title, int(width * 9))), fontsize=12, y=0.99, va="top")
    top = 0.98 - share(heading)
    entries = {}  # every panel's legend entries, each label once, in the order drawn
    for panel in [ax, *figure.axes]:
        entries |= {label: handle for handle, label in zip(*panel.get_legend_handles_labels(), strict=True)}
    handles, labels = list(entries.values()), list(entries)
    if handles:
        widest = 0.5 + 0.075 * max(len(label) for label in labels)  # inches at font size 8
        columns = max(1, min(len(labels), int(width // widest)))
        legend = figure.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, top), ncol=columns,
                               fontsize=8, frameon=False)  # fmt: skip
        top -= share(legend)
    footer = figure.text(0.01, 0.01, "\n".join(textwrap.wrap(note, int(width * 14))), va="bottom", fontsize=8,
                         color="0.35")  # fmt: skip
    figure.tight_layout(rect=(0, 0.02 + share(footer), 1, top))
